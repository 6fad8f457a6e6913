"""Goals: a contract (objective, verification surface, limits) whose completion is checked against evidence."""

from __future__ import annotations

from typing import Unpack

from sqlalchemy import func, select

from plandesk.core import audit, fields, graph, projects
from plandesk.core import tasks as task_core
from plandesk.core.actors import Actor
from plandesk.core.clock import iso, new_id, now
from plandesk.core.errors import Conflict, InvalidArgument
from plandesk.core.paging import Page, PageArgs, page
from plandesk.core.vocab import MAX_LABEL, MAX_NAME, TASK_STATUSES, VERIFICATION_SURFACES
from plandesk.db.engine import Tx
from plandesk.db.schema import goals, tasks
from plandesk.db.schema import projects as project_table

CONTRACT_TEXT = ("constraints", "boundaries", "iteration_policy", "stop_condition", "budget")
EDITABLE = ("name", "objective", "verification_surface") + CONTRACT_TEXT
MAX_TEXT = 20_000
MAX_CHECKLIST = 100
REMEDIATION_PREFIX = "Fix acceptance failure: "


def to_dict(r, *, current_goal_id: str | None = None) -> dict:
    return {
        "id": r.id,
        "project_id": r.project_id,
        "name": r.name,
        "objective": r.objective,
        "status": r.status,
        "verification_surface": r.verification_surface,
        "constraints": r.constraints,
        "boundaries": r.boundaries,
        "iteration_policy": r.iteration_policy,
        "stop_condition": r.stop_condition,
        "budget": r.budget,
        "last_verification": r.last_verification,
        "is_current": r.id == current_goal_id,
        "version": r.version,
        "created_at": iso(r.created_at),
        "updated_at": iso(r.updated_at),
    }


def _only(value: dict, allowed: tuple, prefix: str) -> None:
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        raise InvalidArgument(f"unknown field {prefix}{unknown[0]!r}", field=f"{prefix}{unknown[0]}")


def clean_surface(value, previous: dict | None = None) -> dict | None:
    """Validate a verification surface; checklist items get server-assigned ids that stay stable."""
    if value is None:
        return None
    f = "verification_surface"
    if not isinstance(value, dict):
        raise InvalidArgument(f"{f} must be an object with a kind", field=f)
    kind = fields.choice(f"{f}.kind", value.get("kind"), VERIFICATION_SURFACES, required=True)
    if kind == "gate_command":
        _only(value, ("kind", "command"), f"{f}.")
        return {
            "kind": kind,
            "command": fields.required_text(f"{f}.command", value.get("command"), max_len=2000, strip=True),
        }
    if kind == "human_sign_off":
        _only(value, ("kind", "approver"), f"{f}.")
        approver = fields.text(f"{f}.approver", value.get("approver"), max_len=MAX_NAME, strip=True)
        return {"kind": kind, **({"approver": approver} if approver else {})}
    _only(value, ("kind", "items"), f"{f}.")
    items = value.get("items")
    if not isinstance(items, list) or not items or len(items) > MAX_CHECKLIST:
        raise InvalidArgument(f"{f}.items must list 1 to {MAX_CHECKLIST} criteria", field=f"{f}.items")
    before = {i["criterion"]: i["id"] for i in (previous or {}).get("items", [])}
    known_ids = set(before.values())
    out: list[dict] = []
    used: set[str] = set()
    for n, item in enumerate(items):
        where = f"{f}.items[{n}]"
        if isinstance(item, str):
            item = {"criterion": item}
        if not isinstance(item, dict):
            raise InvalidArgument(f"{where} must be an object with a criterion", field=where)
        _only(item, ("id", "criterion"), f"{where}.")
        criterion = fields.required_text(
            f"{where}.criterion", item.get("criterion"), max_len=2000, strip=True
        )
        if any(o["criterion"] == criterion for o in out):
            raise InvalidArgument(
                f"{where}.criterion repeats an earlier criterion", field=f"{where}.criterion"
            )
        item_id = item.get("id")
        if item_id is not None and (not isinstance(item_id, str) or item_id not in known_ids):
            raise InvalidArgument(
                f"{where}.id {item_id!r} is not an id of this checklist; leave it out and the "
                "server assigns one",
                field=f"{where}.id",
            )
        item_id = item_id or before.get(criterion) or "c-" + new_id()[:8]
        if item_id in used:
            raise InvalidArgument(f"{where}.id is used twice", field=f"{where}.id")
        used.add(item_id)
        out.append({"id": item_id, "criterion": criterion})
    return {"kind": kind, "items": out}


