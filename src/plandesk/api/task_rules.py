"""REST: the workspace's task rules (GET/PUT /api/v1/settings/tasks; rules in core/task_rules.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import Field

from plandesk.api.bodies import returns
from plandesk.api.deps import current_actor, db_of
from plandesk.api.models import Strict
from plandesk.core import models as m
from plandesk.core import task_rules
from plandesk.core.actors import Actor

router = APIRouter(tags=["settings"])
ActorDep = Annotated[Actor, Depends(current_actor)]


class TaskRulesIn(Strict):
    refuse_blocked_moves: bool | None = Field(
        default=None,
        description="refuse moving a task that waits on unfinished prerequisites to in_progress or done "
        "(409 conflict, reason blocked) instead of leaving it to the person or agent",
    )


@router.get("/settings/tasks", **returns(m.TaskRules))
def get_task_rules(actor: ActorDep, db=Depends(db_of)) -> dict:
    return task_rules.get_task_rules(db, actor)


@router.put("/settings/tasks", **returns(m.TaskRules))
def put_task_rules(body: TaskRulesIn, actor: ActorDep, db=Depends(db_of)) -> dict:
    return task_rules.set_task_rules(db, actor, body.data())
