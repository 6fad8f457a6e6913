"""Web pages over HTTP (no browser): CSP, CSRF, sanitised Markdown, errors as pages, CSV, the live stream."""

from __future__ import annotations

import json
import re
import secrets
import threading
import time

import anyio
import httpx2
import pytest
from web_support import make_task, mint_token

# One in-process server for the module; each test makes its own project.
pytestmark = pytest.mark.server("app")

PAGE_PATHS = (
    "/projects/{p}",
    "/projects/{p}/board",
    "/projects/{p}/list",
    "/projects/{p}/flow",
    "/projects/{p}/documents",
    "/projects/{p}/notes",
    "/projects/{p}/goals",
    "/projects/{p}/runs",
    "/projects/{p}/activity",
)


def browser_client(server) -> httpx2.Client:
    """A client that looks like a browser tab: it sends Sec-Fetch headers (and keeps the cookies it is given)."""
    return server.client(headers={"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "cors"})


def page_token(client) -> str:
    """What a tab does: load a page (which sets the pre-session cookie) and read the CSRF token from its <meta>."""
    html = client.get("/signin").text  # the sign-in form carries it as a hidden field
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_every_page_answers_with_a_strict_csp_and_runs_no_inline_script(api, project):
    paths = ["/", "/settings/mcp"] + [p.format(p=project["id"]) for p in PAGE_PATHS]
    for path in paths:
        r = api.get(path)
        assert r.status_code == 200, (path, r.text[:500])
        assert r.headers["content-type"].startswith("text/html")
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp, csp
        assert "unsafe-inline" not in csp, csp
        assert "frame-ancestors 'none'" in csp, csp
        assert r.headers["cache-control"] == "no-store"
        for tag in re.findall(r"<script\b[^>]*>", r.text):
            assert 'src="/static/' in tag or 'type="application/json"' in tag, (path, tag)
        assert not re.search(
            r"\son[a-z]+\s*=", re.sub(r"<script[^>]*>.*?</script>", "", r.text, flags=re.DOTALL)
        ), path


def test_a_page_sets_an_httponly_strict_csrf_cookie_and_a_token_bound_to_it(api):
    r = api.get("/")
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("plandesk_csrf=")
    assert "HttpOnly" in cookie
    assert "samesite=strict" in cookie.lower()
    presession = cookie.split("=", 1)[1].split(";", 1)[0]
    token = re.search(r'<meta name="csrf-token" content="([^"]+)">', r.text).group(1)
    assert token != presession  # an HMAC of it under the workspace secret, not a copy a page could plant
    again = api.get("/")
    assert "set-cookie" not in again.headers  # the cookie lives for the browser session
    assert f'<meta name="csrf-token" content="{token}">' in again.text


def test_a_browser_write_without_the_csrf_header_is_refused_and_writes_nothing(server, api):
    before = api.get("/api/v1/projects").json()["total"]
    c = browser_client(server)
    page_token(c)
    r = c.post("/api/v1/projects", json={"name": "forged"})
    assert r.status_code == 403
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "forbidden"
    assert r.json()["field"] == "X-CSRF-Token"
    wrong = c.post(
        "/api/v1/projects", json={"name": "forged"}, headers={"X-CSRF-Token": secrets.token_urlsafe(32)}
    )
    assert wrong.status_code == 403
    assert api.get("/api/v1/projects").json()["total"] == before


def test_a_browser_write_with_the_matching_csrf_header_goes_through(server):
    c = browser_client(server)
    r = c.post("/api/v1/projects", json={"name": "legit"}, headers={"X-CSRF-Token": page_token(c)})
    assert r.status_code == 201, r.text


def test_a_cookie_without_any_csrf_token_is_refused_for_writes(server):
    c = server.client(cookies={"plandesk_session": "whatever"})
    r = c.post("/api/v1/projects", json={"name": "forged"})
    assert r.status_code == 403
    assert r.json()["field"] == "X-CSRF-Token"


def test_bearer_requests_are_not_browser_requests_and_skip_the_csrf_check(server, api):
    raw = mint_token(api, "script")
    c = browser_client(server)
    page_token(c)
    r = c.post("/api/v1/projects", json={"name": "by token"}, headers={"Authorization": f"Bearer {raw}"})
    assert r.status_code == 201, r.text


def test_unknown_project_page_is_an_html_404_not_a_500(api):
    r = api.get("/projects/00000000-0000-4000-8000-000000000000/board")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "Not found" in r.text
    bad = api.get("/projects/not-a-uuid/board")
    assert bad.status_code == 400
    assert "must be a UUID" in bad.text


def test_a_comment_link_opens_the_page_of_what_the_comment_is_on(api, project):
    # Search hits and activity entries about a comment link to /comments/{id}.
    t = make_task(api, project["id"], "commented on")
    c = api.post(f"/api/v1/tasks/{t['id']}/comments", json={"body": "Why this order?"}).json()
    r = api.get(f"/comments/{c['id']}", follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    assert r.headers["location"] == f"/projects/{project['id']}/board?task={t['id']}"
    missing = api.get("/comments/00000000-0000-4000-8000-000000000000")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")


def test_preview_renders_markdown_without_script_handlers_or_javascript_links(server):
    c = browser_client(server)
    token = page_token(c)
    text = (
        '# Title\n\n<img src=x onerror="alert(1)"> <script>alert(2)</script> '
        '[x](javascript:alert(3)) <a href="JAVASCRIPT:alert(4)">y</a> <svg onload=alert(5)></svg>\n\n**bold**'
    )
    r = c.post("/ui/preview", json={"text": text}, headers={"X-CSRF-Token": token})
    assert r.status_code == 200, r.text
    html = r.json()["html"]
    assert "<h1>Title</h1>" in html
    assert "<strong>bold</strong>" in html
    lowered = html.lower()
    for bad in ("<script", "onerror", "onload", 'href="javascript', "<svg"):
        assert bad not in lowered, (bad, html)


def test_preview_with_bad_input_is_a_problem_with_the_field(server):
    c = browser_client(server)
    token = page_token(c)
    r = c.post("/ui/preview", json={"txt": "x"}, headers={"X-CSRF-Token": token})
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "invalid_argument"
    assert r.json()["field"]
    refused = c.post("/ui/preview", json={"text": "x"})
    assert refused.status_code == 403


def test_task_descriptions_render_sanitised_in_the_drawer(api, project):
    t = make_task(
        api,
        project["id"],
        "Agent wrote this",
        description='<img src=x onerror="alert(1)">\n\n<script>alert(2)</script>ok',
    )
    r = api.get(f"/projects/{project['id']}/board/drawer/{t['id']}")
    assert r.status_code == 200
    view = r.text.split('id="desc-view"', 1)[1].split("</div>", 1)[0]
    assert "<img" in view
    assert "onerror" not in view
    assert "<script" not in view


def test_list_sorts_and_filters_on_the_server(api, project):
    for label, prio in (("beta", "low"), ("alpha", "high"), ("gamma", None)):
        make_task(
            api,
            project["id"],
            label,
            **({"priority": prio} if prio else {}),
            tags=["x"] if label != "gamma" else [],
        )
    r = api.get(f"/projects/{project['id']}/list", params={"sort": "label", "dir": "desc", "tag": "x"})
    labels = re.findall(r'board\?task=[^"]+">([^<]+)</a>', r.text)
    assert labels == ["beta", "alpha"]


def test_csv_export_has_every_filtered_task_and_neutralises_formulas(api, project):
    make_task(api, project["id"], '=HYPERLINK("http://evil")', tags=["csv"])
    make_task(api, project["id"], "plain", tags=["csv"])
    make_task(api, project["id"], "other")
    r = api.get(f"/projects/{project['id']}/list.csv", params={"tag": "csv", "sort": "label"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    lines = r.text.strip().splitlines()
    assert lines[0].startswith("id,label,status")
    assert len(lines) == 3
    assert any(",\"'=HYPERLINK(" in line for line in lines)
    assert not any(",=HYPERLINK" in line for line in lines)


def test_settings_page_lists_tokens_by_prefix_and_never_shows_a_value(api):
    raw = mint_token(api, "Claude Code")
    r = api.get("/settings/mcp")
    assert "Claude Code" in r.text
    assert raw[:19] in r.text
    assert raw not in r.text
    assert raw[19:] not in r.text
    for link in ("/settings/members", "/settings/permissions"):
        assert f'href="{link}"' in r.text


def _read_events(response, into: list, stop: threading.Event) -> None:
    try:
        for line in response.iter_lines():
            if line.startswith("data:"):
                into.append(json.loads(line[5:]))
            if stop.is_set():
                return
    except (httpx2.HTTPError, httpx2.StreamError, anyio.ClosedResourceError):
        return  # the test closed the stream under us (over a socket, or in-process): expected


def test_the_event_stream_delivers_a_committed_change_within_a_second(server, api, project):
    t = make_task(api, project["id"], "watched")
    events: list[dict] = []
    stop = threading.Event()
    with server.client() as c, c.stream("GET", f"/projects/{project['id']}/events") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        reader = threading.Thread(target=_read_events, args=(response, events, stop), daemon=True)
        reader.start()
        wait_until = time.monotonic() + 10
        while not events and time.monotonic() < wait_until:
            time.sleep(0.02)
        assert events
        assert events[0]["kind"] == "hello"
        started = time.monotonic()
        api.patch(f"/api/v1/tasks/{t['id']}", json={"status": "in_progress", "version": t["version"]})
        while time.monotonic() - started < 1.0:
            if any(e.get("kind") == "task.updated" and e["task"]["id"] == t["id"] for e in events):
                break
            time.sleep(0.01)
        elapsed = time.monotonic() - started
        stop.set()
    update = next((e for e in events if e.get("kind") == "task.updated"), None)
    assert update is not None, f"no task.updated event within 1 s; got {events}"
    assert update["task"]["status"] == "in_progress"
    assert update["project_id"] == project["id"]
    assert elapsed < 1.0, f"the change took {elapsed:.2f} s to arrive"


def test_the_event_stream_of_a_project_outside_a_tokens_scope_is_not_found(server, api, project):
    other = api.post("/api/v1/projects", json={"name": "other"}).json()
    raw = mint_token(api, "scoped", project_ids=[other["id"]])
    r = server.client().get(f"/projects/{project['id']}/events", headers={"Authorization": f"Bearer {raw}"})
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("path", ["/projects/{p}/board/cards/{t}", "/projects/{p}/board/drawer/{t}"])
def test_fragments_of_a_task_from_another_project_are_not_served(api, project, path):
    other = api.post("/api/v1/projects", json={"name": "other"}).json()
    t = make_task(api, other["id"], "elsewhere")
    r = api.get(path.format(p=project["id"], t=t["id"]))
    assert r.status_code == 404


def test_activity_can_be_narrowed_to_one_token(server, api, project):
    make_task(api, project["id"], "by the owner in the browser")
    raw = mint_token(api, "activity agent")
    agent = server.client(headers={"Authorization": f"Bearer {raw}"})
    make_task(agent, project["id"], "by the agent")
    token_id = next(
        t["id"] for t in api.get("/api/v1/tokens").json()["items"] if t["name"] == "activity agent"
    )
    everything = api.get(f"/projects/{project['id']}/activity")
    assert everything.status_code == 200
    assert "via activity agent" in everything.text
    assert everything.text.count('class="timeline-item"') >= 2
    narrowed = api.get(f"/projects/{project['id']}/activity", params={"token_id": token_id})
    items = narrowed.text.count('class="timeline-item"')
    assert items == 1
    assert "via activity agent" in narrowed.text
    assert f'<option value="{token_id}" selected>activity agent</option>' in narrowed.text


def test_activity_with_a_bad_page_marker_is_a_400_page(api, project):
    r = api.get(f"/projects/{project['id']}/activity", params={"before": "x"})
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("text/html")


@pytest.fixture
def team_server(serve):
    """A server with a second person, so nobody is signed in just for calling from loopback."""
    srv = serve("app")
    owner = srv.client()
    project = owner.post("/api/v1/projects", json={"name": "Team plan"}).json()
    task = make_task(owner, project["id"], "Read me")
    r = owner.post(
        "/api/v1/members",
        json={"email": "viewer@example.com", "role": "viewer", "password": "correct horse battery staple"},
    )
    assert r.status_code == 201, r.text
    return srv, project, task


def test_opening_a_page_without_signing_in_goes_to_the_sign_in_form_and_back(team_server):
    srv, project, _ = team_server
    path = f"/projects/{project['id']}/board"
    visitor = srv.client()
    r = visitor.get(path + "?tag=x", headers={"Accept": "text/html"})
    assert r.status_code == 303
    assert r.headers["location"] == "/signin?next=%2Fprojects%2F" + project["id"] + "%2Fboard%3Ftag%3Dx"
    data = visitor.get(f"/projects/{project['id']}/flow.json", headers={"Accept": "application/json"})
    assert data.status_code == 401


def test_a_viewer_sees_the_board_without_write_controls(team_server):
    srv, project, task = team_server
    c = browser_client(srv)
    r = c.post(
        "/api/v1/auth/sign-in",
        json={"email": "viewer@example.com", "password": "correct horse battery staple"},
        headers={"X-CSRF-Token": page_token(c)},
    )
    assert r.status_code == 200, r.text
    token = r.json()["csrf_token"]  # bound to the new session; the one from before sign-in no longer works
    board = c.get(f"/projects/{project['id']}/board")
    assert board.status_code == 200
    assert "Read me" in board.text
    assert 'data-action="new-task"' not in board.text
    assert 'data-can-write="no"' in board.text
    drawer = c.get(f"/projects/{project['id']}/board/drawer/{task['id']}")
    assert 'id="f-status" data-field="status" disabled' in drawer.text
    assert 'data-action="delete-task"' not in drawer.text
    assert 'id="comment-form"' not in drawer.text
    refused = c.patch(f"/api/v1/tasks/{task['id']}", json={"status": "done"}, headers={"X-CSRF-Token": token})
    assert refused.status_code == 403


def test_settings_pages_offer_their_forms_to_an_owner_in_person_and_show_them_read_only_through_a_token(
    server, api
):
    """One rule (core.settings_store.may_change_settings): the core refuses a token's settings change, so no
    settings page may offer one a form it would refuse, whatever the token's role."""
    agent = server.client(headers={"Authorization": f"Bearer {mint_token(api, 'settings reader')}"})
    offered = {
        "/settings/oauth": 'type="submit">Save</button>',
        "/settings/mcp": 'id="allow-url-token"',
        "/settings/tasks": 'type="submit">Save</button>',
        "/settings/permissions": 'data-can-manage="yes"',
    }
    for path, form in offered.items():
        in_person, by_token = api.get(path), agent.get(path)
        assert in_person.status_code == by_token.status_code == 200, path
        assert form in in_person.text, path
        assert form not in by_token.text, path
