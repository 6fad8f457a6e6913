"""An agent's working context in one read: its current task, that task's spec and its token's open run."""

from __future__ import annotations

from typing import Any

from plandesk.core import documents, edges, graph, projects, runs, tasks, tokens
from plandesk.core.actors import Actor
from plandesk.core.errors import NotFound

MAX_SPEC_DOCUMENTS = 8
RECENT_EVENTS = 10


def spec_of(db, actor: Actor, project_id: str, task_id: str) -> list[dict[str, Any]]:
    """The documents joined to the task by an edge, either way round: what the task is to be built from."""
    ids: list[str] = []
    for e in edges.list_edges(db, actor, project_id):
        if e["from_type"] == "document" and e["to_type"] == "task" and e["to_id"] == task_id:
            ids.append(e["from_id"])
        elif e["to_type"] == "document" and e["from_type"] == "task" and e["from_id"] == task_id:
            ids.append(e["to_id"])
    out = []
    for doc_id in list(dict.fromkeys(ids))[:MAX_SPEC_DOCUMENTS]:
        try:
            out.append(documents.get_document(db, actor, doc_id))
        except NotFound:
            continue
    return out


def open_run(db, actor: Actor, project_id: str) -> dict[str, Any] | None:
    """The token's most recent running run in this project (the one its writes are audited with)."""
    run_id = tokens.with_open_run(db, actor).run_id
    if run_id is None:
        return None
    run = runs.get_agent_run(db, actor, run_id)
    if run["project_id"] != project_id:
        return None
    run["events"] = run.get("events", [])[-RECENT_EVENTS:]
    return run


def agent_context(db, actor: Actor, project_id: str, agent_ref: str | None = None) -> dict[str, Any]:
    project = projects.get_project(db, actor, project_id)
    run = open_run(db, actor, project["id"])
    run_tasks = set(run["task_ids"]) if run else set()
    in_progress = tasks.list_tasks(
        db, actor, project["id"], status=["in_progress"], limit=500, verbose=False
    )["items"]
    # "Mine": claimed under this agent's ref, or linked to the run this token has open.
    mine = [
        t for t in in_progress if (agent_ref and t.get("claimed_by") == agent_ref) or t["id"] in run_tasks
    ]
    current, source, reason = None, None, None
    if mine:
        chosen = max(mine, key=lambda t: t.get("updated_at") or "")
        current, source = tasks.get_task(db, actor, chosen["id"]), "claimed"
    else:
        nxt = graph.get_next_task(db, actor, project["id"], verbose=True)
        current, reason = nxt.get("next_task"), nxt.get("reason")
        source = "next_ready" if current else None
    return {
        "project": {"id": project["id"], "name": project["name"], "summary": project.get("summary")},
        "agent_ref": agent_ref,
        "current_task": current,
        "current_task_source": source,
        "reason": reason,
        "spec": spec_of(db, actor, project["id"], current["id"]) if current else [],
        "open_run": run,
        "also_in_progress": [
            {"id": t["id"], "label": t["label"], "claimed_by": t.get("claimed_by")}
            for t in mine
            if current is None or t["id"] != current["id"]
        ],
    }
