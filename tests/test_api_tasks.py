"""REST: tasks, edges, versions, claims and the frontier against the app in-process."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

pytestmark = pytest.mark.server("app")  # one in-process server; each test makes its own project


def _task(api, project, label, **kw):
    r = api.post(f"/api/v1/projects/{project['id']}/tasks", json={"label": label, **kw})
    assert r.status_code == 201, r.text
    return r.json()


def test_health_answers_ok(api):
    body = api.get("/api/v1/health").json()
    assert body["ok"] is True
    assert body["database"] == "ok"


def test_a_dependency_cycle_is_refused_with_a_clear_error(api, project):
    a, b, c = (_task(api, project, n) for n in "ABC")
    for x, y in ((a, b), (b, c)):
        assert (
            api.post(
                f"/api/v1/projects/{project['id']}/edges",
                json={"from_id": x["id"], "to_id": y["id"], "label": "blocks"},
            ).status_code
            == 201
        )
    r = api.post(
        f"/api/v1/projects/{project['id']}/edges",
        json={"from_id": c["id"], "to_id": a["id"], "label": "blocks"},
    )
    assert r.status_code == 409
    body = r.json()
    assert r.headers["content-type"].startswith("application/problem+json")
    assert body["code"] == "conflict"
    assert "cycle" in body["message"]
    assert "A → B → C" in body["message"]
    assert len(api.get(f"/api/v1/projects/{project['id']}/edges").json()["items"]) == 2


def test_depends_on_reads_the_other_way_round(api, project):
    a, b = _task(api, project, "A"), _task(api, project, "B")
    api.post(
        f"/api/v1/projects/{project['id']}/edges",
        json={"from_id": b["id"], "to_id": a["id"], "label": "depends_on"},
    )
    r = api.post(
        f"/api/v1/projects/{project['id']}/edges",
        json={"from_id": b["id"], "to_id": a["id"], "label": "blocks"},
    )
    assert r.status_code == 409


def test_a_stale_version_gets_409_and_changes_nothing(api, project):
    t = _task(api, project, "Original")
    assert (
        api.patch(f"/api/v1/tasks/{t['id']}", json={"label": "Person's edit", "version": 1}).status_code
        == 200
    )
    r = api.patch(f"/api/v1/tasks/{t['id']}", json={"label": "Agent's stale edit", "version": 1})
    assert r.status_code == 409
    assert r.json()["code"] == "conflict"
    assert r.json()["field"] == "version"
    assert api.get(f"/api/v1/tasks/{t['id']}").json()["label"] == "Person's edit"


def test_sixteen_concurrent_claims_have_exactly_one_winner(server, api, project):
    t = _task(api, project, "Contended")

    def claim(i):
        with server.client(timeout=30) as c:
            return c.post(f"/api/v1/tasks/{t['id']}/claim", json={"agent_ref": f"agent-{i}"}).status_code

    with ThreadPoolExecutor(16) as pool:
        codes = list(pool.map(claim, range(16)))
    assert sorted(codes) == [200] + [409] * 15
    after = api.get(f"/api/v1/tasks/{t['id']}").json()
    assert after["status"] == "in_progress"
    assert after["assignee"].startswith("agent-")


def test_the_frontier_lists_ready_tasks_and_what_blocked_ones_wait_on(api, project):
    a, b = _task(api, project, "First"), _task(api, project, "Second")
    api.post(
        f"/api/v1/projects/{project['id']}/edges",
        json={"from_id": a["id"], "to_id": b["id"], "label": "blocks"},
    )
    nxt = api.get(f"/api/v1/projects/{project['id']}/next-task").json()
    assert nxt["next_task"]["id"] == a["id"]
    assert nxt["blocked"][0]["id"] == b["id"]
    assert nxt["blocked"][0]["waiting_on"][0]["id"] == a["id"]
    api.patch(f"/api/v1/tasks/{a['id']}", json={"status": "done"})
    assert api.get(f"/api/v1/projects/{project['id']}/next-task").json()["next_task"]["id"] == b["id"]


def test_a_blocked_task_cannot_be_claimed(api, project):
    a, b = _task(api, project, "First"), _task(api, project, "Second")
    api.post(
        f"/api/v1/projects/{project['id']}/edges",
        json={"from_id": a["id"], "to_id": b["id"], "label": "blocks"},
    )
    r = api.post(f"/api/v1/tasks/{b['id']}/claim", json={"agent_ref": "x"})
    assert r.status_code == 409
    assert r.json()["waiting_on"] == [a["id"]]


def test_bad_input_gets_a_problem_body_naming_the_field(api, project):
    r = api.post(f"/api/v1/projects/{project['id']}/tasks", json={"label": "x", "status": "doing"})
    assert r.status_code == 400
    assert r.json()["code"] == "invalid_argument"
    assert r.json()["field"] == "status"
    r = api.post(f"/api/v1/projects/{project['id']}/tasks", json={"label": "x", "colour": "red"})
    assert r.status_code == 400
    assert r.json()["field"] == "colour"


def test_unknown_ids_get_404_with_the_resource_named(api):
    r = api.get("/api/v1/tasks/00000000-0000-4000-8000-000000000000")
    assert r.status_code == 404
    assert r.json()["resource"] == "task"
    assert api.get("/api/v1/tasks/not-a-uuid").status_code == 400


def test_lists_have_a_limit_a_cursor_and_a_total(api, project):
    for i in range(5):
        _task(api, project, f"T{i}")
    first = api.get(f"/api/v1/projects/{project['id']}/tasks", params={"limit": 2}).json()
    assert first["total"] == 5
    assert len(first["items"]) == 2
    assert first["next_cursor"]
    seen = [t["id"] for t in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = api.get(
            f"/api/v1/projects/{project['id']}/tasks", params={"limit": 2, "cursor": cursor}
        ).json()
        seen += [t["id"] for t in page["items"]]
        cursor = page["next_cursor"]
    assert len(seen) == len(set(seen)) == 5


def test_every_mutation_is_in_the_audit_log(api, project):
    t = _task(api, project, "Audited")
    api.patch(f"/api/v1/tasks/{t['id']}", json={"priority": "high"})
    actions = [e["action"] for e in api.get(f"/api/v1/projects/{project['id']}/audit").json()["items"]]
    assert actions[:3] == ["task.update", "task.create", "project.create"]


def test_the_audit_log_filters_by_action_with_a_wildcard_and_pages_by_cursor(api, project):
    t = _task(api, project, "Audited twice")
    api.patch(f"/api/v1/tasks/{t['id']}", json={"priority": "high"})
    audit = f"/api/v1/projects/{project['id']}/audit"
    first = api.get(audit, params={"action": "task.*", "limit": 1}).json()
    assert [e["action"] for e in first["items"]] == ["task.update"]
    assert first["total"] == 2
    rest = api.get(audit, params={"action": "task.*", "cursor": first["next_cursor"]}).json()
    assert [e["action"] for e in rest["items"]] == ["task.create"]
    assert api.get(audit, params={"actor_id": "nobody"}).json()["items"] == []


def test_search_finds_tasks_with_an_excerpt(api, project):
    _task(api, project, "Payment retries", description="Retry the card charge with exponential backoff")
    hits = api.get("/api/v1/search", params={"q": "backoff"}).json()["results"]
    assert hits
    assert hits[0]["kind"] == "task"
    assert "[backoff]" in hits[0]["excerpt"]


def test_search_without_a_query_says_q_is_required(api):
    # Not "q must be a string": a missing q is refused by the route, never handed to the core as `...`.
    r = api.get("/api/v1/search")
    assert r.status_code == 400, r.text
    assert (r.json()["field"], r.json()["message"]) == ("q", "q is required")


def test_a_foreign_host_header_is_refused(server):
    r = server.client().get("/api/v1/health", headers={"Host": "evil.example"})
    assert r.status_code == 421


def test_a_foreign_origin_is_refused_on_writes(server):
    r = server.client().post(
        "/api/v1/projects", json={"name": "x"}, headers={"Origin": "https://evil.example"}
    )
    assert r.status_code == 403


def test_an_edge_is_deleted_only_under_its_own_project(api, project):
    a, b = _task(api, project, "Before"), _task(api, project, "After")
    edge = api.post(
        f"/api/v1/projects/{project['id']}/edges",
        json={"from_id": a["id"], "to_id": b["id"], "label": "blocks"},
    ).json()
    other = api.post("/api/v1/projects", json={"name": "Another project"}).json()
    r = api.delete(f"/api/v1/projects/{other['id']}/edges/{edge['id']}")
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"
    assert [e["id"] for e in api.get(f"/api/v1/projects/{project['id']}/edges").json()["items"]] == [
        edge["id"]
    ]
    assert api.delete(f"/api/v1/projects/{project['id']}/edges/{edge['id']}").status_code == 204
