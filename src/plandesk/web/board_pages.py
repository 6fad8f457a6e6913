"""Pages: the board (columns, cards, the task drawer) and the list view with its CSV export."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from plandesk.core import comments, documents, goals, revisions, tasks
from plandesk.core.clock import now
from plandesk.core.errors import PlanDeskError
from plandesk.core.vocab import PRIORITIES, TASK_STATUSES
from plandesk.web import board_data
from plandesk.web.layout import actor_of, frame
from plandesk.web.rendering import page, render

router = APIRouter(include_in_schema=False)
Many = Annotated[list[str] | None, Query()]


def _shown(value) -> str:
    text = ", ".join(value) if isinstance(value, list) else ("—" if value in (None, "") else str(value))
    return text if len(text) <= 120 else text[:120] + "…"


def revision_changes(db, actor, task: dict, metas: list[dict]) -> list[dict]:
    """Each revision with its field changes: its snapshot (before) against the next newer state (after)."""
    after = task
    out = []
    for meta in metas:  # newest first
        snap = revisions.get_revision(db, actor, meta["id"])["snapshot"]
        changes = [
            {"field": f, "before": _shown(snap.get(f)), "after": _shown(after.get(f))}
            for f in meta["changed_fields"]
            if f in snap
        ]
        out.append({**meta, "changes": changes})
        after = snap
    return out


def drawer_context(db, actor, task_id: str) -> dict:
    task = tasks.get_task(db, actor, task_id)
    metas = revisions.list_revisions(db, actor, "task", task["id"], limit=20)
    context = {
        "task": task,
        "relations": board_data.relations(db, actor, task),
        "revisions": revision_changes(db, actor, task, metas),
        "comments": None,
        "goal": None,
        "can_restore": actor.can_write,
        "can_write": actor.can_write,
        "overdue": board_data.overdue(task),
    }
    context["comments"] = comments.list_comments(
        db, actor, task["project_id"], target_type="task", target_id=task["id"], include_resolved=True
    )
    for link in context["relations"]["documents"]:
        try:
            link["title"] = documents.get_document(db, actor, link["id"])["title"]
        except PlanDeskError:
            link["title"] = None
    if task.get("goal_id"):
        try:
            context["goal"] = goals.get_goal(db, actor, task["goal_id"])
        except PlanDeskError:
            pass
    return context


@router.get("/projects/{project_id}/board")
@page
def board(request: Request, project_id: str, task: str | None = None) -> Response:
    db, actor, ctx = frame(request, project_id=project_id, section="board", title="Board")
    ctx.update(board_data.board(db, actor, project_id))
    ctx["drawer"] = None
    ctx["can_write"] = actor.can_write
    if task:
        try:
            ctx["drawer"] = drawer_context(db, actor, task)
        except PlanDeskError as exc:
            ctx["drawer_error"] = exc.message
    return render(request, "board.html", ctx)


@router.get("/projects/{project_id}/board/cards/{task_id}")
@page
def card_fragment(request: Request, project_id: str, task_id: str) -> Response:
    db, actor = actor_of(request)
    t = board_data.one_card(db, actor, task_id)
    if t["project_id"] != project_id:
        return Response(status_code=404)
    return render(request, "_card_one.html", {"t": t})


@router.get("/projects/{project_id}/board/drawer/{task_id}")
@page
def drawer_fragment(request: Request, project_id: str, task_id: str) -> Response:
    db, actor = actor_of(request)
    context = drawer_context(db, actor, task_id)
    if context["task"]["project_id"] != project_id:
        return Response(status_code=404)
    return render(request, "_drawer.html", {"drawer": context, "project": {"id": project_id}})


@dataclass
class ListQuery:
    """The list view's filters and sort, as query parameters: the same for the page and its CSV export."""

    status: Many = None
    tag: Many = None
    assignee: str | None = None
    priority: str | None = None
    q: str | None = None
    sort: str | None = None
    dir: str | None = None


def _list_rows(
    db, actor, project_id: str, query: ListQuery, unfiltered: list[dict] | None = None
) -> list[dict]:
    status = [s for s in (query.status or []) if s in TASK_STATUSES] or None
    priority = query.priority if query.priority in PRIORITIES else None
    if unfiltered is not None and not (status or query.tag or query.assignee or priority):
        rows = unfiltered
    else:
        rows = board_data.all_tasks(
            db,
            actor,
            project_id,
            status=status,
            tags_any=query.tag or None,
            assignee=query.assignee or None,
            priority=priority,
        )
    rows = board_data.text_filter(rows, query.q)
    return board_data.sort_rows(rows, query.sort or "created_at", query.dir == "desc")


@router.get("/projects/{project_id}/list")
@page
def list_view(request: Request, project_id: str, query: Annotated[ListQuery, Depends()]):
    db, actor, ctx = frame(request, project_id=project_id, section="list", title="List")
    everything = board_data.all_tasks(db, actor, project_id)
    rows = _list_rows(db, actor, project_id, query, everything)
    today = now().date().isoformat()
    rows = [{**r, "overdue": board_data.overdue(r, today)} for r in rows]
    ctx.update(
        rows=rows,
        **board_data.options(everything),
        total=len(everything),
        filters={
            "status": query.status or [],
            "tag": query.tag or [],
            "assignee": query.assignee or "",
            "priority": query.priority or "",
            "q": query.q or "",
        },
        sort=query.sort if query.sort in board_data.SORT_KEYS else "created_at",
        dir="desc" if query.dir == "desc" else "asc",
        query=request.url.query,
        sort_query=lambda key, direction: _sort_query(request, key, direction),
    )
    return render(request, "list.html", ctx)


def _sort_query(request: Request, key: str, direction: str) -> str:
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in ("sort", "dir")]
    return urlencode(kept + [("sort", key), ("dir", direction)])


@router.get("/projects/{project_id}/list.csv")
@page
def list_csv(request: Request, project_id: str, query: Annotated[ListQuery, Depends()]):
    db, actor, ctx = frame(request, project_id=project_id)
    rows = _list_rows(db, actor, project_id, query)
    slug = (
        "".join(c if c.isalnum() else "-" for c in ctx["project"]["name"].lower()).strip("-")[:40] or "tasks"
    )
    return Response(
        board_data.to_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{slug}-tasks.csv"',
            "Cache-Control": "no-store",
        },
    )
