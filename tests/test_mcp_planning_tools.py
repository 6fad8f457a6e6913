"""MCP planning tools through the SDK client against a server server: projects, tasks, tags, the frontier, the graph,
edges, search, revisions and scaffolding, each with its error paths."""

from __future__ import annotations

import pytest
from mcp_support import error, ok

pytestmark = [pytest.mark.anyio, pytest.mark.server("app")]
MISSING = "00000000-0000-4000-8000-000000000000"


async def _project(c, name="Planning") -> dict:
    return await ok(c, "create_project", {"name": name})


async def _task(c, project, label, **extra) -> dict:
    return await ok(c, "create_task", {"project_id": project["id"], "label": label, **extra})


# ----- projects -----


async def test_projects_are_created_listed_read_and_updated(mcp):
    p = await ok(
        mcp,
        "create_project",
        {
            "name": "Checkout revamp",
            "description": "Faster checkout",
            "repo_url": "https://example.com/shop.git",
        },
    )
    assert p["version"] == 1
    assert p["repo_url"].endswith("shop.git")
    await _task(mcp, p, "Measure the funnel")
    got = await ok(mcp, "get_project", {"project_id": p["id"]})
    assert got["summary"]["todo"] == 1
    assert got["summary"]["total"] == 1
    listed = await ok(mcp, "list_projects", {"limit": 500})
    assert p["id"] in {x["id"] for x in listed["items"]}
    assert listed["total"] >= 1
    upd = await ok(mcp, "update_project", {"project_id": p["id"], "name": "Checkout v2", "version": 1})
    assert upd["name"] == "Checkout v2"
    assert upd["version"] == 2


async def test_list_projects_pages_with_a_cursor(mcp):
    for n in range(3):
        await _project(mcp, f"Paged {n}")
    first = await ok(mcp, "list_projects", {"limit": 1})
    assert len(first["items"]) == 1
    assert first["next_cursor"]
    second = await ok(mcp, "list_projects", {"limit": 1, "cursor": first["next_cursor"]})
    assert second["items"][0]["id"] != first["items"][0]["id"]
    assert "cursor" in await error(mcp, "list_projects", {"cursor": "bm90IGEgY3Vyc29y"})
    assert "limit must be at least 1" in await error(mcp, "list_projects", {"limit": 0})


async def test_project_errors_name_the_field(mcp):
    assert await error(mcp, "create_project", {}) == "name is required"
    assert await error(mcp, "create_project", {"name": ""}) == "name must not be empty"
    assert "unknown argument 'owner'" in await error(mcp, "create_project", {"name": "x", "owner": "me"})
    assert await error(mcp, "get_project", {"project_id": MISSING}) == f"project {MISSING} not found"
    assert "must be a UUID" in await error(mcp, "get_project", {"project_id": "checkout"})
    p = await _project(mcp)
    await ok(
        mcp, "update_project", {"project_id": p["id"], "description": "edited by a person", "version": 1}
    )
    stale = await error(mcp, "update_project", {"project_id": p["id"], "name": "agent", "version": 1})
    assert "changed since version 1" in stale
    assert (await ok(mcp, "get_project", {"project_id": p["id"]}))["name"] == "Planning"
    assert "not found" in await error(
        mcp, "update_project", {"project_id": p["id"], "current_goal_id": MISSING, "version": 2}
    )


# ----- tasks and tags -----


async def test_a_task_is_created_read_updated_and_listed(mcp):
    p = await _project(mcp)
    t = await _task(
        mcp,
        p,
        "Add retry to the upload client",
        priority="high",
        tags=["backend", "net"],
        description="Problem: uploads fail on flaky links.",
        due_date="2026-12-31",
        commit_refs=["abc1234"],
    )
    assert t["status"] == "todo"
    assert t["tags"] == ["backend", "net"]
    assert t["version"] == 1
    assert (await ok(mcp, "get_task", {"task_id": t["id"]}))["description"].startswith("Problem")
    u = await ok(
        mcp,
        "update_task",
        {"task_id": t["id"], "status": "done", "tags": ["net"], "priority": None, "version": 1},
    )
    assert u["status"] == "done"
    assert u["tags"] == ["net"]
    assert u["priority"] is None
    assert u["version"] == 2
    done = await ok(mcp, "list_tasks", {"project_id": p["id"], "status": ["done"]})
    assert [x["id"] for x in done["items"]] == [t["id"]]
    assert (await ok(mcp, "list_tasks", {"project_id": p["id"], "status": ["todo"]}))["total"] == 0
    tags = await ok(mcp, "list_tags", {"project_id": p["id"]})
    assert {x["name"] for x in tags["tags"]} == {"backend", "net"}


