"""Pages for people and sharing: sign-in, sign-out, invitation links, Settings → Members, shared items."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import Response

from plandesk.api.auth import clear_session_cookie, client_of, set_session_cookie
from plandesk.api.routes import add_routes
from plandesk.core import invitations, members, rate_limit, sessions, shares, users
from plandesk.core.actors import Actor
from plandesk.core.errors import InvalidArgument, PlanDeskError
from plandesk.core.vocab import ROLE_HELP
from plandesk.web.forms import FormText, PlainForm, check_form_csrf, form_sender, message, plain, see_other
from plandesk.web.layout import frame
from plandesk.web.rendering import page, render

router = APIRouter(include_in_schema=False)


def safe_next(value: str | None) -> str:
    """Only a path on this server: never `//host` or `https://…`, which would send people elsewhere."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


# Sign-in and sign-out


@router.get("/signin")
def signin_form(request: Request, next: str = "/"):
    return plain(request, "team_signin.html", title="Sign in", next=safe_next(next), email="")


class SignInForm(PlainForm):
    email: FormText = ""
    password: FormText = ""
    next: FormText = "/"


@router.post("/signin")
def signin(request: Request, form: Annotated[SignInForm, Form()]):
    target = safe_next(form.next)
    try:
        check_form_csrf(request, form.csrf_token)
        rate_limit.check_sign_in(client_of(request), form.email)
        session = sessions.sign_in(request.app.state.db, email=form.email, password=form.password)
    except PlanDeskError as exc:
        return plain(
            request,
            "team_signin.html",
            exc.status,
            title="Sign in",
            next=target,
            email=form.email[:320],
            error=exc.message,
        )
    # A fresh session every time: a cookie planted before sign-in never becomes a signed-in one.
    sessions.sign_out(request.app.state.db, request.cookies.get(sessions.COOKIE_NAME))
    response = see_other(target)
    set_session_cookie(response, request, session)
    return response


@router.get("/signout")
def signout_form(request: Request):
    return plain(request, "team_signout.html", title="Sign out")


@router.post("/signout")
def signout(request: Request, form: Annotated[PlainForm, Form()]):
    try:
        check_form_csrf(request, form.csrf_token)
    except PlanDeskError as exc:
        return message(request, exc, "Not signed out")
    sessions.sign_out(request.app.state.db, request.cookies.get(sessions.COOKIE_NAME))
    response = see_other("/signin")
    clear_session_cookie(response, request)
    return response


# Invitation links


@router.get("/invite/{token}")
def invite_form(request: Request, token: str):
    try:
        rate_limit.check_sign_in(client_of(request), "invitation")
        offer = invitations.preview(request.app.state.db, token)
    except PlanDeskError as exc:
        return message(request, exc, "This invitation cannot be used")
    return plain(
        request,
        "team_invite.html",
        title="Join Plan Desk",
        offer=offer,
        token=token,
        role_help=ROLE_HELP.get(offer["role"], ""),
    )


class AcceptForm(PlainForm):
    password: FormText = ""
    email: FormText = ""
    name: FormText = ""


@router.post("/invite/{token}")
def invite_accept(request: Request, token: str, form: Annotated[AcceptForm, Form()]):
    db = request.app.state.db
    try:
        check_form_csrf(request, form.csrf_token)
        rate_limit.check_sign_in(client_of(request), "invitation")
        result = invitations.accept(
            db, token, email=form.email or None, name=form.name or None, password=form.password
        )
    except PlanDeskError as exc:
        if exc.code in ("not_found", "gone"):
            return message(request, exc, "This invitation cannot be used")
        offer = invitations.preview(db, token)
        return plain(
            request,
            "team_invite.html",
            exc.status,
            title="Join Plan Desk",
            offer=offer,
            token=token,
            role_help=ROLE_HELP.get(offer["role"], ""),
            error=exc.message,
            email=form.email[:320],
            name=form.name[:200],
        )
    response = see_other("/")
    set_session_cookie(response, request, result["session"])
    return response


# Settings → Members


def members_page(
    request: Request, *, invite: dict | None = None, error: str | None = None, status: int = 200
):
    db, actor, ctx = frame(request, section="settings-members", title="Members")
    ctx.update(roster=members.roster(db, actor), invite=invite, error=error, role_help=ROLE_HELP)
    return render(request, "team_members.html", ctx, status=status)


@router.get("/settings/members")
@page
def settings_members(request: Request):
    return members_page(request)


def change_members(request: Request, form: PlainForm, change: Callable[[Any, Actor], object]) -> Response:
    """A Members form: change(db, sender), then back to the list; a refusal shows on the list itself."""
    actor = form_sender(request, form)
    try:
        change(request.app.state.db, actor)
    except PlanDeskError as exc:
        return members_page(request, error=exc.message, status=exc.status)
    return see_other("/settings/members")


