"""Pages: goals (contract, status, completion with evidence) and agent runs (a live timeline of events)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from plandesk.core import goals, runs, tasks, tokens
from plandesk.core.errors import NotFound, PlanDeskError
from plandesk.core.vocab import RUN_STATUSES
from plandesk.web.layout import frame
from plandesk.web.rendering import page, render

router = APIRouter(include_in_schema=False)
RUNS_SHOWN = 50


@router.get("/projects/{project_id}/goals")
@page
def goals_page(request: Request, project_id: str) -> Response:
    db, actor, ctx = frame(request, project_id=project_id, section="goals", title="Goals")
    items = goals.list_goals(db, actor, project_id, limit=200)["items"]
    detailed = []
    for g in items:
        try:
            detailed.append(goals.get_goal(db, actor, g["id"]))  # with cycle_tasks
        except PlanDeskError:
            detailed.append(g)
    order = {"active": 0, "blocked": 1, "paused": 2, "complete": 3}
    detailed.sort(key=lambda g: (not g.get("is_current"), order.get(g["status"], 9), g["created_at"] or ""))
    ctx.update(goals=detailed, can_write=actor.can_write)
    return render(request, "goals.html", ctx)


def _run_context(db, actor, project_id: str, run_id: str | None, status: str | None) -> dict:
    listed = runs.list_agent_runs(
        db, actor, project_id, status=status if status in RUN_STATUSES else None, limit=RUNS_SHOWN
    )
    chosen = run_id or (listed["items"][0]["id"] if listed["items"] else None)
    run = None
    if chosen:
        run = runs.get_agent_run(db, actor, chosen)
        if run["project_id"] != project_id:
            raise NotFound("agent run", chosen)
        linked = []
        for tid in run["task_ids"]:
            try:
                t = tasks.get_task(db, actor, tid)
                linked.append({"id": tid, "label": t["label"], "status": t["status"]})
            except PlanDeskError:
                linked.append({"id": tid, "label": None, "status": None})
        run["tasks"] = linked
        names = {t["id"]: t["name"] for t in tokens.list_tokens(db, actor, all_users=True)}
        run["token_name"] = names.get(run["token_id"]) if run["token_id"] else None
    return {
        "runs": listed["items"],
        "runs_total": listed["total"],
        "run": run,
        "status_filter": status if status in RUN_STATUSES else "",
    }


@router.get("/projects/{project_id}/runs")
@page
def runs_page(request: Request, project_id: str, status: str | None = None) -> Response:
    db, actor, ctx = frame(request, project_id=project_id, section="runs", title="Agent runs")
    ctx.update(_run_context(db, actor, project_id, None, status))
    return render(request, "runs.html", ctx)


@router.get("/projects/{project_id}/runs/{run_id}")
@page
def run_page(request: Request, project_id: str, run_id: str, status: str | None = None) -> Response:
    db, actor, ctx = frame(request, project_id=project_id, section="runs", title="Agent runs")
    ctx.update(_run_context(db, actor, project_id, run_id, status))
    return render(request, "runs.html", ctx)
