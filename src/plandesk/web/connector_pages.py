"""Pages of the code connector: Settings → Permissions, a project's Code settings, and the approvals a person decides."""

from __future__ import annotations

import json

from fastapi import APIRouter, FastAPI, Request

from plandesk.api.routes import add_routes
from plandesk.core import approvals, connector_config, permissions, projects, settings_store, vocab
from plandesk.core.vocab import OPERATION_HELP
from plandesk.web.layout import frame
from plandesk.web.rendering import page, render

router = APIRouter(include_in_schema=False)


STATUS_BADGE = {
    "pending": "badge-warn",
    "approved": "badge-ok",
    "used": "badge",
    "failed": "badge-danger",
    "denied": "badge-danger",
    "expired": "badge",
}


def install(app: FastAPI) -> None:
    add_routes(app, router)


@router.get("/settings/permissions")
@page
def permissions_page(request: Request):
    db, actor, ctx = frame(request, section="settings-permissions", title="Permissions")
    doc = permissions.get_permissions(db, actor)
    rows = []
    for p in projects.list_projects(db, actor, limit=500)["items"]:
        cfg = connector_config.get_config(db, actor, p["id"])
        rows.append(
            {"id": p["id"], "name": p["name"], "enabled": cfg["enabled"], "code_root": cfg["code_root"]}
        )
    pending = approvals.list_approvals(db, actor, status="pending", limit=20)
    ctx.update(
        doc=doc,
        operations=vocab.CONNECTOR_OPERATIONS,
        roles=vocab.ROLES,
        operation_help=OPERATION_HELP,
        projects=rows,
        pending=pending,
        can_manage=settings_store.may_change_settings(actor),
    )
    return render(request, "connector_permissions.html", ctx)


def _approvals_context(db, actor, ctx: dict, project_id: str | None) -> dict:
    pending = approvals.list_approvals(db, actor, project_id=project_id, status="pending", limit=100)
    recent = [
        a
        for a in approvals.list_approvals(db, actor, project_id=project_id, limit=100)
        if a["status"] != "pending"
    ][:50]
    ctx.update(pending=pending, recent=recent, badge=STATUS_BADGE, can_decide=actor.token_id is None)
    return ctx


@router.get("/settings/approvals")
@page
def approvals_page(request: Request):
    db, actor, ctx = frame(request, section="settings-approvals", title="Approvals")
    return render(request, "connector_approvals.html", _approvals_context(db, actor, ctx, None))


@router.get("/projects/{project_id}/approvals")
@page
def project_approvals_page(request: Request, project_id: str):
    db, actor, ctx = frame(request, project_id=project_id, section="approvals", title="Approvals")
    return render(request, "connector_approvals.html", _approvals_context(db, actor, ctx, project_id))


@router.get("/settings/approvals/{approval_id}")
@page
def approval_page(request: Request, approval_id: str):
    db, actor, ctx = frame(request, section="settings-permissions", title="Approval")
    item = approvals.get_approval(db, actor, approval_id)
    lead, _, detail = item["summary"].partition("\n")
    try:
        arguments = json.dumps(json.loads(detail), indent=2, ensure_ascii=False) if detail else ""
    except ValueError:
        arguments = detail
    may_decide = actor.token_id is None and (
        actor.role in ("owner", "admin") or (actor.role == "member" and item["user_id"] == actor.user_id)
    )
    ctx.update(item=item, lead=lead, arguments=arguments, badge=STATUS_BADGE, may_decide=may_decide)
    return render(request, "connector_approval.html", ctx)


@router.get("/projects/{project_id}/settings/code")
@page
def project_code_page(request: Request, project_id: str):
    db, actor, ctx = frame(request, project_id=project_id, section="settings-code", title="Code connector")
    config = connector_config.get_config(db, actor, project_id)
    ctx.update(
        config=config,
        kinds=vocab.RECIPE_KINDS,
        engines=vocab.DB_ENGINES,
        can_manage=settings_store.may_change_settings(actor),
        approvals_pending=len(approvals.list_approvals(db, actor, project_id=project_id, status="pending")),
    )
    return render(request, "connector_project.html", ctx)