async def test_list_tasks_bounds_descriptions_unless_verbose(mcp):
    p = await _project(mcp)
    await _task(mcp, p, "Long", description="x" * 5000)
    short = (await ok(mcp, "list_tasks", {"project_id": p["id"]}))["items"][0]
    assert len(short["description"]) < 600
    assert short["description_truncated"] is True
    full = (await ok(mcp, "list_tasks", {"project_id": p["id"], "verbose": True}))["items"][0]
    assert len(full["description"]) == 5000


async def test_list_tasks_filters_by_tag_kind_and_priority(mcp):
    p = await _project(mcp)
    a = await _task(mcp, p, "A", tags=["ui"], kind="decision", priority="urgent")
    await _task(mcp, p, "B", tags=["api"])
    assert [
        x["id"] for x in (await ok(mcp, "list_tasks", {"project_id": p["id"], "tags": ["ui"]}))["items"]
    ] == [a["id"]]
    assert (await ok(mcp, "list_tasks", {"project_id": p["id"], "kind": "decision"}))["total"] == 1
    assert (await ok(mcp, "list_tasks", {"project_id": p["id"], "priority": "urgent"}))["total"] == 1


async def test_task_errors_are_clear_and_change_nothing(mcp):
    p = await _project(mcp)
    assert await error(mcp, "create_task", {"project_id": p["id"]}) == "label is required"
    assert "status must be one of: scope, todo, in_progress, done, backlog" in await error(
        mcp, "create_task", {"project_id": p["id"], "label": "x", "status": "doing"}
    )
    assert "due_date must be a date" in await error(
        mcp, "create_task", {"project_id": p["id"], "label": "x", "due_date": "soon"}
    )
    assert "commit_refs item" in await error(
        mcp, "create_task", {"project_id": p["id"], "label": "x", "commit_refs": ["not-a-sha"]}
    )
    assert (
        await error(mcp, "create_task", {"project_id": MISSING, "label": "x"})
        == f"project {MISSING} not found"
    )
    assert "goal" in await error(
        mcp, "create_task", {"project_id": p["id"], "label": "x", "goal_id": MISSING}
    )
    assert (await ok(mcp, "list_tasks", {"project_id": p["id"]}))["total"] == 0
    assert await error(mcp, "get_task", {"task_id": MISSING}) == f"task {MISSING} not found"
    assert "not found" in await error(mcp, "update_task", {"task_id": MISSING, "label": "x", "version": 1})
    assert await error(mcp, "update_task", {"task_id": MISSING, "label": "x"}) == "version is required"
    t = await _task(mcp, p, "Original")
    await ok(mcp, "update_task", {"task_id": t["id"], "label": "A person's edit", "version": 1})
    assert "changed since version 1" in await error(
        mcp, "update_task", {"task_id": t["id"], "label": "Stale", "version": 1}
    )
    assert (await ok(mcp, "get_task", {"task_id": t["id"]}))["label"] == "A person's edit"
    assert "status[0] must be one of" in await error(
        mcp, "list_tasks", {"project_id": p["id"], "status": ["x"]}
    )
    assert "not found" in await error(mcp, "list_tags", {"project_id": MISSING})


# ----- the frontier and the graph -----