def _clean(data: dict, *, creating: bool, previous_surface: dict | None = None) -> dict:
    if not isinstance(data, dict):
        raise InvalidArgument("the goal must be an object", field="data")
    if not creating and "status" in data:
        raise InvalidArgument(
            "status is not writable here; use pause_goal, resume_goal or complete_goal", field="status"
        )
    fields.reject_unknown(data, EDITABLE + (("status",) if creating else ("version",)))
    out: dict = {}
    if "name" in data:
        out["name"] = fields.text("name", data["name"], max_len=MAX_NAME, strip=True) or None
    if creating or "objective" in data:
        out["objective"] = fields.required_text(
            "objective", data.get("objective"), max_len=MAX_TEXT, strip=True
        )
    if "verification_surface" in data:
        out["verification_surface"] = clean_surface(data["verification_surface"], previous_surface)
    for key in CONTRACT_TEXT:
        if key in data:
            out[key] = fields.text(key, data[key], max_len=MAX_TEXT) or None
    if creating:
        out["status"] = fields.choice(
            "status", data.get("status") or "active", ("active", "paused"), required=True
        )
    return out


def load(conn, actor: Actor, goal_id: str, *, for_update: bool = False):
    return projects.load_item(
        conn, actor, goals, goal_id, what="goal", field="goal_id", for_update=for_update
    )


def _check_name(conn, project_id: str, name: str | None, goal_id: str | None) -> None:
    if (
        name
        and conn.execute(
            select(goals.c.id).where(
                goals.c.project_id == project_id, goals.c.name == name, goals.c.id != (goal_id or "")
            )
        ).first()
        is not None
    ):
        raise Conflict(f"this project already has a goal named {name!r}", field="name")


def _task_counts(conn, goal_ids: list[str]) -> dict[str, dict]:
    out = {g: {s: 0 for s in TASK_STATUSES} | {"total": 0} for g in goal_ids}
    if goal_ids:
        for gid, status, n in conn.execute(
            select(tasks.c.goal_id, tasks.c.status, func.count())
            .where(tasks.c.goal_id.in_(goal_ids))
            .group_by(tasks.c.goal_id, tasks.c.status)
        ):
            out[gid][status] = n
            out[gid]["total"] += n
    return out


def _cycles(conn, row) -> list[list[str]]:
    ids = set(conn.execute(select(tasks.c.id).where(tasks.c.goal_id == row.id)).scalars())
    pre = graph.prerequisites(conn, row.project_id)
    return graph.find_cycles({k: {p for p in v if p in ids} for k, v in pre.items() if k in ids})


def _detail(conn, row) -> dict:
    out = to_dict(
        row,
        current_goal_id=conn.execute(
            select(project_table.c.current_goal_id).where(project_table.c.id == row.project_id)
        ).scalar(),
    )
    out["task_counts"] = _task_counts(conn, [row.id])[row.id]
    cycles = _cycles(conn, row)
    labels = (
        dict(
            conn.execute(
                select(tasks.c.id, tasks.c.label).where(tasks.c.id.in_([t for c in cycles for t in c]))
            ).all()
        )
        if cycles
        else {}
    )
    out["cycles"] = cycles
    out["cycle_tasks"] = [{"id": t, "label": labels.get(t)} for t in sorted({t for c in cycles for t in c})]
    return out


def _event_view(goal: dict) -> dict:
    # Objectives and contracts can be long; pages re-read the goal, events stay NOTIFY-sized.
    return {
        "id": goal["id"],
        "project_id": goal["project_id"],
        "name": goal["name"],
        "status": goal["status"],
        "objective": goal["objective"][:200],
        "version": goal["version"],
    }


