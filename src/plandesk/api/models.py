"""Request bodies for the OpenAPI schema; the core validates again (it is the one place rules live)."""

from __future__ import annotations

from typing import Literal, Optional

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
    description: Optional[str] = Field(default=None, max_length=vocab.MAX_BODY)
    repo_path: Optional[str] = Field(default=None, max_length=2000)
    repo_url: Optional[str] = Field(default=None, max_length=2000)


class ProjectPatch(Strict):
    name: Optional[str] = Field(default=None, min_length=1, max_length=vocab.MAX_NAME)
    description: Optional[str] = Field(default=None, max_length=vocab.MAX_BODY)
    repo_path: Optional[str] = Field(default=None, max_length=2000)
    repo_url: Optional[str] = Field(default=None, max_length=2000)
    current_goal_id: Optional[str] = None
    canvas_layout: Optional[dict] = None
    version: Optional[int] = Field(default=None, ge=1)


class TaskFields(Strict):
    status: Optional[Status] = None
    kind: Optional[Kind] = None
    priority: Optional[Priority] = None
    description: Optional[str] = Field(default=None, max_length=vocab.MAX_BODY)
    assignee: Optional[str] = Field(default=None, max_length=200)
    due_date: Optional[str] = Field(default=None, max_length=40)
    tags: Optional[list[str]] = Field(default=None, max_length=50)
    commit_refs: Optional[list[str]] = Field(default=None, max_length=50)
    x: Optional[float] = None
    y: Optional[float] = None
    goal_id: Optional[str] = None


class TaskIn(TaskFields):
    label: str = Field(min_length=1, max_length=vocab.MAX_LABEL)


class TaskPatch(TaskFields):
    label: Optional[str] = Field(default=None, min_length=1, max_length=vocab.MAX_LABEL)
    version: Optional[int] = Field(default=None, ge=1)


class ClaimIn(Strict):
    agent_ref: str = Field(min_length=1, max_length=200)
    lease_seconds: Optional[int] = Field(default=None, ge=10, le=vocab.MAX_LEASE_SECONDS)


class ReleaseIn(Strict):
    agent_ref: Optional[str] = Field(default=None, max_length=200)
    reason: Optional[str] = Field(default=None, max_length=2000)


class EdgeIn(Strict):
    from_type: Optional[EndpointType] = None
    from_id: Optional[str] = None
    to_type: Optional[EndpointType] = None
    to_id: Optional[str] = None
    from_task_id: Optional[str] = None
    to_task_id: Optional[str] = None
    label: Optional[EdgeLabel] = None
    style: Optional[Literal[vocab.EDGE_STYLES]] = None  # type: ignore[valid-type]
    arrow_direction: Optional[Literal[vocab.ARROW_DIRECTIONS]] = None  # type: ignore[valid-type]


class TokenIn(Strict):
    name: str = Field(min_length=1, max_length=vocab.MAX_NAME)
    project_ids: Optional[list[str]] = None
    read_only: bool = False
    expires: Optional[str] = Field(default=None, max_length=10)
    toolsets: Optional[list[Literal[vocab.TOOLSETS]]] = None  # type: ignore[valid-type]
    operations: Optional[list[Literal[vocab.CONNECTOR_OPERATIONS]]] = None  # type: ignore[valid-type]