async def test_get_next_task_follows_dependencies_and_explains_blocked_work(mcp):
    p = await _project(mcp)
    assert (await ok(mcp, "get_next_task", {"project_id": p["id"]}))["reason"] == "no_todo_tasks"
    first = await _task(mcp, p, "Write the schema", priority="low")
    second = await _task(mcp, p, "Build the API", priority="urgent")
    await ok(
        mcp,
        "create_edge",
        {"project_id": p["id"], "from_task_id": first["id"], "to_task_id": second["id"], "label": "blocks"},
    )
    nxt = await ok(mcp, "get_next_task", {"project_id": p["id"]})
    assert nxt["next_task"]["id"] == first["id"]
    assert nxt["blocked"][0]["id"] == second["id"]
    assert nxt["blocked"][0]["waiting_on"][0]["id"] == first["id"]
    await ok(mcp, "update_task", {"task_id": first["id"], "status": "done", "version": first["version"]})
    assert (await ok(mcp, "get_next_task", {"project_id": p["id"]}))["next_task"]["id"] == second["id"]
    assert "not found" in await error(mcp, "get_next_task", {"project_id": p["id"], "goal_id": MISSING})


async def test_the_task_graph_shows_roots_depth_and_scope_work(mcp):
    p = await _project(mcp)
    a = await _task(mcp, p, "A")
    b = await _task(mcp, p, "B", status="scope")
    await ok(
        mcp,
        "create_edge",
        {"project_id": p["id"], "from_task_id": a["id"], "to_task_id": b["id"], "label": "blocks"},
    )
    g = await ok(mcp, "get_task_graph", {"project_id": p["id"]})
    depth = {n["id"]: n["depth"] for n in g["nodes"]}
    assert g["roots"] == [a["id"]]
    assert depth == {a["id"]: 0, b["id"]: 1}
    assert g["cycles"] == []
    assert g["would_be_actionable_if_scope_released"] == []
    assert "not found" in await error(mcp, "get_task_graph", {"project_id": MISSING})


# ----- edges -----


async def test_edges_are_created_listed_and_deleted_once(mcp):
    p = await _project(mcp)
    a, b = await _task(mcp, p, "A"), await _task(mcp, p, "B")
    e = await ok(
        mcp,
        "create_edge",
        {
            "project_id": p["id"],
            "from_id": a["id"],
            "to_id": b["id"],
            "label": "depends_on",
            "style": "dashed",
        },
    )
    again = await ok(
        mcp,
        "create_edge",
        {"project_id": p["id"], "from_id": a["id"], "to_id": b["id"], "label": "depends_on"},
    )
    assert again["id"] == e["id"]
    assert [x["id"] for x in (await ok(mcp, "list_edges", {"project_id": p["id"]}))["edges"]] == [e["id"]]
    assert await ok(mcp, "delete_edge", {"edge_id": e["id"]}) == {"deleted": True, "edge_id": e["id"]}
    assert await error(mcp, "delete_edge", {"edge_id": e["id"]}) == f"edge {e['id']} not found"
    assert (await ok(mcp, "list_edges", {"project_id": p["id"]}))["edges"] == []


async def test_edge_errors_name_the_cycle_and_the_missing_node(mcp):
    p = await _project(mcp)
    a, b = await _task(mcp, p, "A"), await _task(mcp, p, "B")
    await ok(
        mcp,
        "create_edge",
        {"project_id": p["id"], "from_task_id": a["id"], "to_task_id": b["id"], "label": "blocks"},
    )
    cycle = await error(
        mcp,
        "create_edge",
        {"project_id": p["id"], "from_task_id": b["id"], "to_task_id": a["id"], "label": "blocks"},
    )
    assert "cycle" in cycle
    assert "A → B → A" in cycle
    assert "itself" in await error(
        mcp, "create_edge", {"project_id": p["id"], "from_task_id": a["id"], "to_task_id": a["id"]}
    )
    assert f"task {MISSING} not found" == await error(
        mcp, "create_edge", {"project_id": p["id"], "from_task_id": a["id"], "to_task_id": MISSING}
    )
    assert "label must be one of" in await error(
        mcp, "create_edge", {"project_id": p["id"], "from_id": a["id"], "to_id": b["id"], "label": "likes"}
    )
    assert "not found" in await error(mcp, "list_edges", {"project_id": MISSING})
    assert "must be a UUID" in await error(mcp, "delete_edge", {"edge_id": "first"})
    assert len((await ok(mcp, "list_edges", {"project_id": p["id"]}))["edges"]) == 1


# ----- search and revisions -----


