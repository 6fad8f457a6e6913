"""REST: single tasks, claims and revisions."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from plandesk.api.bodies import returns
from plandesk.api.deps import ActorDep, DbDep, LoopActorDep
from plandesk.api.item_routes import ItemRoutes
from plandesk.api.models import ClaimIn, ReleaseIn, TaskPatch
from plandesk.api.paths import API_PREFIX
from plandesk.core import graph, tasks
from plandesk.core import models as m
from plandesk.core.claim_refusals import ClaimRefused

router = APIRouter(prefix=API_PREFIX, tags=["tasks"])
# claim-next, the route every agent's work loop calls: api/routes.py puts this router before all the others.
loop_router = APIRouter(prefix=API_PREFIX, tags=["tasks"])


task = ItemRoutes(router, "/tasks/{task_id}", m.Task)
task.get(tasks.get_task)
task.patch(tasks.update_task, TaskPatch)
task.trash(tasks.delete_task)


@router.post(
    "/tasks/{task_id}/claim",
    responses={
        409: {"model": m.ClaimRefusal, "description": "someone else holds the task, or it is not ready"},
    },
    **returns(m.Claim),
)
def claim_task(task_id: str, body: ClaimIn, actor: ActorDep, db: DbDep):
    try:
        return graph.claim_task(db, actor, task_id, body.agent_ref, lease_seconds=body.lease_seconds)
    except ClaimRefused as exc:
        # The core's refusal as it is (claimed false, reason, who holds it), inside the usual problem body.
        body_ = {"type": "about:blank", "status": 409, "code": exc.code, "field": exc.field, **exc.result}
        return JSONResponse(body_, status_code=409, media_type="application/problem+json")


@router.post("/tasks/{task_id}/renew", **returns(m.Renewal))
def renew_claim(task_id: str, body: ClaimIn, actor: ActorDep, db: DbDep):
    return graph.renew_claim(db, actor, task_id, body.agent_ref, lease_seconds=body.lease_seconds)


@router.post("/tasks/{task_id}/release", **returns(m.Release))
def release_task(task_id: str, body: ReleaseIn, actor: ActorDep, db: DbDep):
    return graph.release_task(db, actor, task_id, body.agent_ref, reason=body.reason)


@loop_router.post("/projects/{project_id}/claim-next", **returns(m.Claim))
async def claim_next(
    project_id: str, body: ClaimIn, actor: LoopActorDep, db: DbDep, goal_id: str | None = None
):
    # Every agent's work loop calls this. async, and awaiting the database's group writer (which claims
    # concurrent calls together) instead of sending each claim to a worker thread. The caller stays a
    # dependency (resolved on the loop: no thread hop at all), so an unauthenticated call gets 401 before
    # its body is read.
    return await asyncio.wrap_future(
        graph.claim_next_submit(
            db, actor, project_id, body.agent_ref, lease_seconds=body.lease_seconds, goal_id=goal_id
        )
    )
