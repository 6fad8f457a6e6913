"""Import and export of one project as a versioned JSON document (format 2), reading format 1 as well."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote_plus

from sqlalchemy import JSON, Table, select

from plandesk.core import audit, vocab
from plandesk.core.actors import Actor
from plandesk.core.clock import new_id, now
from plandesk.core.errors import Forbidden, InvalidArgument
from plandesk.core.portability_checks import UUID, check_rows, clean_rows, topo_order
from plandesk.db import schema, search

FORMAT = "plandesk-export"
VERSION = 2
IMPORT_ACTION = "project.import"
SECRET_KEYS = re.compile(r"(password|passwd|secret|token|api_key|private_key)", re.IGNORECASE)
_URL = re.compile(r"^[a-z][a-z0-9+.\-]*://", re.IGNORECASE)
_URL_PASSWORD = re.compile(r"^([a-z][a-z0-9+.\-]*://[^:/@\s]*):[^@\s]*@", re.IGNORECASE)

Progress = Callable[[str, int, int], None]  # (what, done, total)


@dataclass(frozen=True)
class Part:
    """One table as it travels in the file: which columns, what they point at, which values are allowed."""

    key: str
    table: Table
    omit: tuple[str, ...] = ("project_id",)  # implied by the file: everything belongs to its one project
    refs: dict[str, str] = field(default_factory=dict)  # column -> part it must point into
    typed_refs: dict[str, str] = field(default_factory=dict)  # column -> type column (task|document...)
    loose_refs: dict[str, str | None] = field(default_factory=dict)  # may point at rows the file lacks
    enums: dict[str, tuple[str, ...]] = field(default_factory=dict)
    order: tuple[str, ...] = ("created_at", "id")
    json_ids: tuple[str, ...] = ()  # JSON columns whose strings may hold ids of this project

    @property
    def columns(self) -> list:
        return [c for c in self.table.columns if c.name not in self.omit]


def _join_part(key: str, table: Table, **refs: str) -> Part:
    """A join table: two ids, each pointing into a part, and nothing else (no project_id, no time), so its
    rows travel in the order of those two columns."""
    return Part(key, table, omit=(), refs=refs, order=tuple(refs))


PARTS: tuple[Part, ...] = (
    Part("goals", schema.goals, enums={"status": vocab.GOAL_STATUSES}),
    # waiting_count is derived: the database recounts it from the edges as they land.
    Part(
        "tasks",
        schema.tasks,
        omit=("project_id", "waiting_count"),
        refs={"goal_id": "goals"},
        enums={"status": vocab.TASK_STATUSES, "kind": vocab.TASK_KINDS, "priority": vocab.PRIORITIES},
    ),
    Part("tags", schema.tags),
    _join_part("task_tags", schema.task_tags, task_id="tasks", tag_id="tags"),
    Part("folders", schema.folders, refs={"parent_id": "folders"}),
    Part("documents", schema.documents, refs={"parent_id": "documents", "folder_id": "folders"}),
    Part(
        "edges",
        schema.edges,
        typed_refs={"from_id": "from_type", "to_id": "to_type"},
        enums={
            "from_type": vocab.EDGE_ENDPOINT_TYPES,
            "to_type": vocab.EDGE_ENDPOINT_TYPES,
            "label": vocab.EDGE_LABELS,
            "style": vocab.EDGE_STYLES,
            "arrow_direction": vocab.ARROW_DIRECTIONS,
        },
    ),
    Part("notes", schema.notes),
    Part(
        "comments",
        schema.comments,
        loose_refs={"target_id": "target_type"},
        enums={"target_type": vocab.COMMENT_TARGETS},
    ),
    Part(
        "revisions",
        schema.revisions,
        loose_refs={"target_id": "target_type"},
        enums={"target_type": vocab.REVISION_TARGETS},
        json_ids=("snapshot",),
    ),
    Part("agent_runs", schema.agent_runs, enums={"status": vocab.RUN_STATUSES}, order=("started_at", "id")),
    _join_part("agent_run_tasks", schema.agent_run_tasks, run_id="agent_runs", task_id="tasks"),
    Part(
        "agent_run_events",
        schema.agent_run_events,
        omit=(),
        refs={"run_id": "agent_runs"},
        enums={"kind": vocab.RUN_EVENT_KINDS},
        json_ids=("data",),
    ),
    Part("connector_configs", schema.connector_configs, order=("updated_at",)),
    # The log's integer ids are the importing database's to give; file order is log order.
    Part(
        "audit_log",
        schema.audit_log,
        omit=("id", "project_id"),
        loose_refs={"target_id": "target_type", "run_id": None},
        order=("id",),
        json_ids=("detail",),
    ),
)
PART = {p.key: p for p in PARTS}
TYPE_PART = {
    "task": "tasks",
    "document": "documents",
    "note": "notes",
    "goal": "goals",
    "edge": "edges",
    "folder": "folders",
    "comment": "comments",
    "tag": "tags",
    "run": "agent_runs",
    "agent_run": "agent_runs",
    "revision": "revisions",
}
SEARCHED = {
    "tasks": ("task", "label", "description"),
    "documents": ("document", "title", "body"),
    "notes": ("note", "title", "body"),
}
PROJECT_COLUMNS = [c for c in schema.projects.columns]
TOP_LEVEL = {"format", "version", "exported_at", "project", *PART}


# ---------------------------------------------------------------- export


def export_project(db, actor: Actor, project_id: str, progress: Progress | None = None) -> dict:
    """Every row of every table that hangs off the project, secrets left out, as one JSON-ready dict."""
    from plandesk.core import projects

    doc: dict[str, Any] = {"format": FORMAT, "version": VERSION, "exported_at": _iso(now())}
    with db.read() as conn:
        prow = projects.load(conn, actor, project_id)
        doc["project"] = {c.name: _out(c, getattr(prow, c.name)) for c in PROJECT_COLUMNS}
        run_ids = select(schema.agent_runs.c.id).where(schema.agent_runs.c.project_id == prow.id)
        task_ids = select(schema.tasks.c.id).where(schema.tasks.c.project_id == prow.id)
        for n, part in enumerate(PARTS):
            t = part.table
            if part.key == "task_tags":
                where = t.c.task_id.in_(task_ids)
            elif part.key in ("agent_run_tasks", "agent_run_events"):
                where = t.c.run_id.in_(run_ids)
            elif part.key == "audit_log":
                # An import's own entry describes making this copy; each copy records its own.
                where = (t.c.project_id == prow.id) & (t.c.action != IMPORT_ACTION)
            else:
                where = t.c.project_id == prow.id
            if part.key == "connector_configs" and actor.role not in ("owner", "admin"):
                doc[part.key] = []  # code roots, recipes and database hosts are for owners and admins
                continue
            rows = conn.execute(
                select(*part.columns).where(where).order_by(*[t.c[name] for name in part.order])
            ).all()
            doc[part.key] = [{c.name: _out(c, getattr(r, c.name)) for c in part.columns} for r in rows]
            if part.key == "connector_configs":
                for row in doc[part.key]:
                    row["config"] = without_secrets(row["config"])
            if progress:
                progress(part.key, n + 1, len(PARTS))
    return doc


def without_secrets(value: Any) -> Any:
    """Drop passwords from URLs and values under secret-sounding keys, at any depth."""
    if isinstance(value, dict):
        return {
            k: without_secrets(v)
            for k, v in value.items()
            if not (SECRET_KEYS.search(str(k)) and isinstance(v, str) and v)
        }
    if isinstance(value, list):
        return [without_secrets(v) for v in value]
    if isinstance(value, str):
        return _without_query_secrets(_URL_PASSWORD.sub(r"\1@", value))
    return value


def _without_query_secrets(value: str) -> str:
    """A URL's secret-named query parameters (`?password=`, `sslpassword`, `passfile`, ...) and its fragment left
    out, like the password of its user info; names are judged decoded, as drivers read them (connector_config)."""
    if not _URL.match(value) or ("?" not in value and "#" not in value):
        return value
    from plandesk.core.connector_config import SECRET_PARAM

    head, _, query = value.partition("#")[0].partition("?")
    kept = [p for p in query.split("&") if p and not SECRET_PARAM.search(unquote_plus(p.partition("=")[0]))]
    return head + ("?" + "&".join(kept) if kept else "")


def _iso(value: datetime) -> str:
    if value.tzinfo is None:  # SQLite hands back naive datetimes; we only ever store UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _out(col, value: Any) -> Any:
    return _iso(value) if isinstance(value, datetime) else value


# ---------------------------------------------------------------- import


def parse_export(raw: bytes | str) -> dict:
    """The bytes of an export file as a dict, or a clear error naming where the JSON breaks."""
    try:
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw  # editors on Windows add a BOM
        data = json.loads(text)
    except UnicodeDecodeError:
        raise InvalidArgument("the file is not UTF-8 text, so it is not a Plan Desk export") from None
    except json.JSONDecodeError as exc:
        raise InvalidArgument(
            f"the file is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except RecursionError:
        raise InvalidArgument("the file's JSON is nested too deeply to be a Plan Desk export") from None
    if not isinstance(data, dict):
        raise InvalidArgument("the file holds JSON but not an object; a Plan Desk export is an object")
    return data


def import_project(db, actor: Actor, data: Any, progress: Progress | None = None) -> dict:
    """Validate the whole document first, then write it as a new project in one transaction."""
    actor.require_write("importing a project")
    if actor.project_ids is not None:
        raise Forbidden(
            "this token is limited to specific projects and cannot create new ones", permission="write"
        )
    source = _detect(data)
    if source == "v1":
        from plandesk.core.portability_v1 import convert

        data = convert(data)
    plan = validate(data)
    if progress:
        progress("validated", 0, plan.total)
    return _write(db, actor, plan, source, progress)


def _detect(data: Any) -> str:
    if not isinstance(data, dict):
        raise InvalidArgument("an export is a JSON object")
    if data.get("version") == "plandesk-export-v1":
        return "v1"
    if data.get("format") != FORMAT:
        raise InvalidArgument(
            f'format: not a Plan Desk export (expected "format": "{FORMAT}" or '
            '"version": "plandesk-export-v1")',
            field="format",
        )
    if data.get("version") != VERSION:
        raise InvalidArgument(
            f"version: unsupported version {data.get('version')!r}; this Plan Desk reads "
            f"version {VERSION} and plandesk-export-v1",
            field="version",
        )
    return "v2"


@dataclass
class Plan:
    project: dict
    rows: dict[str, list[dict]]
    total: int = 0


def validate(data: dict) -> Plan:
    """Check versions, fields, enums and every reference; returns the rows ready to remap and write."""
    unknown = sorted(set(data) - TOP_LEVEL)
    if unknown:
        raise InvalidArgument(f"{unknown[0]}: not part of format {VERSION}", field=unknown[0])
    if not isinstance(data.get("project"), dict):
        raise InvalidArgument("project: required, an object", field="project")
    [project] = clean_rows("project", [data["project"]], PROJECT_COLUMNS)
    rows: dict[str, list[dict]] = {}
    for part in PARTS:
        raw = data.get(part.key, [])
        if not isinstance(raw, list):
            raise InvalidArgument(f"{part.key}: must be a list", field=part.key)
        rows[part.key] = clean_rows(part.key, raw, part.columns)
        for col, allowed in part.enums.items():
            for i, row in enumerate(rows[part.key]):
                if row[col] is not None and row[col] not in allowed:
                    raise InvalidArgument(
                        f"{part.key}[{i}].{col}: must be one of {', '.join(allowed)} (got {row[col]!r})",
                        field=f"{part.key}[{i}].{col}",
                    )
    check_rows(PARTS, TYPE_PART, project, rows)
    return Plan(project, rows, sum(len(v) for v in rows.values()))


# ---------------------------------------------------------------- write


class _Ids:
    """Old id -> new id. New ids sort like the old ones, so exports list rows in the same order."""

    def __init__(self) -> None:
        self.known: dict[str, str] = {}

    def assign(self, old_ids: list[str]) -> None:
        fresh = sorted(new_id() for _ in old_ids)
        self.known.update(zip(sorted(old_ids), fresh))

    def loose(self, old: str | None) -> str | None:
        """A row the file no longer holds (a deleted task's revisions): one new id, the same everywhere."""
        if old is None:
            return None
        if old not in self.known:
            self.known[old] = new_id()
        return self.known[old]

    def deep(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.known.get(value, value)
        if isinstance(value, list):
            return [self.deep(v) for v in value]
        if isinstance(value, dict):
            return {k: self.deep(v) for k, v in value.items()}
        return value


def _write(db, actor: Actor, plan: Plan, source: str, progress: Progress | None) -> dict:
    ids = _Ids()
    pid = new_id()
    ids.known[plan.project["id"]] = pid
    for part in PARTS:
        if "id" in part.table.c and "id" not in part.omit:
            ids.assign([r["id"] for r in plan.rows[part.key]])
    # Loose references first, so JSON snapshots that name the same rows get the same new ids.
    for part in PARTS:
        for row in plan.rows[part.key]:
            for col in part.loose_refs:
                row[col] = ids.loose(row[col]) if row[col] is None or UUID.match(str(row[col])) else row[col]
    project = dict(plan.project, id=pid, current_goal_id=ids.known.get(plan.project["current_goal_id"]))
    counts: dict[str, int] = {}
    done = 0
    with db.write() as tx:
        conn = tx.conn
        conn.execute(schema.projects.insert().values(**project))
        for part in PARTS:
            rows = [_remapped(part, row, ids, pid) for row in plan.rows[part.key]]
            if part.key in ("folders", "documents"):
                rows = topo_order(rows, "parent_id")
            if part.key == "connector_configs":
                # An imported plan must not switch on code execution here: an owner reviews it first.
                rows = [dict(r, config=_disabled(r["config"])) for r in rows]
            for batch in range(0, len(rows), 2000):
                insert_rows(conn, part.table, rows[batch : batch + 2000])
                done += len(rows[batch : batch + 2000])
                if progress:
                    progress(part.key, done, plan.total)
            counts[part.key] = len(rows)
            if part.key in SEARCHED:
                kind, title, body = SEARCHED[part.key]
                search.index_many(conn, [(kind, r["id"], pid, r[title], r[body]) for r in rows])
            elif part.key == "comments":
                search.index_many(
                    conn, [("comment", r["id"], pid, r["passage"] or "", r["body"]) for r in rows]
                )
        audit.record(
            tx,
            actor,
            IMPORT_ACTION,
            project_id=pid,
            target_type="project",
            target_id=pid,
            detail={"source": source, "name": project["name"], "counts": counts},
        )
        tx.publish(pid, "project.imported", id=pid)
    return {"project_id": pid, "name": project["name"], "counts": counts}


def _remapped(part: Part, row: dict, ids: _Ids, pid: str) -> dict:
    out = dict(row)
    if "project_id" in part.table.c and "project_id" in part.omit:
        out["project_id"] = pid
    if "id" in out:
        out["id"] = ids.known[out["id"]]
    for col in (*part.refs, *part.typed_refs):
        if out[col] is not None:
            out[col] = ids.known[out[col]]
    for col in part.json_ids:
        out[col] = ids.deep(out[col])
    return out


def insert_rows(conn, table: Table, rows: list[dict]) -> None:
    """Many rows at once: COPY on PostgreSQL (a pipelined INSERT per row costs 5-10x more), else executemany."""
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        conn.execute(table.insert(), rows)
        return
    names = list(rows[0])
    as_json = {c.name for c in table.columns if isinstance(c.type, JSON)}
    columns = ", ".join(f'"{n}"' for n in names)
    raw = conn.connection.driver_connection  # the same connection, so the same transaction
    with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(
                [json.dumps(row[n]) if n in as_json and row[n] is not None else row[n] for n in names]
            )


def _disabled(config: Any) -> Any:
    return dict(config, enabled=False) if isinstance(config, dict) and "enabled" in config else config
