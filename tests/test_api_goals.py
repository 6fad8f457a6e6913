"""REST: goals — the contract, lifecycle, invoke, and completion that fails closed on every kind of evidence."""

from __future__ import annotations

import pytest

# One in-process server for the module; each test makes its own project.
pytestmark = pytest.mark.server("app")


GATE = {"kind": "gate_command", "command": "make test"}
CHECKLIST = {
    "kind": "acceptance_checklist",
    "items": [{"criterion": "Pays by card"}, {"criterion": "Shows receipt"}],
}


def _goal(api, project, objective="Ship checkout", **kw):
    r = api.post(f"/api/v1/projects/{project['id']}/goals", json={"objective": objective, **kw})
    assert r.status_code == 201, r.text
    return r.json()


def _task(api, project, goal, label, status="todo"):
    r = api.post(
        f"/api/v1/projects/{project['id']}/tasks",
        json={"label": label, "status": status, "goal_id": goal["id"]},
    )
    assert r.status_code == 201, r.text
    return r.json()


def _complete(api, goal, evidence=None):
    return api.post(f"/api/v1/goals/{goal['id']}/complete", json={"evidence": evidence})


def _status(api, goal):
    return api.get(f"/api/v1/goals/{goal['id']}").json()["status"]


def _remediation_tasks(api, project):
    tasks = api.get(f"/api/v1/projects/{project['id']}/tasks").json()["items"]
    return [t for t in tasks if t["label"].startswith("Fix acceptance failure:")]


def test_a_checklist_gets_server_assigned_ids_that_survive_an_edit(api, project):
    g = _goal(api, project, verification_surface=CHECKLIST)
    items = g["verification_surface"]["items"]
    assert len({i["id"] for i in items}) == 2
    surface = {"kind": "acceptance_checklist", "items": [*items, {"criterion": "Emails receipt"}]}
    r = api.patch(f"/api/v1/goals/{g['id']}", json={"verification_surface": surface})
    assert r.status_code == 200, r.text
    after = r.json()["verification_surface"]["items"]
    assert after[:2] == items
    assert after[2]["criterion"] == "Emails receipt"
    assert after[2]["id"] not in {i["id"] for i in items}


def test_checklist_item_ids_cannot_be_invented_by_the_client(api, project):
    g = _goal(api, project, verification_surface=CHECKLIST)
    for bad in ("c-made-up", {"nested": 1}):
        surface = {"kind": "acceptance_checklist", "items": [{"id": bad, "criterion": "Pays by card"}]}
        r = api.patch(f"/api/v1/goals/{g['id']}", json={"verification_surface": surface})
        assert r.status_code == 400
        assert r.json()["field"] == "verification_surface.items[0].id"
    assert api.get(f"/api/v1/goals/{g['id']}").json()["verification_surface"] == g["verification_surface"]


def test_a_declared_surface_cannot_be_removed_to_skip_the_evidence(api, project):
    g = _goal(api, project, verification_surface=GATE)
    r = api.patch(f"/api/v1/goals/{g['id']}", json={"verification_surface": None})
    assert r.status_code == 409
    assert r.json()["field"] == "verification_surface"
    assert _complete(api, g).json()["reason"] == "verification_required"


def test_status_is_not_writable_through_an_update(api, project):
    g = _goal(api, project)
    r = api.patch(f"/api/v1/goals/{g['id']}", json={"status": "complete"})
    assert r.status_code == 400
    assert r.json()["field"] == "status"
    assert "complete_goal" in r.json()["message"]
    assert _status(api, g) == "active"


def test_a_stale_goal_version_gets_409(api, project):
    g = _goal(api, project)
    assert api.patch(f"/api/v1/goals/{g['id']}", json={"objective": "v2", "version": 1}).status_code == 200
    r = api.patch(f"/api/v1/goals/{g['id']}", json={"objective": "stale", "version": 1})
    assert r.status_code == 409
    assert r.json()["field"] == "version"
    assert api.get(f"/api/v1/goals/{g['id']}").json()["objective"] == "v2"


def test_two_goals_of_a_project_cannot_share_a_name(api, project):
    _goal(api, project, name="Launch")
    r = api.post(f"/api/v1/projects/{project['id']}/goals", json={"objective": "again", "name": "Launch"})
    assert r.status_code == 409
    assert r.json()["field"] == "name"


def test_a_goal_reports_its_task_counts(api, project):
    g = _goal(api, project)
    _task(api, project, g, "A")
    _task(api, project, g, "B", status="done")
    counts = api.get(f"/api/v1/goals/{g['id']}").json()["task_counts"]
    assert (counts["todo"], counts["done"], counts["total"]) == (1, 1, 2)