def _write(tx: Tx, actor: Actor, row, values: dict, action: str, *, changed: list[str] | None = None) -> dict:
    conn = tx.conn
    changed = changed if changed is not None else sorted(k for k, v in values.items() if getattr(row, k) != v)
    if not changed:
        return _detail(conn, row)
    projects.update_item(conn, goals, row, {k: values[k] for k in changed}, what="goal")
    audit.record_item(tx, actor, action, "goal", row, changed_fields=changed)
    out = _detail(conn, conn.execute(select(goals).where(goals.c.id == row.id)).first())
    tx.publish(row.project_id, "goal.updated", goal=_event_view(out), changed=changed)
    return out


def create_goal(db, actor: Actor, project_id: str, data: dict) -> dict:
    actor.require_write("creating a goal")
    values = _clean(data, creating=True)
    with db.write() as tx:
        prow = projects.load(tx.conn, actor, project_id)
        _check_name(tx.conn, prow.id, values.get("name"), None)
        gid, ts = new_id(), now()
        tx.conn.execute(
            goals.insert().values(
                id=gid, project_id=prow.id, version=1, created_at=ts, updated_at=ts, **values
            )
        )
        row = tx.conn.execute(select(goals).where(goals.c.id == gid)).first()
        audit.record_item(tx, actor, "goal.create", "goal", row, changed_fields=sorted(values))
        out = _detail(tx.conn, row)
        tx.publish(prow.id, "goal.created", goal=_event_view(out))
        return out


def get_goal(db, actor: Actor, goal_id: str) -> dict:
    with db.read() as conn:
        return _detail(conn, load(conn, actor, goal_id))


def list_goals(db, actor: Actor, project_id: str, **paging: Unpack[PageArgs]) -> Page:
    with db.read() as conn:
        prow = projects.load(conn, actor, project_id)
        result = page(
            conn,
            select(goals).where(goals.c.project_id == prow.id),
            goals,
            lambda r: to_dict(r, current_goal_id=prow.current_goal_id),
            **paging,
        )
        counts = _task_counts(conn, [g["id"] for g in result["items"]])
        for g in result["items"]:
            g["task_counts"] = counts[g["id"]]
        return result


def update_goal(db, actor: Actor, goal_id: str, data: dict) -> dict:
    """Change the contract (not the status); a stale `version` gets conflict."""
    actor.require_write("updating a goal")
    expected = fields.expect_version("version", data.get("version")) if isinstance(data, dict) else None
    with db.write() as tx:
        row = load(tx.conn, actor, goal_id, for_update=True)
        values = _clean(data, creating=False, previous_surface=row.verification_surface)
        fields.require_version("goal", expected, row.version)
        if "name" in values:
            _check_name(tx.conn, row.project_id, values["name"], row.id)
        if (
            "verification_surface" in values
            and values["verification_surface"] is None
            and row.verification_surface
        ):
            # Fail closed: dropping the surface would let completion skip the evidence it promised.
            raise Conflict(
                "a declared verification surface can be changed but not removed", field="verification_surface"
            )
        return _write(tx, actor, row, values, "goal.update")


def delete_goal(db, actor: Actor, goal_id: str) -> str:
    """Delete a goal into the trash (core/trash.py); returns the trash item's id. Its tasks stay and lose the
    goal (restoring gives it back to those that have none meanwhile); a current goal stops being current."""
    from plandesk.core import trash

    actor.require_write("deleting a goal")
    with db.write() as tx:
        conn = tx.conn
        row = load(conn, actor, goal_id, for_update=True)
        trash_id = trash.put(tx, actor, "goal", row, row.name or row.objective)
        released = list(conn.execute(select(tasks.c.id).where(tasks.c.goal_id == row.id)).scalars())
        if released:
            conn.execute(
                tasks.update()
                .where(tasks.c.goal_id == row.id)
                .values(goal_id=None, version=tasks.c.version + 1, updated_at=now())
            )
        prow = conn.execute(select(project_table).where(project_table.c.id == row.project_id)).one()
        if prow.current_goal_id == row.id:
            conn.execute(
                project_table.update()
                .where(project_table.c.id == prow.id)
                .values(current_goal_id=None, version=prow.version + 1, updated_at=now())
            )
            tx.publish(prow.id, "project.updated", id=prow.id, changed=["current_goal_id"])
        conn.execute(goals.delete().where(goals.c.id == row.id))
        audit.record_item(
            tx,
            actor,
            "goal.delete",
            "goal",
            row,
            detail={
                "title": row.name or row.objective[:200],
                "name": row.name,
                "tasks_released": len(released),
            },
        )
        tx.publish(row.project_id, "goal.deleted", id=row.id, trash_id=trash_id)
    return trash_id


