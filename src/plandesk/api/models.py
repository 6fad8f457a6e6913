"""Request bodies for the OpenAPI schema; the core validates again (it is the one place rules live)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from plandesk.core import vocab

Status = Literal[vocab.TASK_STATUSES]  # type: ignore[valid-type]
Kind = Literal[vocab.TASK_KINDS]  # type: ignore[valid-type]
Priority = Literal[vocab.PRIORITIES]  # type: ignore[valid-type]
EdgeLabel = Literal[vocab.EDGE_LABELS]  # type: ignore[valid-type]
EndpointType = Literal[vocab.EDGE_ENDPOINT_TYPES]  # type: ignore[valid-type]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def data(self) -> dict:
        return self.model_dump(exclude_unset=True)


class ProjectIn(Strict):
    name: str = Field(min_length=1, max_length=vocab.MAX_NAME)
    description: str | None = Field(default=None, max_length=vocab.MAX_BODY)
    repo_path: str | None = Field(default=None, max_length=2000)
    repo_url: str | None = Field(default=None, max_length=2000)


class ProjectPatch(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=vocab.MAX_NAME)
    description: str | None = Field(default=None, max_length=vocab.MAX_BODY)
    repo_path: str | None = Field(default=None, max_length=2000)
    repo_url: str | None = Field(default=None, max_length=2000)
    current_goal_id: str | None = None
    canvas_layout: dict | None = None
    version: int | None = Field(default=None, ge=1)


class TaskFields(Strict):
    status: Status | None = None
    kind: Kind | None = None
    priority: Priority | None = None
    description: str | None = Field(default=None, max_length=vocab.MAX_BODY)
    assignee: str | None = Field(default=None, max_length=200)
    due_date: str | None = Field(default=None, max_length=40)
    tags: list[str] | None = Field(default=None, max_length=50)
    commit_refs: list[str] | None = Field(default=None, max_length=50)
    x: float | None = None
    y: float | None = None
    goal_id: str | None = None


class TaskIn(TaskFields):
    label: str = Field(min_length=1, max_length=vocab.MAX_LABEL)


class TaskPatch(TaskFields):
    label: str | None = Field(default=None, min_length=1, max_length=vocab.MAX_LABEL)
    version: int | None = Field(default=None, ge=1)


class ClaimIn(Strict):
    agent_ref: str = Field(min_length=1, max_length=200)
    lease_seconds: int | None = Field(default=None, ge=10, le=vocab.MAX_LEASE_SECONDS)


class ReleaseIn(Strict):
    agent_ref: str | None = Field(default=None, max_length=200)
    reason: str | None = Field(default=None, max_length=2000)


class EdgeIn(Strict):
    from_type: EndpointType | None = None
    from_id: str | None = None
    to_type: EndpointType | None = None
    to_id: str | None = None
    from_task_id: str | None = None
    to_task_id: str | None = None
    label: EdgeLabel | None = None
    style: Literal[vocab.EDGE_STYLES] | None = None  # type: ignore[valid-type]
    arrow_direction: Literal[vocab.ARROW_DIRECTIONS] | None = None  # type: ignore[valid-type]


class TokenIn(Strict):
    name: str = Field(min_length=1, max_length=vocab.MAX_NAME)
    project_ids: list[str] | None = None
    read_only: bool = False
    expires: str | None = Field(default=None, max_length=10)
    toolsets: list[Literal[vocab.TOOLSETS]] | None = None  # type: ignore[valid-type]
    operations: list[Literal[vocab.CONNECTOR_OPERATIONS]] | None = None  # type: ignore[valid-type]
