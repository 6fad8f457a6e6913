"""The Python client for scripts and orchestrators: Plan Desk's planning tools over MCP, sync and async.

from plandesk.client import PlanDeskClient
with PlanDeskClient() as pd:                  # PLANDESK_URL, PLANDESK_MCP_TOKEN
    nxt = pd.get_next_task(project_id)["next_task"]
"""

from plandesk.client.async_client import AsyncPlanDeskClient
from plandesk.client.errors import AuthError, ConnectError, PlanDeskClientError, ToolError
from plandesk.client.sync_client import PlanDeskClient

__all__ = [
    "AsyncPlanDeskClient",
    "AuthError",
    "ConnectError",
    "PlanDeskClient",
    "PlanDeskClientError",
    "ToolError",
]
