"""Request bodies for the OpenAPI schema; the core validates again (it is the one place rules live).

The bodies that create or change a thing are the core's request models (core/models.py), which the MCP tool
arguments come from too; what only REST takes is here."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from plandesk.core import vocab
from plandesk.core.models import (
    ClaimIn,
    EdgeIn,
    Input,
    Name,
    ProjectIn,
    ProjectPatch,
    ReleaseIn,
    TaskIn,
    TaskPatch,
)

Strict = Input  # every request body refuses a field it does not name

__all__ = [
    "ClaimIn",
    "EdgeIn",
    "ProjectIn",
    "ProjectPatch",
    "ReleaseIn",
    "Strict",
    "TaskIn",
    "TaskPatch",
    "TokenIn",
]


class TokenIn(Strict):
    name: Name
    project_ids: list[str] | None = None
    read_only: bool = False
    expires: str | None = Field(default=None, max_length=10)
    toolsets: list[Literal[vocab.TOOLSETS]] | None = None  # type: ignore[valid-type]
    operations: list[Literal[vocab.CONNECTOR_OPERATIONS]] | None = None  # type: ignore[valid-type]
