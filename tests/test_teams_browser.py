"""The people pages in headless Chromium: real form posts (Origin, cookies, CSRF) from sign-in to removal."""

from __future__ import annotations

import pytest
from web_support import new_page, team_server

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module", name="team_server")
def team_server_fixture(tmp_path_factory):
    """One owner, made by the CLI before the server starts; each test signs in with a browser of its own."""
    yield from team_server(tmp_path_factory, {"lead@example.com": "owner"}, PASSWORD)


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
    assert lead.log.errors == []
    assert lead.log.csp_violations() == []
    assert guest.log.errors == []
    assert guest.log.csp_violations() == []


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
    assert stranger.log.errors == []
    assert stranger.log.csp_violations() == []
