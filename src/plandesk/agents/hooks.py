"""Agent hooks over MCP with the repository's token: `plandesk context` and `plandesk progress-checkpoint`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio

from plandesk.agents import bound_repo

CONTEXT_TOOL = "get_agent_context"


class HookError(Exception):
    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


async def _gather(client: Any, bound: bound_repo.BoundRepo, agent_ref: str) -> dict[str, Any]:
    found = await client.call(CONTEXT_TOOL, {"project_id": bound.project_id, "agent_ref": agent_ref})
    return {
        "repo": str(bound.root),
        "serverUrl": bound.server_url,
        "projectId": bound.project_id,
        "agentRef": agent_ref,
        **found,
    }


async def _session(start: Path, message: str | None) -> Any:
    from plandesk.client import AsyncPlanDeskClient

    bound = bound_repo.load(start)
    token, _ = bound_repo.token_for(bound.root)
    agent_ref = bound_repo.agent_ref_for(bound.root, token)
    async with AsyncPlanDeskClient(bound.server_url, token, client_name="plandesk-hooks") as client:
        data = await _gather(client, bound, agent_ref)
        if message is None:
            return data
        run = data.get("open_run")
        if not run:
            return "no open agent run for this token; nothing recorded"
        await client.record_agent_progress(run["id"], message)
        return f"recorded on run {run.get('label')!r} ({run['id']})"


def _guarded(start: Path, message: str | None) -> Any:
    from plandesk.client import PlanDeskClientError

    try:
        return anyio.run(_session, start, message)
    except bound_repo.BindingError as exc:
        raise HookError(exc.message, 2 if exc.corrupt else 1) from exc
    except PlanDeskClientError as exc:
        raise HookError(str(exc), 1) from exc


def context(start: Path) -> dict[str, Any]:
    """The bound project's current task (claimed by this repo's agent, else the next ready), its spec and
    the token's open run."""
    return _guarded(start, None)


def checkpoint(start: Path, message: str) -> str:
    """Append `message` to the token's open run; says so (and records nothing) when no run is open."""
    if not message.strip():
        raise HookError("--message must not be empty", 2)
    return _guarded(start, message)


def render_context(data: dict[str, Any]) -> str:
    project = data.get("project") or {}
    lines = [
        f"Plan Desk project {project.get('name', '?')!r} ({data['projectId']}) at {data['serverUrl']}",
        f"agent_ref for claims: {data['agentRef']}",
    ]
    task = data.get("current_task")
    if task:
        why = "claimed by this agent" if data.get("current_task_source") == "claimed" else "next ready"
        lines.append(
            f"Current task ({why}): {task.get('label')} ({task.get('id')}), status {task.get('status')}"
        )
    else:
        lines.append(f"No current task ({data.get('reason') or 'nothing is ready'}).")
    for doc in data.get("spec") or []:
        lines.append(f"Spec: {doc.get('title')} ({doc.get('id')}) {doc.get('status_line') or ''}".rstrip())
    run = data.get("open_run")
    lines.append(f"Open run: {run.get('label')} ({run.get('id')})" if run else "No open agent run.")
    return "\n".join(lines)
