"""Rules the adapters used to hold, now held once by the core: the audit listing REST and the activity page
share (and refuse the same bad cursor with), the error → status table pages and REST share, and what each
task waits on, which the board reads from the core."""

from __future__ import annotations

import pytest
from fastapi import Request

from plandesk.core.errors import HTTP_STATUS, PlanDeskError, RateLimited
from plandesk.web.rendering import page

pytestmark = pytest.mark.server("app")

HTML = {"Accept": "text/html"}


def _task(api, project_id: str, label: str, **extra) -> dict:
    r = api.post(f"/api/v1/projects/{project_id}/tasks", json={"label": label, **extra})
    assert r.status_code == 201, r.text
    return r.json()


def _edge(api, project_id: str, prerequisite: dict, dependent: dict) -> None:
    body = {"from_type": "task", "from_id": prerequisite["id"], "to_type": "task", "to_id": dependent["id"]}
    r = api.post(f"/api/v1/projects/{project_id}/edges", json={**body, "label": "blocks"})
    assert r.status_code == 201, r.text


@pytest.mark.parametrize("bad", ["abc", "12x", "-3", "١٢"])
def test_rest_and_the_activity_page_refuse_a_bad_cursor_the_same_way(api, project, bad):
    rest = api.get(f"/api/v1/projects/{project['id']}/audit", params={"cursor": bad})
    assert rest.status_code == 400, rest.text
    problem = rest.json()
    assert problem["code"] == "invalid_argument"
    assert problem["field"] == "cursor"
    html = api.get(f"/projects/{project['id']}/activity", params={"before": bad}, headers=HTML)
    assert html.status_code == rest.status_code
    assert html.headers["content-type"].startswith("text/html")
    assert problem["message"].split(" (")[0] in html.text


def test_a_cursor_rest_hands_out_pages_the_activity_page_too(api, project):
    for i in range(3):
        _task(api, project["id"], f"Audited {i}")
    first = api.get(f"/api/v1/projects/{project['id']}/audit", params={"limit": 2}).json()
    assert first["next_cursor"] is not None
    rest_next = api.get(
        f"/api/v1/projects/{project['id']}/audit", params={"cursor": first["next_cursor"], "limit": 2}
    )
    assert rest_next.status_code == 200, rest_next.text
    assert rest_next.json()["items"][0]["id"] < first["items"][-1]["id"]
    html = api.get(
        f"/projects/{project['id']}/activity", params={"before": first["next_cursor"]}, headers=HTML
    )
    assert html.status_code == 200, html.text[:300]


def test_pages_answer_the_status_rest_answers_for_every_error_code(server):
    """The page renderer reads the core's table: 429 stays 429 and 413 stays 413 on a page.

    The routes are added to the FastAPI app inside the Host/Origin guard (server.app is the guard)."""
    statuses = {}

    def raising(code: str):
        class Raised(PlanDeskError):
            pass

        Raised.code = code

        @page
        def handler(request: Request):
            raise Raised(f"refused with {code}")

        return handler

    for code in ("payload_too_large", "rate_limited", "gone", "forbidden"):
        server.app.app.add_api_route(f"/test-only/page-error/{code}", raising(code), include_in_schema=False)
    client = server.client()
    for code in ("payload_too_large", "rate_limited", "gone", "forbidden"):
        r = client.get(f"/test-only/page-error/{code}", headers=HTML)
        assert r.headers["content-type"].startswith("text/html"), r.text[:200]
        statuses[code] = r.status_code
    assert statuses == {code: HTTP_STATUS[code] for code in statuses}
    assert RateLimited("slow down").status == 429


def test_the_board_shows_what_each_task_waits_on_from_the_core(api, project):
    first = _task(api, project["id"], "Alpha first")
    second = _task(api, project["id"], "Beta second")
    waiting = _task(api, project["id"], "Waits on both")
    finished = _task(api, project["id"], "Finished one", status="done")
    _edge(api, project["id"], first, waiting)
    _edge(api, project["id"], second, waiting)
    _edge(api, project["id"], finished, second)
    board = api.get(f"/projects/{project['id']}/board", headers=HTML)
    assert board.status_code == 200, board.text[:300]
    card = api.get(f"/projects/{project['id']}/board/cards/{waiting['id']}", headers=HTML)
    assert card.status_code == 200, card.text[:300]
    assert "Alpha first" in card.text
    assert "Beta second" in card.text
    free = api.get(f"/projects/{project['id']}/board/cards/{second['id']}", headers=HTML)
    assert free.status_code == 200, free.text[:300]
    assert "Finished one" not in free.text


def test_the_drawer_lists_each_link_of_a_task_from_the_core(api, project):
    first = _task(api, project["id"], "Alpha first")
    second = _task(api, project["id"], "Beta second")
    waiting = _task(api, project["id"], "Waits on both")
    _edge(api, project["id"], first, waiting)
    _edge(api, project["id"], second, waiting)
    drawer = api.get(f"/projects/{project['id']}/board/drawer/{waiting['id']}", headers=HTML)
    assert drawer.status_code == 200, drawer.text[:300]
    assert 'data-waiting="Alpha first|Beta second|"' in drawer.text
    unblocks = api.get(f"/projects/{project['id']}/board/drawer/{first['id']}", headers=HTML)
    assert unblocks.status_code == 200, unblocks.text[:300]
    assert "data-waiting=" not in unblocks.text
    assert "Waits on both" in unblocks.text


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("tool", "path", "arguments", "field"),
    [
        ("create_note", "notes", {"title": "x" * 501}, "title"),
        ("create_task", "tasks", {"label": "Tagged", "tags": ["t" * 64]}, "tags[0]"),
        ("create_task", "tasks", {"label": "Urgent?", "priority": "asap"}, "priority"),
    ],
)
async def test_rest_and_mcp_word_the_same_bad_argument_the_same_way(
    api, mcp, project, tool, path, arguments, field
):
    from mcp_support import error

    rest = api.post(f"/api/v1/projects/{project['id']}/{path}", json=arguments)
    assert rest.status_code == 400, rest.text
    assert rest.json()["field"] == field
    over_mcp = await error(mcp, tool, {"project_id": project["id"], **arguments})
    assert rest.json()["message"] == over_mcp
