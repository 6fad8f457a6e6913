"""The OAuth consent page: the signed-in person (or the local owner) decides what an MCP app may do."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from mcp.server.auth.provider import construct_redirect_uri
from pydantic import Field

from plandesk.api.deps import current_actor
from plandesk.core import oauth, oauth_rules
from plandesk.core.errors import PlanDeskError
from plandesk.web.forms import FormText, PlainForm, form_sender, message, save_settings, settings_form_page
from plandesk.web.rendering import CSP, page, render

router = APIRouter(include_in_schema=False)
# A repeated checkbox: its values, none when nothing is ticked.
FormList = Annotated[list[str], Field(max_length=500, default_factory=list)]


def _form_action_csp(redirect_uri: str) -> str:
    """The page's policy, except that the form may lead back to the app's redirect URI: browsers apply
    form-action to the redirect that follows the POST."""
    parts = urlsplit(redirect_uri)
    target = f"{parts.scheme}://{parts.netloc}" if parts.netloc else f"{parts.scheme}:"
    return CSP.replace("form-action 'self'", f"form-action 'self' {target}")


@router.get("/oauth/consent")
@page
def consent_form(
    request: Request, request_id: Annotated[str, Query(alias="request", max_length=64)] = ""
) -> Response:
    db, actor = request.app.state.db, current_actor(request)
    req = oauth.describe_request(db, actor, request_id)
    response = render(
        request,
        "oauth_consent.html",
        {
            "title": f"Connect {req['client_name']}",
            "req": req,
            "actor": actor,
            "projects": oauth.visible_projects(db, actor),
        },
    )
    response.headers["Content-Security-Policy"] = _form_action_csp(req["redirect_uri"])
    return response


class ConsentForm(PlainForm):
    decision: FormText = ""
    project_scope: FormText = "all"
    read_only: FormText = ""
    project_ids: FormList
    toolsets: FormList
    operations: FormList
    request_id: str = Field("", alias="request", max_length=64)


@router.post("/oauth/consent")
def consent(request: Request, form: Annotated[ConsentForm, Form()]) -> Response:
    db, request_id = request.app.state.db, form.request_id
    try:
        actor = form_sender(request, form)
        if form.decision == "allow":
            answer = oauth.approve(
                db,
                actor,
                request_id,
                read_only=form.read_only == "1",
                project_ids=form.project_ids if form.project_scope == "some" else None,
                toolsets=["planning", *form.toolsets],
                operations=form.operations,
            )
            target = construct_redirect_uri(
                answer["redirect_uri"], code=answer["code"], state=answer["state"]
            )
        else:
            answer = oauth.deny(db, actor, request_id)
            target = construct_redirect_uri(
                answer["redirect_uri"],
                error="access_denied",
                error_description="the person declined",
                state=answer["state"],
            )
    except PlanDeskError as exc:
        return message(request, exc, "Not connected")
    return RedirectResponse(target, status_code=303, headers={"Cache-Control": "no-store"})


settings_form_page(
    router,
    "/settings/oauth",
    "oauth_settings.html",
    title="Sign-in connections",
    oauth=oauth_rules.get_oauth_settings,
)


class OAuthSettingsForm(PlainForm):
    registration_open: FormText = ""
    redirect_hosts: str = Field("", max_length=4000)


@router.post("/settings/oauth")
def save_oauth_settings(request: Request, form: Annotated[OAuthSettingsForm, Form()]) -> Response:
    rules = {
        "registration_open": form.registration_open == "1",
        "redirect_hosts": [h.strip() for h in form.redirect_hosts.splitlines() if h.strip()],
    }
    return save_settings(
        request, form, "/settings/oauth", lambda db, actor: oauth_rules.set_oauth_settings(db, actor, rules)
    )