def test_completing_without_evidence_when_a_surface_is_declared_fails_closed(api, project):
    g = _goal(api, project, verification_surface=GATE)
    r = _complete(api, g)
    assert r.status_code == 400
    assert (r.json()["reason"], r.json()["field"]) == ("verification_required", "evidence")
    assert _status(api, g) == "active"


def test_completing_with_unfinished_tasks_lists_them(api, project):
    g = _goal(api, project, verification_surface=GATE)
    t = _task(api, project, g, "Still open")
    r = _complete(api, g, {"exit_code": 0})
    assert r.status_code == 409
    assert r.json()["reason"] == "blocked_by_incomplete_tasks"
    assert [(x["id"], x["status"]) for x in r.json()["tasks"]] == [(t["id"], "todo")]
    assert _status(api, g) == "active"


def test_checklist_evidence_naming_unknown_criteria_is_unmatched(api, project):
    g = _goal(api, project, verification_surface=CHECKLIST)
    r = _complete(api, g, {"checked": ["Pays by card", "Works offline"]})
    assert r.status_code == 400
    assert r.json()["reason"] == "unmatched"
    assert r.json()["unmatched"] == ["Works offline"]
    assert _status(api, g) == "active"


def test_checklist_evidence_leaving_criteria_unchecked_is_unmet(api, project):
    g = _goal(api, project, verification_surface=CHECKLIST)
    first = g["verification_surface"]["items"][0]
    r = _complete(api, g, {"checked": [first["id"]]})
    assert r.status_code == 400
    assert r.json()["reason"] == "unmet"
    assert [c["criterion"] for c in r.json()["unmet"]] == ["Shows receipt"]
    assert _status(api, g) == "active"


def test_a_fully_checked_checklist_completes_the_goal(api, project):
    g = _goal(api, project, verification_surface=CHECKLIST)
    ids = [i["id"] for i in g["verification_surface"]["items"]]
    r = _complete(api, g, {"checked": [ids[0], "Shows receipt"]})
    assert r.status_code == 200
    assert r.json()["completed"] is True
    goal = api.get(f"/api/v1/goals/{g['id']}").json()
    assert goal["status"] == "complete"
    assert goal["last_verification"]["green"] is True
    assert goal["last_verification"]["evidence"]["checked"] == sorted(ids)


def test_a_green_gate_completes_and_records_the_verification(api, project):
    g = _goal(api, project, verification_surface=GATE)
    _task(api, project, g, "Done already", status="done")
    r = _complete(api, g, {"exit_code": 0, "detail": "412 passed"})
    assert r.status_code == 200
    assert r.json()["green"] is True
    last = api.get(f"/api/v1/goals/{g['id']}").json()["last_verification"]
    assert (last["kind"], last["evidence"]["exit_code"], last["evidence"]["detail"]) == (
        "gate_command",
        0,
        "412 passed",
    )


def test_gate_evidence_without_an_exit_code_is_refused(api, project):
    g = _goal(api, project, verification_surface=GATE)
    r = _complete(api, g, {"detail": "trust me"})
    assert r.status_code == 400
    assert r.json()["field"] == "evidence.exit_code"
    assert _status(api, g) == "active"


def test_gate_evidence_for_another_command_is_unmatched(api, project):
    g = _goal(api, project, verification_surface=GATE)
    r = _complete(api, g, {"exit_code": 0, "command": "true"})
    assert r.status_code == 400
    assert r.json()["reason"] == "unmatched"
    assert _status(api, g) == "active"


def test_a_red_gate_blocks_the_goal_and_adds_one_remediation_task_in_scope(api, project):
    g = _goal(api, project, "Checkout works", verification_surface=GATE)
    r = _complete(api, g, {"exit_code": 2, "detail": "3 failed"})
    assert r.status_code == 200
    assert (r.json()["completed"], r.json()["green"]) == (False, False)
    assert _status(api, g) == "blocked"
    fixes = _remediation_tasks(api, project)
    assert [(t["label"], t["status"], t["goal_id"]) for t in fixes] == [
        ("Fix acceptance failure: Checkout works", "scope", g["id"])
    ]
    assert "exited 2" in fixes[0]["description"]
    assert "3 failed" in fixes[0]["description"]


def test_repeated_red_evidence_never_duplicates_the_remediation_task(api, project):
    g = _goal(api, project, verification_surface=GATE)
    first = _complete(api, g, {"exit_code": 1}).json()
    second = _complete(api, g, {"exit_code": 1}).json()
    assert first["remediation_created"] is True
    assert second["remediation_created"] is False
    assert second["remediation_task"]["id"] == first["remediation_task"]["id"]
    assert len(_remediation_tasks(api, project)) == 1


