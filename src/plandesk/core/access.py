"""Turning a request's credentials into an Actor: bearer token, session cookie or the loopback owner."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from plandesk.core.actors import Actor
from plandesk.core.errors import Unauthorized


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host == "localhost"


def bearer_of(headers) -> str | None:
    auth = headers.get("authorization")
    if auth and auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    return None


def actor_for_http(
    db, settings, *, headers, client_host: str | None, cookies, query_token: str | None = None
) -> Actor:
    token = bearer_of(headers) or query_token
    if token:
        from plandesk.core import tokens

        return tokens.authenticate(db, token)
    session = cookies.get("plandesk_session") if cookies else None
    if session:
        from plandesk.core import sessions

        actor = sessions.actor_for_session(db, session)
        if actor is not None:
            return actor
    if local_mode(db, settings) and is_loopback(client_host):
        from plandesk.core.users import local_owner_actor

        return local_owner_actor(db)
    raise Unauthorized("sign in, or send Authorization: Bearer <token>")


def local_mode(db, settings) -> bool:
    """No sign-in while the server binds loopback, is not published, and the workspace has one user."""
    if not settings.is_loopback_bind or is_published(settings):
        return False
    from plandesk.core.users import active_user_count

    return active_user_count(db) <= 1


def is_published(settings) -> bool:
    """A public base URL or extra Host names mean a reverse proxy forwards other machines' requests to our
    loopback port: every request then looks local, so local mode must end (sign-in required)."""
    from urllib.parse import urlsplit

    names = list(settings.allowed_hosts)
    if settings.base_url:
        names.append(urlsplit(settings.base_url).hostname or "")
    return any(not is_loopback(name) for name in names if name)


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin_triple(scheme: str, netloc: str) -> tuple[str, str, int] | None:
    from urllib.parse import urlsplit

    scheme = scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        return None
    try:
        parts = urlsplit(f"{scheme}://{netloc}")
        port = parts.port
    except ValueError:  # a port that is not a number, or out of range
        return None
    host = (parts.hostname or "").lower().rstrip(".")
    return (scheme, host, port or _DEFAULT_PORTS[scheme]) if host else None


def origin_allowed(
    origin: str,
    *,
    scheme: str,
    host_header: str,
    base_url: str | None,
    host_names: Iterable[str] = (),
) -> bool:
    """Whether a browser's Origin is this server's own: scheme, host AND port equal to the address the request
    was sent to (the Host header, already checked against the allowed names), to that address under another of
    this server's allowed host names (`localhost` for `127.0.0.1`, same scheme and port), or to the public base
    URL. The one Origin rule: the outer guard (every path, /mcp included) and the CSRF layer both ask it.

    Cookies and SameSite ignore ports, so a page on another loopback port is "same-site" to the browser; only
    this comparison tells it apart. A proxy that terminates https must pass X-Forwarded-Proto (uvicorn trusts
    it from loopback) or the base URL must be set, else its pages' Origin (https) does not match.
    """
    from urllib.parse import urlsplit

    try:
        sent = urlsplit(origin.strip())
    except ValueError:
        return False
    if sent.path not in ("", "/") or sent.query or sent.fragment or sent.username or sent.password:
        return False
    theirs = _origin_triple(sent.scheme, sent.netloc)
    if theirs is None:
        return False
    own = _origin_triple(scheme, host_header)
    if theirs == own:
        return True
    if base_url:
        base = urlsplit(base_url)
        if theirs == _origin_triple(base.scheme, base.netloc):
            return True
    if own is None or theirs[0] != own[0] or theirs[2] != own[2]:
        return False
    return theirs[1] in {name.lower().strip("[]").rstrip(".") for name in host_names}
