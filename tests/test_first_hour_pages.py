"""Browsers get the styled error pages for page addresses, API clients keep problem+json; /api/docs offline."""

from __future__ import annotations

import os

import pytest

from plandesk.web.rendering import CSP

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
CHROMIUM = os.environ.get("PLANDESK_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def test_a_wrong_page_address_in_a_browser_gets_the_styled_404_page(api):
    r = api.get("/no/such/page", headers={"Accept": BROWSER_ACCEPT})
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "Not found" in r.text and "/no/such/page" in r.text and r.headers["content-security-policy"] == CSP


def test_a_wrong_address_for_an_api_client_stays_problem_json(api):
    r = api.get("/no/such/page")
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "not_found"


def test_a_wrong_api_address_stays_problem_json_even_for_a_browser(api):
    r = api.get("/api/v1/no-such-thing", headers={"Accept": BROWSER_ACCEPT})
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"


def test_a_missing_project_page_in_a_browser_is_the_styled_404_page(api):
    r = api.get("/projects/00000000-0000-4000-8000-000000000000", headers={"Accept": BROWSER_ACCEPT})
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")


def test_api_docs_loads_only_files_from_this_server_under_the_page_csp(api):
    r = api.get("/api/docs")
    assert r.status_code == 200 and r.headers["content-security-policy"] == CSP
    assert "http" not in r.text.replace("http-equiv", "")  # no CDN, no absolute URL at all
    for asset in (
        "/api/docs/assets/swagger-ui-bundle.js",
        "/api/docs/assets/swagger-ui.css",
        "/api/docs/start.js",
    ):
        assert api.get(asset).status_code == 200, asset


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield b
        b.close()


def _offline_page(browser, server):
    """A page whose every request beyond this server is refused, as on a machine without internet."""
    context = browser.new_context(base_url=server.url)
    context.set_default_timeout(30_000)
    blocked: list[str] = []

    def only_loopback(route):
        if route.request.url.startswith(server.url + "/"):
            return route.continue_()
        blocked.append(route.request.url)
        return route.abort()

    context.route("**/*", only_loopback)
    page = context.new_page()
    page.problems = []
    page.blocked = blocked
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    page.on(
        "console", lambda m: page.problems.append(m.text) if "Content Security Policy" in m.text else None
    )
    return page


@pytest.mark.browser
def test_api_docs_renders_the_operations_with_the_network_blocked(browser, server):
    page = _offline_page(browser, server)
    page.goto("/api/docs")
    page.locator(".opblock-summary-path", has_text="/api/v1/projects").first.wait_for()
    assert page.locator(".opblock").count() > 20
    assert page.blocked == [] and page.problems == []


@pytest.mark.browser
def test_a_wrong_page_url_shows_the_404_page_in_chromium(browser, server):
    page = _offline_page(browser, server)
    response = page.goto("/projects-typo")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Not found"
    assert page.locator("link[rel=stylesheet]").count() >= 1 and page.problems == []
