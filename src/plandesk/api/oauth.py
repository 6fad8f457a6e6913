"""The OAuth 2.1 authorization server of the MCP endpoint, built from the MCP SDK's handlers over core.oauth.

The SDK parses and checks every request (PKCE S256, redirect URI, client authentication, grant types, error
shapes); this module adapts its provider protocol to the core and serves the metadata for the address the
client used (or the configured public URL), so one server answers on 127.0.0.1, localhost and its LAN name.
"""

from __future__ import annotations

import base64
import time
from contextvars import ContextVar
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode

import anyio.to_thread
from fastapi import APIRouter, FastAPI
from mcp.server.auth.handlers.authorize import AuthorizationHandler
from mcp.server.auth.handlers.metadata import MetadataHandler, ProtectedResourceMetadataHandler
from mcp.server.auth.handlers.register import RegistrationHandler
from mcp.server.auth.handlers.revoke import RevocationHandler
from mcp.server.auth.handlers.token import TokenHandler
from mcp.server.auth.middleware.client_auth import ClientAuthenticator
from mcp.server.auth.provider import (
    AccessToken,
    AuthorizationCode,
    AuthorizationParams,
    AuthorizeError,
    OAuthAuthorizationServerProvider,
    RefreshToken,
    RegistrationError,
    TokenError,
)
from mcp.server.auth.routes import build_metadata
from mcp.server.auth.settings import ClientRegistrationOptions, RevocationOptions
from mcp.shared.auth import (
    InvalidRedirectUriError,
    OAuthClientInformationFull,
    OAuthToken,
    ProtectedResourceMetadata,
)
from pydantic import AnyHttpUrl, AnyUrl
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Scope

from plandesk.api.models import Strict
from plandesk.api.paths import API_PREFIX
from plandesk.api.routes import add_routes
from plandesk.api.setting_routes import setting_routes
from plandesk.core import models as m
from plandesk.core import oauth, oauth_rules, rate_limit
from plandesk.core.errors import Forbidden, RateLimited

PRM_PATH = "/.well-known/oauth-protected-resource"
AS_PATH = "/.well-known/oauth-authorization-server"
ENDPOINTS = {
    "authorization_endpoint": "/oauth/authorize",
    "token_endpoint": "/oauth/token",
    "registration_endpoint": "/oauth/register",
    "revocation_endpoint": "/oauth/revoke",
}
_origin: ContextVar[str] = ContextVar("plandesk_oauth_origin", default="")


# The configured public URL per database, for callers that see only an ASGI scope (the MCP guard may be
# reached before FastAPI has put the app into the scope).
_PUBLIC_URLS: dict[int, str | None] = {}


def origin_of_scope(scope: Scope, db: Any = None) -> str:
    """The address clients reach this server at: the configured public URL, else the Host the request used
    (the outer guard has already refused Host names that are not this server's)."""
    app = scope.get("app")
    settings = getattr(getattr(app, "state", None), "settings", None)
    base = settings.base_url if settings is not None else _PUBLIC_URLS.get(id(db))
    if base:
        return base.rstrip("/")
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
    host = headers.get("host") or "127.0.0.1"
    return f"{scope.get('scheme', 'http')}://{host}"


def resource_metadata_url(scope: Scope, db: Any = None) -> str:
    """For `WWW-Authenticate: Bearer resource_metadata="…"` on the MCP endpoint's 401 (RFC 9728 §5.1)."""
    return origin_of_scope(scope, db) + PRM_PATH + "/mcp"


def resources_of(origin: str) -> set[str]:
    return {origin + "/mcp", origin + "/mcp/"}


class PlanDeskClient(OAuthClientInformationFull):
    """A registered client: exact redirect URIs, but a loopback one may come back on any port (RFC 8252)."""

    def validate_redirect_uri(self, redirect_uri: AnyUrl | None) -> AnyUrl:
        if redirect_uri is not None:
            for registered in self.redirect_uris or []:
                if oauth_rules.same_redirect(str(registered), str(redirect_uri)):
                    return redirect_uri
            raise InvalidRedirectUriError(f"Redirect URI '{redirect_uri}' not registered for client")
        return super().validate_redirect_uri(redirect_uri)


class GrantedAccess(AccessToken):
    token_id: str


class GrantedRefresh(RefreshToken):
    token_id: str


