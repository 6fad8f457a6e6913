"""Which tools a caller sees and may call: the token's toolsets and read-only flag, the URL's narrowing, project
scopes; and the declared shape of every tool."""

from __future__ import annotations

import anyio
import pytest
from mcp_support import CALL_TIMEOUT, DEFAULT_TOOLS, error, mcp_client, mint, ok, tool_names

from plandesk.core import vocab
from plandesk.mcp import catalog

pytestmark = [pytest.mark.anyio, pytest.mark.server("app")]

DEFAULT_READ_TOOLS = {
    "list_projects",
    "get_agent_context",
    "get_next_task",
    "get_task",
    "list_tasks",
    "search",
}


async def _tools(server, token: str, query: str = ""):
    async with mcp_client(server, token, path=f"/mcp/{query}") as c:
        with anyio.fail_after(CALL_TIMEOUT):
            return (await c.list_tools()).tools


def _toolset_of(name: str) -> str:
    return catalog.registry().get(name).toolset


def _names_in(*toolsets: str) -> set[str]:
    return {spec.name for spec in catalog.registry().in_toolsets(toolsets)}


async def test_a_default_token_lists_only_the_work_loop(server, owner_token):
    tools = await _tools(server, owner_token)
    assert {t.name for t in tools} == DEFAULT_TOOLS


async def test_the_url_opts_into_more_toolsets(server, owner_token):
    tools = await _tools(server, query="?toolsets=planning,documents,goals", token=owner_token)
    assert {t.name for t in tools} == _names_in("planning", "documents", "goals")
    assert {"create_document", "goal_action"} <= {t.name for t in tools}


async def test_all_in_the_url_lists_every_planning_toolset_but_not_code_without_the_grant(
    server, owner_token
):
    names = {t.name for t in await _tools(server, query="?toolsets=all", token=owner_token)}
    assert names == _names_in(*vocab.PLANNING_TOOLSETS)


async def test_a_token_created_with_all_lists_every_tool(server):
    token = mint(server, "everything", toolsets=["all"])
    names = {t.name for t in await _tools(server, token)}
    assert names == set(catalog.registry().specs)


async def test_a_planning_tool_outside_the_listed_toolsets_can_still_be_called(server, owner_token):
    async with mcp_client(server, owner_token) as c:
        assert "create_project" not in await tool_names(c)
        assert (await ok(c, "create_project", {"name": "Called though not listed"}))["name"]


async def test_tool_definitions_carry_only_hints_that_differ_from_the_defaults(server, owner_token):
    tools = {t.name: t for t in await _tools(server, query="?toolsets=all", token=owner_token)}
    for name, tool in tools.items():
        assert tool.input_schema["type"] == "object", name
        assert tool.input_schema["additionalProperties"] is False, name
        assert tool.title is None, name
        assert not tool.meta, name
        assert len(tool.description) >= 15, name
    assert tools["get_task"].annotations.read_only_hint is True
    assert tools["create_task"].annotations.destructive_hint is False
    assert tools["delete_edge"].annotations.read_only_hint is None
    assert tools["claim_next_task"].output_schema["required"] == ["claimed"]
    assert tools["get_task"].output_schema is None


async def test_input_enums_come_from_the_core_vocabulary(server, owner_token):
    tools = {t.name: t for t in await _tools(server, query="?toolsets=all", token=owner_token)}
    props = tools["create_task"].input_schema["properties"]
    assert props["status"]["enum"] == list(vocab.TASK_STATUSES)
    assert props["kind"]["enum"] == list(vocab.TASK_KINDS)
    assert tools["create_edge"].input_schema["properties"]["label"]["enum"] == list(vocab.EDGE_LABELS)
    assert tools["record_agent_progress"].input_schema["properties"]["kind"]["enum"] == list(
        vocab.RUN_EVENT_KINDS
    )


async def test_a_read_only_token_sees_no_write_tool_and_cannot_call_one(server):
    token = mint(server, "reader", read_only=True)
    async with mcp_client(server, token) as c:
        assert await tool_names(c) == DEFAULT_READ_TOOLS
        message = await error(c, "create_project", {"name": "Should not exist"})
        assert "read-only" in message
        assert "Should not exist" not in str(await ok(c, "list_projects"))


async def test_readonly_in_the_url_narrows_a_writing_token(server, owner_token):
    async with mcp_client(server, owner_token, path="/mcp/?readonly=1") as c:
        assert await tool_names(c) == DEFAULT_READ_TOOLS
        assert "read-only" in await error(
            c, "create_task", {"project_id": "00000000-0000-0000-0000-000000000000", "label": "x"}
        )


async def test_a_code_url_on_a_planning_token_lists_nothing_and_calls_no_code_tool(server, owner_token):
    async with mcp_client(server, owner_token, path="/mcp/?toolsets=code") as c:
        assert await tool_names(c) == set()
        assert "'code' toolset" in await error(c, "code_search", {"query": "x"})


async def test_the_url_cannot_widen_a_token_to_code(server):
    token = mint(server, "planning only", toolsets=["planning"])
    names = {t.name for t in await _tools(server, query="?toolsets=planning,code", token=token)}
    assert names == DEFAULT_TOOLS
    assert {_toolset_of(n) for n in names} == {"planning"}


async def test_a_project_scoped_token_sees_only_its_projects(server, owner_token):
    async with mcp_client(server, owner_token) as c:
        mine = await ok(c, "create_project", {"name": "Scoped in"})
        other = await ok(c, "create_project", {"name": "Scoped out"})
        hidden_task = await ok(c, "create_task", {"project_id": other["id"], "label": "Invisible"})
    token = mint(server, "one project", project_ids=[mine["id"]])
    async with mcp_client(server, token) as c:
        listed = {p["id"] for p in (await ok(c, "list_projects"))["items"]}
        assert listed == {mine["id"]}
        assert "not found" in await error(c, "get_project", {"project_id": other["id"]})
        assert "not found" in await error(c, "get_task", {"task_id": hidden_task["id"]})
        assert "not found" in await error(c, "create_task", {"project_id": other["id"], "label": "Sneak in"})
        assert "limited to specific projects" in await error(c, "create_project", {"name": "New"})
        assert (await ok(c, "search", {"query": "Invisible"}))["results"] == []


async def test_an_unknown_tool_is_refused_by_name(server, owner_token):
    async with mcp_client(server, owner_token) as c:
        assert "delete_everything" in await error(c, "delete_everything")
