"""REST: scaffolding a plan — keyed tasks, edges and documents in one transaction that writes all or nothing."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.server("app")  # one in-process server; each test makes its own project


PLAN = {
    "name": "Checkout revamp",
    "description": "new checkout",
    "tasks": [
        {"key": "schema", "label": "Design the schema"},
        {"key": "api", "label": "Build the API", "priority": "high", "tags": ["backend"]},
        {"key": "ui", "label": "Build the page", "status": "scope"},
    ],
    "edges": [
        {"from": "schema", "to": "api", "label": "blocks"},
        {"from": "api", "to": "ui", "label": "blocks"},
    ],
    "documents": [
        {
            "key": "spec",
            "title": "Design: checkout",
            "body": "# Checkout",
            "status_line": "Ready",
            "link_to": ["api", "ui"],
        },
        {"title": "Decision: no guest checkout", "link_to": "spec"},
    ],
}


def _project_count(api):
    return api.get("/api/v1/projects").json()["total"]


def _scaffold(api, plan):
    return api.post("/api/v1/projects/scaffold", json=plan)


def test_a_plan_becomes_a_project_with_keyed_tasks_edges_and_documents(api):
    r = _scaffold(api, PLAN)
    assert r.status_code == 201, r.text
    out = r.json()
    ids = out["key_to_id"]
    assert set(ids) == {"schema", "api", "ui", "spec"}
    assert out["project"]["name"] == "Checkout revamp"
    assert [(t["key"], t["label"], t["status"]) for t in out["tasks"]] == [
        ("schema", "Design the schema", "todo"),
        ("api", "Build the API", "todo"),
        ("ui", "Build the page", "scope"),
    ]
    assert {(e["from_id"], e["to_id"]) for e in out["edges"]} == {
        (ids["schema"], ids["api"]),
        (ids["api"], ids["ui"]),
    }
    spec, decision = out["documents"]
    assert {(link["id"], link["label"]) for link in spec["links"]} == {
        (ids["api"], "documents"),
        (ids["ui"], "documents"),
    }
    assert [(link["id"], link["label"]) for link in decision["links"]] == [(ids["spec"], "references")]
    nxt = api.get(f"/api/v1/projects/{out['project']['id']}/next-task").json()
    assert nxt["next_task"]["id"] == ids["schema"]


def test_prerequisites_are_laid_out_above_what_they_unblock(api):
    out = _scaffold(api, PLAN).json()
    y = {t["key"]: t["y"] for t in out["tasks"]}
    assert y["schema"] < y["api"] < y["ui"]


def test_a_bad_edge_key_writes_nothing(api):
    before = _project_count(api)
    plan = {**PLAN, "edges": [*PLAN["edges"], {"from": "api", "to": "deploy"}]}
    r = _scaffold(api, plan)
    assert r.status_code == 400
    assert r.json()["field"] == "edges[2].to"
    assert "deploy" in r.json()["message"]
    assert _project_count(api) == before


def test_a_cycle_in_the_plan_is_refused_and_writes_nothing(api):
    before = _project_count(api)
    plan = {**PLAN, "edges": [*PLAN["edges"], {"from": "ui", "to": "schema", "label": "blocks"}]}
    r = _scaffold(api, plan)
    assert r.status_code == 409
    assert r.json()["field"].startswith("edges[2]")
    assert "cycle" in r.json()["message"]
    assert _project_count(api) == before


def test_an_invalid_task_field_is_named_by_its_position_and_writes_nothing(api):
    before = _project_count(api)
    plan = {**PLAN, "tasks": [*PLAN["tasks"], {"key": "extra", "label": "x", "status": "someday"}]}
    r = _scaffold(api, plan)
    assert r.status_code == 400
    assert r.json()["field"] == "tasks[3].status"
    assert _project_count(api) == before


def test_task_keys_must_be_unique(api):
    plan = {**PLAN, "tasks": [*PLAN["tasks"], {"key": "api", "label": "Again"}]}
    r = _scaffold(api, plan)
    assert r.status_code == 400
    assert r.json()["field"] == "tasks[3].key"


def test_a_plan_scaffolded_into_a_project_lands_below_its_existing_tasks(api, project):
    api.post(f"/api/v1/projects/{project['id']}/tasks", json={"label": "Existing", "y": 400})
    r = _scaffold(api, {"project_id": project["id"], "tasks": [{"key": "a", "label": "Added"}]})
    assert r.status_code == 201, r.text
    assert r.json()["project"]["id"] == project["id"]
    assert r.json()["tasks"][0]["y"] > 400
    assert api.get(f"/api/v1/projects/{project['id']}").json()["summary"]["total"] == 2


def test_a_plan_into_a_project_cannot_also_name_a_new_one(api, project):
    r = _scaffold(
        api, {"project_id": project["id"], "name": "Confused", "tasks": [{"key": "a", "label": "x"}]}
    )
    assert r.status_code == 400
    assert r.json()["field"] == "name"
    assert api.get(f"/api/v1/projects/{project['id']}").json()["summary"]["total"] == 0


def test_the_plan_goal_applies_to_every_task(api, project):
    goal = api.post(f"/api/v1/projects/{project['id']}/goals", json={"objective": "Launch"}).json()
    r = _scaffold(
        api,
        {
            "project_id": project["id"],
            "goal_id": goal["id"],
            "tasks": [{"key": "a", "label": "A"}, {"key": "b", "label": "B"}],
        },
    )
    assert [t["goal_id"] for t in r.json()["tasks"]] == [goal["id"], goal["id"]]


def test_a_plan_needs_at_least_one_task(api):
    before = _project_count(api)
    r = _scaffold(api, {"name": "Empty", "tasks": []})
    assert r.status_code == 400
    assert r.json()["field"] == "tasks"
    assert _project_count(api) == before
