"""What a connected repository is granted in the workspace: its project and a token limited to it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from plandesk.core import projects, tokens
from plandesk.core.actors import Actor
from plandesk.core.errors import InvalidArgument, NotFound, PlanDeskError, Unauthorized


@dataclass(frozen=True)
class ProjectChoice:
    project_id: str | None  # None: a project named `name` is to be created
    name: str
    created: bool = False


def _all_projects(db, actor: Actor) -> list[dict]:
    out, cursor = [], None
    while True:
        got = projects.list_projects(db, actor, limit=500, cursor=cursor)
        out += got["items"]
        cursor = got["next_cursor"]
        if not cursor:
            return out


def choose_project(db, actor: Actor, repo: Path, ref: str | None, bound_id: str | None) -> ProjectChoice:
    """--project (id or exact name), else the project already bound, else one whose repo_path is this
    folder, else a new one named after the folder. Reading only; `create_if_needed` writes."""
    everything = _all_projects(db, actor)
    if ref:
        by_id = [p for p in everything if p["id"] == ref]
        by_name = by_id or [p for p in everything if p["name"] == ref]
        if not by_name:
            raise NotFound("project", ref, field="project")
        if len(by_name) > 1:
            raise InvalidArgument(f"{len(by_name)} projects are named {ref!r}; pass the id", field="project")
        return ProjectChoice(by_name[0]["id"], by_name[0]["name"])
    for p in everything:
        if bound_id and p["id"] == bound_id:
            return ProjectChoice(p["id"], p["name"])
    here = str(repo.resolve())
    for p in everything:
        if p.get("repo_path") == here:
            return ProjectChoice(p["id"], p["name"])
    return ProjectChoice(None, repo.resolve().name or "project")


def create_if_needed(db, actor: Actor, repo: Path, choice: ProjectChoice) -> ProjectChoice:
    if choice.project_id is not None:
        return choice
    made = projects.create_project(db, actor, {"name": choice.name, "repo_path": str(repo.resolve())})
    return ProjectChoice(made["id"], made["name"], created=True)


def token_state(db, raw: str | None, project_id: str) -> str:
    """'valid' (active and limited to exactly this project), 'other' (live but wrong scope) or 'dead'."""
    if not raw:
        return "dead"
    try:
        actor = tokens.authenticate(db, raw)
    except Unauthorized:
        return "dead"
    if actor.project_ids == frozenset({project_id}) and not actor.read_only:
        return "valid"
    return "other"


def token_name(repo: Path) -> str:
    return f"{(repo.resolve().name or 'repo')[:150]} (plandesk connect)"


def mint(db, actor: Actor, repo: Path, project_id: str) -> str:
    return tokens.create_token(db, actor, name=token_name(repo), project_ids=[project_id])["token"]


def revoke_value(db, actor: Actor, raw: str | None) -> dict | None:
    """Revoke the token with this raw value, if it is still live; None when there was nothing to revoke."""
    if not raw:
        return None
    try:
        token_actor = tokens.authenticate(db, raw)
    except Unauthorized:
        return None
    try:
        return tokens.revoke_token(db, actor, token_actor.token_id)
    except PlanDeskError:
        return None
