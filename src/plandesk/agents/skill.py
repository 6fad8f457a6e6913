"""The agent skill: Plan Desk's working conventions, shipped as skill.md and served over MCP."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

SKILL_URI = "plandesk://skill"


@lru_cache(maxsize=1)
def skill_markdown() -> str:
    """The whole file, SKILL.md frontmatter included (what .plandesk/skill.md holds)."""
    return resources.files("plandesk.agents").joinpath("skill.md").read_text(encoding="utf-8")


def skill_body() -> str:
    """The conventions without the frontmatter, for places that embed the text (AGENTS.md, an MCP prompt)."""
    text = skill_markdown()
    if text.startswith("---\n"):
        end = text.find("\n---\n", 4)
        if end != -1:
            text = text[end + 5 :]
    return text.lstrip("\n")
