"""What every page's frame shows: the sidebar's projects, the current project and section, who is signed in."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from plandesk.api.deps import current_actor
from plandesk.core import approvals, projects, task_rules
from plandesk.core.actors import Actor

SIDEBAR_PROJECTS = 50


def actor_of(request: Request) -> tuple[Any, Actor]:
    """(db, actor) for fragments and data a page re-reads: no sidebar to build."""
    return request.app.state.db, current_actor(request)


def frame(
    request: Request, *, project_id: str | None = None, section: str | None = None, title: str | None = None
) -> tuple[Any, Actor, dict]:
    """(db, actor, context) for a page: raises the core's errors (not found, unauthorized) unchanged."""
    db = request.app.state.db
    actor = current_actor(request)
    project = projects.get_project(db, actor, project_id) if project_id else None
    sidebar = projects.list_projects(db, actor, limit=SIDEBAR_PROJECTS)
    context = {
        "actor": actor,
        "project": project,
        "section": section,
        "sidebar_projects": sidebar["items"],
        "sidebar_more": max(0, sidebar["total"] - len(sidebar["items"])),
        "title": title or (project["name"] if project else "Plan Desk"),
        "approvals_pending": approvals.pending_count(db, actor),
        # Pages that move tasks skip the "move anyway?" question when the workspace refuses such moves.
        "refuse_blocked_moves": bool(project)
        and task_rules.get_task_rules(db, actor)["refuse_blocked_moves"],
    }
    return db, actor, context