def _set_current(tx: Tx, actor: Actor, row) -> None:
    prow = tx.conn.execute(select(project_table).where(project_table.c.id == row.project_id)).one()
    if prow.current_goal_id != row.id:
        tx.conn.execute(
            project_table.update()
            .where(project_table.c.id == prow.id)
            .values(current_goal_id=row.id, version=prow.version + 1, updated_at=now())
        )
        audit.record(
            tx,
            actor,
            "project.set_current_goal",
            project_id=prow.id,
            target_type="project",
            target_id=prow.id,
            changed_fields=["current_goal_id"],
            detail={"goal_id": row.id},
        )
        tx.publish(prow.id, "project.updated", id=prow.id, changed=["current_goal_id"])


def set_current_goal(db, actor: Actor, goal_id: str) -> dict:
    actor.require_write("setting the current goal")
    with db.write() as tx:
        row = load(tx.conn, actor, goal_id)
        _set_current(tx, actor, row)
        return _detail(tx.conn, row)


def invoke_goal(db, actor: Actor, goal_id: str) -> dict:
    """Make the goal current and hand back its first ready task; refuse a goal whose tasks loop."""
    actor.require_write("invoking a goal")
    with db.read() as conn:
        project_id = load(conn, actor, goal_id).project_id
    graph.expire_leases(db, project_id)  # a lapsed claim is todo again before the frontier is read
    with db.write() as tx:
        conn = tx.conn
        row = load(conn, actor, goal_id, for_update=True)
        if row.status in ("complete", "paused"):
            raise Conflict(
                f"goal is {row.status}; "
                + {"paused": "resume it first", "complete": "nothing is left"}[row.status],
                field="goal_id",
                current_status=row.status,
            )
        cycles = _cycles(conn, row)
        if cycles:
            names = graph.labels_of(conn, cycles[0])
            raise Conflict(
                "the goal's tasks hold a dependency cycle (" + " ↔ ".join(names) + "); remove one "
                "of its edges first",
                field="goal_id",
                cycles=cycles,
            )
        _set_current(tx, actor, row)
        counts = _task_counts(conn, [row.id])[row.id]
        if counts["todo"] == 0:
            why = (
                f"{counts['scope']} task(s) are still in scope; a person releases them to todo"
                if counts["scope"]
                else "the goal has no todo tasks"
            )
            raise InvalidArgument(
                f"no todo tasks to start: {why}", field="goal_id", reason="no_todo_tasks", task_counts=counts
            )
        f = graph.frontier(conn, actor, row.project_id, goal_id=row.id)
        t = task_core.load(conn, actor, f["next_task_id"]) if f["next_task_id"] else None
        nxt = task_core.to_dict(t, task_core.tag_map(conn, [t.id])[t.id], verbose=False) if t else None
        return {
            "goal": _detail(conn, row),
            "next_task": nxt,
            "ready_count": f["ready_total"],
            "blocked": f["blocked"],
            **({} if nxt else {"reason": "all_blocked"}),
        }


def _transition(db, actor: Actor, goal_id: str, allowed_from: tuple, to: str, what: str) -> dict:
    actor.require_write(what)
    with db.write() as tx:
        row = load(tx.conn, actor, goal_id, for_update=True)
        if row.status == to:
            return _detail(tx.conn, row)
        if row.status not in allowed_from:
            raise Conflict(
                f"goal is {row.status}; {what} is not possible from there",
                field="goal_id",
                current_status=row.status,
            )
        return _write(tx, actor, row, {"status": to}, f"goal.{to}")


