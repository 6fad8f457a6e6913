"""REST: the workspace's task rules (GET/PUT /api/v1/settings/tasks; rules in core/task_rules.py)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import Field

from plandesk.api.models import Strict
from plandesk.api.paths import API_PREFIX
from plandesk.api.setting_routes import setting_routes
from plandesk.core import models as m
from plandesk.core import task_rules

router = APIRouter(prefix=API_PREFIX, tags=["settings"])


class TaskRulesIn(Strict):
    refuse_blocked_moves: bool | None = Field(
        default=None,
        description="refuse moving a task that waits on unfinished prerequisites to in_progress or done "
        "(409 conflict, reason blocked) instead of leaving it to the person or agent",
    )


setting_routes(
    router, "/settings/tasks", m.TaskRules, task_rules.get_task_rules, task_rules.set_task_rules, TaskRulesIn
)
