"""Deleting a goal moves it to the trash: its tasks stay (without the goal), restoring gives it back to them."""

from __future__ import annotations

import pytest

from plandesk.core import goals, projects, tasks, trash
from plandesk.core.errors import Conflict, NotFound

pytestmark = pytest.mark.server("app")


def _goal(db, actor, pid, name="Checkout v2", **kw):
    return goals.create_goal(db, actor, pid, {"name": name, "objective": "One-page checkout", **kw})["id"]


def _current(db, actor, pid):
    return projects.get_project(db, actor, pid)["current_goal_id"]


def test_a_deleted_goal_is_in_the_trash_and_its_tasks_stay_without_it(core):
    db, actor, pid, _ = core
    gid = _goal(db, actor, pid)
    tid = tasks.create_task(db, actor, pid, {"label": "Card form", "goal_id": gid})["id"]
    goals.set_current_goal(db, actor, gid)
    trash_id = goals.delete_goal(db, actor, gid)
    with pytest.raises(NotFound):
        goals.get_goal(db, actor, gid)
    assert tasks.get_task(db, actor, tid)["goal_id"] is None
    assert _current(db, actor, pid) is None
    listed = trash.list_trash(db, actor, pid)["items"]
    assert [(i["id"], i["item_type"], i["item_id"], i["title"]) for i in listed] == [
        (trash_id, "goal", gid, "Checkout v2")
    ]


def test_a_restored_goal_takes_back_its_tasks_and_is_current_again(core):
    db, actor, pid, _ = core
    gid = _goal(db, actor, pid, verification_surface={"kind": "gate_command", "command": "pytest -q"})
    mine = tasks.create_task(db, actor, pid, {"label": "Card form", "goal_id": gid})["id"]
    moved = tasks.create_task(db, actor, pid, {"label": "Address", "goal_id": gid})["id"]
    goals.set_current_goal(db, actor, gid)
    trash_id = goals.delete_goal(db, actor, gid)
    other = _goal(db, actor, pid, name="Other")
    tasks.update_task(db, actor, moved, {"goal_id": other})  # given another goal meanwhile: it keeps that one
    answer = trash.restore(db, actor, trash_id)
    assert (answer["item_type"], answer["item_id"], answer["title"]) == ("goal", gid, "Checkout v2")
    back = goals.get_goal(db, actor, gid)
    assert back["verification_surface"] == {"kind": "gate_command", "command": "pytest -q"}
    assert back["is_current"]
    assert back["task_counts"]["total"] == 1
    assert tasks.get_task(db, actor, mine)["goal_id"] == gid
    assert tasks.get_task(db, actor, moved)["goal_id"] == other
    assert trash.list_trash(db, actor, pid)["items"] == []


def test_a_goal_does_not_take_the_current_place_back_from_a_newer_current_goal(core):
    db, actor, pid, _ = core
    gid = _goal(db, actor, pid)
    goals.set_current_goal(db, actor, gid)
    trash_id = goals.delete_goal(db, actor, gid)
    newer = _goal(db, actor, pid, name="Newer")
    goals.set_current_goal(db, actor, newer)
    trash.restore(db, actor, trash_id)
    assert _current(db, actor, pid) == newer


def test_restoring_a_goal_whose_name_is_taken_again_is_a_conflict_and_keeps_it_in_the_trash(core):
    db, actor, pid, _ = core
    trash_id = goals.delete_goal(db, actor, _goal(db, actor, pid))
    _goal(db, actor, pid)  # same name
    with pytest.raises(Conflict) as err:
        trash.restore(db, actor, trash_id)
    assert err.value.field == "name"
    assert [i["id"] for i in trash.list_trash(db, actor, pid)["items"]] == [trash_id]


# --- REST -------------------------------------------------------------------------------------------------


def test_rest_delete_goal_names_the_trash_item_and_restore_brings_it_back(api, project):
    r = api.post(f"/api/v1/projects/{project['id']}/goals", json={"name": "Launch", "objective": "Go live"})
    assert r.status_code == 201, r.text
    gid = r.json()["id"]
    r = api.post(f"/api/v1/projects/{project['id']}/tasks", json={"label": "DNS", "goal_id": gid})
    tid = r.json()["id"]
    r = api.delete(f"/api/v1/goals/{gid}")
    assert r.status_code == 204, r.text
    trash_id = r.headers["x-trash-item"]
    assert api.get(f"/api/v1/goals/{gid}").status_code == 404
    assert api.get(f"/api/v1/tasks/{tid}").json()["goal_id"] is None
    listed = api.get(f"/api/v1/projects/{project['id']}/trash").json()["items"]
    assert [(i["id"], i["item_type"], i["title"]) for i in listed] == [(trash_id, "goal", "Launch")]
    r = api.post(f"/api/v1/trash/{trash_id}/restore")
    assert r.status_code == 200, r.text
    assert api.get(f"/api/v1/goals/{gid}").json()["name"] == "Launch"
    assert api.get(f"/api/v1/tasks/{tid}").json()["goal_id"] == gid
    actions = {a["action"] for a in api.get(f"/api/v1/projects/{project['id']}/audit").json()["items"]}
    assert {"goal.delete", "goal.restore"} <= actions


def test_rest_deleting_an_unknown_goal_is_not_found(api):
    r = api.delete("/api/v1/goals/00000000-0000-4000-8000-000000000000")
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"


def test_rest_a_read_only_token_cannot_delete_a_goal(api, project):
    gid = api.post(f"/api/v1/projects/{project['id']}/goals", json={"objective": "Go live"}).json()["id"]
    token = api.post("/api/v1/tokens", json={"name": "reader", "read_only": True}).json()["token"]
    r = api.delete(f"/api/v1/goals/{gid}", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 403
    assert r.json()["code"] == "forbidden"
    assert api.get(f"/api/v1/goals/{gid}").status_code == 200
