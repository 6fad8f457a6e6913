"""Every page route the app serves, opened with ids that exist and ids that do not: never a 500.

The routes are read from the app itself, so a page added later is swept without a change here. The REST API
has its own fuzzing (test_fuzz_api.py); these are the HTML pages, their fragments and their downloads.
"""

from __future__ import annotations

import re
import uuid

import pytest

pytestmark = pytest.mark.server("app")

# Routes left out, each for its reason: the live stream never ends by itself (test_web_pages.py reads it).
STREAMS = {"/projects/{project_id}/events"}
# Routes that take an OAuth authorization request in their query: without one they answer 400.
NEEDS_QUERY = {"/oauth/authorize", "/oauth/consent"}
PARAM = re.compile(r"{(\w+)}")


def _page_routes(server) -> list[str]:
    from plandesk.app import fastapi_of

    paths = []
    for route in fastapi_of(server.app).router.routes:
        path = getattr(route, "path", "")
        if "GET" not in (getattr(route, "methods", None) or ()):
            continue
        if path.startswith(("/api/", "/mcp", "/static/")) or path in STREAMS:
            continue
        paths.append(path)
    return paths


@pytest.fixture
def ids(server) -> dict[str, str]:
    """One of each thing a page route names, in one project."""
    api = server.client()

    def made(path: str, body: dict) -> dict:
        r = api.post(f"/api/v1{path}", json=body)
        assert r.status_code == 201, (path, r.text)
        return r.json()

    project = made("/projects", {"name": "Swept"})
    p = project["id"]
    task = made(f"/projects/{p}/tasks", {"label": "A task"})
    document = made(f"/projects/{p}/documents", {"title": "Design: sweep", "link_to": task["id"]})
    note = made(f"/projects/{p}/notes", {"title": "A note"})
    comment = made(f"/tasks/{task['id']}/comments", {"body": "A comment"})
    run = made("/agent-runs", {"project_id": p, "label": "A run", "task_ids": [task["id"]]})
    made(f"/projects/{p}/goals", {"name": "A goal", "objective": "Ship it"})
    return {
        "project_id": p,
        "task_id": task["id"],
        "document_id": document["id"],
        "note_id": note["id"],
        "comment_id": comment["id"],
        "run_id": run["id"],
    }


def test_the_sweep_reaches_the_pages_that_take_an_id(server):
    named = {name for path in _page_routes(server) for name in PARAM.findall(path)}
    assert {"project_id", "task_id", "document_id", "note_id", "comment_id", "run_id"} <= named


def test_no_page_answers_500_for_ids_that_do_not_exist(server):
    api = server.client()
    missing = str(uuid.UUID(int=0x5EED))
    failed = []
    for path in _page_routes(server):
        url = PARAM.sub(missing, path)
        r = api.get(url, follow_redirects=False)
        if r.status_code >= 500:
            failed.append((url, r.status_code, r.text[:200]))
    assert failed == [], "\n".join(map(str, failed))


def test_every_page_opens_for_ids_that_exist(server, ids):
    """A thing that exists opens (200), or sends the browser on (3xx): comments and sign-in lead elsewhere.
    Ids no seed makes here (an approval, an invitation or share token) may be unknown (404), and the OAuth
    pages refuse a request without its query (400)."""
    api = server.client()
    failed = []
    for path in _page_routes(server):
        names = PARAM.findall(path)
        url = PARAM.sub(lambda m: ids.get(m.group(1), str(uuid.UUID(int=0x5EED))), path)
        r = api.get(url, follow_redirects=False)
        known = all(name in ids for name in names) and path not in NEEDS_QUERY
        fine = r.status_code < 400 if known else r.status_code < 500
        if not fine:
            failed.append((url, r.status_code, r.text[:200]))
    assert failed == [], "\n".join(map(str, failed))