def pause_goal(db, actor: Actor, goal_id: str) -> dict:
    return _transition(db, actor, goal_id, ("active", "blocked"), "paused", "pausing a goal")


def resume_goal(db, actor: Actor, goal_id: str) -> dict:
    return _transition(db, actor, goal_id, ("paused", "blocked"), "active", "resuming a goal")


_SHAPES = {
    "gate_command": "{exit_code, command?, detail?}",
    "human_sign_off": "{approved_by, approved?, detail?}",
    "acceptance_checklist": "{checked: [item id or exact criterion], failed?: [...], detail?}",
}


def _strings(field: str, value) -> list[str]:
    if value is None:
        return []
    if (
        not isinstance(value, list)
        or len(value) > MAX_CHECKLIST
        or not all(isinstance(v, str) for v in value)
    ):
        raise InvalidArgument(f"{field} must be a list of item ids or criteria", field=field)
    return [v.strip() for v in value]


def judge(surface: dict | None, evidence) -> dict:
    """Match evidence to the surface. A mismatch raises (nothing is written); otherwise green or red."""
    if evidence is not None and not isinstance(evidence, dict):
        raise InvalidArgument("evidence must be an object", field="evidence")
    surface = surface or {}  # no surface: kind is None below and only a plain detail is accepted
    kind = surface.get("kind")
    if kind is not None and evidence is None:
        raise InvalidArgument(
            f"this goal is verified by {kind}; completing it needs evidence {_SHAPES[kind]}",
            field="evidence",
            reason="verification_required",
            expected=_SHAPES[kind],
        )
    evidence = evidence or {}
    detail = fields.text("evidence.detail", evidence.get("detail"), max_len=MAX_TEXT)
    extra = {"detail": detail} if detail else {}
    if kind is None:
        _only(evidence, ("detail",), "evidence.")
        return {"green": True, "kind": None, "evidence": extra or None, "summary": detail or ""}
    if kind == "gate_command":
        _only(evidence, ("exit_code", "command", "detail"), "evidence.")
        code = fields.number("evidence.exit_code", evidence.get("exit_code"), integer=True)
        if code is None:
            raise InvalidArgument(
                "evidence.exit_code is required: the exit status of the gate command",
                field="evidence.exit_code",
            )
        command = fields.text("evidence.command", evidence.get("command"), max_len=2000, strip=True)
        if command and command != surface["command"]:
            raise InvalidArgument(
                f"the evidence is for {command!r} but this goal's gate is {surface['command']!r}",
                field="evidence",
                reason="unmatched",
                unmatched=[command],
            )
        return {
            "green": code == 0,
            "kind": kind,
            "evidence": {"exit_code": code, "command": surface["command"], **extra},
            "summary": f"Gate `{surface['command']}` exited {code}.\n\n{detail or ''}".strip(),
        }
    if kind == "human_sign_off":
        _only(evidence, ("approved_by", "approved", "detail"), "evidence.")
        who = fields.required_text(
            "evidence.approved_by", evidence.get("approved_by"), max_len=MAX_NAME, strip=True
        )
        approved = fields.flag("evidence.approved", evidence.get("approved"))
        approved = True if approved is None else approved
        return {
            "green": approved,
            "kind": kind,
            "evidence": {"approved_by": who, "approved": approved, **extra},
            "summary": f"Sign-off {'given' if approved else 'refused'} by {who}.\n\n{detail or ''}".strip(),
        }
    _only(evidence, ("checked", "failed", "detail"), "evidence.")
    items = surface["items"]
    ids = {i["id"]: i["id"] for i in items} | {i["criterion"]: i["id"] for i in items}
    checked, failed = (
        _strings("evidence.checked", evidence.get("checked")),
        _strings("evidence.failed", evidence.get("failed")),
    )
    unmatched = [v for v in checked + failed if v not in ids]
    if unmatched:
        raise InvalidArgument(
            f"{len(unmatched)} entries match no criterion of this checklist",
            field="evidence",
            reason="unmatched",
            unmatched=unmatched,
            criteria=items,
        )
    ok, bad = {ids[v] for v in checked}, {ids[v] for v in failed}
    if ok & bad:
        raise InvalidArgument(
            "a criterion cannot be both checked and failed",
            field="evidence",
            reason="unmatched",
            unmatched=sorted(ok & bad),
        )
    failed_items = [i for i in items if i["id"] in bad]
    return {
        "green": not bad,
        "kind": kind,
        "failed": failed_items,
        "unmet": [i for i in items if i["id"] not in ok | bad],
        "evidence": {"checked": sorted(ok), "failed": sorted(bad), **extra},
        "summary": "\n".join(
            ["Failed criteria:"]
            + [f"- {i['criterion']}" for i in failed_items]
            + ([f"\n{detail}"] if detail else [])
        ),
    }


