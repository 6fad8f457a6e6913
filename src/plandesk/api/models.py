"""Request bodies for the OpenAPI schema; the core validates again (it is the one place rules live).

Field types and limits come from core/models.py (and through it core/vocab.py): written once for REST, MCP and
the core's own checks."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from plandesk.core import vocab
from plandesk.core.models import (
    AgentRef,
    ArrowDirection,
    CommitRefs,
    DateText,
    EdgeLabel,
    EdgeStyle,
    EndpointType,
    Label,
    LeaseSeconds,
    LongText,
    Name,
    PersonRef,
    Priority,
    ShortText,
    TagNames,
    Version,
)
from plandesk.core.models import TaskKind as Kind
from plandesk.core.models import TaskStatus as Status


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def data(self) -> dict:
        return self.model_dump(exclude_unset=True)


class ProjectIn(Strict):
    name: Name
    description: LongText | None = None
    repo_path: ShortText | None = None
    repo_url: ShortText | None = None


class ProjectPatch(Strict):
    name: Name | None = None
    description: LongText | None = None
    repo_path: ShortText | None = None
    repo_url: ShortText | None = None
    current_goal_id: str | None = None
    canvas_layout: dict | None = None
    version: Version | None = None


class TaskFields(Strict):
    status: Status | None = None
    kind: Kind | None = None
    priority: Priority | None = None
    description: LongText | None = None
    assignee: PersonRef | None = None
    due_date: DateText | None = None
    tags: TagNames | None = None
    commit_refs: CommitRefs | None = None
    x: float | None = None
    y: float | None = None
    goal_id: str | None = None


class TaskIn(TaskFields):
    label: Label


class TaskPatch(TaskFields):
    label: Label | None = None
    version: Version | None = None


class ClaimIn(Strict):
    agent_ref: AgentRef
    lease_seconds: LeaseSeconds | None = None


class ReleaseIn(Strict):
    agent_ref: PersonRef | None = None
    reason: ShortText | None = None


class EdgeIn(Strict):
    from_type: EndpointType | None = None
    from_id: str | None = None
    to_type: EndpointType | None = None
    to_id: str | None = None
    from_task_id: str | None = None
    to_task_id: str | None = None
    label: EdgeLabel | None = None
    style: EdgeStyle | None = None
    arrow_direction: ArrowDirection | None = None


class TokenIn(Strict):
    name: Name
    project_ids: list[str] | None = None
    read_only: bool = False
    expires: str | None = Field(default=None, max_length=10)
    toolsets: list[Literal[vocab.TOOLSETS]] | None = None  # type: ignore[valid-type]
    operations: list[Literal[vocab.CONNECTOR_OPERATIONS]] | None = None  # type: ignore[valid-type]
