"""REST: agent runs — who ran them, typed events, linked tasks whose leases progress keeps alive, completion."""

from __future__ import annotations

from datetime import datetime

import pytest

# One in-process server for the module; each test makes its own project.
pytestmark = pytest.mark.server("app")


def _run(api, project, **kw):
    r = api.post("/api/v1/agent-runs", json={"project_id": project["id"], **kw})
    assert r.status_code == 201, r.text
    return r.json()


def _task(api, project, label="Work"):
    r = api.post(f"/api/v1/projects/{project['id']}/tasks", json={"label": label})
    assert r.status_code == 201, r.text
    return r.json()


def _event(api, run, message, **kw):
    return api.post(f"/api/v1/agent-runs/{run['id']}/events", json={"message": message, **kw})


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value)


def test_a_run_starts_running_and_records_who_started_it(api, project):
    run = _run(api, project, label="Implement cart")
    assert (run["status"], run["label"], run["events"], run["completed_at"]) == (
        "running",
        "Implement cart",
        [],
        None,
    )
    assert run["user_id"]
    assert run["token_id"] is None
    assert run["duration_seconds"] >= 0


def test_a_run_started_with_a_token_records_the_token(api, project):
    token = api.post("/api/v1/tokens", json={"name": "agent"}).json()["token"]
    r = api.post(
        "/api/v1/agent-runs", json={"project_id": project["id"]}, headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 201
    assert r.json()["token_id"] is not None


def test_events_keep_their_kind_data_and_order(api, project):
    run = _run(api, project)
    assert _event(api, run, "read the spec").status_code == 201
    assert _event(api, run, "chose SQLite", kind="decision", data={"why": "embedded"}).status_code == 201
    assert _event(api, run, "wrote cart.py", kind="artifact").status_code == 201
    events = api.get(f"/api/v1/agent-runs/{run['id']}").json()["events"]
    assert [(e["kind"], e["message"]) for e in events] == [
        ("progress", "read the spec"),
        ("decision", "chose SQLite"),
        ("artifact", "wrote cart.py"),
    ]
    assert events[1]["data"] == {"why": "embedded"}


def test_an_unknown_event_kind_is_refused(api, project):
    run = _run(api, project)
    r = _event(api, run, "hmm", kind="musing")
    assert r.status_code == 400
    assert r.json()["field"] == "kind"
    assert api.get(f"/api/v1/agent-runs/{run['id']}").json()["event_count"] == 0


def test_event_data_that_is_not_plain_json_is_refused(api, project):
    run = _run(api, project)
    r = api.post(
        f"/api/v1/agent-runs/{run['id']}/events",
        content='{"message": "m", "data": {"x": NaN}}',
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 400
    assert r.json()["field"] == "data"
    assert api.get(f"/api/v1/agent-runs/{run['id']}").json()["event_count"] == 0


def test_progress_extends_the_lease_of_a_linked_claimed_task(api, project):
    task = _task(api, project)
    claim = api.post(f"/api/v1/tasks/{task['id']}/claim", json={"agent_ref": "agent-1", "lease_seconds": 60})
    assert claim.status_code == 200, claim.text
    before = _when(claim.json()["lease_expires_at"])
    run = _run(api, project, task_ids=[task["id"]])
    assert run["task_ids"] == [task["id"]]
    assert _event(api, run, "halfway").status_code == 201
    after = _when(api.get(f"/api/v1/tasks/{task['id']}").json()["lease_expires_at"])
    assert (after - before).total_seconds() > 600  # the default lease (900 s) from now, not the 60 s claimed


def test_an_expired_lease_returns_the_task_to_todo_and_another_agent_can_claim_it(api, project, clock):
    task = _task(api, project, "Abandoned")
    first = api.post(
        f"/api/v1/tasks/{task['id']}/claim", json={"agent_ref": "vanishing-agent", "lease_seconds": 10}
    )
    assert first.json()["claimed"] is True, first.text
    held = api.post(f"/api/v1/tasks/{task['id']}/claim", json={"agent_ref": "next-agent"})
    assert held.status_code == 409, held.text
    clock.advance(11)  # past the 10 s lease, without waiting for it
    again = api.post(f"/api/v1/tasks/{task['id']}/claim", json={"agent_ref": "next-agent"})
    assert again.status_code == 200, again.text
    assert again.json()["task"]["assignee"] == "next-agent"


def test_progress_on_a_run_does_not_revive_a_lease_that_already_ran_out(api, project, clock):
    task = _task(api, project)
    api.post(f"/api/v1/tasks/{task['id']}/claim", json={"agent_ref": "agent-1", "lease_seconds": 10})
    run = _run(api, project, task_ids=[task["id"]])
    clock.advance(11)
    assert _event(api, run, "too late").status_code == 201
    taken = api.post(f"/api/v1/tasks/{task['id']}/claim", json={"agent_ref": "agent-2"})
    assert taken.status_code == 200, taken.text


def test_progress_on_a_finished_run_is_refused(api, project):
    run = _run(api, project)
    assert api.post(f"/api/v1/agent-runs/{run['id']}/complete", json={}).status_code == 200
    r = _event(api, run, "too late")
    assert r.status_code == 409
    assert r.json()["field"] == "run_id"
    assert api.get(f"/api/v1/agent-runs/{run['id']}").json()["event_count"] == 0


def test_a_run_completes_once_with_status_summary_and_duration(api, project):
    run = _run(api, project)
    r = api.post(
        f"/api/v1/agent-runs/{run['id']}/complete", json={"status": "failed", "summary": "tests red"}
    )
    assert r.status_code == 200
    done = r.json()
    assert (done["status"], done["summary"]) == ("failed", "tests red")
    assert done["completed_at"]
    assert done["duration_seconds"] >= 0
    again = api.post(f"/api/v1/agent-runs/{run['id']}/complete", json={"status": "completed"})
    assert again.status_code == 409
    assert api.get(f"/api/v1/agent-runs/{run['id']}").json()["status"] == "failed"


def test_runs_are_listed_newest_first_with_a_cursor(api, project):
    ids = [_run(api, project, label=f"run {i}")["id"] for i in range(3)]
    first = api.get(f"/api/v1/projects/{project['id']}/agent-runs", params={"limit": 2}).json()
    assert first["total"] == 3
    assert [r["id"] for r in first["items"]] == ids[:0:-1]
    rest = api.get(
        f"/api/v1/projects/{project['id']}/agent-runs", params={"limit": 2, "cursor": first["next_cursor"]}
    ).json()
    assert [r["id"] for r in rest["items"]] == [ids[0]]
    assert rest["next_cursor"] is None


def test_the_list_filters_by_status_and_shows_the_last_event(api, project):
    open_run, closed = _run(api, project), _run(api, project)
    _event(api, open_run, "still going")
    api.post(f"/api/v1/agent-runs/{closed['id']}/complete", json={})
    items = api.get(f"/api/v1/projects/{project['id']}/agent-runs", params={"status": "running"}).json()[
        "items"
    ]
    assert [(r["id"], r["event_count"], r["last_event"]["message"]) for r in items] == [
        (open_run["id"], 1, "still going")
    ]


def test_linking_a_task_of_another_project_is_404(api, project):
    other = api.post("/api/v1/projects", json={"name": "Elsewhere"}).json()
    foreign = _task(api, other)
    run = _run(api, project)
    r = api.post(f"/api/v1/agent-runs/{run['id']}/tasks", json={"task_ids": [foreign["id"]]})
    assert r.status_code == 404
    assert r.json()["field"] == "task_ids"
    assert api.get(f"/api/v1/agent-runs/{run['id']}").json()["task_ids"] == []


def test_progress_is_in_the_audit_log_with_the_run(api, project):
    run = _run(api, project)
    _event(api, run, "checkpoint")
    entries = api.get(f"/api/v1/projects/{project['id']}/audit", params={"action": "run.*"}).json()["items"]
    assert [(e["action"], e["run_id"]) for e in entries] == [
        ("run.progress", run["id"]),
        ("run.start", run["id"]),
    ]
