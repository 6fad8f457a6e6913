"""The people pages in headless Chromium: real form posts (Origin, cookies, CSRF) from sign-in to removal."""

from __future__ import annotations

import os

import pytest
from conftest import start_server

pytestmark = pytest.mark.browser
CHROMIUM = os.environ.get("PLANDESK_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
PASSWORD = "correct horse battery staple"


@pytest.fixture
def team_server(workspace):
    workspace.cli("init")
    workspace.cli(
        "user",
        "create",
        "--email",
        "lead@example.com",
        "--role",
        "owner",
        "--password-stdin",
        input=PASSWORD + "\n",
    )
    s = start_server(workspace)
    yield s
    s.stop()


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield b
        b.close()


def new_page(browser, server):
    context = browser.new_context(base_url=server.url, viewport={"width": 1200, "height": 800})
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    page.on(
        "console", lambda m: page.problems.append(m.text) if "Content Security Policy" in m.text else None
    )
    return page


def sign_in(page, email: str, next_path: str = "/settings/members") -> None:
    page.goto(f"/signin?next={next_path}")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{next_path}")


def test_a_person_is_invited_joins_is_re_roled_and_removed_through_the_pages(browser, team_server):
    lead = new_page(browser, team_server)
    sign_in(lead, "lead@example.com")
    assert lead.locator("h1").inner_text() == "Members"

    lead.select_option("form[action='/settings/members/invite'] select[name=role]", "viewer")
    lead.click("text=Create invitation link")
    link = lead.locator("#invite-url").inner_text()
    assert "/invite/plandesk_invite_" in link

    guest = new_page(browser, team_server)
    guest.goto(link)
    assert "viewer" in guest.locator("main").inner_text()
    guest.fill("input[name=email]", "sam@example.com")
    guest.fill("input[name=name]", "Sam")
    guest.fill("input[name=password]", PASSWORD)
    guest.click("button[type=submit]")
    guest.wait_for_url(f"{team_server.url}/")
    assert "Sam" in guest.locator(".sidebar-foot").inner_text()

    lead.goto("/settings/members")
    row = lead.locator("tr", has_text="sam@example.com")
    row.locator("select[name=role]").select_option("member")
    row.locator("button", has_text="Change").click()
    lead.wait_for_url("**/settings/members")
    assert guest.request.get("/api/v1/auth/me").json()["role"] == "member"

    row = lead.locator("tr", has_text="sam@example.com")
    row.locator("summary").click()
    row.locator("button", has_text="Remove Sam").click()
    lead.wait_for_url("**/settings/members")
    assert "sam@example.com" not in lead.locator("main").inner_text()
    assert guest.request.get("/api/v1/auth/me").status == 401

    lead.click("text=Sign out")
    lead.click("button[type=submit]")
    lead.wait_for_url("**/signin")
    assert lead.request.get("/api/v1/auth/me").status == 401
    assert lead.problems == []
    assert guest.problems == []


def test_a_shared_task_opens_as_a_clean_page_in_a_browser_that_never_signed_in(browser, team_server):
    lead = new_page(browser, team_server)
    sign_in(lead, "lead@example.com", next_path="/")
    token = lead.evaluate("document.querySelector('meta[name=csrf-token]').content")
    headers = {"X-CSRF-Token": token}
    project = lead.request.post("/api/v1/projects", data={"name": "Checkout"}, headers=headers).json()
    task = lead.request.post(
        f"/api/v1/projects/{project['id']}/tasks",
        headers=headers,
        data={"label": "Ship the form", "description": "Check **both** card fields."},
    ).json()
    link = lead.request.post(
        f"/api/v1/tasks/{task['id']}/share", data={"expires": "7d"}, headers=headers
    ).json()

    stranger = new_page(browser, team_server)
    stranger.goto(link["url"])
    assert stranger.locator("h1").inner_text() == "Ship the form"
    assert stranger.locator(".markdown strong").inner_text() == "both"
    stranger.click("text=this page as Markdown")
    assert stranger.locator("body").inner_text().startswith("# Ship the form")
    assert stranger.problems == []
