"""The Python client for scripts and orchestrators: Plan Desk's planning tools over MCP, sync and async.

from plandesk.client import PlanDeskClient
with PlanDeskClient() as pd:                  # PLANDESK_URL, PLANDESK_MCP_TOKEN
    nxt = pd.get_next_task(project_id)["next_task"]

The classes load on first use (PEP 562): `plandesk.client.errors` and `plandesk.client.endpoint` stay cheap
to import for the CLI and the agent tooling, which do not need the MCP SDK to read a binding.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from plandesk.client.async_client import AsyncPlanDeskClient
    from plandesk.client.errors import AuthError, ConnectError, PlanDeskClientError, ToolError
    from plandesk.client.sync_client import PlanDeskClient

_HOMES = {
    "AsyncPlanDeskClient": "plandesk.client.async_client",
    "AuthError": "plandesk.client.errors",
    "ConnectError": "plandesk.client.errors",
    "PlanDeskClient": "plandesk.client.sync_client",
    "PlanDeskClientError": "plandesk.client.errors",
    "ToolError": "plandesk.client.errors",
}

__all__ = [
    "AsyncPlanDeskClient",
    "AuthError",
    "ConnectError",
    "PlanDeskClient",
    "PlanDeskClientError",
    "ToolError",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value
    return value
