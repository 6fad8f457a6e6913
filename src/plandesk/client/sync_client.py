"""PlanDeskClient: the same typed methods, blocking, for scripts (an event loop runs in a helper thread).

Each method is the async client's, made blocking by `_blocking`: its signature, types and docstring are the
async one's, so the two clients cannot drift apart.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, Concatenate, ParamSpec, Self, TypeVar, Unpack

from anyio.from_thread import BlockingPortal, start_blocking_portal

from plandesk.client.async_client import AsyncPlanDeskClient
from plandesk.client.errors import PlanDeskClientError
from plandesk.client.session import SessionOptions

P = ParamSpec("P")
R = TypeVar("R")


def _blocking(
    method: Callable[Concatenate[AsyncPlanDeskClient, P], Awaitable[R]],
) -> Callable[Concatenate[PlanDeskClient, P], R]:
    """The async client's method as a blocking one of PlanDeskClient, with the same parameters and result."""

    @functools.wraps(method)
    def blocking(self: PlanDeskClient, /, *args: P.args, **kwargs: P.kwargs) -> R:
        return self._run(method, self._async, *args, **kwargs)

    blocking.__qualname__ = f"PlanDeskClient.{method.__name__}"
    return blocking


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
        return self._portal.call(functools.partial(fn, *args, **kwargs))

    call = _blocking(AsyncPlanDeskClient.call)
    list_tools = _blocking(AsyncPlanDeskClient.list_tools)
    list_projects = _blocking(AsyncPlanDeskClient.list_projects)
    get_project = _blocking(AsyncPlanDeskClient.get_project)
    create_project = _blocking(AsyncPlanDeskClient.create_project)
    scaffold_project_from_plan = _blocking(AsyncPlanDeskClient.scaffold_project_from_plan)
    create_task = _blocking(AsyncPlanDeskClient.create_task)
    get_task = _blocking(AsyncPlanDeskClient.get_task)
    update_task = _blocking(AsyncPlanDeskClient.update_task)
    list_tasks = _blocking(AsyncPlanDeskClient.list_tasks)
    get_next_task = _blocking(AsyncPlanDeskClient.get_next_task)
    claim_next_task = _blocking(AsyncPlanDeskClient.claim_next_task)
    claim_task = _blocking(AsyncPlanDeskClient.claim_task)
    renew_claim = _blocking(AsyncPlanDeskClient.renew_claim)
    release_task = _blocking(AsyncPlanDeskClient.release_task)
    get_task_graph = _blocking(AsyncPlanDeskClient.get_task_graph)
    create_edge = _blocking(AsyncPlanDeskClient.create_edge)
    create_document = _blocking(AsyncPlanDeskClient.create_document)
    get_document = _blocking(AsyncPlanDeskClient.get_document)
    add_comment = _blocking(AsyncPlanDeskClient.add_comment)
    list_comments = _blocking(AsyncPlanDeskClient.list_comments)
    search = _blocking(AsyncPlanDeskClient.search)
    start_agent_run = _blocking(AsyncPlanDeskClient.start_agent_run)
    record_agent_progress = _blocking(AsyncPlanDeskClient.record_agent_progress)
    complete_agent_run = _blocking(AsyncPlanDeskClient.complete_agent_run)
    list_agent_runs = _blocking(AsyncPlanDeskClient.list_agent_runs)
    get_agent_run = _blocking(AsyncPlanDeskClient.get_agent_run)
