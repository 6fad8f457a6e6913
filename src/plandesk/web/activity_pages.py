"""Pages: a project's activity (the audit log), filterable by actor and token, newest first."""

from __future__ import annotations

from fastapi import APIRouter, Request

from plandesk.core import audit, projects, tokens
from plandesk.core.errors import InvalidArgument
from plandesk.web.layout import frame
from plandesk.web.rendering import page, render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
FILTER_SAMPLE = 500  # the actor and token filters offer who appears in the latest entries

VERBS = {"create": "created", "update": "updated", "delete": "deleted", "claim": "claimed",
         "release": "released", "renew_claim": "renewed the claim on", "lease_expired": "lease expired on",
         "resolve": "resolved", "reopen": "reopened", "restore": "restored", "complete": "completed",
         "start": "started", "progress": "recorded progress on", "pause": "paused", "resume": "resumed",
         "revoke": "revoked", "rotate": "rotated", "move": "moved"}


def describe(action: str) -> str:
    """'task.update' → 'updated task' (unknown actions are shown as they are)."""
    thing, _, verb = action.partition(".")
    if verb in VERBS:
        return f"{VERBS[verb]} {thing.replace('_', ' ')}"
    return action


def target_href(project_id: str, entry: dict) -> str | None:
    kind, ident = entry.get("target_type"), entry.get("target_id")
    base = f"/projects/{project_id}"
    if not ident:
        return None
    return {"task": f"{base}/board?task={ident}", "document": f"{base}/documents/{ident}",
            "note": f"{base}/notes/{ident}", "goal": f"{base}/goals#goal-{ident}", "edge": f"{base}/flow",
            "agent_run": f"{base}/runs/{ident}", "comment": f"/comments/{ident}", "project": base}.get(kind)


@router.get("/projects/{project_id}/activity")
@page
def activity(request: Request, project_id: str, actor_id: str | None = None, token_id: str | None = None,
             action: str | None = None, before: str | None = None):
    db, actor, ctx = frame(request, project_id=project_id, section="activity", title="Activity")
    if before is not None and not before.isdigit():
        raise InvalidArgument("before must be an entry number from this page", field="before")
    with db.read() as conn:
        prow = projects.load(conn, actor, project_id)
        result = audit.list_entries(conn, project_id=prow.id, actor_id=actor_id or None, token_id=token_id or None,
                                    action=action or None, limit=PAGE_SIZE,
                                    before_id=int(before) if before else None)
        sample = audit.list_entries(conn, project_id=prow.id, limit=FILTER_SAMPLE)["items"]
    token_names = {t["id"]: t["name"] for t in tokens.list_tokens(db, actor, all_users=True)}
    actors = sorted({(e["actor_id"], e["actor_name"] or e["actor_id"]) for e in sample if e["actor_id"]},
                    key=lambda a: a[1].lower())
    token_options = sorted({e["token_id"] for e in sample if e["token_id"]} | ({token_id} if token_id else set()),
                           key=lambda t: token_names.get(t, t))
    for e in result["items"]:
        e["summary"] = describe(e["action"])
        e["href"] = target_href(project_id, e)
        e["token_name"] = token_names.get(e["token_id"], (e["token_id"] or "")[:8]) if e["token_id"] else None
    ctx.update(entries=result["items"], total=result["total"], next_before=result["next_cursor"], actors=actors,
               token_options=[(t, token_names.get(t, t[:8])) for t in token_options],
               filters={"actor_id": actor_id or "", "token_id": token_id or "", "action": action or ""},
               paged=before is not None)
    return render(request, "activity.html", ctx)
