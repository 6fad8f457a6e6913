"""Read-only share links for one task or document: hashed token, expiry 24h/7d/never, revocable, Markdown."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Row, or_, select, update

from plandesk.core import audit, fields, secrets
from plandesk.core.actors import Actor
from plandesk.core.clock import iso, new_id, now
from plandesk.core.errors import Gone, InvalidArgument, NotFound
from plandesk.core.projects import load_item
from plandesk.core.vocab import SHARE_EXPIRIES, STATUS_LABELS
from plandesk.db.schema import documents, edges, projects, shares, tags, task_tags, tasks

PREFIX = "plandesk_share_"
TARGETS = ("task", "document")
_SPAN = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "never": None}
_TABLE = {"task": tasks, "document": documents}


def paths(raw: str) -> dict:
    return {"path": f"/share/{raw}", "markdown_path": f"/share/{raw}.md"}


def to_dict(row) -> dict:
    return {
        "id": row.id,
        "project_id": row.project_id,
        "target_type": row.target_type,
        "target_id": row.target_id,
        "expires_at": iso(row.expires_at),
        "revoked_at": iso(row.revoked_at),
        "created_at": iso(row.created_at),
        "state": secrets.state_of(row),
    }


def _load_target(conn, actor: Actor, target_type: str, target_id) -> Row[Any]:
    return load_item(conn, actor, _TABLE[target_type], target_id, what=target_type, field=f"{target_type}_id")


def create_share(db, actor: Actor, target_type: str, target_id: str, *, expires: str | None = None) -> dict:
    """Anyone holding the link reads the item without signing in, so creating one is a write."""
    actor.require_write("sharing an item")
    target_type = fields.choice("target_type", target_type, TARGETS, required=True)
    expires = fields.choice("expires", expires or "24h", SHARE_EXPIRIES, required=True)
    span = _SPAN[expires]
    raw = secrets.mint(PREFIX)
    with db.write() as tx:
        target = _load_target(tx.conn, actor, target_type, target_id)
        sid = new_id()
        ts = now()
        tx.conn.execute(
            shares.insert().values(
                id=sid,
                **audit.about(target_type, target),
                token_hash=secrets.digest(raw),
                expires_at=ts + span if span else None,
                created_by=actor.user_id,
                created_at=ts,
            )
        )
        audit.record_item(
            tx, actor, "share.create", target_type, target, detail={"share_id": sid, "expires": expires}
        )
        row = tx.conn.execute(select(shares).where(shares.c.id == sid)).first()
    return {**to_dict(row), "token": raw, **paths(raw)}


def share_one(db, actor: Actor, *, task_id=None, document_id=None, expires=None) -> dict:
    """The form agents use: exactly one of task_id or document_id."""
    if (task_id is None) == (document_id is None):
        raise InvalidArgument("pass exactly one of task_id or document_id", field="task_id")
    if task_id is not None:
        return create_share(db, actor, "task", task_id, expires=expires)
    return create_share(db, actor, "document", document_id, expires=expires)


def list_shares(db, actor: Actor, target_type: str, target_id: str) -> list[dict]:
    target_type = fields.choice("target_type", target_type, TARGETS, required=True)
    with db.read() as conn:
        target = _load_target(conn, actor, target_type, target_id)
        rows = conn.execute(
            select(shares)
            .where(shares.c.target_type == target_type, shares.c.target_id == target.id)
            .order_by(shares.c.created_at.desc())
        ).all()
    return [to_dict(r) for r in rows]


def revoke_share(db, actor: Actor, share_id: str) -> dict:
    actor.require_write("revoking a share link")
    with db.write() as tx:
        row = load_item(tx.conn, actor, shares, share_id, what="share", field="share_id")
        if row.revoked_at is None:
            tx.conn.execute(update(shares).where(shares.c.id == row.id).values(revoked_at=now()))
            audit.record(
                tx,
                actor,
                "share.revoke",
                project_id=row.project_id,
                target_type=row.target_type,
                target_id=row.target_id,
                detail={"share_id": row.id},
            )
        return to_dict(tx.conn.execute(select(shares).where(shares.c.id == row.id)).first())


def _resolve(conn, raw):
    row = secrets.lookup(conn, shares, raw, prefix=PREFIX)
    if row is None:
        raise NotFound("share link")
    state = secrets.state_of(row)
    if state != "active":
        raise Gone(f"this share link was {state}", reason=state)
    table = _TABLE[row.target_type]
    target = conn.execute(select(table).where(table.c.id == row.target_id)).first()
    if target is None:
        raise Gone(f"the shared {row.target_type} was deleted", reason="deleted")
    return row, target


def _task_view(conn, task) -> dict:
    from plandesk.core.graph import prerequisites

    tag_names = [
        n
        for (n,) in conn.execute(
            select(tags.c.name)
            .join(task_tags, task_tags.c.tag_id == tags.c.id)
            .where(task_tags.c.task_id == task.id)
            .order_by(tags.c.name)
        )
    ]
    pre = prerequisites(conn, task.project_id)
    before = pre.get(task.id, set())
    after = {d for d, ps in pre.items() if task.id in ps}
    status: dict = {}
    related = sorted(before | after)
    if related:
        status = {
            r.id: r
            for r in conn.execute(
                select(tasks.c.id, tasks.c.label, tasks.c.status).where(tasks.c.id.in_(related))
            ).all()
        }
    doc_ids = [
        r.from_id if r.from_type == "document" else r.to_id
        for r in conn.execute(
            select(edges.c.from_type, edges.c.from_id, edges.c.to_id).where(
                or_(
                    (edges.c.from_type == "task")
                    & (edges.c.from_id == task.id)
                    & (edges.c.to_type == "document"),
                    (edges.c.to_type == "task")
                    & (edges.c.to_id == task.id)
                    & (edges.c.from_type == "document"),
                )
            )
        )
    ]
    docs = (
        [t for (t,) in conn.execute(select(documents.c.title).where(documents.c.id.in_(doc_ids)))]
        if doc_ids
        else []
    )

    def line(tid: str) -> str:
        r = status[tid]
        return f"{r.label} ({STATUS_LABELS.get(r.status, r.status)})"

    meta = [("Status", STATUS_LABELS.get(task.status, task.status)), ("Kind", task.kind)]
    if task.priority:
        meta.append(("Priority", task.priority))
    if task.due_date:
        meta.append(("Due", task.due_date))
    if tag_names:
        meta.append(("Tags", ", ".join(tag_names)))
    return {
        "kind": "task",
        "title": task.label,
        "meta": meta,
        "body": task.description or "",
        "sections": [
            ("Waits on", [line(t) for t in sorted(before, key=lambda i: status[i].label)]),
            ("Unblocks", [line(t) for t in sorted(after, key=lambda i: status[i].label)]),
            ("Linked documents", sorted(docs)),
        ],
    }


def _document_view(document) -> dict:
    meta = [("Status", document.status_line)] if document.status_line else []
    return {
        "kind": "document",
        "title": document.title,
        "meta": meta,
        "body": document.body or "",
        "sections": [],
    }


def view(db, raw) -> dict:
    """What the clean page and the Markdown show: an allow-list of fields (no assignee, comments or runs)."""
    with db.read() as conn:
        share, target = _resolve(conn, raw)
        project = conn.execute(select(projects.c.name).where(projects.c.id == share.project_id)).scalar_one()
        out = _task_view(conn, target) if share.target_type == "task" else _document_view(target)
    out.update(project=project, expires_at=iso(share.expires_at), updated_at=iso(target.updated_at))
    return out


def to_markdown(v: dict) -> str:
    """Agent-ready Markdown: a heading, the facts as a list, the body, then the related items."""
    lines = [f"# {v['title']}", ""]
    lines += [f"- **{k}:** {val}" for k, val in [("Project", v["project"]), *v["meta"]]]
    lines += ["", v["body"].rstrip() or "_No description._", ""]
    for heading, items in v["sections"]:
        if items:
            lines += [f"## {heading}", "", *[f"- {i}" for i in items], ""]
    expiry = f"until {v['expires_at']}" if v["expires_at"] else "until revoked"
    lines += [
        "---",
        f"Shared read-only from Plan Desk ({v['kind']}, updated {v['updated_at']}; link valid {expiry}).",
    ]
    return "\n".join(lines) + "\n"


def markdown(db, raw) -> str:
    return to_markdown(view(db, raw))


def split_token(path_token: str) -> tuple[str, bool]:
    """`<token>.md` asks for Markdown; tokens never contain a dot, so the suffix is unambiguous."""
    if not isinstance(path_token, str):
        raise InvalidArgument("not a share link", field="token")
    if path_token.endswith(".md"):
        return path_token[:-3], True
    return path_token, False


def public_origin(settings, request_origin: str | None = None) -> tuple[str, str]:
    """(origin for links, reachable_from): base_url when set, else the origin the caller used."""
    if settings.base_url:
        return settings.base_url.rstrip("/"), "network"
    reach = "this_machine" if settings.is_loopback_bind else "network"
    if request_origin:
        return request_origin.rstrip("/"), reach
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
    host = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"http://{host}:{settings.port}", reach


def with_urls(share: dict, settings, request_origin: str | None = None) -> dict:
    origin, reach = public_origin(settings, request_origin)
    out = {k: v for k, v in share.items() if k not in ("path", "markdown_path", "token")}
    return {
        **out,
        "url": origin + share["path"],
        "markdown_url": origin + share["markdown_path"],
        "reachable_from": reach,
    }