async def test_search_finds_tasks_with_excerpts_within_a_project(mcp):
    p = await _project(mcp)
    t = await _task(mcp, p, "Tune the zeppelin ballast", description="Helium budget and ballast trim")
    hits = (await ok(mcp, "search", {"query": "zeppelin", "project_id": p["id"]}))["results"]
    assert [h["id"] for h in hits if h.get("kind") == "task"] == [t["id"]]
    assert (await ok(mcp, "search", {"query": "zeppelin", "kinds": ["note"]}))["results"] == []
    assert await error(mcp, "search", {"query": ""}) == "query must not be empty"
    assert "limit must be at most 50" in await error(mcp, "search", {"query": "x", "limit": 51})
    assert "kinds[0] must be one of" in await error(mcp, "search", {"query": "x", "kinds": ["tweet"]})


async def test_revisions_list_and_show_the_state_before_each_change(mcp):
    p = await _project(mcp)
    t = await _task(mcp, p, "First label")
    await ok(mcp, "update_task", {"task_id": t["id"], "label": "Second label", "version": t["version"]})
    revs = (
        await ok(mcp, "list_revisions", {"target_type": "task", "target_id": t["id"], "project_id": p["id"]})
    )["revisions"]
    assert len(revs) == 1
    assert revs[0]["changed_fields"] == ["label"]
    rev = await ok(mcp, "get_revision", {"revision_id": revs[0]["id"]})
    assert rev["snapshot"]["label"] == "First label"
    assert await error(mcp, "get_revision", {"revision_id": MISSING}) == f"revision {MISSING} not found"
    assert "target_type must be one of: task, document" in await error(
        mcp, "list_revisions", {"target_type": "note", "target_id": t["id"]}
    )
    assert (await ok(mcp, "list_revisions", {"target_type": "task", "target_id": MISSING}))["revisions"] == []


# ----- scaffolding -----


async def test_scaffolding_creates_a_project_with_tasks_edges_and_documents_by_key(mcp):
    plan = {
        "name": "Scaffolded",
        "tasks": [
            {"key": "schema", "label": "Write the schema"},
            {"key": "api", "label": "Build the API", "priority": "high"},
        ],
        "edges": [{"from": "schema", "to": "api", "label": "blocks"}],
        "documents": [{"key": "design", "title": "Design: API", "body": "# API", "link_to": ["api"]}],
    }
    out = await ok(mcp, "scaffold_project_from_plan", plan)
    ids = out["key_to_id"]
    assert set(ids) == {"schema", "api", "design"}
    pid = out["project"]["id"]
    assert (await ok(mcp, "get_next_task", {"project_id": pid}))["next_task"]["id"] == ids["schema"]
    doc = await ok(mcp, "get_document", {"document_id": ids["design"]})
    assert ids["api"] in {link["id"] for link in doc["links"]}
    more = await ok(
        mcp,
        "scaffold_project_from_plan",
        {"project_id": pid, "tasks": [{"key": "docs", "label": "Write docs"}]},
    )
    assert (await ok(mcp, "get_project", {"project_id": pid}))["summary"]["total"] == 3
    assert more["project"]["id"] == pid


async def test_a_bad_plan_is_refused_whole_and_names_the_item(mcp):
    before = (await ok(mcp, "list_projects", {"limit": 500}))["total"]
    msg = await error(
        mcp,
        "scaffold_project_from_plan",
        {
            "name": "Broken plan",
            "tasks": [{"key": "a", "label": "A"}],
            "edges": [{"from": "a", "to": "ghost"}],
        },
    )
    assert "edges[0].to" in msg
    assert "ghost" in msg
    assert "tasks[0].label is required" == await error(
        mcp, "scaffold_project_from_plan", {"name": "x", "tasks": [{"key": "a"}]}
    )
    assert "tasks needs at least 1 item(s)" == await error(
        mcp, "scaffold_project_from_plan", {"name": "x", "tasks": []}
    )
    assert "unknown argument 'tasks[0].estimate'" in await error(
        mcp, "scaffold_project_from_plan", {"name": "x", "tasks": [{"key": "a", "label": "A", "estimate": 3}]}
    )
    assert (await ok(mcp, "list_projects", {"limit": 500}))["total"] == before
