"""Plan scaffolding: tasks, edges and documents keyed by the caller, into a new or existing project, atomically."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import func, select

from plandesk.core import audit, fields, graph, plan_bulk, projects
from plandesk.core import documents as doc_core
from plandesk.core import edges as edge_core
from plandesk.core import tasks as task_core
from plandesk.core.actors import Actor
from plandesk.core.errors import Conflict, Forbidden, InvalidArgument, NotFound, PlanDeskError
from plandesk.core.vocab import DEPENDENCY_LABELS
from plandesk.db.schema import documents, tasks

MAX_TASKS = 1000
MAX_EDGES = 3000
MAX_DOCUMENTS = 200
MAX_KEY = 100
SPACING_X = 240.0  # canvas units between neighbours in a layer
SPACING_Y = 200.0  # between layers; prerequisites sit above what they unblock
TASK_KEYS = (
    "key",
    "label",
    "status",
    "kind",
    "priority",
    "description",
    "goal_id",
    "x",
    "y",
    "tags",
    "assignee",
)
EDGE_KEYS = ("from", "to", "label", "style")
DOC_KEYS = ("key", "title", "body", "status_line", "link_to")
_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")  # an existing row's id


@contextmanager
def _at(path: str) -> Iterator[None]:
    """Name the failing item in an error raised by the shared core (`tasks[3].label`, not just `label`)."""
    try:
        yield
    except PlanDeskError as exc:
        exc.field = f"{path}.{exc.field}" if exc.field else path
        exc.message = f"{path}: {exc.message}"
        exc.args = (exc.message,)
        raise


def _list(data: dict, name: str, limit: int, *, required: bool = False) -> list[dict]:
    value = data.get(name)
    if value is None and not required:
        return []
    if not isinstance(value, list) or (required and not value):
        raise InvalidArgument(
            f"{name} must be a list" + (" with at least one item" if required else ""), field=name
        )
    if len(value) > limit:
        raise InvalidArgument(f"{name} has {len(value)} items; the limit is {limit}", field=name)
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            raise InvalidArgument(f"{name}[{i}] must be an object", field=f"{name}[{i}]")
    return value


def _key(value, field: str) -> str:
    return fields.required_text(field, value, max_len=MAX_KEY, strip=True)


def _validate(data) -> dict:
    """Check the plan's shape and every key reference before anything is written."""
    if not isinstance(data, dict):
        raise InvalidArgument("the plan must be an object", field="data")
    fields.reject_unknown(
        data, ("project_id", "name", "description", "goal_id", "tasks", "edges", "documents")
    )
    plan: dict = {"project_id": fields.ident("project_id", data.get("project_id"), required=False)}
    if plan["project_id"] is not None:
        for extra in ("name", "description"):
            if data.get(extra) is not None:
                raise InvalidArgument(
                    f"{extra} is for a new project; leave it out when scaffolding into project_id",
                    field=extra,
                )
    else:
        fields.required_text("name", data.get("name"), max_len=200, strip=True)
    plan["goal"] = (
        {"goal_id": fields.ident("goal_id", data["goal_id"], required=False)} if "goal_id" in data else {}
    )
    plan["tasks"] = _list(data, "tasks", MAX_TASKS, required=True)
    task_keys: set[str] = set()
    key: str | None
    for i, t in enumerate(plan["tasks"]):
        with _at(f"tasks[{i}]"):
            fields.reject_unknown(t, TASK_KEYS)
            key = _key(t.get("key"), "key")
        if key in task_keys:
            raise InvalidArgument(
                f"tasks[{i}].key {key!r} is used by an earlier task", field=f"tasks[{i}].key"
            )
        task_keys.add(key)
    plan["documents"] = _list(data, "documents", MAX_DOCUMENTS)
    doc_keys: set[str] = set()
    for i, d in enumerate(plan["documents"]):
        with _at(f"documents[{i}]"):
            fields.reject_unknown(d, DOC_KEYS)
            key = _key(d["key"], "key") if d.get("key") is not None else None
        if key is not None and (key in task_keys or key in doc_keys):
            raise InvalidArgument(f"documents[{i}].key {key!r} is already used", field=f"documents[{i}].key")
        if key is not None:
            doc_keys.add(key)
    known = task_keys | doc_keys
    for i, d in enumerate(plan["documents"]):
        links = d.get("link_to")
        links = [links] if isinstance(links, str) else links
        if links is not None and (not isinstance(links, list) or not all(isinstance(k, str) for k in links)):
            raise InvalidArgument("link_to must be a key or a list of keys", field=f"documents[{i}].link_to")
        for k in links or []:
            if k.strip() not in known:
                raise InvalidArgument(
                    f"documents[{i}].link_to names {k!r}, which no task or document of this "
                    "plan has as its key",
                    field=f"documents[{i}].link_to",
                )
    plan["edges"] = _list(data, "edges", MAX_EDGES)
    for i, e in enumerate(plan["edges"]):
        with _at(f"edges[{i}]"):
            fields.reject_unknown(e, EDGE_KEYS)
        for end in ("from", "to"):
            key = _key(e.get(end), f"edges[{i}].{end}")
            if key not in known and not (plan["project_id"] and _ID.fullmatch(key)):
                raise InvalidArgument(
                    f"edges[{i}].{end} names {key!r}, which no task or document of this plan has as its key",
                    field=f"edges[{i}].{end}",
                )
    return plan


