"""Which project `plandesk connect` binds a repository to, asking the person when there is a real choice."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import NoReturn

import typer

from plandesk.agents.grant import ProjectChoice
from plandesk.cli.common import fail
from plandesk.core import lookup
from plandesk.core.errors import PlanDeskError


def choose(
    db, actor, repo: Path, ref: str | None, new_name: str | None, bound_id: str | None
) -> ProjectChoice:
    """--project, else --new-project, else the bound project, else the one whose repo_path is this folder,
    else the workspace's only project, else the person's pick (a terminal) or a refusal naming the choices.
    An empty workspace gets a project named after the folder."""
    if ref and new_name:
        fail("give --project (an existing project) or --new-project (a new one), not both", code=2)
    everything = lookup.all_projects(db, actor)
    if ref:
        try:
            row = lookup.resolve("project", ref, everything, field="--project")
        except PlanDeskError as exc:
            fail(exc.message)
        return ProjectChoice(row["id"], row["name"])
    if new_name is not None:
        if not new_name.strip():
            fail("--new-project needs a name", code=2)
        return ProjectChoice(None, new_name.strip())
    for p in everything:
        if bound_id and p["id"] == bound_id:
            return ProjectChoice(p["id"], p["name"])
    here = str(repo.resolve())
    for p in everything:
        if p.get("repo_path") == here:
            return ProjectChoice(p["id"], p["name"])
    if not everything:
        return ProjectChoice(None, repo.resolve().name or "project")
    if len(everything) == 1:
        return ProjectChoice(everything[0]["id"], everything[0]["name"])
    if sys.stdin.isatty():
        return _ask(everything)
    _refuse(everything)


def _ask(projects: list[dict]) -> ProjectChoice:
    typer.echo("This workspace has several projects. Which one does this repository work on?")
    for number, p in enumerate(projects, 1):
        typer.echo(f"  {number}. {p['name']}  ({lookup.short_id(p['id'])})")
    while True:
        answer = typer.prompt(f"Project number (1-{len(projects)})", type=int)
        if 1 <= answer <= len(projects):
            chosen = projects[answer - 1]
            return ProjectChoice(chosen["id"], chosen["name"])
        typer.echo(f"Type a number from 1 to {len(projects)}.")


def _refuse(projects: list[dict]) -> NoReturn:
    lines = [f"this workspace has {len(projects)} projects; say which one this repository works on:"]
    for p in projects:
        # A name two projects share cannot pick one; the short id can.
        pick = p["name"] if sum(q["name"] == p["name"] for q in projects) == 1 else lookup.short_id(p["id"])
        lines.append(f"  plandesk connect --project {shlex.quote(pick)}")
    lines.append("or make a new one: plandesk connect --new-project NAME")
    fail("\n".join(lines), code=2)
