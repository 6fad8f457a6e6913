"""A claim that did not happen, as one value: REST sends it as its 409 body, MCP as the tool's result.

Losing a race, waiting on prerequisites or finding the task no longer todo are expected answers an agent
branches on, so the core words them once and neither adapter decodes or reshapes them.
"""

from __future__ import annotations

from typing import Any

from plandesk.core.errors import Conflict


class ClaimRefused(Conflict):
    """Conflict whose `result` is the whole refusal: claimed false, the task, a reason code and the detail."""

    def __init__(self, message: str, *, task_id: str, reason: str, **detail: Any) -> None:
        super().__init__(message, field="task_id", claimed=False, task_id=task_id, reason=reason, **detail)

    @property
    def result(self) -> dict:
        """What the caller gets: {claimed: false, task_id, reason, message, and held_by/lease_expires_at,
        waiting_on or current_status}."""
        return {**self.extra, "message": self.message}


def held(task_id: str, holder: str | None, lease_expires_at: str | None) -> ClaimRefused:
    return ClaimRefused(
        f"task {task_id} is already claimed by {holder or 'someone'}"
        f" (lease until {lease_expires_at or 'no lease'})",
        task_id=task_id,
        reason="held",
        held_by=holder,
        lease_expires_at=lease_expires_at,
    )


def blocked(task_id: str, waiting_on: list[str]) -> ClaimRefused:
    return ClaimRefused(
        f"task {task_id} is blocked: it waits on {len(waiting_on)} unfinished task(s)",
        task_id=task_id,
        reason="blocked",
        waiting_on=waiting_on,
    )


def not_todo(task_id: str, status: str) -> ClaimRefused:
    return ClaimRefused(
        f"task {task_id} is {status}, not todo; only todo tasks can be claimed",
        task_id=task_id,
        reason="not_todo",
        current_status=status,
    )
