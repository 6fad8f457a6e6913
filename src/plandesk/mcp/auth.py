"""The MCP token guard: Bearer header or ?token=, 401 saying why, and the URL's narrowing of tools."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

import anyio
import anyio.to_thread

from plandesk.api.guard import credential_of, send_json
from plandesk.core import mcp_settings, tokens
from plandesk.core.errors import InvalidArgument, Unauthorized
from plandesk.core.vocab import TOOLSETS
from plandesk.mcp.dispatch import CALLER_KEY
from plandesk.mcp.registry import Caller, expand_toolsets, permitted_toolsets

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def narrowing_of(query: list[tuple[str, str]]) -> tuple[frozenset[str] | None, bool]:
    """(?toolsets= as a set or None, ?readonly=1): the URL picks which permitted toolsets are listed, and may
    make the connection read-only; it never widens what the token may call."""
    toolsets: frozenset[str] | None = None
    read_only = False
    for key, value in query:
        if key == "toolsets":
            names = frozenset(v.strip() for v in value.split(",") if v.strip())
            unknown = sorted(names - set(TOOLSETS))
            if unknown:
                raise InvalidArgument(
                    f"toolsets: unknown toolset {unknown[0]!r} (known: {', '.join(TOOLSETS)})",
                    field="toolsets",
                )
            names = expand_toolsets(names)
            toolsets = names if toolsets is None else toolsets & names
        elif key == "readonly":
            if value.lower() in _TRUE:
                read_only = True
            elif value.lower() not in _FALSE:
                raise InvalidArgument("readonly must be 1 or 0", field="readonly")
    return toolsets, read_only


class McpTokenGuard:
    """ASGI wrapper in front of the SDK's Streamable HTTP app: nobody reaches a tool without a live token."""

    def __init__(self, app: Any, db: Any, limiter: anyio.CapacityLimiter | None = None) -> None:
        self.app = app
        self.db = db
        self.limiter = limiter

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        send = _naming_resource_metadata(scope, send, self.db)  # OAuth: every 401 says where to sign in
        # Parsed once, after percent-decoding, by the outer guard: the token it rate-limited is the one used here.
        cred = credential_of(scope)
        if cred.duplicate_authorization:
            return await _respond(
                send,
                400,
                {
                    "code": "invalid_argument",
                    "field": "authorization",
                    "message": "send one Authorization header, not several",
                },
            )
        if cred.url_token and cred.url_token.startswith("plandesk_mcp_oauth_"):  # the spec: never in a URL
            return await _unauthorized(
                send,
                "invalid_token",
                "a token from signing in is sent only in the Authorization header, never in the URL",
            )
        query = cred.query
        header_token, url_token = cred.header_token, cred.url_token
        try:
            toolsets, url_read_only = narrowing_of(query)
        except InvalidArgument as exc:
            return await _respond(
                send, 400, {"code": "invalid_argument", "field": exc.field, "message": exc.message}
            )
        token = header_token or url_token
        if not token:
            return await _unauthorized(
                send,
                "missing_token",
                "send Authorization: Bearer <token> (create one with `plandesk token create`)",
            )
        if header_token is None and not await anyio.to_thread.run_sync(
            mcp_settings.url_token_allowed, self.db, limiter=self.limiter
        ):
            return await _unauthorized(
                send,
                "missing_token",
                "this workspace does not accept ?token= in the URL; "
                "send Authorization: Bearer <token> instead",
            )
        try:
            actor = await anyio.to_thread.run_sync(tokens.authenticate, self.db, token, limiter=self.limiter)
        except Unauthorized as exc:
            return await _unauthorized(send, exc.extra.get("reason", "invalid_token"), exc.message)
        if scope["method"] == "GET":
            # Stateless with JSON answers: nothing is ever pushed, so no stream to open (the spec's 405), and no
            # idle GET holding a connection open.
            return await _respond(
                send,
                405,
                {
                    "code": "method_not_allowed",
                    "message": "this MCP endpoint is "
                    "stateless and sends no server stream; POST JSON-RPC requests",
                },
                [(b"allow", b"POST, DELETE")],
            )
        permitted = permitted_toolsets(actor.toolsets)
        listed = expand_toolsets(actor.toolsets) if toolsets is None else toolsets
        # `all` is spelled out for the core too, which checks `code` on the actor's toolsets.
        actor = replace(actor, via="mcp", toolsets=tuple(sorted(expand_toolsets(actor.toolsets))))
        caller = Caller(
            actor=actor,
            toolsets=listed & permitted,
            read_only=url_read_only or not actor.can_write,
            permitted=permitted,
            db=self.db,
        )
        # The token leaves the query string here, so nothing downstream can log or echo it.
        rest = [(k, v) for k, v in query if k != "token"]
        inner = {**scope, "query_string": urlencode(rest).encode("latin-1"), CALLER_KEY: caller}
        await self.app(inner, receive, _no_store(send))


def _no_store(send: Any) -> Any:
    async def wrapped(message: dict) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), (b"cache-control", b"no-store")]}
        await send(message)

    return wrapped


async def _unauthorized(send: Any, reason: str, message: str) -> None:
    challenge = 'Bearer realm="plandesk"'
    if reason != "missing_token":
        description = message.replace('"', "'")
        challenge += f', error="invalid_token", error_description="{description}"'
    await _respond(
        send,
        401,
        {"error": reason, "code": "unauthorized", "reason": reason, "message": message},
        [(b"www-authenticate", challenge.encode("latin-1", "replace"))],
    )


async def _respond(send: Any, status: int, body: dict, extra: list | None = None) -> None:
    await send_json(
        send, status, {"status": status, **body}, headers=[(b"cache-control", b"no-store"), *(extra or [])]
    )


def _naming_resource_metadata(scope: dict, send: Any, db: Any) -> Any:
    """Add RFC 9728's resource_metadata to the challenge of any 401, so an OAuth client can discover the
    authorization server from a bare 401 (MCP authorization spec); token clients ignore the parameter."""
    from plandesk.api.oauth import resource_metadata_url

    async def wrapped(message: dict) -> None:
        if message["type"] == "http.response.start" and message["status"] == 401:
            url = resource_metadata_url(scope, db).replace('"', "%22")
            message = {
                **message,
                "headers": [
                    (k, v + f', resource_metadata="{url}"'.encode("latin-1", "replace"))
                    if k.lower() == b"www-authenticate"
                    else (k, v)
                    for k, v in message.get("headers", [])
                ],
            }
        await send(message)

    return wrapped