def _token(result: dict) -> OAuthToken:
    return OAuthToken(
        access_token=result["access_token"],
        token_type="Bearer",
        expires_in=result["expires_in"],
        refresh_token=result["refresh_token"],
        scope=result["scope"] or None,
    )


def _authorization_code(code: str, found: dict) -> AuthorizationCode:
    request = found["request"]
    # The SDK compares expires_at with time.time(); translate our clock's remaining seconds into it, so a
    # test that moves Plan Desk's clock moves the code's expiry with it.
    return AuthorizationCode(
        code=code,
        scopes=request.get("scopes") or [],
        client_id=found["client_id"],
        expires_at=time.time() + found["expires_in"],
        code_challenge=request["code_challenge"],
        redirect_uri=request["redirect_uri"],
        redirect_uri_provided_explicitly=request["explicit"],
        resource=request.get("resource"),
        subject=found["user_id"],
    )


def _granted_refresh(token: str, found: dict) -> GrantedRefresh:
    return GrantedRefresh(
        token=token,
        client_id=found["client_id"],
        scopes=found["scopes"],
        expires_at=int(time.time() + found["expires_in"]),
        resource=found["resource"],
        subject=found["user_id"],
        token_id=found["token_id"],
    )


def _granted_access(token: str, found: dict) -> GrantedAccess:
    expires = found["expires_at"]
    return GrantedAccess(
        token=token,
        client_id=found["client_id"],
        scopes=found["scopes"],
        expires_at=int(expires.timestamp()) if expires else None,
        resource=found["resource"],
        token_id=found["token_id"],
    )


class PlanDeskProvider(OAuthAuthorizationServerProvider[AuthorizationCode, GrantedRefresh, GrantedAccess]):
    """The SDK's OAuthAuthorizationServerProvider protocol, answered by core.oauth in a worker thread. Its
    identity-assertion grant (SEP-990) is the protocol's own default: refused as an unsupported grant type."""

    def __init__(self, db: Any) -> None:
        self.db = db

    async def _run(self, fn, *args, **kwargs):
        return await anyio.to_thread.run_sync(lambda: fn(self.db, *args, **kwargs))

    async def _load(self, lookup, convert, *args):
        """A code or token the SDK presents (the last of `args`), looked up in the core: None when it is unknown
        or no longer valid, else the SDK's record of it, `convert(key, found)`."""
        found = await self._run(lookup, *args)
        return None if found is None else convert(args[-1], found)

    async def _tokens(self, grant, *args) -> OAuthToken:
        """A grant at the token endpoint (a code or a refresh token exchanged): its refusal is the SDK's."""
        try:
            return _token(await self._run(grant, *args))
        except oauth.GrantError as exc:
            raise TokenError(exc.error, exc.message) from None  # type: ignore[arg-type]

    async def get_client(self, client_id: str) -> PlanDeskClient | None:
        info = await self._run(oauth.get_client, client_id)
        return PlanDeskClient.model_validate(info) if info is not None else None

    async def register_client(self, client_info: OAuthClientInformationFull) -> None:
        try:
            await self._run(oauth.register_client, client_info.model_dump(mode="json", exclude_none=True))
        except oauth.GrantError as exc:
            raise RegistrationError("invalid_redirect_uri", exc.message) from None
        except Forbidden as exc:
            raise RegistrationError("invalid_client_metadata", exc.message) from None

    async def authorize(self, client: OAuthClientInformationFull, params: AuthorizationParams) -> str:
        origin = _origin.get()
        scopes = params.scopes if params.scopes is not None else (client.scope or "").split() or None
        request = {
            "redirect_uri": str(params.redirect_uri),
            "explicit": params.redirect_uri_provided_explicitly,
            "state": params.state,
            "scopes": scopes,
            "code_challenge": params.code_challenge,
            "resource": params.resource,
        }
        try:
            request_id = await self._run(
                oauth.start_request, client.client_id, request, resources=resources_of(origin)
            )
        except oauth.GrantError as exc:
            raise AuthorizeError(exc.error, exc.message) from None  # type: ignore[arg-type]
        return f"{origin}/oauth/consent?request={request_id}"

    async def load_authorization_code(
        self, client: OAuthClientInformationFull, code: str
    ) -> AuthorizationCode | None:
        return await self._load(oauth.load_code, _authorization_code, client.client_id, code)

    async def exchange_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: AuthorizationCode
    ) -> OAuthToken:
        return await self._tokens(oauth.exchange_code, client.client_id, authorization_code.code)

    async def load_refresh_token(
        self, client: OAuthClientInformationFull, refresh_token: str
    ) -> GrantedRefresh | None:
        return await self._load(oauth.load_refresh, _granted_refresh, client.client_id, refresh_token)

    async def exchange_refresh_token(
        self, client: OAuthClientInformationFull, refresh_token: RefreshToken, scopes: list[str]
    ) -> OAuthToken:
        return await self._tokens(oauth.refresh, client.client_id, refresh_token.token, scopes)

    async def load_access_token(self, token: str) -> GrantedAccess | None:
        return await self._load(oauth.load_access, _granted_access, token)

    async def revoke_token(self, token: GrantedAccess | GrantedRefresh) -> None:
        await self._run(oauth.revoke_grant, token.token_id)


