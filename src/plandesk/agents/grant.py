"""What a connected repository is granted in the workspace: its project and a token limited to it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from plandesk.core import projects, tokens
from plandesk.core.actors import Actor
from plandesk.core.errors import PlanDeskError, Unauthorized


@dataclass(frozen=True)
class ProjectChoice:
    project_id: str | None  # None: a project named `name` is to be created
    name: str


@dataclass(frozen=True)
class BoundProject:
    """The project a repository is bound to: it exists, whether it was chosen or just created."""

    project_id: str
    name: str
    created: bool = False


def create_if_needed(db, actor: Actor, repo: Path, choice: ProjectChoice) -> BoundProject:
    if choice.project_id is not None:
        return BoundProject(choice.project_id, choice.name)
    made = projects.create_project(db, actor, {"name": choice.name, "repo_path": str(repo.resolve())})
    return BoundProject(made["id"], made["name"], created=True)


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
    assert token_actor.token_id is not None, "authenticate answers for a token with that token's actor"
    try:
        return tokens.revoke_token(db, actor, token_actor.token_id)
    except PlanDeskError:
        return None
