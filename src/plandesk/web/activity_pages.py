"""Pages: a project's activity (the audit log), filterable by actor and token, newest first."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request

from plandesk.core import audit, documents, goals, notes, tasks, tokens
from plandesk.core.actors import Actor
from plandesk.core.errors import PlanDeskError
from plandesk.core.vocab import STATUS_LABELS
from plandesk.web.layout import frame
from plandesk.web.rendering import page, render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
FILTER_SAMPLE = 500  # the actor and token filters offer who appears in the latest entries

VERBS = {
    "create": "created",
    "update": "updated",
    "delete": "deleted",
    "claim": "claimed",
    "release": "released",
    "renew_claim": "renewed the claim on",
    "lease_expired": "lease expired on",
    "resolve": "resolved",
    "reopen": "reopened",
    "restore": "restored",
    "complete": "completed",
    "start": "started",
    "progress": "recorded progress on",
    "pause": "paused",
    "resume": "resumed",
    "revoke": "revoked",
    "rotate": "rotated",
    "move": "moved",
    "import": "imported",
    "link_tasks": "linked tasks to",
    "set_current_goal": "set the current goal of",
}


# Whole actions whose words do not follow "<verb> <thing>".
ACTION_WORDS = {"trash.purge": "deleted for good from the trash"}


def describe(action: str) -> str:
    """'task.update' → 'updated task' (unknown actions are shown as they are)."""
    if action in ACTION_WORDS:
        return ACTION_WORDS[action]
    thing, _, verb = action.partition(".")
    if verb in VERBS:
        return f"{VERBS[verb]} {thing.replace('_', ' ')}"
    return action


# Field names as the UI shows them (the audit row keeps the internal names).
FIELD_WORDS = {
    "label": "title",
    "title": "title",
    "status": "status",
    "assignee": "assignee",
    "priority": "priority",
    "due_date": "due date",
    "tags": "tags",
    "kind": "kind",
    "description": "description",
    "body": "text",
    "goal_id": "goal",
    "commit_refs": "commits",
    "x": "position",
    "y": "position",
    "claimed_by": "claim",
    "lease_expires_at": "claim",
    "name": "name",
    "objective": "objective",
    "folder_id": "folder",
    "current_goal_id": "current goal",
    "canvas_layout": "canvas",
    "repo_path": "repository path",
    "repo_url": "repository URL",
}
# The fields whose old and new values an entry spells out.
SHOWN_FROM_TO = ("status", "assignee", "priority", "due_date", "label", "title")
CANVAS_FIELDS = frozenset({"x", "y"})
VALUE_MAX = 80


def field_words(fields: list[str]) -> list[str]:
    out: list[str] = []
    for f in fields:
        word = FIELD_WORDS.get(f, f.replace("_", " "))
        if word not in out:
            out.append(word)
    return out


def _value(field: str, value) -> str:
    if value in (None, "", []):
        return "—"
    if field == "status":
        return STATUS_LABELS.get(value, str(value))
    text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return text if len(text) <= VALUE_MAX else text[: VALUE_MAX - 1] + "…"


def change_lines(entry: dict) -> tuple[list[dict], list[str]]:
    """([{field, before, after}] for the fields shown from → to, [the other changed fields, in words])."""
    detail = entry.get("detail") or {}
    changes = detail.get("changes")
    recorded = changes if isinstance(changes, dict) else {}
    fields = [f for f in (entry.get("changed_fields") or []) if f not in ("lease_expires_at",)]
    shown = [
        {
            "field": FIELD_WORDS[f],
            "before": _value(f, recorded[f].get("from")),
            "after": _value(f, recorded[f].get("to")),
        }
        for f in fields
        if f in SHOWN_FROM_TO and isinstance(recorded.get(f), dict)
    ]
    named = {FIELD_WORDS[f] for f in fields if f in SHOWN_FROM_TO and isinstance(recorded.get(f), dict)}
    return shown, [w for w in field_words(fields) if w not in named]


def is_canvas_move(entry: dict) -> bool:
    fields = set(entry.get("changed_fields") or [])
    return entry["action"] == "task.update" and bool(fields) and fields <= CANVAS_FIELDS


def fold_canvas_moves(entries: list[dict]) -> list[dict]:
    """Consecutive canvas moves by one actor become one "rearranged N tasks" entry (the rows stay)."""
    out: list[dict] = []
    for e in entries:
        last = out[-1] if out else None
        if (
            is_canvas_move(e)
            and last is not None
            and last.get("rearranged") is not None
            and last["actor_id"] == e["actor_id"]
            and last["token_id"] == e["token_id"]
        ):
            last["rearranged"].add(e["target_id"])
            continue
        if is_canvas_move(e):
            e = {**e, "rearranged": {e["target_id"]}}
        out.append(e)
    return out


def _target_key(entry: dict) -> tuple[str, str] | None:
    """(target_type, target_id), or None for an entry about no one thing (the log keeps both nullable)."""
    kind, ident = entry.get("target_type"), entry.get("target_id")
    return (kind, ident) if kind and ident else None


def _names(db, actor: Actor, entries: list[dict]) -> dict[tuple[str, str], str]:
    """The current title of each thing the entries point at (at most one read per thing)."""
    readers: dict[str, tuple[Callable[[Any, Actor, str], dict], str]] = {
        "task": (tasks.get_task, "label"),
        "document": (lambda d, a, ident: documents.get_document(d, a, ident, verbose=False), "title"),
        "note": (notes.get_note, "title"),
        "goal": (goals.get_goal, "name"),
    }
    out: dict[tuple[str, str], str] = {}
    for e in entries:
        key = _target_key(e)
        if key is None or key in out or key[0] not in readers:
            continue
        read, field = readers[key[0]]
        try:
            thing = read(db, actor, key[1])
            out[key] = thing.get(field) or thing.get("objective") or ""
        except PlanDeskError:  # deleted since: the entry's own detail may still name it
            out[key] = ""
    return out


def target_href(project_id: str, entry: dict) -> str | None:
    kind, ident = entry.get("target_type"), entry.get("target_id")
    base = f"/projects/{project_id}"
    if not kind or not ident:
        return None
    return {
        "task": f"{base}/board?task={ident}",
        "document": f"{base}/documents/{ident}",
        "note": f"{base}/notes/{ident}",
        "goal": f"{base}/goals#goal-{ident}",
        "edge": f"{base}/flow",
        "agent_run": f"{base}/runs/{ident}",
        "comment": f"/comments/{ident}",
        "project": base,
    }.get(kind)


@router.get("/projects/{project_id}/activity")
@page
def activity(
    request: Request,
    project_id: str,
    actor_id: str | None = None,
    token_id: str | None = None,
    action: str | None = None,
    before: str | None = None,
):
    db, actor, ctx = frame(request, project_id=project_id, section="activity", title="Activity")
    filters = {"actor_id": actor_id or "", "token_id": token_id or "", "action": action or ""}
    result = audit.project_log(
        db, actor, project_id, audit.AuditFilter(**filters), limit=PAGE_SIZE, cursor=before
    )
    sample = audit.project_log(db, actor, project_id, limit=FILTER_SAMPLE)["items"]
    token_names = {t["id"]: t["name"] for t in tokens.list_tokens(db, actor, all_users=True)}
    actors = sorted(
        {(e["actor_id"], e["actor_name"] or e["actor_id"]) for e in sample if e["actor_id"]},
        key=lambda a: a[1].lower(),
    )
    token_options = sorted(
        {e["token_id"] for e in sample if e["token_id"]} | ({token_id} if token_id else set()),
        key=lambda t: token_names.get(t, t),
    )
    entries = fold_canvas_moves(result["items"])
    names = _names(db, actor, [e for e in entries if e.get("rearranged") is None])
    for e in entries:
        e.setdefault("rearranged", None)
        detail = e.get("detail") or {}
        e["summary"] = describe(e["action"])
        e["href"] = target_href(project_id, e)
        key = _target_key(e)
        e["name"] = (
            (names.get(key) if key else None)
            or detail.get("label")
            or detail.get("title")
            or detail.get("name")
            or None
        )
        e["changes"], e["other_fields"] = change_lines(e)
        e["token_name"] = token_names.get(e["token_id"], (e["token_id"] or "")[:8]) if e["token_id"] else None
    ctx.update(
        entries=entries,
        total=result["total"],
        next_before=result["next_cursor"],
        actors=actors,
        token_options=[(t, token_names.get(t, t[:8])) for t in token_options],
        filters=filters,
        paged=before is not None,
    )
    return render(request, "activity.html", ctx)
