"""PlanDeskClient: the same typed methods, blocking, for scripts (an event loop runs in a helper thread)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, Self, TypeVar, Unpack

from anyio.from_thread import BlockingPortal, start_blocking_portal

from plandesk.client.async_client import AsyncPlanDeskClient
from plandesk.client.errors import PlanDeskClientError
from plandesk.client.session import SessionOptions
from plandesk.client.types import AgentRun, Claim, DocumentDetail, NextTask, Project, Task

T = TypeVar("T")


class PlanDeskClient:
    """`with PlanDeskClient() as pd:` (PLANDESK_URL, PLANDESK_MCP_TOKEN) then `pd.get_next_task(project_id)`."""

    def __init__(
        self, url: str | None = None, token: str | None = None, **options: Unpack[SessionOptions]
    ) -> None:
        self._async = AsyncPlanDeskClient(url, token, **options)
        self._portal_cm: Any = None
        self._session_cm: Any = None
        self._portal: BlockingPortal | None = None

    @property
    def mcp_url(self) -> str:
        return self._async.mcp_url

    def __enter__(self) -> Self:
        self._portal_cm = start_blocking_portal()
        self._portal = self._portal_cm.__enter__()
        # The SDK's task groups must be entered and left by one task: the portal keeps one task for that.
        self._session_cm = self._portal.wrap_async_context_manager(self._async)
        try:
            self._session_cm.__enter__()
        except BaseException:
            self._portal_cm.__exit__(None, None, None)
            self._portal = None
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        portal, self._portal = self._portal, None
        if portal is not None:
            try:
                self._session_cm.__exit__(*exc_info)
            finally:
                self._portal_cm.__exit__(None, None, None)

    def _run(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if self._portal is None:
            raise PlanDeskClientError("the client is not connected; use it as a context manager")
        return self._portal.call(partial(fn, *args, **kwargs))

    def call(self, tool: str, arguments: dict[str, Any] | None = None) -> Any:
        return self._run(self._async.call, tool, arguments)

    def list_tools(self) -> list[Any]:
        return self._run(self._async.list_tools)

    def list_projects(self, **kw: Any) -> dict[str, Any]:
        return self._run(self._async.list_projects, **kw)

    def get_project(self, project_id: str) -> Project:
        return self._run(self._async.get_project, project_id)

    def create_project(self, name: str, **kw: Any) -> Project:
        return self._run(self._async.create_project, name, **kw)

    def scaffold_project_from_plan(self, plan: dict[str, Any]) -> dict[str, Any]:
        return self._run(self._async.scaffold_project_from_plan, plan)

    def create_task(self, project_id: str, label: str, **kw: Any) -> Task:
        return self._run(self._async.create_task, project_id, label, **kw)

    def get_task(self, task_id: str) -> Task:
        return self._run(self._async.get_task, task_id)

    def update_task(self, task_id: str, **changes: Any) -> Task:
        return self._run(self._async.update_task, task_id, **changes)

    def list_tasks(self, project_id: str, **kw: Any) -> dict[str, Any]:
        return self._run(self._async.list_tasks, project_id, **kw)

    def get_next_task(self, project_id: str, **scope: Any) -> NextTask:
        return self._run(self._async.get_next_task, project_id, **scope)

    def claim_next_task(self, project_id: str, agent_ref: str, **kw: Any) -> Claim:
        return self._run(self._async.claim_next_task, project_id, agent_ref, **kw)

    def claim_task(self, task_id: str, agent_ref: str, **kw: Any) -> Claim:
        return self._run(self._async.claim_task, task_id, agent_ref, **kw)

    def renew_claim(self, task_id: str, agent_ref: str | None = None, **kw: Any) -> dict[str, Any]:
        return self._run(self._async.renew_claim, task_id, agent_ref, **kw)

    def release_task(self, task_id: str, agent_ref: str | None = None, **kw: Any) -> dict[str, Any]:
        return self._run(self._async.release_task, task_id, agent_ref, **kw)

    def get_task_graph(self, project_id: str) -> dict[str, Any]:
        return self._run(self._async.get_task_graph, project_id)

    def create_edge(self, project_id: str, from_id: str, to_id: str, **kw: Any) -> dict[str, Any]:
        return self._run(self._async.create_edge, project_id, from_id, to_id, **kw)

    def create_document(self, project_id: str, title: str, **kw: Any) -> DocumentDetail:
        return self._run(self._async.create_document, project_id, title, **kw)

    def get_document(self, document_id: str) -> DocumentDetail:
        return self._run(self._async.get_document, document_id)

    def add_comment(self, target_type: str, target_id: str, body: str) -> dict[str, Any]:
        return self._run(self._async.add_comment, target_type, target_id, body)

    def list_comments(self, project_id: str, **filters: Any) -> Any:
        return self._run(self._async.list_comments, project_id, **filters)

    def search(self, query: str, **kw: Any) -> Any:
        return self._run(self._async.search, query, **kw)

    def start_agent_run(self, project_id: str, **kw: Any) -> AgentRun:
        return self._run(self._async.start_agent_run, project_id, **kw)

    def record_agent_progress(self, run_id: str, message: str, **kw: Any) -> dict[str, Any]:
        return self._run(self._async.record_agent_progress, run_id, message, **kw)

    def complete_agent_run(self, run_id: str, status: str = "completed", **kw: Any) -> AgentRun:
        return self._run(self._async.complete_agent_run, run_id, status, **kw)

    def list_agent_runs(self, project_id: str, **filters: Any) -> Any:
        return self._run(self._async.list_agent_runs, project_id, **filters)

    def get_agent_run(self, run_id: str) -> AgentRun:
        return self._run(self._async.get_agent_run, run_id)
