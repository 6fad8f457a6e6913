"""MCP for agent onboarding: get_agent_context, and the skill served as a prompt and as a resource."""

from __future__ import annotations

from typing import Any

from plandesk.agents import skill
from plandesk.mcp import schemas as s
from plandesk.mcp.registry import ToolCall, ToolGroup

TOOLS = ToolGroup()
SKILL_PROMPT = "plandesk_skill"


@TOOLS.tool("get_agent_context", read_only=True,
            description="Orient in one call: your current task (claimed under agent_ref, or the next ready one), "
                        "its linked documents in full, and your open run. Call it at the start and after a break.",
            params={"project_id": s.PROJECT_ID, "agent_ref": s.text(max_len=200, min_len=1)},
            required=["project_id"])
def get_agent_context(call: ToolCall, a: dict) -> dict:
    from plandesk.agents.context import agent_context
    return agent_context(call.db, call.actor, a["project_id"], a.get("agent_ref"))


def prompts() -> list[Any]:
    """The skill as an MCP prompt: a client can load Plan Desk's conventions without reading any file."""
    from mcp.server.mcpserver.prompts import Prompt

    def plandesk_skill() -> str:
        return skill.skill_body()

    return [Prompt.from_function(plandesk_skill, name=SKILL_PROMPT, title="Plan Desk agent conventions",
                                 description="How to work a Plan Desk plan: find the project, take the next task, "
                                             "record a run, finish it.")]


def resources() -> list[Any]:
    """The same skill as a resource (plandesk://skill), SKILL.md frontmatter included."""
    from mcp.server.mcpserver.resources import TextResource
    return [TextResource(uri=skill.SKILL_URI, name="plandesk-skill", title="Plan Desk agent conventions",
                         description="The skill file `plandesk connect` writes to .plandesk/skill.md.",
                         mime_type="text/markdown", text=skill.skill_markdown())]


def install(server: Any) -> None:
    """Add the prompt and the resource to the endpoint's MCPServer (tools come through TOOLS)."""
    for prompt in prompts():
        server.add_prompt(prompt)
    for resource in resources():
        server.add_resource(resource)
