"""CSRF defence for browser writes: an Origin that must be this server's own (scheme, host and port), and a
token bound to the browser's session by HMAC (core/sessions.csrf_token), sent as X-CSRF-Token or a form field."""

from __future__ import annotations

import asyncio
import json
from typing import TypeGuard

from starlette.requests import cookie_parser

from plandesk.core import access, secrets, sessions

COOKIE = "plandesk_csrf"  # the pre-session id: what the token is bound to before sign-in
HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# Writes under these paths need the token; /mcp/ is for agents with bearer tokens and is guarded elsewhere.
PROTECTED_PREFIXES = ("/api/v1/", "/ui/")


def new_presession() -> str:
    return secrets.mint()


def looks_valid(token: str | None) -> TypeGuard[str]:
    return token is not None and 32 <= len(token) <= 64 and token.replace("-", "").replace("_", "").isalnum()


def expected_token(db, cookies) -> str | None:
    presession = cookies.get(COOKIE)
    return sessions.csrf_token(
        db,
        session_cookie=cookies.get(sessions.COOKIE_NAME),
        presession=presession if looks_valid(presession) else None,
    )


def token_matches(db, cookies, sent: str | None) -> bool:
    expected = expected_token(db, cookies)
    return secrets.matches(expected, sent)


def token_for(request) -> str:
    """The token a page embeds; mints a pre-session id when the browser has none (set by set_cookie_if_minted)."""
    presession = request.cookies.get(COOKIE)
    if not looks_valid(presession):
        presession = new_presession()
        request.state.csrf_minted = presession
    token = sessions.csrf_token(
        request.app.state.db, session_cookie=request.cookies.get(sessions.COOKIE_NAME), presession=presession
    )
    assert token is not None, "a pre-session id always binds a token"
    return token


def set_cookie_if_minted(request, response) -> None:
    minted = getattr(request.state, "csrf_minted", None)
    if minted:
        set_cookie(response, minted, secure=secure_cookies(request))


def secure_cookies(request) -> bool:
    from plandesk.api.auth import secure_cookies as decide

    return decide(request)


def set_cookie(response, value: str, *, secure: bool) -> None:
    # HttpOnly: scripts read the token from the page's <meta>, never from document.cookie.
    # No max-age: it lives as long as the browser session.
    response.set_cookie(COOKIE, value, httponly=True, samesite="strict", secure=secure, path="/")


def _is_browser(headers: dict[str, str]) -> bool:
    """Browsers send cookies, an Origin on writes, and Sec-Fetch-* on every request; scripts send none."""
    return "cookie" in headers or "origin" in headers or any(h.startswith("sec-fetch-") for h in headers)


def _own_origin(scope, headers: dict[str, str]) -> bool:
    origin = headers.get("origin")
    if origin is None or origin == "null":  # "null" on a write is refused by the outer guard
        return True
    settings = scope["app"].state.settings
    from plandesk.api.guard import allowed_host_names

    return access.origin_allowed(
        origin,
        scheme=scope.get("scheme", "http"),
        host_header=headers.get("host", ""),
        base_url=settings.base_url,
        host_names=allowed_host_names(settings),
    )


class CsrfCheck:
    """ASGI layer, two checks:

    - any request carrying an Origin must come from this server's own origin, compared on scheme, host and
      port (a page on another loopback port is another origin, though the browser calls it same-site and
      sends it our cookies), and a browser write never comes from a same-site-but-other-origin page;
    - a browser write to the API must send the token bound to its session in the X-CSRF-Token header.

    Requests with an Authorization: Bearer token are not browser requests (a browser never adds one by
    itself) and skip the token; so do scripts on loopback that carry no cookie, no Origin and no Sec-Fetch.
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
            write = scope["method"] not in SAFE_METHODS
            foreign = not _own_origin(scope, headers) or (
                write and headers.get("sec-fetch-site") == "same-site"
            )
            if foreign:
                return await _refuse(send, "Origin", "requests from another origin are refused")
            if write and scope["path"].startswith(PROTECTED_PREFIXES):
                bearer = headers.get("authorization", "")[:7].lower() == "bearer "
                if not bearer and _is_browser(headers):
                    sent = headers.get(HEADER, "")
                    db = scope["app"].state.db
                    cookies = cookie_parser(headers.get("cookie", ""))
                    if not sent or not await _matches(db, cookies, sent):
                        what = "missing" if not sent else "wrong"
                        return await _refuse(
                            send, "X-CSRF-Token", f"the CSRF token is {what}; reload the page and try again"
                        )
        await self.app(scope, receive, send)


async def _matches(db, cookies, sent: str) -> bool:
    # The first check in a process reads (or makes) the workspace secret: keep that off the event loop.
    if not sessions.csrf_secret_ready(db):
        await asyncio.to_thread(sessions.csrf_secret, db)
    return token_matches(db, cookies, sent)


async def _refuse(send, field: str, message: str) -> None:
    body = json.dumps(
        {
            "type": "about:blank",
            "title": "forbidden",
            "status": 403,
            "code": "forbidden",
            "field": field,
            "message": message,
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 403,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
