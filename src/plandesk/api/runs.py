"""REST: agent runs, their events and linked tasks, for the UI and for scripts."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import Field

from plandesk.api.bodies import returns
from plandesk.api.deps import ActorDep, DbDep, PageDep
from plandesk.api.item_routes import ItemRoutes
from plandesk.api.models import Strict
from plandesk.api.paths import API_PREFIX
from plandesk.core import models as m
from plandesk.core import runs, vocab

router = APIRouter(prefix=API_PREFIX, tags=["agent runs"])
RunStatus = Literal[vocab.RUN_STATUSES]  # type: ignore[valid-type]


class RunIn(Strict):
    project_id: str
    label: str | None = Field(default=None, max_length=vocab.MAX_LABEL)
    task_ids: list[str] | None = Field(default=None, max_length=runs.MAX_TASKS)


class EventIn(Strict):
    message: str = Field(min_length=1, max_length=runs.MAX_MESSAGE)
    kind: Literal[vocab.RUN_EVENT_KINDS] = "progress"  # type: ignore[valid-type]
    # `data` would shadow Strict.data(); the wire name stays `data` through the alias.
    event_data: dict | None = Field(default=None, alias="data")


class LinkIn(Strict):
    task_ids: list[str] = Field(min_length=1, max_length=runs.MAX_TASKS)


class CompleteRunIn(Strict):
    status: Literal[vocab.RUN_TERMINAL] = "completed"  # type: ignore[valid-type]
    summary: str | None = Field(default=None, max_length=runs.MAX_SUMMARY)


@router.get("/projects/{project_id}/agent-runs", **returns(m.Page[m.AgentRun]))
def list_agent_runs(
    project_id: str, actor: ActorDep, db: DbDep, page: PageDep, status: RunStatus | None = None
):
    return runs.list_agent_runs(db, actor, project_id, status=status, **page)


@router.post("/agent-runs", status_code=201, **returns(m.AgentRun))
def start_agent_run(body: RunIn, actor: ActorDep, db: DbDep):
    return runs.start_agent_run(db, actor, body.project_id, body.label, body.task_ids)


ItemRoutes(router, "/agent-runs/{run_id}", m.AgentRun).get(runs.get_agent_run)


@router.post("/agent-runs/{run_id}/events", status_code=201, **returns(m.RunProgress))
def record_agent_progress(run_id: str, body: EventIn, actor: ActorDep, db: DbDep):
    return runs.record_agent_progress(db, actor, run_id, body.message, body.kind, body.event_data)


@router.post("/agent-runs/{run_id}/tasks", **returns(m.AgentRun))
def link_run_tasks(run_id: str, body: LinkIn, actor: ActorDep, db: DbDep):
    return runs.link_run_tasks(db, actor, run_id, body.task_ids)


@router.post("/agent-runs/{run_id}/complete", **returns(m.AgentRun))
def complete_agent_run(run_id: str, body: CompleteRunIn, actor: ActorDep, db: DbDep):
    return runs.complete_agent_run(db, actor, run_id, body.status, body.summary)
