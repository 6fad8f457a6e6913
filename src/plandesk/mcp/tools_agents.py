"""MCP for agent onboarding: get_agent_context, and the skill served as a prompt and as a resource."""

from __future__ import annotations

from typing import Any

from mcp.server.lowlevel import Server
from mcp.shared.exceptions import MCPError
from mcp_types import (
    INVALID_PARAMS,
    GetPromptRequestParams,
    GetPromptResult,
    ListPromptsResult,
    ListResourcesResult,
    PaginatedRequestParams,
    Prompt,
    PromptMessage,
    ReadResourceRequestParams,
    ReadResourceResult,
    Resource,
    TextContent,
    TextResourceContents,
)

from plandesk.agents import skill
from plandesk.mcp import schemas as s
from plandesk.mcp.registry import ToolCall, ToolGroup

TOOLS = ToolGroup()
SKILL_PROMPT = "plandesk_skill"


@TOOLS.tool(
    "get_agent_context",
    read_only=True,
    description="Orient in one call: your current task (claimed under agent_ref, or the next ready one), "
    "its linked documents in full, and your open run. Call it at the start and after a break.",
    params={"project_id": s.PROJECT_ID, "agent_ref": s.text(max_len=200, min_len=1)},
    required=["project_id"],
)
def get_agent_context(call: ToolCall, a: dict) -> dict:
    from plandesk.agents.context import agent_context

    return agent_context(call.db, call.actor, a["project_id"], a.get("agent_ref"))


# The skill, as an MCP prompt (a client loads Plan Desk's conventions without reading any file) and as a resource
# (plandesk://skill, SKILL.md frontmatter included): serve_skill adds the low-level server's handlers for both.
_PROMPT = Prompt(
    name=SKILL_PROMPT,
    title="Plan Desk agent conventions",
    description="How to work a Plan Desk plan: find the project, take the next task, record a run, "
    "finish it.",
    arguments=[],
)
_RESOURCE = Resource(
    uri=skill.SKILL_URI,
    name="plandesk-skill",
    title="Plan Desk agent conventions",
    description="The skill file `plandesk connect` writes to .plandesk/skill.md.",
    mime_type="text/markdown",
)


def serve_skill(server: Server[Any]) -> None:
    """Offer the skill on this server: prompts/list and prompts/get, resources/list and resources/read."""
    server.add_request_handler("prompts/list", PaginatedRequestParams, list_prompts)
    server.add_request_handler("prompts/get", GetPromptRequestParams, get_prompt)
    server.add_request_handler("resources/list", PaginatedRequestParams, list_resources)
    server.add_request_handler("resources/read", ReadResourceRequestParams, read_resource)


async def list_prompts(ctx: Any, params: PaginatedRequestParams) -> ListPromptsResult:
    return ListPromptsResult(prompts=[_PROMPT])


async def get_prompt(ctx: Any, params: GetPromptRequestParams) -> GetPromptResult:
    if params.name != SKILL_PROMPT:
        raise MCPError(code=INVALID_PARAMS, message=f"Unknown prompt: {params.name}")
    return GetPromptResult(
        description=_PROMPT.description,
        messages=[PromptMessage(role="user", content=TextContent(type="text", text=skill.skill_body()))],
    )


async def list_resources(ctx: Any, params: PaginatedRequestParams) -> ListResourcesResult:
    return ListResourcesResult(resources=[_RESOURCE])


async def read_resource(ctx: Any, params: ReadResourceRequestParams) -> ReadResourceResult:
    if str(params.uri) != skill.SKILL_URI:
        raise MCPError(code=INVALID_PARAMS, message=f"Unknown resource: {params.uri}")
    return ReadResourceResult(
        contents=[
            TextResourceContents(uri=skill.SKILL_URI, mime_type="text/markdown", text=skill.skill_markdown())
        ]
    )
