"""REST: sign-in and sign-out (session cookie), who am I, and accepting an invitation link."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from pydantic import Field

from plandesk.api.bodies import returns
from plandesk.api.deps import ActorDep, db_of
from plandesk.api.models import Strict
from plandesk.api.paths import API_PREFIX
from plandesk.core import access, invitations, rate_limit, sessions, users
from plandesk.core import models as m
from plandesk.core.vocab import MAX_NAME

router = APIRouter(prefix=API_PREFIX, tags=["auth"])


class SignIn(Strict):
    email: str = Field(min_length=1, max_length=320)
    password: str = Field(min_length=1, max_length=1024)


class PasswordChange(Strict):
    current_password: str = Field(min_length=1, max_length=1024)
    password: str = Field(
        min_length=1, max_length=1024, description="The new password, at least 10 characters"
    )


class Accept(Strict):
    password: str = Field(min_length=1, max_length=1024)
    email: str | None = Field(default=None, max_length=320)
    name: str | None = Field(default=None, max_length=MAX_NAME)


def secure_cookies(request: Request) -> bool:
    """Secure when the browser reached us over https, or when the public base URL is https (behind a proxy)."""
    base = request.app.state.settings.base_url or ""
    return request.url.scheme == "https" or base.startswith("https://")


def set_session_cookie(response: Response, request: Request, session: dict) -> None:
    # HttpOnly: no script reads it; Lax: sent on top-level navigation to us, never on cross-site posts.
    response.set_cookie(
        sessions.COOKIE_NAME,
        session["cookie"],
        max_age=session["max_age"],
        path="/",
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
    )


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(
        sessions.COOKIE_NAME, path="/", httponly=True, samesite="lax", secure=secure_cookies(request)
    )


def client_of(request: Request) -> str | None:
    return request.client.host if request.client else None


def public_session(db, session: dict) -> dict:
    # The session's CSRF token: a script holding the cookie sends it as X-CSRF-Token on writes (pages get
    # theirs in a <meta>); it is bound to this session, so the one from before sign-in no longer works.
    return {
        "user": session["user"],
        "expires_at": session["expires_at"],
        "csrf_token": sessions.csrf_token(db, session_cookie=session["cookie"], presession=None),
    }


@router.post("/auth/sign-in", **returns(m.SignedIn))
def sign_in(body: SignIn, request: Request, response: Response, db=Depends(db_of)):
    """Email and password → a session cookie. Wrong email and wrong password get the same answer."""
    rate_limit.check_sign_in(client_of(request), body.email)
    session = sessions.sign_in(db, email=body.email, password=body.password)
    set_session_cookie(response, request, session)
    return public_session(db, session)


@router.post("/auth/sign-out", status_code=204)
def sign_out(request: Request, db=Depends(db_of)):
    sessions.sign_out(db, request.cookies.get(sessions.COOKIE_NAME))
    response = Response(status_code=204)
    clear_session_cookie(response, request)
    return response


@router.get("/auth/me", **returns(m.Me))
def me(actor: ActorDep, request: Request, db=Depends(db_of)):
    settings = request.app.state.settings
    return {
        "user_id": actor.user_id,
        "name": actor.name,
        "role": actor.role,
        "via": actor.via,
        "token_id": actor.token_id,
        "can_write": actor.can_write,
        "local_mode": access.local_mode(db, settings),
    }


@router.post("/auth/password", **returns(m.PasswordChanged))
def change_password(
    body: PasswordChange, actor: ActorDep, request: Request, response: Response, db=Depends(db_of)
):
    """Change your own password; every other session of yours ends, and this one is replaced by a fresh one
    (a new cookie, and a new CSRF token in the answer): you stay signed in, a copy of the old cookie does not."""
    rate_limit.check_sign_in(client_of(request), actor.user_id)
    user = users.change_own_password(
        db,
        actor,
        current=body.current_password,
        new=body.password,
        keep_session=request.cookies.get(sessions.COOKIE_NAME),
    )
    out = {"user": {k: user[k] for k in ("id", "name", "role")}, "sessions_ended": user["sessions_ended"]}
    if user["session"] is not None:
        set_session_cookie(response, request, user["session"])
        out["csrf_token"] = public_session(db, user["session"])["csrf_token"]
    return out


@router.get("/invitations/{token}/preview", **returns(m.InvitationPreview))
def preview_invitation(token: str, request: Request, db=Depends(db_of)):
    """Public: what the link offers (role, fixed email, expiry); 404 unknown, 410 used or expired."""
    rate_limit.check_sign_in(client_of(request), "invitation")
    return invitations.preview(db, token)


@router.post("/invitations/{token}/accept", status_code=201, **returns(m.SignedIn))
def accept_invitation(token: str, body: Accept, request: Request, response: Response, db=Depends(db_of)):
    rate_limit.check_sign_in(client_of(request), "invitation")
    result = invitations.accept(db, token, email=body.email, name=body.name, password=body.password)
    set_session_cookie(response, request, result["session"])
    return {**public_session(db, result["session"]), "user": result["user"]}