def _layout(conn, project_id: str, plan: dict) -> dict[str, tuple[float, float]]:
    """Layered positions for tasks without x/y: by dependency depth, below whatever the canvas holds."""
    keys = [t["key"].strip() for t in plan["tasks"]]
    pre: dict[str, set[str]] = defaultdict(set)
    key_set = set(keys)
    for e in plan["edges"]:
        a, b = e["from"].strip(), e["to"].strip()
        label = e.get("label") or "depends_on"
        if a in key_set and b in key_set and label in DEPENDENCY_LABELS:
            p, d = graph.orient(label, a, b)
            pre[d].add(p)
    depth: dict[str, int] = {}
    remaining = list(keys)
    level = 0
    while remaining:
        layer = [k for k in remaining if all(p in depth for p in pre[k])]
        if not layer:  # a loop: the edge insert will refuse it; place the rest on one layer meanwhile
            layer = remaining
        for k in layer:
            depth[k] = level
        remaining = [k for k in remaining if k not in depth]
        level += 1
    top = conn.execute(
        select(func.max(tasks.c.y), func.count()).where(tasks.c.project_id == project_id)
    ).first()
    base = (float(top[0] or 0.0) + SPACING_Y) if top[1] else 0.0
    column: dict[int, int] = defaultdict(int)
    out = {}
    for k in keys:
        out[k] = (column[depth[k]] * SPACING_X, base + depth[k] * SPACING_Y)
        column[depth[k]] += 1
    return out


def scaffold_project_from_plan(db, actor: Actor, data: dict) -> dict:
    """One transaction: any error (a bad key, a cycle, an invalid field) writes nothing at all.

    Every task is checked before the transaction; tasks, their tags, search rows and edges are then written
    in batches (plan_bulk), with one audit row for the plan, as import does. An edge end may also name an
    existing task or document of the project by id, so agents add work linked to what is there.
    """
    actor.require_write("scaffolding a plan")
    plan = _validate(data)
    cleaned = []
    for i, t in enumerate(plan["tasks"]):
        with _at(f"tasks[{i}]"):
            cleaned.append(
                task_core.clean({**plan["goal"], **{k: v for k, v in t.items() if k != "key"}}, creating=True)
            )
    with db.write() as tx:
        conn = tx.conn
        if plan["project_id"] is not None:
            prow = projects.load(conn, actor, plan["project_id"])
            created = False
        else:
            if actor.project_ids is not None:
                raise Forbidden(
                    "this token is limited to specific projects and cannot create new ones; pass project_id",
                    permission="write",
                )
            new = projects.insert(
                tx, actor, {"name": data["name"], "description": data.get("description") or ""}
            )
            prow = projects.load(conn, actor, new["id"])
            created = True
        pid = prow.id
        positions = _layout(conn, pid, plan)
        for i, values in enumerate(cleaned):
            key = plan["tasks"][i]["key"].strip()
            values.setdefault("goal_id", prow.current_goal_id)
            values.setdefault("x", positions[key][0])
            values.setdefault("y", positions[key][1])
        for goal_id in sorted({v["goal_id"] for v in cleaned if v["goal_id"]}):
            at = next(i for i, v in enumerate(cleaned) if v["goal_id"] == goal_id)
            with _at(f"tasks[{at}]"):
                task_core.check_goal(conn, pid, goal_id)
        made_tasks = plan_bulk.insert_tasks(tx, pid, cleaned)
        key_to_id: dict[str, str] = {}
        types: dict[str, str] = {}
        for t, out in zip(plan["tasks"], made_tasks):
            key_to_id[t["key"].strip()], types[t["key"].strip()] = out["id"], "task"
        made_tasks = [{"key": t["key"].strip(), **out} for t, out in zip(plan["tasks"], made_tasks)]
        doc_ids = []
        for i, d in enumerate(plan["documents"]):
            with _at(f"documents[{i}]"):
                out = doc_core.insert(
                    tx, actor, pid, {k: d[k] for k in ("title", "body", "status_line") if k in d}
                )
            doc_ids.append(out["id"])
            if d.get("key") is not None:
                key_to_id[d["key"].strip()], types[d["key"].strip()] = out["id"], "document"
        made_edges = _edges(
            conn, pid, plan, key_to_id, types, {out["id"]: out["label"] for out in made_tasks}
        )
        for i, d in enumerate(plan["documents"]):
            links = d.get("link_to")
            links = [links] if isinstance(links, str) else links or []
            if links:
                with _at(f"documents[{i}].link_to"):
                    doc_core.set_links(tx, actor, pid, doc_ids[i], [key_to_id[k.strip()] for k in links])
        audit.record(
            tx,
            actor,
            "project.scaffold",
            project_id=pid,
            target_type="project",
            target_id=pid,
            detail={
                "tasks": len(made_tasks),
                "edges": len(made_edges),
                "documents": len(doc_ids),
                "created_project": created,
            },
        )
        tx.publish(pid, "resync")  # pages reload once instead of taking a thousand events
        documents = []
        for i, did in enumerate(doc_ids):
            doc = doc_core.detail(conn, did, verbose=False)
            key = plan["documents"][i].get("key")
            documents.append({"key": key.strip() if key else None, **doc})
        return {
            "project": projects.to_dict(projects.load(conn, actor, pid)),
            "created_project": created,
            "key_to_id": key_to_id,
            "tasks": made_tasks,
            "edges": made_edges,
            "documents": documents,
        }


