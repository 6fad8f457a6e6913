"""Pages: the workspace home (project cards) and a project's overview."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import Response

from plandesk.core import documents, goals, graph, projects, runs
from plandesk.core.errors import PlanDeskError
from plandesk.core.vocab import TASK_STATUSES
from plandesk.web.layout import frame
from plandesk.web.rendering import page, render

router = APIRouter(include_in_schema=False)
RECENT = 6
T = TypeVar("T")
D = TypeVar("D")


def progress(summary: dict) -> dict:
    """Stacked-bar segments (percent of all tasks) in board order."""
    total = summary.get("total", 0) or 0
    segments, offset = [], 0.0
    for s in TASK_STATUSES:
        share = (summary.get(s, 0) / total * 100) if total else 0.0
        segments.append(
            {"status": s, "count": summary.get(s, 0), "x": round(offset, 3), "w": round(share, 3)}
        )
        offset += share
    done = summary.get("done", 0)
    return {
        "segments": segments,
        "total": total,
        "done": done,
        "percent": round(done / total * 100) if total else 0,
    }


@router.get("/")
@page
def home(request: Request) -> Response:
    db, actor, ctx = frame(request, title="Projects")
    cards = []
    for p in projects.list_projects(db, actor, limit=200)["items"]:
        detail = projects.get_project(db, actor, p["id"])
        cards.append({**detail, "progress": progress(detail["summary"])})
    cards.sort(key=lambda c: c["updated_at"] or "", reverse=True)
    ctx.update(cards=cards, can_write=actor.can_write)
    return render(request, "home.html", ctx)


def _safe(call: Callable[[], T], default: D) -> T | D:
    try:
        return call()
    except PlanDeskError:
        return default


@router.get("/projects/{project_id}")
@page
def overview(request: Request, project_id: str) -> Response:
    db, actor, ctx = frame(request, project_id=project_id, section="overview", title="Overview")
    project = ctx["project"]
    ctx["progress"] = progress(project["summary"])
    ctx["next"] = _safe(lambda: graph.get_next_task(db, actor, project_id), None)
    ctx["goals"] = _safe(lambda: goals.list_goals(db, actor, project_id), None)
    recent_runs = _safe(lambda: runs.list_agent_runs(db, actor, project_id, limit=RECENT), None)
    ctx["runs"] = recent_runs["items"] if recent_runs is not None else None
    listed = _safe(lambda: documents.list_documents(db, actor, project_id), None)
    docs = listed["documents"] if listed is not None else []
    ctx["documents"] = sorted(docs, key=lambda d: d.get("updated_at") or "", reverse=True)[:RECENT]
    return render(request, "overview.html", ctx)
