"""Settings → Tasks: a workspace can refuse moving a task that waits on unfinished prerequisites to In Progress
or Done. Off by default; on, REST, MCP and the web UI are refused by the core with the same answer."""

from __future__ import annotations

import pytest
from mcp_support import MCP_HEADERS
from sqlalchemy import select

from plandesk.core import edges, task_rules, tasks
from plandesk.core.errors import Conflict, Forbidden
from plandesk.db.schema import audit_log


@pytest.fixture
def plan(core_app):
    """A workspace with `first` → `second` (second waits on first), an agent token and a client of the app."""
    db, owner, pid, client, token = core_app
    first = tasks.create_task(db, owner, pid, {"label": "Set up the database"})["id"]
    second = tasks.create_task(db, owner, pid, {"label": "Migrate the users"})["id"]
    edges.create_edge(db, owner, pid, {"from_id": first, "to_id": second, "label": "blocks"})
    return {"db": db, "owner": owner, "first": first, "second": second, "token": token, "client": client}


def _refuse(plan, on: bool = True) -> None:
    task_rules.set_task_rules(plan["db"], plan["owner"], {"refuse_blocked_moves": on})


def _mcp_update(plan, task_id: str, status: str) -> dict:
    version = tasks.get_task(plan["db"], plan["owner"], task_id)["version"]
    body = (
        plan["client"]
        .post(
            "/mcp/",
            json={
                "jsonrpc": "2.0",
                "id": 1,
                "method": "tools/call",
                "params": {
                    "name": "update_task",
                    "arguments": {"task_id": task_id, "status": status, "version": version},
                },
            },
            headers={**MCP_HEADERS, "Authorization": f"Bearer {plan['token']}"},
        )
        .json()
    )
    return body["result"]


def test_off_by_default_a_blocked_task_may_still_be_moved(plan):
    db, owner = plan["db"], plan["owner"]
    assert task_rules.get_task_rules(db, owner)["refuse_blocked_moves"] is False
    assert tasks.update_task(db, owner, plan["second"], {"status": "in_progress"})["status"] == "in_progress"


def test_on_the_core_refuses_in_progress_and_done_naming_the_prerequisite(plan):
    db, owner = plan["db"], plan["owner"]
    _refuse(plan)
    for status in ("in_progress", "done"):
        with pytest.raises(Conflict) as err:
            tasks.update_task(db, owner, plan["second"], {"status": status})
        body = err.value.as_dict()
        assert body["code"] == "conflict"
        assert body["field"] == "status"
        assert body["reason"] == "blocked"
        assert [w["label"] for w in body["waiting_on"]] == ["Set up the database"]
        assert "Set up the database" in body["message"]
    assert tasks.get_task(db, owner, plan["second"])["status"] == "todo"
    # Other changes of a blocked task, and moves of a task that waits on nothing, are not affected.
    assert tasks.update_task(db, owner, plan["second"], {"status": "scope"})["status"] == "scope"
    assert tasks.update_task(db, owner, plan["first"], {"status": "done"})["status"] == "done"
    # Once its prerequisite is done the task moves freely.
    assert tasks.update_task(db, owner, plan["second"], {"status": "done"})["status"] == "done"


def test_rest_and_mcp_get_the_same_refusal(plan):
    _refuse(plan)
    auth = {"Authorization": f"Bearer {plan['token']}"}
    rest = plan["client"].patch(f"/api/v1/tasks/{plan['second']}", json={"status": "done"}, headers=auth)
    assert rest.status_code == 409, rest.text
    assert rest.json()["code"] == "conflict"
    assert rest.json()["reason"] == "blocked"
    mcp = _mcp_update(plan, plan["second"], "done")
    assert mcp["isError"] is True
    error = mcp["_meta"]["plandesk/error"]
    assert {k: error[k] for k in ("code", "field", "reason", "waiting_on")} == {
        k: rest.json()[k] for k in ("code", "field", "reason", "waiting_on")
    }
    assert mcp["content"][0]["text"] == rest.json()["message"]


def test_rest_settings_round_trip_and_a_token_cannot_lift_the_rule(plan):
    client, auth = plan["client"], {"Authorization": f"Bearer {plan['token']}"}
    assert client.get("/api/v1/settings/tasks").json()["refuse_blocked_moves"] is False
    r = client.put("/api/v1/settings/tasks", json={"refuse_blocked_moves": True})
    assert r.status_code == 200, r.text
    assert r.json()["refuse_blocked_moves"] is True, r.text
    r = client.put("/api/v1/settings/tasks", json={"refuse_blocked_moves": False}, headers=auth)
    assert r.status_code == 403
    assert r.json()["code"] == "forbidden"
    assert client.get("/api/v1/settings/tasks").json()["refuse_blocked_moves"] is True
    r = client.put("/api/v1/settings/tasks", json={"refuse_blocked": True})
    assert r.status_code == 400
    assert r.json()["code"] == "invalid_argument"
    with plan["db"].read() as conn:
        actions = set(conn.execute(select(audit_log.c.action)).scalars())
    assert "settings.tasks.update" in actions


def test_a_member_cannot_change_the_rule(plan):
    from dataclasses import replace

    with pytest.raises(Forbidden):
        task_rules.set_task_rules(
            plan["db"], replace(plan["owner"], role="member"), {"refuse_blocked_moves": True}
        )


def test_the_settings_page_saves_the_rule_and_is_in_the_navigation(plan):
    client = plan["client"]
    page = client.get("/settings/tasks", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert 'href="/settings/tasks"' in page.text
    assert 'href="/settings/oauth"' in page.text
    import re

    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = client.post(
        "/settings/tasks",
        data={"csrf_token": csrf, "refuse_blocked_moves": "1"},
        headers={"Origin": "http://127.0.0.1:8000"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    assert task_rules.get_task_rules(plan["db"], plan["owner"])["refuse_blocked_moves"] is True
    board = client.get(
        f"/projects/{tasks.get_task(plan['db'], plan['owner'], plan['first'])['project_id']}/board"
    )
    assert 'data-refuse-blocked="yes"' in board.text
