"""Plain HTML form posts (no script): the fields every form carries, its CSRF check, and the answers it gets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from plandesk.api.deps import current_actor
from plandesk.core import settings_store
from plandesk.core.actors import Actor
from plandesk.core.errors import Forbidden, PlanDeskError
from plandesk.web import csrf
from plandesk.web.layout import frame
from plandesk.web.rendering import page, render

# A text field of a form: short enough that a page never parses a flood.
FormText = Annotated[str, Field(max_length=1024)]


class PlainForm(BaseModel):
    """A form posted by a page; each route's form adds its own fields (declared as `Annotated[X, Form()]`)."""

    csrf_token: FormText = ""


def check_form_csrf(request: Request, sent: str) -> None:
    """Plain HTML forms: the hidden field must be the token bound to this browser's session (or pre-session)."""
    if not csrf.token_matches(request.app.state.db, request.cookies, sent):
        raise Forbidden("this form is out of date or came from another site; reload the page and try again")


def form_sender(request: Request, form: PlainForm) -> Actor:
    """Who posted this form, once its CSRF token is this browser's; refuses (Forbidden, Unauthorized) else."""
    check_form_csrf(request, form.csrf_token)
    return current_actor(request)


def see_other(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def plain(request: Request, template: str, status: int = 200, **context) -> Response:
    """A page without the app's frame (sign-in, invitations, messages): it shows no one's projects."""
    return render(request, template, {"title": context.pop("title", "Plan Desk"), **context}, status=status)


def message(request: Request, exc: PlanDeskError, title: str) -> Response:
    status = exc.status
    return plain(request, "team_message.html", status, title=title, message=exc.message, status_code=status)


def settings_form_page(
    router: APIRouter,
    path: str,
    template: str,
    *,
    title: str,
    **reads: Callable[[Any, Actor], object],
) -> None:
    """Adds GET `path`, a Settings form's page (save_settings is its other half): each read(db, actor) under its
    name, whether this person may change them (the core's one rule), and whether the form was just saved. Its
    section (what the navigation marks) is named after the path: /settings/tasks is settings-tasks."""
    section = path.strip("/").replace("/", "-")

    @router.get(path)
    @page
    def settings_form(request: Request, saved: bool = False) -> Response:
        db, actor, ctx = frame(request, section=section, title=title)
        ctx.update({name: read(db, actor) for name, read in reads.items()})
        ctx.update(can_manage=settings_store.may_change_settings(actor), saved=saved)
        return render(request, template, ctx)


def save_settings(
    request: Request, form: PlainForm, page_path: str, save: Callable[[Any, Actor], object]
) -> Response:
    """A Settings form: save(db, sender), then back to its page saying so; a refusal is a message page."""
    try:
        save(request.app.state.db, form_sender(request, form))
    except PlanDeskError as exc:
        return message(request, exc, "Not saved")
    return see_other(f"{page_path}?saved=1")