def complete_goal(db, actor: Actor, goal_id: str, evidence: dict | None = None) -> dict:
    actor.require_write("completing a goal")
    with db.write() as tx:
        conn = tx.conn
        row = load(conn, actor, goal_id, for_update=True)
        if row.status == "complete":
            raise Conflict("goal is already complete", field="goal_id", current_status=row.status)
        verdict = judge(row.verification_surface, evidence)
        record = {
            "at": iso(now()),
            "green": verdict["green"],
            "kind": verdict["kind"],
            "evidence": verdict["evidence"],
            "recorded_by": actor.name,
            "token_id": actor.token_id,
        }
        if not verdict["green"]:
            task, created = _remediation(tx, actor, row, verdict["summary"])
            out = _write_verdict(tx, actor, row, "blocked", record, "goal.verification_failed")
            return {
                "completed": False,
                "green": False,
                "goal": out,
                "remediation_task": task,
                "remediation_created": created,
                "failed": verdict.get("failed", []),
            }
        open_tasks = conn.execute(
            select(tasks.c.id, tasks.c.label, tasks.c.status)
            .where(tasks.c.goal_id == row.id, tasks.c.status != "done")
            .order_by(tasks.c.created_at, tasks.c.id)
        ).all()
        if open_tasks:
            raise Conflict(
                f"{len(open_tasks)} task(s) of this goal are not done yet",
                field="evidence",
                reason="blocked_by_incomplete_tasks",
                tasks=[{"id": t.id, "label": t.label, "status": t.status} for t in open_tasks[:100]],
            )
        if verdict.get("unmet"):
            raise InvalidArgument(
                f"{len(verdict['unmet'])} criteria are not checked",
                field="evidence",
                reason="unmet",
                unmet=verdict["unmet"],
            )
        out = _write_verdict(tx, actor, row, "complete", record, "goal.complete")
        return {"completed": True, "green": True, "goal": out}


def _write_verdict(tx: Tx, actor: Actor, row, status: str, record: dict, action: str) -> dict:
    """A verification's outcome: the goal's new status and the record of the check, always written together
    (both count as changed even when the status stays the same)."""
    values = {"status": status, "last_verification": record}
    return _write(tx, actor, row, values, action, changed=["last_verification", "status"])


def _remediation(tx: Tx, actor: Actor, row, summary: str) -> tuple[dict, bool]:
    """The one scope task that tracks a failed verification; reused (reopened if done) on every red."""
    conn = tx.conn
    existing = conn.execute(
        select(tasks)
        .where(tasks.c.goal_id == row.id, tasks.c.label.startswith(REMEDIATION_PREFIX))
        .order_by(tasks.c.created_at, tasks.c.id)
    ).first()
    if existing is not None:
        if existing.status == "done":
            return task_core.apply_update(
                tx, actor, existing, {"status": "scope"}, expected=None, action="task.reopen_remediation"
            ), False
        return task_core.to_dict(existing, task_core.tag_map(conn, [existing.id])[existing.id]), False
    label = (REMEDIATION_PREFIX + row.objective)[:MAX_LABEL]
    description = (
        f"The goal's verification came back red.\n\n{summary}\n\nFix the cause, then submit new "
        "evidence with complete_goal."
    )
    return task_core.insert(
        tx,
        actor,
        row.project_id,
        {
            "label": label,
            "status": "scope",
            "priority": "high",
            "goal_id": row.id,
            "description": description,
        },
    ), True
