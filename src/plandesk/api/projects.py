"""REST: projects, their tasks, edges, frontier, graph and audit."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from plandesk.api.bodies import returns
from plandesk.api.deps import ActorDep, DbDep, Limit, PageDep
from plandesk.api.item_routes import ItemRoutes
from plandesk.api.lists import whole
from plandesk.api.models import EdgeIn, ProjectIn, ProjectPatch, TaskIn
from plandesk.api.paths import API_PREFIX
from plandesk.core import audit, edges, graph, projects, tasks
from plandesk.core import models as m

router = APIRouter(prefix=API_PREFIX, tags=["projects"])


class Page(BaseModel):
    """PageDep's pair as the base of a filtered list's query model (limit and cursor first in the OpenAPI)."""

    limit: Limit = None
    cursor: str | None = None


class TaskQuery(Page):
    """A project's tasks, filtered: every filter optional, several statuses or tags match any of them."""

    status: list[str] | None = None
    tag: list[str] | None = None
    kind: str | None = None
    priority: str | None = None
    assignee: str | None = None
    goal_id: str | None = None


class AuditQuery(audit.AuditFilter, Page):  # this base order keeps limit and cursor first in the OpenAPI
    """A page of a project's audit log, newest first, filtered as the core's AuditFilter says."""


@router.get("/projects", **returns(m.Page[m.Project]))
def list_projects(request_actor: ActorDep, db: DbDep, page: PageDep):
    return projects.list_projects(db, request_actor, **page)


@router.post("/projects", status_code=201, **returns(m.Project))
def create_project(body: ProjectIn, actor: ActorDep, db: DbDep):
    return projects.create_project(db, actor, body.data())


project = ItemRoutes(router, "/projects/{project_id}", m.Project)
project.get(projects.get_project)
project.patch(projects.update_project, ProjectPatch)
project.delete(projects.delete_project)


@router.get("/projects/{project_id}/tasks", **returns(m.Page[m.Task]))
def list_tasks(project_id: str, actor: ActorDep, db: DbDep, query: Annotated[TaskQuery, Query()]):
    return tasks.list_tasks(db, actor, project_id, tags_any=query.tag, **query.model_dump(exclude={"tag"}))


@router.post("/projects/{project_id}/tasks", status_code=201, **returns(m.Task))
def create_task(project_id: str, body: TaskIn, actor: ActorDep, db: DbDep):
    return tasks.create_task(db, actor, project_id, body.data())


@router.get("/projects/{project_id}/tags", **returns(m.Page[m.Tag]))
def list_tags(project_id: str, actor: ActorDep, db: DbDep):
    return whole(tasks.list_tags(db, actor, project_id))


@router.get("/projects/{project_id}/next-task", **returns(m.NextTask))
def next_task(
    project_id: str,
    actor: ActorDep,
    db: DbDep,
    goal_id: str | None = None,
    goal: str | None = None,
    tag: Annotated[list[str] | None, Query()] = None,
):
    return graph.get_next_task(db, actor, project_id, goal_id=goal_id, goal=goal, tags_any=tag)


@router.get("/projects/{project_id}/graph", **returns(m.TaskGraph))
def task_graph(project_id: str, actor: ActorDep, db: DbDep, goal_id: str | None = None):
    return graph.task_graph(db, actor, project_id, goal_id=goal_id)


@router.get("/projects/{project_id}/edges", **returns(m.Page[m.Edge]))
def list_edges(project_id: str, actor: ActorDep, db: DbDep):
    return whole(edges.list_edges(db, actor, project_id))


edge = ItemRoutes(router, "/edges/{edge_id}", m.Edge)
edge.create("/projects/{project_id}/edges", edges.create_edge, EdgeIn)
edge.delete(edges.delete_edge)


@router.delete("/projects/{project_id}/edges/{edge_id}", status_code=204)
def delete_project_edge(project_id: str, edge_id: str, actor: ActorDep, db: DbDep):
    edges.delete_edge(db, actor, edge_id, project_id=project_id)
    return Response(status_code=204)


@router.get("/projects/{project_id}/audit", **returns(m.Page[m.AuditEntry]))
def project_audit(project_id: str, actor: ActorDep, db: DbDep, query: Annotated[AuditQuery, Query()]):
    return audit.project_log(db, actor, project_id, query, limit=query.limit, cursor=query.cursor)
