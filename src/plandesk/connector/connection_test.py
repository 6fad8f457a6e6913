"""Test connection: a real MCP initialize and tools/list with a token, from this server to itself, explained; then
each of the project's databases is connected to and its account checked."""

from __future__ import annotations

from typing import Any

import anyio
import anyio.to_thread
import httpx2

from plandesk.connector import database
from plandesk.connector.calls import TOOL_NAMES
from plandesk.core import tokens
from plandesk.core.errors import PlanDeskError, Unauthorized
from plandesk.core.permissions import authorize

TIMEOUT_S = 20


def endpoint_of(settings: Any) -> str:
    """Loopback when the server listens on every address; its own address otherwise."""
    host = settings.host if settings.host not in ("0.0.0.0", "::", "") else "127.0.0.1"
    host = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"http://{host}:{settings.port}/mcp/"


async def run_connection_test(db, settings, raw_token: str, project_id: str | None = None) -> dict:
    checks: list[dict] = []

    def result(problem: str | None) -> dict:
        return {"ok": problem is None, "problem": problem, "checks": checks}

    try:
        actor = await anyio.to_thread.run_sync(tokens.authenticate, db, raw_token.strip())
    except Unauthorized as exc:
        checks.append({"name": "token", "ok": False, "detail": exc.message})
        return result(
            f"The token does not work: {exc.message}. Rotate it and paste the new value into the client."
        )
    checks.append({"name": "token", "ok": True, "detail": f"acts as {actor.name} ({actor.role})"})

    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    names: set[str] = set()
    try:
        async with httpx2.AsyncClient(
            headers={"Authorization": f"Bearer {raw_token.strip()}"}, timeout=TIMEOUT_S
        ) as http:
            with anyio.fail_after(TIMEOUT_S):
                async with Client(
                    streamable_http_client(endpoint_of(settings), http_client=http), mode="legacy"
                ) as client:
                    names = {t.name for t in (await client.list_tools()).tools}
    except Exception as exc:  # noqa: BLE001  the client wraps HTTP failures in exception groups; say what we can
        checks.append({"name": "MCP initialize", "ok": False, "detail": type(exc).__name__})
        return result("The MCP endpoint did not complete initialize and tools/list with this token.")
    checks.append(
        {"name": "MCP initialize and tools/list", "ok": True, "detail": f"{len(names)} tools listed"}
    )
    code = sorted(names & set(TOOL_NAMES))
    if not code:
        why = (
            "the token was not created with the code toolset"
            if "code" not in actor.toolsets
            else f"the {actor.role} role (or the token's own limits) grants no code operation"
        )
        checks.append({"name": "code tools", "ok": False, "detail": why})
        return result(f"No code tools are listed: {why}.")
    checks.append({"name": "code tools", "ok": True, "detail": ", ".join(code)})
    if project_id:
        try:
            decision = await anyio.to_thread.run_sync(authorize, db, actor, project_id, "code.search")
        except PlanDeskError as exc:
            checks.append({"name": "project", "ok": False, "detail": exc.message})
            return result(f"The project is not reachable with this token: {exc.message}")
        if not decision.allowed:
            checks.append({"name": "project", "ok": False, "detail": decision.reason})
            return result(decision.reason[:1].upper() + decision.reason[1:] + ".")
        checks.append(
            {"name": "project", "ok": True, "detail": "the connector is on and the token may search"}
        )
        refused = await anyio.to_thread.run_sync(check_databases, db, decision.config or {})
        checks.extend(refused)
        bad = [c for c in refused if not c["ok"]]
        if bad:
            return result(f"{bad[0]['name'][:1].upper()}{bad[0]['name'][1:]}: {bad[0]['detail']}")
    return result(None)


def check_databases(db, config: dict) -> list[dict]:
    """Each configured database URL: it connects, it is not Plan Desk's own, and its account does only its job."""
    if not config.get("databases"):
        return []
    own = database.workspace_identity(db)
    return [check for d in config["databases"] for check in database.check_account(d, own=own)]
