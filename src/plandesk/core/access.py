"""Turning a request's credentials into an Actor: bearer token, session cookie or the loopback owner."""

from __future__ import annotations

import ipaddress

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


def actor_for_http(db, settings, *, headers, client_host: str | None, cookies, query_token: str | None = None) -> Actor:
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
