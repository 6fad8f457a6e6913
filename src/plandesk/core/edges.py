"""Edges: typed links between tasks and documents; dependency edges may never close a cycle."""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import bindparam, select

from plandesk.core import audit, fields, graph, projects
from plandesk.core.actors import Actor
from plandesk.core.clock import iso, new_id, now
from plandesk.core.errors import Conflict, InvalidArgument, NotFound
from plandesk.core.vocab import (
    ARROW_DIRECTIONS,
    DEPENDENCY_LABELS,
    EDGE_ENDPOINT_TYPES,
    EDGE_LABELS,
    EDGE_STYLES,
)
from plandesk.db.engine import Tx
from plandesk.db.schema import documents, edges, tasks

_TABLE = {"task": tasks, "document": documents}


def to_dict(r) -> dict:
    return {
        "id": r.id,
        "project_id": r.project_id,
        "from_type": r.from_type,
        "from_id": r.from_id,
        "to_type": r.to_type,
        "to_id": r.to_id,
        "label": r.label,
        "style": r.style,
        "arrow_direction": r.arrow_direction,
        "created_at": iso(r.created_at),
    }


def clean(data: dict) -> dict:
    fields.reject_unknown(
        data,
        (
            "from_type",
            "from_id",
            "to_type",
            "to_id",
            "from_task_id",
            "to_task_id",
            "label",
            "style",
            "arrow_direction",
        ),
    )
    out = dict(data)
    # The short form of Plan Desk's first tools: a task-to-task edge by two ids.
    if out.get("from_task_id") is not None:
        out.setdefault("from_type", "task")
        out["from_id"] = out.pop("from_task_id")
    if out.get("to_task_id") is not None:
        out.setdefault("to_type", "task")
        out["to_id"] = out.pop("to_task_id")
    out.pop("from_task_id", None)
    out.pop("to_task_id", None)
    res = {
        "from_type": fields.choice(
            "from_type", out.get("from_type") or "task", EDGE_ENDPOINT_TYPES, required=True
        ),
        "from_id": fields.ident("from_id", out.get("from_id")),
        "to_type": fields.choice("to_type", out.get("to_type") or "task", EDGE_ENDPOINT_TYPES, required=True),
        "to_id": fields.ident("to_id", out.get("to_id")),
        "style": fields.choice("style", out.get("style"), EDGE_STYLES),
        "arrow_direction": fields.choice("arrow_direction", out.get("arrow_direction"), ARROW_DIRECTIONS),
    }
    default_label = (
        "documents"
        if res["from_type"] == "document" and res["to_type"] == "task"
        else ("references" if res["from_type"] == "document" else "depends_on")
    )
    res["label"] = fields.choice("label", out.get("label") or default_label, EDGE_LABELS, required=True)
    if res["from_type"] == res["to_type"] and res["from_id"] == res["to_id"]:
        raise InvalidArgument("an edge cannot connect a node to itself", field="to_id")
    if res["label"] in DEPENDENCY_LABELS and (res["from_type"] != "task" or res["to_type"] != "task"):
        raise InvalidArgument(f"label {res['label']!r} orders work and joins two tasks only", field="label")
    return res


def existing_id(conn, project_id: str, values: dict) -> str | None:
    """The id of the project's edge with these ends and label, if there is one (an edge is never made twice)."""
    dup = conn.execute(
        select(edges.c.id).where(
            edges.c.project_id == project_id,
            edges.c.from_type == values["from_type"],
            edges.c.from_id == values["from_id"],
            edges.c.to_type == values["to_type"],
            edges.c.to_id == values["to_id"],
            edges.c.label == values["label"],
        )
    ).first()
    return None if dup is None else dup.id


def insert(tx: Tx, actor: Actor, project_id: str, data: dict) -> dict:
    values = clean(data)
    conn = tx.conn
    _check_ends(conn, project_id, values)
    if values["label"] in DEPENDENCY_LABELS:
        prereq, dependent = graph.orient(values["label"], values["from_id"], values["to_id"])
        path = graph.dependency_path(conn, project_id, start=prereq, goal=dependent)
        if path is not None:
            labels = graph.labels_of(conn, path)
            raise Conflict(
                "this edge would close a dependency cycle: " + " → ".join(labels + [labels[0]]),
                field="to_id",
                cycle=path,
            )
    dup = existing_id(conn, project_id, values)
    if dup is not None:
        return to_dict(conn.execute(select(edges).where(edges.c.id == dup)).first())
    row = {**values, "id": new_id(), "project_id": project_id, "created_at": now()}
    conn.execute(_INSERT_EDGE, row)
    audit.record(
        tx,
        actor,
        "edge.create",
        project_id=project_id,
        target_type="edge",
        target_id=row["id"],
        detail={"from": values["from_id"], "to": values["to_id"], "label": values["label"]},
    )
    out = to_dict(SimpleNamespace(**row))  # the row as written; nothing to read back
    tx.publish(project_id, "edge.created", edge=out)
    return out


_INSERT_EDGE = edges.insert()
_BOTH_TASKS = select(tasks.c.id).where(
    tasks.c.id.in_(bindparam("ids", expanding=True)), tasks.c.project_id == bindparam("project_id")
)


def _check_ends(conn, project_id: str, values: dict) -> None:
    """Both ends exist in the project: one query when both are tasks (the usual case), else one per end."""
    if values["from_type"] == values["to_type"] == "task":
        found = {
            r
            for (r,) in conn.execute(
                _BOTH_TASKS, {"ids": [values["from_id"], values["to_id"]], "project_id": project_id}
            )
        }
        for end in ("from", "to"):
            if values[f"{end}_id"] not in found:
                raise NotFound("task", values[f"{end}_id"], field=f"{end}_id")
        return
    for end in ("from", "to"):
        table = _TABLE[values[f"{end}_type"]]
        found = conn.execute(
            select(table.c.id).where(table.c.id == values[f"{end}_id"], table.c.project_id == project_id)
        ).first()
        if found is None:
            raise NotFound(values[f"{end}_type"], values[f"{end}_id"], field=f"{end}_id")


def create_edge(db, actor: Actor, project_id: str, data: dict) -> dict:
    actor.require_write("creating an edge")
    with db.write() as tx:
        prow = projects.load(tx.conn, actor, project_id)
        return insert(tx, actor, prow.id, data)


def list_edges(db, actor: Actor, project_id: str) -> list[dict]:
    with db.read() as conn:
        prow = projects.load(conn, actor, project_id)
        rows = conn.execute(
            select(edges).where(edges.c.project_id == prow.id).order_by(edges.c.created_at, edges.c.id)
        ).all()
        return [to_dict(r) for r in rows]


def delete_edge(db, actor: Actor, edge_id: str, *, project_id: str | None = None) -> None:
    """Delete an edge; given `project_id` (a route under a project), an edge of another project is not found."""
    actor.require_write("deleting an edge")
    with db.write() as tx:
        row = projects.load_item(tx.conn, actor, edges, edge_id, what="edge", field="edge_id")
        if project_id is not None and row.project_id != project_id:
            raise NotFound("edge", edge_id, project_id=project_id)
        tx.conn.execute(edges.delete().where(edges.c.id == row.id))
        audit.record_item(
            tx,
            actor,
            "edge.delete",
            "edge",
            row,
            detail={"from": row.from_id, "to": row.to_id, "label": row.label},
        )
        tx.publish(row.project_id, "edge.deleted", id=row.id)