def _with_origin(handler):
    async def endpoint(request: Request) -> Response:
        reset = _origin.set(origin_of_scope(request.scope))
        try:
            return await handler(request)
        finally:
            _origin.reset(reset)

    return endpoint


async def _with_hashed_secret(request: Request, *, public_may_omit: bool = False) -> Request:
    """The same request with its client secret (form field or Basic header) replaced by the secret's hash.

    Plan Desk stores only hashes of client secrets; the SDK's authenticator compares the stored value with
    the one sent in constant time, so it is handed the hash of what was sent. RFC 7009 also lets a public
    client revoke with client_id alone, while the SDK's revocation model requires the field: it is sent on
    empty (the authenticator ignores it for `none` clients)."""
    form = parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
    form = [(k, oauth.secret_digest(v) if k == "client_secret" and v else v) for k, v in form]
    if public_may_omit and not any(k == "client_secret" for k, _ in form):
        form.append(("client_secret", ""))
    headers = []
    for key, value in request.scope["headers"]:
        if key.lower() == b"authorization" and value[:6].lower() == b"basic ":
            try:
                client_id, _, secret = base64.b64decode(value[6:]).decode().partition(":")
                value = b"Basic " + base64.b64encode(
                    f"{client_id}:{oauth.secret_digest(unquote(secret))}".encode()
                )
            except (ValueError, UnicodeDecodeError):
                pass  # malformed: the SDK refuses it in its own words
        headers.append((key, value))
    body = urlencode(form).encode()
    headers = [(k, v) for k, v in headers if k.lower() != b"content-length"] + [
        (b"content-length", str(len(body)).encode())
    ]
    sent = False

    async def replay() -> dict:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return Request({**request.scope, "headers": headers}, replay)


def _slow_down(exc: RateLimited) -> JSONResponse:
    """A rate refusal in OAuth's error form (RFC 6749 §5.2 shape; `slow_down` as RFC 8628 names it)."""
    return JSONResponse(
        {"error": "slow_down", "error_description": exc.message},
        status_code=429,
        headers={"Retry-After": str(exc.extra.get("retry_after", 60)), "Cache-Control": "no-store"},
    )


def _over_limit(*checks: tuple[str, int, str]) -> JSONResponse | None:
    """Count each (key, per_minute, what) in order; the first that is over its limit answers `slow_down`."""
    try:
        for key, per_minute, what in checks:
            rate_limit.check(key, per_minute, what=what)
    except RateLimited as exc:
        return _slow_down(exc)
    return None


def _client_id_of(request: Request, body: bytes) -> str:
    """The client id a token request names (form field, else the Basic credentials), for the rate key only."""
    for key, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
        if key == "client_id" and value:
            return value[:200]
    header = request.headers.get("authorization", "")
    if header[:6].lower() == "basic ":
        try:
            return unquote(base64.b64decode(header[6:]).decode().partition(":")[0])[:200]
        except (ValueError, UnicodeDecodeError):
            pass
    return "-"


def _token_rate_limited(request: Request, body: bytes, endpoint: str = "token") -> JSONResponse | None:
    """/oauth/token and /oauth/revoke are counted like sign-in: per address and client, and per address, each
    endpoint on its own. Checked before any lookup, so a flood of guessed codes, refresh tokens or client
    secrets costs no database work."""
    address = request.client.host if request.client else "unknown"
    return _over_limit(
        (f"oauth-{endpoint}-address:{address}", oauth.TOKEN_REQUESTS_PER_ADDRESS_PER_MINUTE, "this address"),
        (
            f"oauth-{endpoint}:{address}:{_client_id_of(request, body)}",
            oauth.TOKEN_REQUESTS_PER_MINUTE,
            "this client",
        ),
    )


