"""A real MCP handshake for `plandesk doctor --repo`: initialize, tools/list, and a read of the bound project."""

from __future__ import annotations

from dataclasses import dataclass, field

import anyio

from plandesk.client.async_client import AsyncPlanDeskClient
from plandesk.client.errors import AuthError, ConnectError, PlanDeskClientError, ToolError


@dataclass
class ProbeResult:
    ok: bool
    fault: str | None = (
        None  # server_down | token_revoked | token_expired | token_invalid | no_token | mcp_error
    )
    detail: str = ""
    tool_count: int = 0
    protocol_version: str | None = None
    project_name: str | None = None
    project_error: str | None = None
    tools: list[str] = field(default_factory=list)


_AUTH_FAULTS = {
    "revoked_token": "token_revoked",
    "expired_token": "token_expired",
    "missing_token": "no_token",
}


async def _probe(server_url: str, token: str, project_id: str | None, timeout: float) -> ProbeResult:
    client = AsyncPlanDeskClient(
        server_url, token, timeout=timeout, client_name="plandesk-doctor", mode="legacy"
    )
    try:
        async with client:
            tools = sorted(t.name for t in await client.list_tools())
            result = ProbeResult(
                ok=True,
                tool_count=len(tools),
                tools=tools,
                protocol_version=client.protocol_version,
                detail=f"initialize and tools/list answered: {len(tools)} tools",
            )
            if project_id:
                try:
                    result.project_name = (await client.get_project(project_id)).get("name")
                except ToolError as exc:
                    result.project_error = exc.message
            return result
    except AuthError as exc:
        return ProbeResult(
            ok=False,
            fault=_AUTH_FAULTS.get(exc.reason, "token_invalid"),
            detail=f"HTTP 401 ({exc.reason}): {exc.message}",
        )
    except ConnectError as exc:
        down = "cannot reach" in str(exc)
        return ProbeResult(ok=False, fault="server_down" if down else "mcp_error", detail=str(exc))
    except PlanDeskClientError as exc:
        return ProbeResult(ok=False, fault="mcp_error", detail=str(exc))


def probe(server_url: str, token: str, project_id: str | None = None, timeout: float = 10.0) -> ProbeResult:
    return anyio.run(_probe, server_url, token, project_id, timeout)
