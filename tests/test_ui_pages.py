"""Smaller parts of the UI in Chromium: the shortcut overlay, the theme switch, overdue dates, plain-text
excerpts, Settings forms that save, the connect-an-agent pointer, the offline badge, 390 px pages that fit, and
the screenshots."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_support import run_cli
from web_support import make_project, make_task, new_page, shot

pytestmark = [pytest.mark.browser, pytest.mark.server("port")]  # Chromium needs a real port
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "checkout-revamp.json"

# Elements whose right edge passes the viewport, outside any box that scrolls sideways on purpose.
TOO_WIDE_JS = """() => {
  const width = document.documentElement.clientWidth;
  const scrolls = (el) => { for (let p = el.parentElement; p; p = p.parentElement) {
    const s = getComputedStyle(p); if (["auto", "scroll"].includes(s.overflowX) && p !== document.documentElement && p !== document.body) return true; } return false; };
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    if (el.closest("dialog:not([open]), [hidden], .sidebar, svg")) continue;
    const r = el.getBoundingClientRect();
    if (r.width && r.right > width + 1 && !scrolls(el)) out.push(`${el.tagName.toLowerCase()}.${el.className} ${Math.round(r.right)}`);
  }
  return { out: out.slice(0, 8), scrollWidth: document.documentElement.scrollWidth, width };
}"""


@pytest.fixture(scope="module")
def example(port_server) -> str:
    out = run_cli(port_server.workspace, "import", "--in", str(EXAMPLE))
    return out.stdout.strip().splitlines()[-1]


def test_question_mark_opens_the_shortcut_overlay(page, example):
    page.goto(f"/projects/{example}/board")
    page.locator(".card").first.wait_for()
    page.keyboard.press("?")
    page.locator("#shortcuts[open]").wait_for()
    assert "Ctrl" in page.locator("#shortcuts").inner_text()
    page.keyboard.press("Escape")
    page.locator("#shortcuts[open]").wait_for(state="detached")


def test_the_theme_switch_is_remembered_across_pages(page, example):
    page.goto(f"/projects/{example}/board")
    switch = page.locator('[data-action="theme"]')
    assert switch.inner_text() == "System"
    switch.click()
    switch.click()
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    page.goto(f"/projects/{example}/list")
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != "rgb(248, 248, 250)"


def test_system_follows_a_dark_os_and_a_pinned_light_theme_overrides_it(browser, server, example):
    page = new_page(browser, server, dark=True)
    page.goto(f"/projects/{example}/board")
    background = "getComputedStyle(document.body).backgroundColor"
    assert page.locator('[data-action="theme"]').inner_text() == "System"
    assert page.evaluate(background) == "rgb(16, 17, 20)"
    page.locator('[data-action="theme"]').click()
    assert page.evaluate("document.documentElement.dataset.theme") == "light"
    assert page.evaluate(background) == "rgb(248, 248, 250)"
    page.goto(f"/projects/{example}/list")
    assert page.evaluate(background) == "rgb(248, 248, 250)"


def test_overdue_dates_are_highlighted_on_cards(page, api):
    project = make_project(api, "Overdue")
    make_task(api, project["id"], "Late task", due_date="2020-01-02")
    make_task(api, project["id"], "Future task", due_date="2999-01-02")
    page.goto(f"/projects/{project['id']}/board")
    assert page.locator(".card", has_text="Late task").locator(".due.overdue").count() == 1
    assert page.locator(".card", has_text="Future task").locator(".due.overdue").count() == 0


def test_document_cards_show_markdown_as_plain_text(page, api):
    project = make_project(api, "Docs excerpt")
    r = api.post(
        f"/api/v1/projects/{project['id']}/documents",
        json={"title": "Spec", "body": "# Heading\n\n**Status:** draft with `code`"},
    )
    assert r.status_code == 201, r.text
    page.goto(f"/projects/{project['id']}/documents")
    excerpt = page.locator(".doc-card-excerpt").first.inner_text()
    assert "Status: draft with code" in excerpt
    assert "**" not in excerpt


@pytest.mark.parametrize(
    ("path", "field"), [("/settings/tasks", "refuse_blocked_moves"), ("/settings/oauth", "registration_open")]
)
def test_a_settings_form_saves_from_the_browser(page, api, path, field):
    """A plain HTML form: its page must let the browser send its Origin (not "null"), which the server requires."""
    before = api.get(f"/api/v1{path}").json()
    page.goto(path)
    page.locator(f'input[name="{field}"]').set_checked(not before[field])
    page.get_by_role("button", name="Save").click()
    page.get_by_role("status").filter(has_text="Saved.").wait_for()
    assert api.get(f"/api/v1{path}").json()[field] is (not before[field])
    assert api.put(f"/api/v1{path}", json={field: before[field]}).status_code == 200


def test_a_new_projects_overview_points_to_connecting_an_agent(page, api):
    project = make_project(api, "Fresh")
    page.goto(f"/projects/{project['id']}")
    page.get_by_role("link", name="Connect an agent").wait_for()


def test_the_badge_says_offline_when_the_network_drops_and_live_when_it_returns(page, example):
    page.goto(f"/projects/{example}/board")
    page.locator('#live[data-state="live"]').wait_for()
    page.context.set_offline(True)
    page.locator('#live[data-state="offline"]').wait_for()
    assert page.locator("#live .live-text").inner_text() == "Offline"
    page.context.set_offline(False)
    page.locator('#live[data-state="live"]').wait_for()


PAGES_390 = ("board", "list", "flow", "activity", "documents", "")


def test_390_px_pages_have_no_element_wider_than_the_viewport(browser, server, api, example):
    assert api.post("/api/v1/tokens", json={"name": "a phone-width check token"}).status_code == 201
    page = new_page(browser, server, width=390, height=844, mobile=True)
    wide = {}
    for view in PAGES_390:
        page.goto(f"/projects/{example}/{view}".rstrip("/"))
        page.locator("#main").wait_for()
        result = page.evaluate(TOO_WIDE_JS)
        if result["out"] or result["scrollWidth"] > result["width"]:
            wide[view or "overview"] = result
    page.goto("/settings/mcp")
    page.locator("#main").wait_for()
    result = page.evaluate(TOO_WIDE_JS)
    if result["out"] or result["scrollWidth"] > result["width"]:
        wide["settings/mcp"] = result
    shot(page, "settings-mcp-390", full_page=True)
    assert wide == {}


@pytest.mark.parametrize("mode", ["light", "dark", "390"])
def test_screenshots_of_the_board_and_activity(browser, server, api, example, mode):
    kwargs = {"light": {}, "dark": {"dark": True}, "390": {"width": 390, "height": 844, "mobile": True}}[mode]
    tasks = api.get(f"/api/v1/projects/{example}/tasks").json()["items"]
    todo = next((t for t in tasks if t["status"] == "todo" and not t.get("assignee")), None) or tasks[0]
    api.patch(
        f"/api/v1/tasks/{todo['id']}", json={"assignee": f"reviewer-{mode}", "version": todo["version"]}
    )
    page = new_page(browser, server, **kwargs)
    page.goto(f"/projects/{example}/board")
    page.locator(".card").first.wait_for()
    shot(page, f"board-{mode}")
    page.goto(f"/projects/{example}/activity")
    page.locator(".timeline-item").first.wait_for()
    shot(page, f"activity-{mode}")
    page.goto(f"/projects/{example}/list")
    shot(page, f"list-{mode}")