def install(app: FastAPI, db: Any) -> None:
    """Mount the metadata documents and the four OAuth endpoints (plain routes: no redirects, no prefix mount)."""
    _PUBLIC_URLS[id(db)] = app.state.settings.base_url
    provider = PlanDeskProvider(db)
    authenticator = ClientAuthenticator(provider)
    registration = RegistrationHandler(
        provider,
        ClientRegistrationOptions(
            enabled=True, valid_scopes=list(oauth_rules.SCOPES), default_scopes=list(oauth_rules.SCOPES)
        ),
    )
    authorize = AuthorizationHandler(provider)
    token = TokenHandler(provider, authenticator)
    revoke = RevocationHandler(provider, authenticator)

    async def as_metadata(request: Request) -> Response:
        origin = origin_of_scope(request.scope)
        open_ = await anyio.to_thread.run_sync(oauth_rules.registration_open, db)
        metadata = build_metadata(
            # The SDK types the issuer AnyHttpUrl, whose str() ends a bare origin in "/"; it only str()s it
            # and hands it to OAuthMetadata, and a str there keeps the issuer without a slash.
            origin,  # type: ignore[arg-type]
            None,
            ClientRegistrationOptions(enabled=open_, valid_scopes=list(oauth_rules.SCOPES)),
            RevocationOptions(enabled=True),
        )
        for field, path in ENDPOINTS.items():
            if getattr(metadata, field) is not None:
                setattr(metadata, field, AnyHttpUrl(origin + path))
        # Public clients (no secret) are how native apps register; the SDK's list names only the secret methods.
        metadata.token_endpoint_auth_methods_supported = ["none", "client_secret_post", "client_secret_basic"]
        return await MetadataHandler(metadata).handle(request)

    async def pr_metadata(request: Request) -> Response:
        origin = origin_of_scope(request.scope)
        metadata = ProtectedResourceMetadata(
            resource=origin + "/mcp",  # type: ignore[arg-type]
            authorization_servers=[origin],  # type: ignore[list-item]
            scopes_supported=list(oauth_rules.SCOPES),
            resource_name="Plan Desk",
        )
        return await ProtectedResourceMetadataHandler(metadata).handle(request)

    async def register(request: Request) -> Response:
        address = request.client.host if request.client else "unknown"
        refusal = _over_limit((f"oauth-register:{address}", oauth.REGISTRATIONS_PER_MINUTE, "this address"))
        if refusal is not None:
            return refusal
        if not await anyio.to_thread.run_sync(oauth_rules.registration_open, db):
            return JSONResponse(
                {
                    "error": "access_denied",
                    "error_description": "client registration is switched "
                    "off in this workspace; an owner can switch it on",
                },
                status_code=403,
            )
        return await registration.handle(request)

    async def token_endpoint(request: Request) -> Response:
        refused = _token_rate_limited(request, await request.body())
        if refused is not None:
            return refused
        return await token.handle(await _with_hashed_secret(request))

    async def revoke_endpoint(request: Request) -> Response:
        refused = _token_rate_limited(request, await request.body(), "revoke")
        if refused is not None:
            return refused
        return await revoke.handle(await _with_hashed_secret(request, public_may_omit=True))

    routes = [Route(AS_PATH, as_metadata, methods=["GET"])]
    routes += [
        Route(path, pr_metadata, methods=["GET"])
        for path in (PRM_PATH, PRM_PATH + "/mcp", PRM_PATH + "/mcp/")
    ]
    routes += [
        Route(ENDPOINTS["authorization_endpoint"], _with_origin(authorize.handle), methods=["GET", "POST"]),
        Route(ENDPOINTS["token_endpoint"], token_endpoint, methods=["POST"]),
        Route(ENDPOINTS["registration_endpoint"], register, methods=["POST"]),
        Route(ENDPOINTS["revocation_endpoint"], revoke_endpoint, methods=["POST"]),
    ]
    for route in routes:
        app.router.routes.append(route)
    add_routes(app, settings_router)


settings_router = APIRouter(prefix=API_PREFIX, tags=["settings"])


class OAuthSettingsIn(Strict):
    registration_open: bool | None = None
    redirect_hosts: list[str] | None = None


setting_routes(
    settings_router,
    "/settings/oauth",
    m.OAuthSettings,
    oauth_rules.get_oauth_settings,
    oauth_rules.set_oauth_settings,
    OAuthSettingsIn,
)
