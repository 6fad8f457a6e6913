"""Cross-port CSRF in headless Chromium: a page on another loopback port plants a plandesk_csrf cookie (cookies
ignore ports) and auto-submits a form through the signed-in owner's browser; the server refuses it."""

from __future__ import annotations

import html
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from web_support import new_page, team_server

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery staple"
PLANTED = "P" * 43


@pytest.fixture(scope="module", name="team_server")
def team_server_fixture(tmp_path_factory):
    """The attacks below are all refused, so the module's tests share one signed-in-only server."""
    people = {"lead@example.com": "owner", "sam@example.com": "viewer", "mallory@example.com": "viewer"}
    yield from team_server(tmp_path_factory, people, PASSWORD)


@pytest.fixture
def attacker_site():
    """A tiny http.server on a free loopback port; `pages[path]` is the HTML it serves there, each answer
    planting the cookie."""
    pages: dict[str, str] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = pages.get(self.path, "not here").encode()
            self.send_response(200 if self.path in pages else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            # Planted over HTTP, HttpOnly like the real one, so it replaces the real one (a script's
            # document.cookie may not overwrite an HttpOnly cookie; a response from any port may).
            self.send_header("Set-Cookie", f"plandesk_csrf={PLANTED}; Path=/; HttpOnly; SameSite=Strict")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", pages
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=10)


def auto_submit(action: str, fields: dict[str, str]) -> str:
    inputs = "".join(f'<input type="hidden" name="{k}" value="{html.escape(v)}">' for k, v in fields.items())
    return (
        f'<!doctype html><form id="f" method="post" action="{html.escape(action)}">{inputs}</form>'
        f'<script>document.getElementById("f").submit();</script>'
    )


def signed_in_page(browser, server, email: str):
    page = new_page(browser, server)
    page.goto(f"{server.url}/signin?next=/settings/members")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/settings/members")
    return page


def role_in_roster(page, server, email: str) -> str:
    roster = page.request.get(f"{server.url}/api/v1/members").json()
    return next(m["role"] for m in roster["members"] if m["email"] == email)


def test_a_page_on_another_loopback_port_cannot_change_a_role_through_the_owners_session(
    browser, team_server, attacker_site
):
    lead = signed_in_page(browser, team_server, "lead@example.com")
    sam_id = re.search(r'data-member="([^"]+)">\s*<td>viewer</td>\s*<td>sam@example.com', lead.content())
    sam_id = (
        sam_id.group(1)
        if sam_id
        else next(
            m["id"]
            for m in lead.request.get(f"{team_server.url}/api/v1/members").json()["members"]
            if m["email"] == "sam@example.com"
        )
    )
    origin, pages = attacker_site
    pages["/promote"] = auto_submit(
        f"{team_server.url}/settings/members/{sam_id}/role", {"role": "owner", "csrf_token": PLANTED}
    )
    with lead.expect_response(lambda r: r.url.endswith(f"/settings/members/{sam_id}/role")) as answer:
        lead.goto(f"{origin}/promote")
    assert answer.value.status == 403
    # The cookie really was planted for the server's host: ports do not separate cookies.
    planted = [c for c in lead.context.cookies(team_server.url) if c["name"] == "plandesk_csrf"]
    assert [c["value"] for c in planted] == [PLANTED]
    assert role_in_roster(lead, team_server, "sam@example.com") == "viewer"


def test_a_page_on_another_loopback_port_cannot_sign_the_browser_in_to_another_account(
    browser, team_server, attacker_site
):
    victim = new_page(browser, team_server)
    victim.goto(
        f"{team_server.url}/signin"
    )  # the victim has been here: the browser holds a pre-session cookie
    origin, pages = attacker_site
    pages["/login"] = auto_submit(
        f"{team_server.url}/signin",
        {"email": "mallory@example.com", "password": PASSWORD, "csrf_token": PLANTED, "next": "/"},
    )
    with victim.expect_response(lambda r: r.url.endswith("/signin") and r.request.method == "POST") as answer:
        victim.goto(f"{origin}/login")
    assert answer.value.status == 403
    assert victim.request.get(f"{team_server.url}/api/v1/auth/me").status == 401