def create_tasks(
    db,
    actor: Actor,
    project_id: str,
    tasks_in: list[dict],
    edges_in: list[dict] | None = None,
    *,
    goal_id: str | None = None,
) -> dict:
    """Add keyed tasks and their links to an existing project in one transaction (the scaffold's bulk path);
    an edge end is a key of this batch or the id of a task or document already in the project."""
    data: dict = {"project_id": project_id, "tasks": tasks_in, "edges": edges_in or []}
    if goal_id is not None:
        data["goal_id"] = goal_id
    return scaffold_project_from_plan(db, actor, data)


def _edges(conn, pid: str, plan: dict, key_to_id: dict, types: dict, labels: dict) -> list[dict]:
    """Resolve, clean, de-duplicate and cycle-check every edge, then write them in one batch."""
    existing = _existing_ends(conn, pid, plan, key_to_id)
    specs, seen, index_of = [], set(), []
    for i, e in enumerate(plan["edges"]):
        ends = {}
        for end in ("from", "to"):
            key = e[end].strip()
            ends[end] = (types[key], key_to_id[key]) if key in key_to_id else existing[key]
        raw = {
            "from_type": ends["from"][0],
            "from_id": ends["from"][1],
            "to_type": ends["to"][0],
            "to_id": ends["to"][1],
            **{k: e[k] for k in ("label", "style") if e.get(k) is not None},
        }
        with _at(f"edges[{i}]"):
            spec = edge_core.clean(raw)
        ident = (spec["from_type"], spec["from_id"], spec["to_type"], spec["to_id"], spec["label"])
        if ident in seen:
            continue
        seen.add(ident)
        specs.append(spec)
        index_of.append(i)
    if existing:
        specs, index_of = _drop_known(conn, pid, specs, index_of)
    try:
        plan_bulk.check_no_cycle(conn, pid, specs, labels, touches_existing=bool(existing))
    except Conflict as exc:
        at = index_of[exc.extra.pop("index")]
        with _at(f"edges[{at}]"):
            raise
    return plan_bulk.insert_edges(conn, pid, specs)


def _existing_ends(conn, pid: str, plan: dict, key_to_id: dict) -> dict[str, tuple[str, str]]:
    """Edge ends that are not keys of the plan: ids of tasks or documents already in the project."""
    wanted = {e[end].strip() for e in plan["edges"] for end in ("from", "to")} - set(key_to_id)
    if not wanted:
        return {}
    found: dict[str, tuple[str, str]] = {}
    for kind, table in (("task", tasks), ("document", documents)):
        for (rid,) in conn.execute(
            select(table.c.id).where(table.c.project_id == pid, table.c.id.in_(wanted))
        ):
            found[rid] = (kind, rid)
    for i, e in enumerate(plan["edges"]):
        for end in ("from", "to"):
            key = e[end].strip()
            if key not in key_to_id and key not in found:
                raise NotFound("task", key, field=f"edges[{i}].{end}")
    return found


def _drop_known(conn, pid: str, specs: list[dict], index_of: list[int]) -> tuple[list[dict], list[int]]:
    """Leave out links the project already has (creating an edge twice returns the first)."""
    keep, keep_at = [], []
    for spec, i in zip(specs, index_of):
        if edge_core.existing_id(conn, pid, spec) is None:
            keep.append(spec)
            keep_at.append(i)
    return keep, keep_at
