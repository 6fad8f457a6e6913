"""CSRF defence for browser writes: a per-session double-submit token (cookie + X-CSRF-Token header)."""

from __future__ import annotations

import hmac
import json
import secrets

from starlette.requests import cookie_parser

COOKIE = "plandesk_csrf"
HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# Writes under these paths are checked; /mcp/ is for agents with bearer tokens and is guarded elsewhere.
PROTECTED_PREFIXES = ("/api/v1/", "/ui/")


def new_token() -> str:
    return secrets.token_urlsafe(32)


def looks_valid(token: str | None) -> bool:
    return bool(token) and 32 <= len(token) <= 64 and token.replace("-", "").replace("_", "").isalnum()


def token_for(request) -> tuple[str, bool]:
    """The browser's token and whether it was minted now (then the response must set the cookie)."""
    existing = request.cookies.get(COOKIE)
    if looks_valid(existing):
        return existing, False
    return new_token(), True


def set_cookie(response, token: str, *, secure: bool) -> None:
    # HttpOnly: scripts read the token from the page's <meta>, never from document.cookie.
    # No max-age: it lives as long as the browser session.
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", secure=secure, path="/")


def _is_browser(headers: dict[str, str]) -> bool:
    """Browsers send cookies, an Origin on writes, and Sec-Fetch-* on every request; scripts send none."""
    return "cookie" in headers or "origin" in headers or any(h.startswith("sec-fetch-") for h in headers)


class CsrfCheck:
    """ASGI layer: a browser write to the API must echo its cookie's token in the X-CSRF-Token header.

    Requests with an Authorization: Bearer token are not browser requests (a browser never adds one by
    itself) and pass; so do scripts on loopback that carry no cookie, no Origin and no Sec-Fetch headers.
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if (scope["type"] == "http" and scope["method"] not in SAFE_METHODS
                and scope["path"].startswith(PROTECTED_PREFIXES)):
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
            bearer = headers.get("authorization", "")[:7].lower() == "bearer "
            if not bearer and _is_browser(headers):
                expected = cookie_parser(headers.get("cookie", "")).get(COOKIE, "")
                sent = headers.get(HEADER, "")
                if not (looks_valid(expected) and sent and hmac.compare_digest(expected.encode(), sent.encode())):
                    return await _refuse(send, "missing" if not sent else "wrong")
        await self.app(scope, receive, send)


async def _refuse(send, what: str) -> None:
    body = json.dumps({"type": "about:blank", "title": "forbidden", "status": 403, "code": "forbidden",
                       "field": "X-CSRF-Token",
                       "message": f"the CSRF token is {what}; reload the page and try again"}).encode()
    await send({"type": "http.response.start", "status": 403, "headers": [
        (b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