class InviteForm(PlainForm):
    role: FormText = "member"
    email: FormText = ""
    expires: FormText = "7d"


@router.post("/settings/members/invite")
@page
def settings_invite(request: Request, form: Annotated[InviteForm, Form()]):
    actor = form_sender(request, form)
    try:
        made = invitations.create_invitation(
            request.app.state.db, actor, role=form.role, email=form.email or None, expires=form.expires
        )
    except PlanDeskError as exc:
        return members_page(request, error=exc.message, status=exc.status)
    origin, _ = shares.public_origin(request.app.state.settings, str(request.base_url))
    # Shown in this one answer and never again: only its hash is stored.
    return members_page(request, invite={**made, "url": origin + made["path"]}, status=201)


@router.post("/settings/members/invitations/{invitation_id}/revoke")
@page
def settings_revoke_invitation(request: Request, invitation_id: str, form: Annotated[PlainForm, Form()]):
    invitations.revoke_invitation(request.app.state.db, form_sender(request, form), invitation_id)
    return see_other("/settings/members")


class RoleForm(PlainForm):
    role: FormText = ""


@router.post("/settings/members/{user_id}/role")
@page
def settings_role(request: Request, user_id: str, form: Annotated[RoleForm, Form()]):
    return change_members(request, form, lambda db, actor: users.change_role(db, actor, user_id, form.role))


@router.post("/settings/members/{user_id}/remove")
@page
def settings_remove(request: Request, user_id: str, form: Annotated[PlainForm, Form()]):
    return change_members(request, form, lambda db, actor: users.remove_user(db, actor, user_id))


# Settings → Password: one's own, by the same core rule as the REST route (users.change_own_password)


def password_page(request: Request, *, error: str | None = None, changed: str | None = None, status=200):
    _, actor, ctx = frame(request, section="settings-password", title="Your password")
    ctx.update(
        error=error,
        changed=changed if changed is not None and changed.isdigit() else None,
        can_change=actor.via == "session" and actor.token_id is None,
        min_length=users.MIN_PASSWORD,
    )
    return render(request, "team_password.html", ctx, status=status)


@router.get("/settings/password")
@page
def settings_password(request: Request, changed: str | None = None):
    return password_page(request, changed=changed)


class PasswordForm(PlainForm):
    current_password: FormText = ""
    password: FormText = ""
    password_again: FormText = ""

    def new_password(self) -> str:
        """The new password, once its two fields agree: the form asks twice to catch a typo."""
        if self.password != self.password_again:
            raise InvalidArgument("the two new passwords differ; type the same one twice", field="password")
        return self.password


@router.post("/settings/password")
@page
def settings_change_password(request: Request, form: Annotated[PasswordForm, Form()]):
    actor = form_sender(request, form)
    try:
        rate_limit.check_sign_in(client_of(request), actor.user_id)
        result = users.change_own_password(
            request.app.state.db,
            actor,
            current=form.current_password,
            new=form.new_password(),
            keep_session=request.cookies.get(sessions.COOKIE_NAME),
        )
    except PlanDeskError as exc:
        return password_page(request, error=exc.message, status=exc.status)
    # The session was rotated: the browser gets the fresh cookie (and, on the next page, a token bound to it).
    response = see_other(f"/settings/password?changed={result['sessions_ended']}")
    if result["session"] is not None:
        set_session_cookie(response, request, result["session"])
    return response


# Shared items: no sign-in, read-only, an allow-list of fields


@router.get("/share/{token}")
def shared_item(request: Request, token: str):
    raw, as_markdown = shares.split_token(token)
    db = request.app.state.db
    try:
        view = shares.view(db, raw)
    except PlanDeskError as exc:
        if as_markdown:
            status = exc.status
            return Response(
                f"# {status}\n\n{exc.message}\n",
                status_code=status,
                media_type="text/markdown; charset=utf-8",
                headers=_share_headers(),
            )
        return message(request, exc, "This link does not work")
    if as_markdown:
        return Response(
            shares.to_markdown(view), media_type="text/markdown; charset=utf-8", headers=_share_headers()
        )
    response = plain(
        request,
        "team_share.html",
        title=view["title"],
        item=view,
        markdown_href=f"/share/{quote(raw)}.md",
        referrer_policy="no-referrer",
    )
    response.headers.update(_share_headers())
    return response


def _share_headers() -> dict:
    # Unlisted links: keep them out of search engines and caches shared between people.
    return {"Cache-Control": "no-store", "X-Robots-Tag": "noindex, nofollow"}


def install(app: FastAPI) -> None:
    add_routes(app, router)
