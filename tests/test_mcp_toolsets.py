"""Which tools a caller sees and may call: the token's toolsets and read-only flag, the URL's narrowing, project
scopes; and the declared shape of every tool."""

from __future__ import annotations

import anyio
import pytest
from test_mcp_connection import (  # noqa: F401
    CALL_TIMEOUT,
    anyio_backend,
    connect,
    error,
    live,
    mint,
    ok,
    owner_token,
    tool_names,
)

from plandesk.core import vocab

pytestmark = pytest.mark.anyio

PLANNING_TOOLS = {
    "list_projects", "get_project", "create_project", "update_project", "create_task", "update_task", "get_task",
    "list_tasks", "list_tags", "get_next_task", "claim_task", "renew_claim", "release_task", "get_task_graph",
    "create_edge", "list_edges", "delete_edge", "create_document", "update_document", "get_document",
    "list_documents", "create_folder", "update_folder", "delete_folder", "move_documents", "create_note",
    "update_note", "get_note", "list_notes", "list_comments", "add_comment", "resolve_comment", "create_goal",
    "get_goal", "list_goals", "update_goal", "set_current_goal", "invoke_goal", "pause_goal", "resume_goal",
    "complete_goal", "start_agent_run", "record_agent_progress", "complete_agent_run", "list_agent_runs",
    "get_agent_run", "search", "list_revisions", "get_revision", "scaffold_project_from_plan"}
READ_TOOLS = {"list_projects", "get_project", "get_task", "list_tasks", "list_tags", "get_next_task",
              "get_task_graph", "list_edges", "get_document", "list_documents", "get_note", "list_notes",
              "list_comments", "get_goal", "list_goals", "list_agent_runs", "get_agent_run", "search",
              "list_revisions", "get_revision"}


async def _tools(url: str, token: str):
    async with connect(url, token) as c:
        with anyio.fail_after(CALL_TIMEOUT):
            return (await c.list_tools()).tools


def _toolset(tool) -> str:
    return (tool.meta or {}).get("plandesk/toolset")


async def test_a_planning_token_sees_every_planning_tool_and_no_other_toolset(live, owner_token):
    tools = await _tools(live.mcp_url, owner_token)
    assert PLANNING_TOOLS <= {t.name for t in tools}
    assert {_toolset(t) for t in tools} == {"planning"}


async def test_every_tool_declares_strict_input_an_output_schema_annotations_and_a_description(live, owner_token):
    tools = {t.name: t for t in await _tools(live.mcp_url, owner_token) if t.name in PLANNING_TOOLS}
    assert set(tools) == PLANNING_TOOLS
    for name, tool in tools.items():
        assert tool.input_schema["type"] == "object" and tool.input_schema["additionalProperties"] is False, name
        assert tool.output_schema and tool.output_schema["type"] == "object", name
        assert len(tool.description) >= 30, name
        hints = tool.annotations
        assert hints.read_only_hint is (name in READ_TOOLS), name
        assert hints.destructive_hint is not None and hints.idempotent_hint is not None, name
    assert tools["delete_edge"].annotations.destructive_hint is True
    assert tools["create_task"].annotations.destructive_hint is False


async def test_input_enums_come_from_the_core_vocabulary(live, owner_token):
    tools = {t.name: t for t in await _tools(live.mcp_url, owner_token)}
    props = tools["create_task"].input_schema["properties"]
    assert props["status"]["enum"] == list(vocab.TASK_STATUSES)
    assert props["kind"]["enum"] == list(vocab.TASK_KINDS)
    assert tools["create_edge"].input_schema["properties"]["label"]["enum"] == list(vocab.EDGE_LABELS)
    assert tools["record_agent_progress"].input_schema["properties"]["kind"]["enum"] == list(vocab.RUN_EVENT_KINDS)


async def test_a_read_only_token_sees_no_write_tool_and_cannot_call_one(live):
    token = mint(live, "reader", read_only=True)
    async with connect(live.mcp_url, token) as c:
        assert await tool_names(c) & PLANNING_TOOLS == READ_TOOLS
        message = await error(c, "create_project", {"name": "Should not exist"})
        assert "read-only" in message
        assert "Should not exist" not in str(await ok(c, "list_projects"))


async def test_readonly_in_the_url_narrows_a_writing_token(live, owner_token):
    async with connect(f"{live.mcp_url}?readonly=1", owner_token) as c:
        assert await tool_names(c) & PLANNING_TOOLS == READ_TOOLS
        assert "read-only" in await error(c, "create_task", {"project_id": "00000000-0000-0000-0000-000000000000",
                                                             "label": "x"})


async def test_a_toolset_the_token_lacks_in_the_url_leaves_nothing_to_call(live, owner_token):
    async with connect(f"{live.mcp_url}?toolsets=code", owner_token) as c:
        assert await tool_names(c) == set()
        assert "planning" in await error(c, "list_projects")


async def test_the_url_cannot_widen_a_token(live):
    token = mint(live, "planning only", toolsets=["planning"])
    async with connect(f"{live.mcp_url}?toolsets=planning,code", token) as c:
        with anyio.fail_after(CALL_TIMEOUT):
            tools = (await c.list_tools()).tools
    assert PLANNING_TOOLS <= {t.name for t in tools}
    assert {_toolset(t) for t in tools} == {"planning"}


async def test_a_project_scoped_token_sees_only_its_projects(live, owner_token):
    async with connect(live.mcp_url, owner_token) as c:
        mine = await ok(c, "create_project", {"name": "Scoped in"})
        other = await ok(c, "create_project", {"name": "Scoped out"})
        hidden_task = await ok(c, "create_task", {"project_id": other["id"], "label": "Invisible"})
    token = mint(live, "one project", project_ids=[mine["id"]])
    async with connect(live.mcp_url, token) as c:
        listed = {p["id"] for p in (await ok(c, "list_projects"))["items"]}
        assert listed == {mine["id"]}
        assert "not found" in await error(c, "get_project", {"project_id": other["id"]})
        assert "not found" in await error(c, "get_task", {"task_id": hidden_task["id"]})
        assert "not found" in await error(c, "create_task", {"project_id": other["id"], "label": "Sneak in"})
        assert "limited to specific projects" in await error(c, "create_project", {"name": "New"})
        assert (await ok(c, "search", {"query": "Invisible"}))["results"] == []


async def test_an_unknown_tool_is_refused_by_name(live, owner_token):
    async with connect(live.mcp_url, owner_token) as c:
        assert "delete_everything" in await error(c, "delete_everything")
