"""Pages: Settings → MCP (tokens: create once-shown, list, revoke, rotate; connection lines for clients) and
Settings → Tasks (the workspace's rules for moving tasks)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import Field

from plandesk.core import mcp_settings, permissions, projects, settings_store, task_rules, tokens
from plandesk.core.vocab import OPERATION_HELP
from plandesk.web.forms import PlainForm, save_settings, settings_form_page
from plandesk.web.layout import frame
from plandesk.web.rendering import page, render

router = APIRouter(include_in_schema=False)


def origin_of(request: Request) -> str:
    """The address clients reach this server at: the configured public URL, else what the browser used."""
    base = request.app.state.settings.base_url
    if base:
        return base.rstrip("/")
    return f"{request.url.scheme}://{request.headers.get('host') or request.url.netloc}"


@router.get("/settings/mcp")
@page
def settings_mcp(request: Request) -> Response:
    db, actor, ctx = frame(request, section="settings-mcp", title="MCP")
    names = {p["id"]: p["name"] for p in projects.list_projects(db, actor, limit=500)["items"]}
    token_rows = tokens.list_tokens(db, actor)
    for t in token_rows:
        t["project_names"] = [names.get(p, p[:8]) for p in (t["project_ids"] or [])]
    for t in token_rows:  # a signed-in app's row carries its client name and the grant's state (core.tokens)
        t.setdefault("client_name", None)
    ctx.update(
        tokens=token_rows,
        origin=origin_of(request),
        projects=names,
        mcp=mcp_settings.get_mcp_settings(db, actor),
        can_manage=settings_store.may_change_settings(actor),
        via_token=actor.token_id is not None,
        # The form offers only what the role may grant; the core refuses anything more.
        grantable=permissions.allowed_operations(db, actor) if actor.token_id is None else [],
        operation_help=OPERATION_HELP,
    )
    return render(request, "settings_mcp.html", ctx)


# Settings → Tasks: the workspace's rules for moving tasks (core/task_rules.py).
settings_form_page(
    router, "/settings/tasks", "settings_tasks.html", title="Tasks", rules=task_rules.get_task_rules
)


class TaskRulesForm(PlainForm):
    refuse_blocked_moves: str = Field("", max_length=8)


@router.post("/settings/tasks")
def save_settings_tasks(request: Request, form: Annotated[TaskRulesForm, Form()]) -> Response:
    rules = {"refuse_blocked_moves": form.refuse_blocked_moves == "1"}
    return save_settings(
        request, form, "/settings/tasks", lambda db, actor: task_rules.set_task_rules(db, actor, rules)
    )
