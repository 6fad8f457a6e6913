"""The outer ASGI guard: Host/Origin checks (DNS rebinding, CSRF), body limits, one redacted log line."""

from __future__ import annotations

import json
import logging
import re
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit

from plandesk.core import rate_limit
from plandesk.core.access import bearer_of, origin_allowed
from plandesk.settings import Settings

log = logging.getLogger("plandesk.http")
_TOKEN_QS = re.compile(r"(token=)[^&\s]*", re.IGNORECASE)
_BEARER = re.compile(r"(plandesk_(?:mcp|share|invite)_)[A-Za-z0-9_\-]+")  # tokens, share and invite links
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
MCP_PATHS = ("/mcp", "/mcp/")


def redact(text: str) -> str:
    return _BEARER.sub(r"\1…", _TOKEN_QS.sub(r"\1[redacted]", text))


@dataclass(frozen=True)
class Credential:
    """The request's token, read once: every later step (rate limit, MCP guard, log line) uses this reading."""

    header_token: str | None
    url_token: str | None
    query: list[tuple[str, str]]  # the query string, percent-decoded once
    duplicate_authorization: bool

    @property
    def token(self) -> str | None:
        return self.header_token or self.url_token


CREDENTIAL_KEY = "plandesk.credential"


def credential_of(scope) -> Credential:
    """The credential of an HTTP request, parsed on first use and kept on the scope.

    The query is decoded before names are compared, so `%74oken=` is `token=` everywhere; two Authorization
    headers are flagged (the caller answers 400) so no two readers can pick different ones."""
    cached = scope.get(CREDENTIAL_KEY)
    if cached is not None:
        return cached
    auth = [v.decode("latin-1") for k, v in scope.get("headers", []) if k.lower() == b"authorization"]
    query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    header_token = bearer_of({"authorization": auth[0]}) if len(auth) == 1 else None
    url_token = next((v for k, v in query if k == "token"), None)
    cred = Credential(header_token, url_token or None, query, len(auth) > 1)
    scope[CREDENTIAL_KEY] = cred
    return cred


def logged_path(scope) -> str:
    """The path and query for the log line, with every token value replaced (names compared decoded)."""
    query = credential_of(scope).query
    if not query:
        return redact(scope["path"])  # share and invitation links carry their secret in the path
    shown = [(k, "[redacted]" if k.strip().lower() == "token" else v) for k, v in query]
    return redact(scope["path"] + "?" + urlencode(shown))


def allowed_host_names(settings: Settings) -> set[str]:
    names = {"127.0.0.1", "localhost", "::1", "[::1]"}
    names.update(h.lower() for h in settings.allowed_hosts)
    if settings.base_url:
        names.add((urlsplit(settings.base_url).hostname or "").lower())
    if not settings.is_loopback_bind and settings.host not in ("0.0.0.0", "::"):
        names.add(settings.host.lower())
    return names


def host_name(host_header: str) -> str:
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[: host.find("]") + 1] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class Guard:
    def __init__(self, app, settings: Settings):
        self.app = app
        self.settings = settings
        self.hosts = allowed_host_names(settings)
        # Agents' calls go straight to the MCP endpoint (its own token guard in front): no REST middleware,
        # exception handlers or route table to pass on the way, none of which an MCP request uses.
        self.mcp = getattr(getattr(app, "state", None), "mcp_asgi", None)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = host_name(headers.get("host", ""))
        method = scope["method"]
        if host not in self.hosts:
            return await _deny(
                send,
                421,
                "misdirected_request",
                f"Host {host!r} is not an allowed name for this server (set --allowed-hosts)",
            )
        origin = headers.get("origin")
        if origin and origin != "null":
            # Scheme, host and port (core/access): a page on another loopback port is another origin.
            if not origin_allowed(
                origin,
                scheme=scope.get("scheme", "http"),
                host_header=headers.get("host", ""),
                base_url=self.settings.base_url,
                host_names=self.hosts,
            ):
                return await _deny(
                    send, 403, "forbidden", "requests from a foreign Origin are refused", field="Origin"
                )
        elif origin == "null" and method not in SAFE_METHODS:
            return await _deny(send, 403, "forbidden", "requests from an opaque Origin are refused")
        if method not in SAFE_METHODS and headers.get("sec-fetch-site") == "cross-site":
            return await _deny(send, 403, "forbidden", "cross-site requests are refused")
        if credential_of(scope).duplicate_authorization:
            return await _deny(
                send,
                400,
                "invalid_argument",
                "send one Authorization header, not several",
                field="authorization",
            )
        wait = _rate_limit_wait(scope, self.settings)
        if wait:
            return await _deny(
                send,
                429,
                "rate_limited",
                f"this token sent more than "
                f"{self.settings.rate_limit_per_minute} requests a minute; retry in {wait} s",
                headers=[(b"retry-after", str(wait).encode())],
            )
        length = headers.get("content-length")
        if length and length.isdigit() and int(length) > self.settings.max_body_bytes:
            return await _deny(
                send,
                413,
                "payload_too_large",
                f"the body is larger than {self.settings.max_body_bytes} bytes",
            )
        if length is None and method not in SAFE_METHODS:
            # A chunked body announces no length: read it here, up to the limit, then hand it on.
            receive = await _capped_body(receive, self.settings.max_body_bytes)
            if receive is None:
                return await _deny(
                    send,
                    413,
                    "payload_too_large",
                    f"the body is larger than {self.settings.max_body_bytes} bytes",
                )
        started = time.perf_counter()
        status_box = {"status": 0}

        async def send_wrapper(message):
            if message["type"] == "http.response.start":
                status_box["status"] = message["status"]
                extra = [(b"referrer-policy", b"no-referrer"), (b"x-content-type-options", b"nosniff")]
                message = {**message, "headers": list(message.get("headers", [])) + extra}
            await send(message)

        try:
            if self.mcp is not None and scope["path"] in MCP_PATHS:
                await self.mcp(scope, receive, send_wrapper)
            else:
                await self.app(scope, receive, send_wrapper)
        finally:
            if log.isEnabledFor(logging.INFO):
                log.info(
                    "%s %s %s %.1fms",
                    method,
                    logged_path(scope),
                    status_box["status"],
                    (time.perf_counter() - started) * 1000,
                )


def _rate_limit_wait(scope, settings: Settings) -> int:
    """Per-token limit for REST and MCP alike, checked before any database work (core/rate_limit), keyed on
    the very credential the authenticators use (credential_of)."""
    token = credential_of(scope).token
    return rate_limit.wait_for_credential(token, settings.rate_limit_per_minute) if token else 0


async def _capped_body(receive, limit: int):
    chunks: list[bytes] = []
    total, more = 0, True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        total += len(chunk)
        if total > limit:
            return None
        chunks.append(chunk)
        more = message.get("more_body", False)
    body, replayed = b"".join(chunks), False

    async def replay():
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _deny(
    send, status: int, code: str, message: str, headers: list | None = None, field: str | None = None
) -> None:
    body = json.dumps(
        {"type": "about:blank", "status": status, "code": code, "message": message, "field": field}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
                (b"referrer-policy", b"no-referrer"),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