def test_a_criterion_marked_failed_is_red(api, project):
    g = _goal(api, project, verification_surface=CHECKLIST)
    r = _complete(api, g, {"checked": ["Pays by card"], "failed": ["Shows receipt"]})
    assert r.status_code == 200
    assert r.json()["green"] is False
    assert [c["criterion"] for c in r.json()["failed"]] == ["Shows receipt"]
    assert _status(api, g) == "blocked"
    assert len(_remediation_tasks(api, project)) == 1


def test_a_human_sign_off_completes_with_the_approver_recorded(api, project):
    g = _goal(api, project, verification_surface={"kind": "human_sign_off"})
    assert _complete(api, g, {}).json()["field"] == "evidence.approved_by"
    r = _complete(api, g, {"approved_by": "Dana"})
    assert r.status_code == 200
    assert r.json()["goal"]["last_verification"]["evidence"]["approved_by"] == "Dana"
    assert _status(api, g) == "complete"


def test_a_complete_goal_cannot_be_paused_or_completed_again(api, project):
    g = _goal(api, project)
    assert _complete(api, g).status_code == 200
    assert api.post(f"/api/v1/goals/{g['id']}/pause").status_code == 409
    assert _complete(api, g).status_code == 409


def test_pause_and_resume_move_between_active_and_paused(api, project):
    g = _goal(api, project)
    assert api.post(f"/api/v1/goals/{g['id']}/pause").json()["status"] == "paused"
    assert api.post(f"/api/v1/goals/{g['id']}/resume").json()["status"] == "active"


def test_a_paused_goal_cannot_be_invoked(api, project):
    g = _goal(api, project, status="paused")
    _task(api, project, g, "Ready")
    r = api.post(f"/api/v1/goals/{g['id']}/invoke")
    assert r.status_code == 409
    assert r.json()["current_status"] == "paused"
    assert api.get(f"/api/v1/projects/{project['id']}").json()["current_goal_id"] is None


def test_invoke_sets_the_current_goal_and_returns_its_first_ready_task(api, project):
    g = _goal(api, project)
    first, second = _task(api, project, g, "First"), _task(api, project, g, "Second")
    api.post(
        f"/api/v1/projects/{project['id']}/edges",
        json={"from_id": first["id"], "to_id": second["id"], "label": "blocks"},
    )
    r = api.post(f"/api/v1/goals/{g['id']}/invoke")
    assert r.status_code == 200, r.text
    assert r.json()["next_task"]["id"] == first["id"]
    assert r.json()["blocked"][0]["id"] == second["id"]
    assert api.get(f"/api/v1/projects/{project['id']}").json()["current_goal_id"] == g["id"]


def test_invoke_refuses_when_every_task_is_still_in_scope_and_changes_nothing(api, project):
    g = _goal(api, project)
    _task(api, project, g, "Not released", status="scope")
    r = api.post(f"/api/v1/goals/{g['id']}/invoke")
    assert r.status_code == 400
    assert r.json()["reason"] == "no_todo_tasks"
    assert r.json()["task_counts"]["scope"] == 1
    assert api.get(f"/api/v1/projects/{project['id']}").json()["current_goal_id"] is None


def test_invoke_refuses_a_goal_whose_tasks_hold_a_cycle(server, api, project):
    from sqlalchemy import insert

    from plandesk.core.clock import new_id, now
    from plandesk.db.engine import Database
    from plandesk.db.schema import edges

    g = _goal(api, project)
    a, b = _task(api, project, g, "A"), _task(api, project, g, "B")
    api.post(
        f"/api/v1/projects/{project['id']}/edges",
        json={"from_id": a["id"], "to_id": b["id"], "label": "blocks"},
    )
    # The API refuses cycles; data imported from elsewhere may still hold one, so write it underneath.
    db = Database(server.workspace.settings().resolved_database_url)
    try:
        with db.write() as tx:
            tx.conn.execute(
                insert(edges).values(
                    id=new_id(),
                    project_id=project["id"],
                    from_type="task",
                    from_id=b["id"],
                    to_type="task",
                    to_id=a["id"],
                    label="blocks",
                    created_at=now(),
                )
            )
    finally:
        db.dispose()
    assert {t["id"] for t in api.get(f"/api/v1/goals/{g['id']}").json()["cycle_tasks"]} == {a["id"], b["id"]}
    r = api.post(f"/api/v1/goals/{g['id']}/invoke")
    assert r.status_code == 409
    assert "cycle" in r.json()["message"]
    assert api.get(f"/api/v1/projects/{project['id']}").json()["current_goal_id"] is None


def test_set_current_makes_new_tasks_default_to_the_goal(api, project):
    g = _goal(api, project)
    assert api.post(f"/api/v1/goals/{g['id']}/set-current").json()["is_current"] is True
    t = api.post(f"/api/v1/projects/{project['id']}/tasks", json={"label": "Follows the goal"}).json()
    assert t["goal_id"] == g["id"]
