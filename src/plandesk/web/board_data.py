"""The board's and list's read model: every task of a project, what each waits on, filters and sorting."""

from __future__ import annotations

import csv
import io
from typing import Any

from plandesk.core import graph, tasks
from plandesk.core.actors import Actor
from plandesk.core.clock import now
from plandesk.core.vocab import MAX_LIST_LIMIT, PRIORITY_RANK, TASK_STATUSES

WAITING_SHOWN = 3
SORT_KEYS = ("label", "status", "priority", "assignee", "due_date", "created_at", "updated_at")
CSV_COLUMNS = (
    "id",
    "label",
    "status",
    "kind",
    "priority",
    "assignee",
    "due_date",
    "tags",
    "goal_id",
    "claimed_by",
    "created_at",
    "updated_at",
)


def all_tasks(db, actor: Actor, project_id: str, **filters) -> list[dict]:
    """Every task (through the core's pages of 500), in creation order."""
    items: list[dict] = []
    cursor = None
    while True:
        page = tasks.list_tasks(
            db, actor, project_id, limit=MAX_LIST_LIMIT, cursor=cursor, verbose=False, **filters
        )
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            return items


def waiting_on(db, actor: Actor, project_id: str) -> dict[str, list[dict]]:
    """What each unfinished task waits on, as the core answers it (graph.waiting_on), across every goal."""
    return graph.waiting_on(db, actor, project_id)


def overdue(task: dict, today: str | None = None) -> bool:
    """Due before today (UTC) and not done: the board, the list and the drawer show the date in red."""
    due = task.get("due_date")
    if not due or task.get("status") == "done":
        return False
    return due < (today or now().date().isoformat())


def card(task: dict, waiting: list[dict] | None, today: str | None = None) -> dict:
    waiting = waiting or []
    # `order` lets the page slot a moved or new card where a fresh render would put it.
    order = f"{PRIORITY_RANK.get(task['priority'], 9)}|{task['created_at'] or ''}|{task['id']}"
    return {
        **task,
        "waiting": waiting[:WAITING_SHOWN],
        "waiting_more": max(0, len(waiting) - WAITING_SHOWN),
        "order": order,
        "overdue": overdue(task, today),
    }


def _board_order(task: dict) -> tuple:
    return (PRIORITY_RANK.get(task["priority"], 9), task["created_at"] or "", task["id"])


def board(db, actor: Actor, project_id: str) -> dict[str, Any]:
    task_list = all_tasks(db, actor, project_id)
    waiting = waiting_on(db, actor, project_id)
    columns: dict[str, list[dict]] = {s: [] for s in TASK_STATUSES}
    today = now().date().isoformat()
    for t in sorted(task_list, key=_board_order):
        columns[t["status"]].append(card(t, waiting.get(t["id"]), today))
    return {"columns": columns, **options(task_list), "total": len(task_list), "blocked": len(waiting)}


def options(task_list: list[dict]) -> dict[str, list[str]]:
    """The values the tag and assignee filters offer."""
    return {
        "tags": sorted({name for t in task_list for name in t["tags"]}, key=str.lower),
        "assignees": sorted({t["assignee"] for t in task_list if t["assignee"]}, key=str.lower),
    }


def one_card(db, actor: Actor, task_id: str) -> dict:
    task = tasks.get_task(db, actor, task_id)
    waiting = graph.waiting_on(db, actor, task["project_id"], task_id=task["id"])
    return card(task, waiting.get(task["id"]))


def relations(db, actor: Actor, task: dict) -> dict[str, list[dict]]:
    """The drawer's links: prerequisites, dependents, other task links, and linked documents (from the core)."""
    return graph.task_links(db, actor, task["project_id"], task["id"])


def sort_rows(rows: list[dict], key: str, descending: bool) -> list[dict]:
    if key not in SORT_KEYS:
        key = "created_at"
    status_rank = {s: i for i, s in enumerate(TASK_STATUSES)}

    def value(t: dict):
        if key == "priority":
            return PRIORITY_RANK.get(t["priority"], 9)
        if key == "status":
            return status_rank.get(t["status"], 9)
        v = t.get(key)
        return (v or "").lower() if isinstance(v, str) or v is None else v

    # Empty values go last whichever way the column is sorted.
    filled = [r for r in rows if r.get(key) not in (None, "")]
    empty = [r for r in rows if r.get(key) in (None, "")]
    return sorted(filled, key=value, reverse=descending) + empty


def text_filter(rows: list[dict], q: str | None) -> list[dict]:
    if not q:
        return rows
    needle = q.lower()
    return [r for r in rows if needle in r["label"].lower() or needle in (r["assignee"] or "").lower()]


def _cell(value: Any) -> str:
    text = ", ".join(value) if isinstance(value, list) else ("" if value is None else str(value))
    # A cell starting with = + - @ (or a tab/CR) is run as a formula by spreadsheets: neutralise it.
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        text = "'" + text
    return text


def to_csv(rows: list[dict]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        writer.writerow([_cell(r.get(c)) for c in CSV_COLUMNS])
    return buf.getvalue()
