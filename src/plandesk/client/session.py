"""One MCP connection to a Plan Desk server with the official SDK client, and a plain `call(tool, args)`."""

from __future__ import annotations

import json
import os
from contextlib import AsyncExitStack
from typing import Any, Self, TypedDict

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp_types import Implementation, TextContent

from plandesk import __version__
from plandesk.client.endpoint import DEFAULT_URL, TOKEN_ENV, URL_ENV, mcp_url_of
from plandesk.client.errors import AuthError, ConnectError, PlanDeskClientError, ToolError

ERROR_META = "plandesk/error"


def _leaves(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for inner in exc.exceptions for leaf in _leaves(inner)]
    return [exc]


class SessionOptions(TypedDict, total=False):
    """How a client connects, besides where and with which token (McpSession's defaults hold when omitted)."""

    timeout: float
    client_name: str


class McpSession:
    """Connects on `__aenter__` (initialize), then forwards tool calls; errors become ToolError/AuthError."""

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        *,
        timeout: float = 30.0,
        client_name: str = "plandesk-python-client",
        mode: str = "legacy",
    ) -> None:
        self.mcp_url = mcp_url_of(url or os.environ.get(URL_ENV) or DEFAULT_URL)
        self._token = token if token is not None else os.environ.get(TOKEN_ENV, "").strip() or None
        self._timeout = timeout
        self._client_name = client_name
        self._mode = mode
        self._stack: AsyncExitStack | None = None
        self._client: Client | None = None
        self._refusal: dict[str, Any] | None = None

    async def _watch(self, response: httpx2.Response) -> None:
        # The SDK turns a 401 into a generic error; keep the server's own reason so callers can act on it.
        if response.status_code == 401:
            await response.aread()
            try:
                self._refusal = response.json()
            except ValueError:
                self._refusal = {
                    "reason": "invalid_token",
                    "message": "the server refused the token (HTTP 401)",
                }

    async def __aenter__(self) -> Self:
        if not self._token:
            raise AuthError(f"no token: set {TOKEN_ENV} or pass token=…", reason="missing_token")
        stack = AsyncExitStack()
        http = httpx2.AsyncClient(
            headers={"Authorization": f"Bearer {self._token}"},
            timeout=self._timeout,
            event_hooks={"response": [self._watch]},
        )
        await stack.enter_async_context(http)
        transport = streamable_http_client(self.mcp_url, http_client=http)
        try:
            self._client = await stack.enter_async_context(
                Client(
                    transport,
                    mode=self._mode,
                    cache=None,
                    read_timeout_seconds=self._timeout,
                    client_info=Implementation(name=self._client_name, version=__version__),
                )
            )
        except BaseException as exc:
            await stack.aclose()
            raise self._translate(exc) from exc
        self._stack = stack
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        stack, self._stack, self._client = self._stack, None, None
        if stack is not None:
            await stack.aclose()

    def _translate(self, exc: BaseException) -> BaseException:
        if self._refusal is not None:
            r = self._refusal
            return AuthError(
                str(r.get("message") or "the server refused the token"),
                reason=str(r.get("reason") or r.get("error") or "invalid_token"),
            )
        leaves = _leaves(exc)
        if any(isinstance(leaf, httpx2.TransportError) for leaf in leaves):
            return ConnectError(
                f"cannot reach Plan Desk at {self.mcp_url}: "
                f"{next(l for l in leaves if isinstance(l, httpx2.TransportError))!r}"
            )
        if isinstance(exc, (KeyboardInterrupt, SystemExit)) or not isinstance(exc, Exception):
            return exc
        detail = "; ".join(f"{type(l).__name__}: {l}" for l in leaves)[:500]
        return ConnectError(f"MCP at {self.mcp_url} failed: {detail}")

    @property
    def client(self) -> Client:
        if self._client is None:
            raise PlanDeskClientError("the client is not connected; use it as a context manager")
        return self._client

    @property
    def protocol_version(self) -> str | None:
        return getattr(self.client, "protocol_version", None)

    async def list_tools(self) -> list[Any]:
        try:
            return list((await self.client.list_tools()).tools)
        except PlanDeskClientError:
            raise
        except Exception as exc:
            raise self._translate(exc) from exc

    async def call(self, tool: str, arguments: dict[str, Any] | None = None) -> Any:
        """Call a tool; the structured result (unwrapped from {"result": …}) or ToolError with its code."""
        try:
            result = await self.client.call_tool(tool, arguments or {})
        except PlanDeskClientError:
            raise
        except Exception as exc:
            raise self._translate(exc) from exc
        text = next((c.text for c in result.content if isinstance(c, TextContent)), "")
        structured = result.structured_content
        if result.is_error:
            # The server puts the stable code and field in _meta["plandesk/error"]; the text is the message.
            err = (result.meta or {}).get(ERROR_META)
            if not isinstance(err, dict) and isinstance(structured, dict):
                err = structured.get("error")
            err = err if isinstance(err, dict) else {}
            raise ToolError(
                tool,
                str(err.get("message") or text or "the tool failed"),
                code=str(err.get("code") or "error"),
                field=err.get("field"),
                detail=err,
            )
        if structured is None:
            try:
                return json.loads(text) if text else None
            except ValueError:
                return text
        if isinstance(structured, dict) and set(structured) == {"result"}:
            return structured["result"]
        return structured
