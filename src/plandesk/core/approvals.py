"""Approvals: an agent's gated call waits as pending until a person approves or denies it; used once."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import and_, func, select, update

from plandesk.core import audit, fields
from plandesk.core.actors import Actor
from plandesk.core.clock import aware, iso, new_id, now
from plandesk.core.errors import Conflict, Forbidden, InvalidArgument, NotFound, PendingApproval
from plandesk.core.projects import load_item
from plandesk.core.vocab import CONNECTOR_OPERATIONS
from plandesk.db.engine import Tx
from plandesk.db.schema import approvals, projects, users

# "failed": spent by a call that then failed; it cannot be used again, and is not shown as used.
STATUSES = ("pending", "approved", "denied", "used", "failed", "expired")
TTL = timedelta(hours=24)
MAX_SUMMARY = 2000


def link_for(approval_id: str) -> str:
    return f"/settings/approvals/{approval_id}"


def _status(row) -> str:
    if row.status in ("pending", "approved") and aware(row.created_at) + TTL <= now():
        return "expired"
    return row.status


def to_dict(row, *, project_name: str | None = None, requester: str | None = None) -> dict:
    return {
        "id": row.id,
        "project_id": row.project_id,
        "project_name": project_name,
        "user_id": row.user_id,
        "requested_by": requester,
        "token_id": row.token_id,
        "operation": row.operation,
        "tool": row.tool,
        "args_digest": row.args_digest,
        "summary": row.summary or "",
        "status": _status(row),
        "decided_by": row.decided_by,
        "created_at": iso(row.created_at),
        "decided_at": iso(row.decided_at),
        "expires_at": iso(aware(row.created_at) + TTL),
        "link": link_for(row.id),
    }


def _check_digest(value: str) -> str:
    if not isinstance(value, str) or len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
        raise InvalidArgument("args_digest must be a SHA-256 hex digest", field="args_digest")
    return value


def _record(tx: Tx, actor: Actor, verb: str, project_id: str | None, approval_id: str, detail: dict) -> None:
    audit.record(
        tx,
        actor,
        f"approval.{verb}",
        project_id=project_id,
        target_type="approval",
        target_id=approval_id,
        detail=detail,
    )


def _move(tx: Tx, approval_id: str, before: str, values: dict, lost: str) -> None:
    """Compare-and-set the approval out of status `before`: of two writers one wins, the other gets
    Conflict ("approval <id> <lost>") and writes nothing."""
    won = tx.conn.execute(
        update(approvals)
        .where(and_(approvals.c.id == approval_id, approvals.c.status == before))
        .values(**values)
    ).rowcount
    if won != 1:
        raise Conflict(f"approval {approval_id} {lost}", field="approval_id")


def request_approval(
    db,
    actor: Actor,
    *,
    project_id: str,
    operation: str,
    tool: str,
    args_digest: str,
    summary: str,
    covers: str | None = None,
) -> dict:
    """Record a pending approval and answer with PendingApproval carrying its id and link."""
    fields.choice("operation", operation, CONNECTOR_OPERATIONS, required=True)
    _check_digest(args_digest)
    aid = new_id()
    with db.write() as tx:
        tx.conn.execute(
            approvals.insert().values(
                id=aid,
                project_id=project_id,
                user_id=actor.user_id,
                token_id=actor.token_id,
                operation=operation,
                tool=tool[:64],
                args_digest=args_digest,
                summary=(summary or "")[:MAX_SUMMARY],
                status="pending",
                created_at=now(),
            )
        )
        detail = {"operation": operation, "tool": tool, **({"commit": covers} if covers else {})}
        _record(tx, actor, "request", project_id, aid, detail)
        tx.publish(project_id, "approval.requested", id=aid, operation=operation)
    raise PendingApproval(
        f"{operation} needs a person's approval. Ask them to open {link_for(aid)} (or "
        f"/projects/{project_id}/approvals), then call {tool} again with the same arguments "
        f"and approval_id={aid}",
        approval_id=aid,
        link=link_for(aid),
        operation=operation,
    )


def consume_approval(
    db,
    actor: Actor,
    approval_id,
    *,
    project_id: str,
    operation: str,
    tool: str,
    args_digest: str,
    covers: str | None = None,
) -> dict:
    """Spend an approved approval on exactly the call it was given for; one use, compare-and-set."""
    approval_id = fields.ident("approval_id", approval_id)
    _check_digest(args_digest)
    with db.write() as tx:
        row = tx.conn.execute(select(approvals).where(approvals.c.id == approval_id)).first()
        if row is None or row.user_id != actor.user_id or row.project_id != project_id:
            raise NotFound("approval", approval_id, field="approval_id")
        if covers and row.tool == tool and row.args_digest != args_digest:
            approved = _covered_commit(row.summary)
            if approved and approved != covers:
                raise Forbidden(
                    f"approval {approval_id} covers commit {approved[:12]}; the branch is now at "
                    f"{covers[:12]}. Ask for a new approval for this commit",
                    permission=operation,
                    field="approval_id",
                    approved_commit=approved,
                    current_commit=covers,
                )
        if row.tool != tool or row.operation != operation or row.args_digest != args_digest:
            raise Forbidden(
                f"approval {approval_id} was given for a different call ({row.tool}, other arguments); "
                "repeat the exact call it was requested for",
                permission=operation,
                field="approval_id",
            )
        status = _status(row)
        if status == "pending":
            raise PendingApproval(
                f"approval {approval_id} is still waiting for a person; ask them to open "
                f"{link_for(approval_id)}",
                approval_id=approval_id,
                link=link_for(approval_id),
                operation=operation,
            )
        if status == "denied":
            raise Forbidden(f"approval {approval_id} was denied", permission=operation, field="approval_id")
        if status in ("used", "failed"):
            raise Conflict(
                f"approval {approval_id} was already used; an approval covers one call", field="approval_id"
            )
        if status == "expired":
            raise Forbidden(
                f"approval {approval_id} has expired; call again without approval_id for a new one",
                permission=operation,
                field="approval_id",
            )
        _move(
            tx, approval_id, "approved", {"status": "used"}, "was already used; an approval covers one call"
        )
        _record(tx, actor, "use", project_id, approval_id, {"operation": operation, "tool": tool})
    return {"id": approval_id, "status": "used"}


def mark_failed(db, actor: Actor, approval_id: str) -> None:
    """The call that spent this approval failed: record that, so the approval never reads as used."""
    with db.write() as tx:
        row = tx.conn.execute(
            select(approvals.c.project_id, approvals.c.operation, approvals.c.tool).where(
                approvals.c.id == approval_id, approvals.c.status == "used"
            )
        ).first()
        if row is None:
            return
        tx.conn.execute(
            update(approvals)
            .where(and_(approvals.c.id == approval_id, approvals.c.status == "used"))
            .values(status="failed")
        )
        _record(
            tx, actor, "fail", row.project_id, approval_id, {"operation": row.operation, "tool": row.tool}
        )


def _covered_commit(summary: str | None) -> str | None:
    """The commit a push approval was given for, as its summary recorded it."""
    m = re.search(r"\bcommit ([0-9a-f]{40,64})\b", summary or "")
    return m.group(1) if m else None


def _query(actor: Actor):
    q = (
        select(approvals, projects.c.name.label("project_name"), users.c.name.label("requester"))
        .join(projects, projects.c.id == approvals.c.project_id)
        .outerjoin(users, users.c.id == approvals.c.user_id)
    )
    if actor.project_ids is not None:
        q = q.where(approvals.c.project_id.in_(sorted(actor.project_ids)))
    if actor.token_id is not None:
        # An agent may follow its own requests, nothing more.
        q = q.where(approvals.c.user_id == actor.user_id)
    return q


def list_approvals(
    db, actor: Actor, *, project_id: str | None = None, status: str | None = None, limit: int = 100
) -> list[dict]:
    fields.choice("status", status, STATUSES)
    limit = int(fields.number("limit", limit, minimum=1, maximum=500, integer=True) or 100)
    q = _query(actor)
    if project_id is not None:
        project_id = fields.ident("project_id", project_id)
        actor.require_visible(project_id)
        q = q.where(approvals.c.project_id == project_id)
    if status in ("pending", "approved"):
        q = q.where(approvals.c.status == status, approvals.c.created_at > now() - TTL)
    elif status == "expired":
        q = q.where(approvals.c.status.in_(("pending", "approved")), approvals.c.created_at <= now() - TTL)
    elif status:
        q = q.where(approvals.c.status == status)
    with db.read() as conn:
        rows = conn.execute(q.order_by(approvals.c.created_at.desc()).limit(limit)).all()
    return [to_dict(r, project_name=r.project_name, requester=r.requester) for r in rows]


def pending_count(db, actor: Actor) -> int:
    """How many requests wait for a decision that this person can see (the settings navigation shows it)."""
    q = select(func.count()).select_from(
        _query(actor).where(approvals.c.status == "pending", approvals.c.created_at > now() - TTL).subquery()
    )
    with db.read() as conn:
        return int(conn.execute(q).scalar() or 0)


def get_approval(db, actor: Actor, approval_id: str) -> dict:
    approval_id = fields.ident("approval_id", approval_id)
    with db.read() as conn:
        row = conn.execute(_query(actor).where(approvals.c.id == approval_id)).first()
    if row is None:
        raise NotFound("approval", approval_id)
    return to_dict(row, project_name=row.project_name, requester=row.requester)


def decide_approval(db, actor: Actor, approval_id: str, *, approve: bool) -> dict:
    """A person decides: owners and admins any request, a member only their own agents' requests."""
    if actor.token_id is not None:
        raise Forbidden(
            "approvals are given by a person in the Plan Desk UI; a token cannot approve or deny",
            permission="approve",
        )
    approval_id = fields.ident("approval_id", approval_id)
    with db.write() as tx:
        row = load_item(tx.conn, actor, approvals, approval_id, what="approval", field="approval_id")
        if actor.role not in ("owner", "admin") and not (
            actor.role == "member" and row.user_id == actor.user_id
        ):
            raise Forbidden(
                "only an owner or admin, or the member whose agent asked, can decide this approval",
                permission="approve",
            )
        if _status(row) != "pending":
            raise Conflict(f"approval {approval_id} is already {_status(row)}", field="approval_id")
        decision = "approved" if approve else "denied"
        _move(
            tx,
            approval_id,
            "pending",
            {"status": decision, "decided_by": actor.user_id, "decided_at": now()},
            "was decided by someone else a moment ago",
        )
        verb = "approve" if approve else "deny"
        _record(tx, actor, verb, row.project_id, approval_id, {"operation": row.operation, "tool": row.tool})
        tx.publish(row.project_id, "approval.decided", id=approval_id, status=decision)
    return get_approval(db, actor, approval_id)
