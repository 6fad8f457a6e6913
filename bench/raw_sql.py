"""The raw-SQL baselines: bulk inserts by executemany, the ready frontier as one query, a ranked full-text query.

They do the least the database must do for the same answer, with none of the core's checks, audit or
revisions; the core's figure divided by theirs is the price of those rules. They also seed large workspaces
fast, since going through the core for 100k search rows would only measure the seeding.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

from bench.plan_data import Plan
from plandesk.db.engine import Database

TASK_COLUMNS = (
    "id",
    "project_id",
    "label",
    "status",
    "kind",
    "priority",
    "description",
    "commit_refs",
    "x",
    "y",
    "version",
    "created_at",
    "updated_at",
)
EDGE_COLUMNS = ("id", "project_id", "from_type", "from_id", "to_type", "to_id", "label", "created_at")


def _marks(db: Database, n: int) -> str:
    return ", ".join(["?" if db.is_sqlite else "%s"] * n)


def _stamp(db: Database, offset: int):
    """A creation time one microsecond apart per row, in the form each backend's column stores."""
    value = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(microseconds=offset)
    return value.strftime("%Y-%m-%d %H:%M:%S.%f") if db.is_sqlite else value


def insert_plan(db: Database, conn, project_id: str, plan: Plan, *, with_search: bool = False) -> list[str]:
    """Tasks and edges of `plan` by executemany on `conn` (inside the caller's transaction); the new task ids."""
    ids = [str(uuid.uuid4()) for _ in plan.tasks]
    rows = [
        (
            ids[i],
            project_id,
            t["label"],
            t["status"],
            "build",
            t["priority"],
            t["description"],
            "[]",
            float(i % 100) * 220,
            float(i // 100) * 140,
            1,
            _stamp(db, i),
            _stamp(db, i),
        )
        for i, t in enumerate(plan.tasks)
    ]
    conn.exec_driver_sql(
        f"INSERT INTO tasks ({', '.join(TASK_COLUMNS)}) VALUES ({_marks(db, len(TASK_COLUMNS))})", rows
    )
    edge_rows = [
        (str(uuid.uuid4()), project_id, "task", ids[a], "task", ids[b], label, _stamp(db, k))
        for k, (a, b, label) in enumerate(plan.edges)
    ]
    if edge_rows:
        conn.exec_driver_sql(
            f"INSERT INTO edges ({', '.join(EDGE_COLUMNS)}) VALUES ({_marks(db, len(EDGE_COLUMNS))})",
            edge_rows,
        )
    if with_search:
        insert_search_rows(db, conn, project_id, [(t["label"], t["description"]) for t in plan.tasks], ids)
    return ids


def insert_search_rows(
    db: Database, conn, project_id: str, texts: list[tuple[str, str]], item_ids: list[str] | None = None
) -> None:
    item_ids = item_ids or [str(uuid.uuid4()) for _ in texts]
    rows = [("task", item_ids[i], project_id, title, body) for i, (title, body) in enumerate(texts)]
    conn.exec_driver_sql(
        f"INSERT INTO search_entries (kind, item_id, project_id, title, body) VALUES ({_marks(db, 5)})", rows
    )


def settle(db: Database) -> None:
    """PostgreSQL after a bulk load, as autovacuum leaves it: planner statistics (ANALYZE) and the visibility
    map (VACUUM), without which every count reads the table instead of the index (6 ms against 0.9 ms for
    2,600 blocked tasks). Nothing to do on SQLite."""
    if db.is_sqlite:
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")


def insert_project(db: Database, conn, name: str) -> str:
    pid = str(uuid.uuid4())
    conn.exec_driver_sql(
        f"INSERT INTO projects (id, name, description, version, created_at, updated_at) "
        f"VALUES ({_marks(db, 6)})",
        (pid, name, "", 1, _stamp(db, 0), _stamp(db, 0)),
    )
    return pid


# Ready = todo and no unfinished prerequisite; blocks/feeds/enables point prerequisite → dependent,
# depends_on the other way round (dependency labels always join two tasks). Ordered as the core orders.
FRONTIER_SQL = """
SELECT t.id FROM tasks t
WHERE t.project_id = :p AND t.status = 'todo'
  AND NOT EXISTS (SELECT 1 FROM edges e JOIN tasks pre ON pre.id = e.from_id
                  WHERE e.project_id = :p AND e.to_type = 'task' AND e.to_id = t.id
                    AND e.label IN ('blocks', 'feeds', 'enables') AND pre.status <> 'done')
  AND NOT EXISTS (SELECT 1 FROM edges e JOIN tasks pre ON pre.id = e.to_id
                  WHERE e.project_id = :p AND e.from_type = 'task' AND e.from_id = t.id
                    AND e.label = 'depends_on' AND pre.status <> 'done')
ORDER BY CASE t.priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3
         ELSE 9 END, t.created_at, t.id
"""


def ready_frontier(conn, project_id: str) -> list[str]:
    from sqlalchemy import text

    return [r[0] for r in conn.execute(text(FRONTIER_SQL), {"p": project_id}).all()]


def ranked_search(conn, query: str, *, limit: int = 20) -> list:
    """The plain ranked full-text query a hand-written app would send: every match ranked, best `limit`."""
    from sqlalchemy import text

    words = re.findall(r"[\w\-]+", query)
    if conn.dialect.name == "sqlite":
        match = " ".join('"' + w.replace('"', '""') + '"*' for w in words)
        return conn.execute(
            text(
                "SELECT rowid FROM search_fts WHERE search_fts MATCH :m "
                "ORDER BY bm25(search_fts, 4.0, 1.0) LIMIT :n"
            ),
            {"m": match, "n": limit},
        ).all()
    tsq = " & ".join(re.sub(r"[^\w]", "", w) + ":*" for w in words)
    return conn.execute(
        text(
            "SELECT id FROM search_entries WHERE tsv @@ to_tsquery('simple', :q) "
            "ORDER BY ts_rank(tsv, to_tsquery('simple', :q)) DESC LIMIT :n"
        ),
        {"q": tsq, "n": limit},
    ).all()
