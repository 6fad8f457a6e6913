"""The outer ASGI guard: Host/Origin checks (DNS rebinding, CSRF), body limits, one redacted log line."""

from __future__ import annotations

import json
import logging
import re
import time
from urllib.parse import parse_qs, urlsplit

from plandesk.core import rate_limit
from plandesk.core.access import bearer_of
from plandesk.settings import Settings

log = logging.getLogger("plandesk.http")
_TOKEN_QS = re.compile(r"(token=)[^&\s]*", re.IGNORECASE)
_BEARER = re.compile(r"(plandesk_(?:mcp|share|invite)_)[A-Za-z0-9_\-]+")  # tokens, share and invite links
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def redact(text: str) -> str:
    return _BEARER.sub(r"\1…", _TOKEN_QS.sub(r"\1[redacted]", text))


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

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = host_name(headers.get("host", ""))
        method = scope["method"]
        if host not in self.hosts:
            return await _deny(send, 421, "misdirected_request",
                               f"Host {host!r} is not an allowed name for this server (set --allowed-hosts)")
        origin = headers.get("origin")
        if origin and origin != "null":
            o = urlsplit(origin)
            if (o.hostname or "").lower() not in self.hosts and f"[{o.hostname}]" not in self.hosts:
                return await _deny(send, 403, "forbidden", "requests from a foreign Origin are refused")
        elif origin == "null" and method not in SAFE_METHODS:
            return await _deny(send, 403, "forbidden", "requests from an opaque Origin are refused")
        if method not in SAFE_METHODS and headers.get("sec-fetch-site") == "cross-site":
            return await _deny(send, 403, "forbidden", "cross-site requests are refused")
        wait = _rate_limit_wait(headers, scope, self.settings)
        if wait:
            return await _deny(send, 429, "rate_limited", f"this token sent more than "
                               f"{self.settings.rate_limit_per_minute} requests a minute; retry in {wait} s",
                               headers=[(b"retry-after", str(wait).encode())])
        length = headers.get("content-length")
        if length and length.isdigit() and int(length) > self.settings.max_body_bytes:
            return await _deny(send, 413, "payload_too_large",
                               f"the body is larger than {self.settings.max_body_bytes} bytes")
        if length is None and method not in SAFE_METHODS:
            # A chunked body announces no length: read it here, up to the limit, then hand it on.
            receive = await _capped_body(receive, self.settings.max_body_bytes)
            if receive is None:
                return await _deny(send, 413, "payload_too_large",
                                   f"the body is larger than {self.settings.max_body_bytes} bytes")
        started = time.perf_counter()
        status_box = {"status": 0}

        async def send_wrapper(message):
            if message["type"] == "http.response.start":
                status_box["status"] = message["status"]
                extra = [(b"referrer-policy", b"no-referrer"), (b"x-content-type-options", b"nosniff")]
                message = {**message, "headers": list(message.get("headers", [])) + extra}
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            if log.isEnabledFor(logging.INFO):
                qs = scope.get("query_string", b"").decode("latin-1")
                path = scope["path"] + ("?" + qs if qs else "")
                log.info("%s %s %s %.1fms", method, redact(path), status_box["status"],
                         (time.perf_counter() - started) * 1000)


def _rate_limit_wait(headers: dict, scope, settings: Settings) -> int:
    """Per-token limit for REST and MCP alike, checked before any database work (core/rate_limit)."""
    token = bearer_of(headers)
    if token is None and b"token=" in scope.get("query_string", b""):
        query = parse_qs(scope["query_string"].decode("latin-1"))
        token = (query.get("token") or [None])[0]
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


async def _deny(send, status: int, code: str, message: str, headers: list | None = None) -> None:
    body = json.dumps({"type": "about:blank", "status": status, "code": code, "message": message,
                       "field": None}).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode()),
        (b"referrer-policy", b"no-referrer"), *(headers or [])]})
    await send({"type": "http.response.body", "body": body})
