"""REST: goals (contract, lifecycle, evidence-checked completion) and scaffolding a plan in one call."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import Field

from plandesk.api.bodies import returns
from plandesk.api.deps import ActorDep, DbDep, PageDep
from plandesk.api.item_routes import ItemRoutes
from plandesk.api.models import Strict
from plandesk.api.paths import API_PREFIX
from plandesk.core import goals, scaffold, vocab
from plandesk.core import models as m

router = APIRouter(prefix=API_PREFIX, tags=["goals"])
Text = str | None


class CompleteIn(Strict):
    evidence: dict | None = Field(
        default=None,
        description=(
            "gate_command {exit_code, command?, detail?}; acceptance_checklist {checked: [id or criterion], "
            "failed?: [...]}; human_sign_off {approved_by, approved?}"
        ),
    )


class ScaffoldIn(Strict):
    project_id: str | None = Field(default=None, description="scaffold into this existing project")
    name: str | None = Field(default=None, max_length=vocab.MAX_NAME, description="a new project's name")
    description: str | None = Field(default=None, max_length=vocab.MAX_BODY)
    goal_id: str | None = None
    tasks: list[dict] = Field(min_length=1, max_length=scaffold.MAX_TASKS)
    edges: list[dict] | None = Field(default=None, max_length=scaffold.MAX_EDGES)
    documents: list[dict] | None = Field(default=None, max_length=scaffold.MAX_DOCUMENTS)


@router.get("/projects/{project_id}/goals", **returns(m.Page[m.Goal]))
def list_goals(project_id: str, actor: ActorDep, db: DbDep, page: PageDep):
    return goals.list_goals(db, actor, project_id, **page)


goal = ItemRoutes(router, "/goals/{goal_id}", m.Goal)
goal.create("/projects/{project_id}/goals", goals.create_goal, m.GoalIn)
goal.get(goals.get_goal)
goal.patch(goals.update_goal, m.GoalPatch)
goal.trash(
    goals.delete_goal,
    description=(
        "Move the goal to the project's trash; its tasks stay (without the goal until it is restored).\n"
        "The X-Trash-Item header names the trash item, for an immediate undo (POST /trash/{id}/restore)."
    ),
)
goal.action("pause", goals.pause_goal)
goal.action("resume", goals.resume_goal)
goal.action("set-current", goals.set_current_goal)
goal.action("invoke", goals.invoke_goal, m.GoalInvocation)


@router.post("/goals/{goal_id}/complete", **returns(m.GoalCompletion))
def complete_goal(goal_id: str, body: CompleteIn, actor: ActorDep, db: DbDep):
    return goals.complete_goal(db, actor, goal_id, body.evidence)


@router.post("/projects/scaffold", status_code=201, tags=["projects"], **returns(m.Scaffolded))
def scaffold_project(body: ScaffoldIn, actor: ActorDep, db: DbDep):
    return scaffold.scaffold_project_from_plan(db, actor, body.data())
