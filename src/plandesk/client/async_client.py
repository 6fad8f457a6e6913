"""AsyncPlanDeskClient: typed methods for the planning tools over MCP (asyncio or trio, via anyio)."""

from __future__ import annotations

from typing import Any, Unpack

from plandesk.client.session import McpSession
from plandesk.client.types import (
    AgentRun,
    Claim,
    DocumentDetail,
    NewDocumentFields,
    NewEdgeFields,
    NewTaskFields,
    NextTask,
    Project,
    Task,
    TaskChanges,
)


def _args(**values: Any) -> dict[str, Any]:
    """Only what the caller gave: an omitted argument must stay omitted (None can mean 'clear it'), and on
    a create a None is taken as not given."""
    return {k: v for k, v in values.items() if v is not None}


class AsyncPlanDeskClient(McpSession):
    """`async with AsyncPlanDeskClient() as pd:` (PLANDESK_URL, PLANDESK_MCP_TOKEN) then `await pd.get_task(id)`.

    Any tool not covered by a method is one `await pd.call("tool_name", {...})` away.
    """

    # Projects
    async def list_projects(self, *, limit: int | None = None, cursor: str | None = None) -> dict[str, Any]:
        return await self.call("list_projects", _args(limit=limit, cursor=cursor))

    async def get_project(self, project_id: str) -> Project:
        return await self.call("get_project", {"project_id": project_id})

    async def create_project(
        self, name: str, *, description: str | None = None, repo_path: str | None = None
    ) -> Project:
        return await self.call(
            "create_project", _args(name=name, description=description, repo_path=repo_path)
        )

    async def scaffold_project_from_plan(self, plan: dict[str, Any]) -> dict[str, Any]:
        return await self.call("scaffold_project_from_plan", plan)

    # Tasks
    async def create_task(self, project_id: str, label: str, **fields: Unpack[NewTaskFields]) -> Task:
        return await self.call("create_task", _args(project_id=project_id, label=label, **fields))

    async def get_task(self, task_id: str) -> Task:
        return await self.call("get_task", {"task_id": task_id})

    async def update_task(self, task_id: str, **changes: Unpack[TaskChanges]) -> Task:
        """Only the fields passed change (None clears the fields that can be empty); pass version=… to refuse
        overwriting a newer edit."""
        return await self.call("update_task", {"task_id": task_id, **changes})

    async def list_tasks(
        self,
        project_id: str,
        *,
        status: str | list[str] | None = None,
        limit: int | None = None,
        cursor: str | None = None,
        **filters: Any,
    ) -> dict[str, Any]:
        return await self.call(
            "list_tasks", _args(project_id=project_id, status=status, limit=limit, cursor=cursor) | filters
        )

    async def get_next_task(self, project_id: str, **scope: Any) -> NextTask:
        return await self.call("get_next_task", {"project_id": project_id, **scope})

    async def claim_next_task(
        self, project_id: str, agent_ref: str, *, goal_id: str | None = None, lease_seconds: int | None = None
    ) -> Claim:
        """The next ready task, chosen and claimed in one call (`claimed: false` with a reason when none is)."""
        return await self.call(
            "claim_next_task",
            _args(project_id=project_id, agent_ref=agent_ref, goal_id=goal_id, lease_seconds=lease_seconds),
        )

    async def claim_task(self, task_id: str, agent_ref: str, *, lease_seconds: int | None = None) -> Claim:
        return await self.call(
            "claim_task", _args(task_id=task_id, agent_ref=agent_ref, lease_seconds=lease_seconds)
        )

    async def renew_claim(
        self, task_id: str, agent_ref: str | None = None, *, lease_seconds: int | None = None
    ) -> dict[str, Any]:
        return await self.call(
            "renew_claim", _args(task_id=task_id, agent_ref=agent_ref, lease_seconds=lease_seconds)
        )

    async def release_task(
        self, task_id: str, agent_ref: str | None = None, *, reason: str | None = None
    ) -> dict[str, Any]:
        return await self.call("release_task", _args(task_id=task_id, agent_ref=agent_ref, reason=reason))

    async def get_task_graph(self, project_id: str) -> dict[str, Any]:
        return await self.call("get_task_graph", {"project_id": project_id})

    # Edges, documents, comments, search
    async def create_edge(
        self, project_id: str, from_id: str, to_id: str, **fields: Unpack[NewEdgeFields]
    ) -> dict[str, Any]:
        return await self.call(
            "create_edge", _args(project_id=project_id, from_id=from_id, to_id=to_id, **fields)
        )

    async def create_document(
        self, project_id: str, title: str, **fields: Unpack[NewDocumentFields]
    ) -> DocumentDetail:
        return await self.call("create_document", _args(project_id=project_id, title=title, **fields))

    async def get_document(self, document_id: str) -> DocumentDetail:
        return await self.call("get_document", {"document_id": document_id})

    async def add_comment(self, target_type: str, target_id: str, body: str) -> dict[str, Any]:
        return await self.call(
            "add_comment", {"target_type": target_type, "target_id": target_id, "body": body}
        )

    async def list_comments(self, project_id: str, **filters: Any) -> Any:
        return await self.call("list_comments", {"project_id": project_id, **filters})

    async def search(self, query: str, *, project_id: str | None = None, limit: int | None = None) -> Any:
        return await self.call("search", _args(query=query, project_id=project_id, limit=limit))

    # Agent runs
    async def start_agent_run(
        self, project_id: str, *, label: str | None = None, task_ids: list[str] | None = None
    ) -> AgentRun:
        return await self.call(
            "start_agent_run", _args(project_id=project_id, label=label, task_ids=task_ids)
        )

    async def record_agent_progress(
        self, run_id: str, message: str, *, kind: str | None = None, data: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        return await self.call(
            "record_agent_progress", _args(run_id=run_id, message=message, kind=kind, data=data)
        )

    async def complete_agent_run(
        self, run_id: str, status: str = "completed", *, summary: str | None = None
    ) -> AgentRun:
        return await self.call("complete_agent_run", _args(run_id=run_id, status=status, summary=summary))

    async def list_agent_runs(self, project_id: str, **filters: Any) -> Any:
        return await self.call("list_agent_runs", {"project_id": project_id, **filters})

    async def get_agent_run(self, run_id: str) -> AgentRun:
        return await self.call("get_agent_run", {"run_id": run_id})
