"""Browsers get the styled error pages for page addresses, API clients keep problem+json; /api/docs offline."""

from __future__ import annotations

import pytest
from web_support import new_page

from plandesk.web.rendering import CSP

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_a_wrong_page_address_in_a_browser_gets_the_styled_404_page(api):
    r = api.get("/no/such/page", headers={"Accept": BROWSER_ACCEPT})
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "Not found" in r.text
    assert "/no/such/page" in r.text
    assert r.headers["content-security-policy"] == CSP


def test_a_wrong_address_for_an_api_client_stays_problem_json(api):
    r = api.get("/no/such/page")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "not_found"


def test_a_wrong_api_address_stays_problem_json_even_for_a_browser(api):
    r = api.get("/api/v1/no-such-thing", headers={"Accept": BROWSER_ACCEPT})
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"


def test_a_missing_project_page_in_a_browser_is_the_styled_404_page(api):
    r = api.get("/projects/00000000-0000-4000-8000-000000000000", headers={"Accept": BROWSER_ACCEPT})
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")


def test_api_docs_loads_only_files_from_this_server_under_the_page_csp(api):
    r = api.get("/api/docs")
    assert r.status_code == 200
    assert r.headers["content-security-policy"] == CSP
    assert "http" not in r.text.replace("http-equiv", "")  # no CDN, no absolute URL at all
    for asset in (
        "/api/docs/assets/swagger-ui-bundle.js",
        "/api/docs/assets/swagger-ui.css",
        "/api/docs/start.js",
    ):
        assert api.get(asset).status_code == 200, asset


def _offline_page(browser, server):
    """A page whose every request beyond this server is refused, as on a machine without internet."""
    page = new_page(browser, server, timeout_ms=30_000)  # Swagger UI's bundle is large
    blocked: list[str] = []

    def only_loopback(route):
        if route.request.url.startswith(server.url + "/"):
            return route.continue_()
        blocked.append(route.request.url)
        return route.abort()

    page.context.route("**/*", only_loopback)
    page.blocked = blocked
    return page


# The pages in Chromium share the module's server on a real port (the tests above each run in-process).
@pytest.mark.browser
def test_api_docs_renders_the_operations_with_the_network_blocked(browser, port_server):
    page = _offline_page(browser, port_server)
    page.goto("/api/docs")
    page.locator(".opblock-summary-path", has_text="/api/v1/projects").first.wait_for()
    assert page.locator(".opblock").count() > 20
    assert page.blocked == []
    assert page.log.errors == []
    assert page.log.csp_violations() == []


@pytest.mark.browser
def test_a_wrong_page_url_shows_the_404_page_in_chromium(browser, port_server):
    page = _offline_page(browser, port_server)
    response = page.goto("/projects-typo")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Not found"
    assert page.locator("link[rel=stylesheet]").count() >= 1
    assert page.log.errors == []
    assert page.log.csp_violations() == []
