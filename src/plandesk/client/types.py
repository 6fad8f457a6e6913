"""Shapes of what the planning tools return (the fields a script usually reads; servers may add more)."""

from __future__ import annotations

from typing import Any, TypedDict


class Project(TypedDict, total=False):
    id: str
    name: str
    description: str
    repo_path: str | None
    repo_url: str | None
    current_goal_id: str | None
    version: int
    summary: dict[str, int]


class Task(TypedDict, total=False):
    id: str
    project_id: str
    goal_id: str | None
    label: str
    status: str
    kind: str
    priority: str | None
    description: str
    assignee: str | None
    tags: list[str]
    commit_refs: list[str]
    claimed_by: str | None
    lease_expires_at: str | None
    version: int
    links: list[dict[str, Any]]


class NextTask(TypedDict, total=False):
    next_task: Task | None
    blocked: list[dict[str, Any]]
    blocked_total: int
    ready_count: int
    reason: str


class Claim(TypedDict, total=False):
    claimed: bool
    task: Task
    lease_expires_at: str


class AgentRun(TypedDict, total=False):
    id: str
    project_id: str
    label: str
    status: str
    summary: str | None
    task_ids: list[str]
    events: list[dict[str, Any]]
    started_at: str
    completed_at: str | None


class Document(TypedDict, total=False):
    id: str
    project_id: str
    title: str
    body: str
    status_line: str | None
    links: list[dict[str, Any]]
    backlinks: list[dict[str, Any]]
