"""Full-text search behind one face: FTS5 on SQLite, tsvector + GIN on PostgreSQL."""

from __future__ import annotations

import re

from sqlalchemy import delete, func, select, text

from plandesk.db import excerpts
from plandesk.db.schema import search_entries

_WORD = re.compile(r"[\w\-]+", re.UNICODE)
# Ranking every match of a very common term costs 100+ ms on 100k rows; rank only the first few thousand.
RANK_WINDOW = 2000


def index(conn, kind: str, item_id: str, project_id: str, title: str, body: str) -> None:
    found = conn.execute(
        select(search_entries.c.id).where(search_entries.c.kind == kind, search_entries.c.item_id == item_id)
    ).first()
    values = {"title": title or "", "body": body or "", "project_id": project_id}
    if found:
        conn.execute(search_entries.update().where(search_entries.c.id == found.id).values(**values))
    else:
        conn.execute(search_entries.insert().values(kind=kind, item_id=item_id, **values))


def index_many(conn, entries: list[tuple[str, str, str, str, str]]) -> None:
    """Index rows that are new to the index (kind, item_id, project_id, title, body) in one batch."""
    if entries:
        conn.execute(
            search_entries.insert(),
            [
                {"kind": k, "item_id": i, "project_id": p, "title": t or "", "body": b or ""}
                for k, i, p, t, b in entries
            ],
        )


def remove(conn, kind: str, item_ids: list[str]) -> None:
    if item_ids:
        conn.execute(
            delete(search_entries).where(
                search_entries.c.kind == kind, search_entries.c.item_id.in_(item_ids)
            )
        )


def terms(query: str) -> list[str]:
    return _WORD.findall(query)[:16]


def query(conn, q: str, *, project_ids: list[str] | None, kinds: list[str] | None, limit: int) -> list[dict]:
    words = terms(q)
    if not words:
        return []
    dialect = conn.dialect.name
    scope_sql, params = _scope(project_ids, kinds)
    params["limit"] = limit
    params["window"] = RANK_WINDOW
    if dialect == "sqlite":
        params["match"] = " ".join('"' + w.replace('"', '""') + '"*' for w in words)
        # bm25 only over a bounded window of matches, then excerpts only for the rows returned. The entries
        # are joined only to filter by project or kind, and then by CROSS JOIN, which keeps the full-text
        # index as the outer loop: SQLite would otherwise walk the project's rows and run the MATCH once
        # per row (7 ms for 300 rows, seconds for 100k).
        ranked = conn.execute(
            text(
                "SELECT rowid AS rid, score FROM ("
                " SELECT search_fts.rowid AS rowid, bm25(search_fts, 4.0, 1.0) AS score FROM search_fts"
                + (" CROSS JOIN search_entries e ON e.id = search_fts.rowid" if scope_sql else "")
                + f" WHERE search_fts MATCH :match {scope_sql} LIMIT :window)"
                " ORDER BY score LIMIT :limit"
            ),
            params,
        ).all()
        if not ranked:
            return []
        ids = [r.rid for r in ranked]
        # Excerpts from the stored text (db/excerpts.py): snippet() would run the MATCH a second time.
        rows = (
            conn.execute(
                select(
                    search_entries.c.id,
                    search_entries.c.kind,
                    search_entries.c.item_id,
                    search_entries.c.project_id,
                    search_entries.c.title,
                    func.substr(search_entries.c.body, 1, excerpts.SCAN_CHARS).label("body"),
                ).where(search_entries.c.id.in_(ids))
            )
            .mappings()
            .all()
        )
        by_id = {r["id"]: {**r, "excerpt": excerpts.excerpt(r["body"], words)} for r in rows}
        return [_hit(by_id[i]) for i in ids if i in by_id]
    else:
        params["tsq"] = " & ".join(re.sub(r"[^\w]", "", w) + ":*" for w in words if re.sub(r"[^\w]", "", w))
        if not params["tsq"]:
            return []
        sql = (
            "SELECT e.kind, e.item_id, e.project_id, e.title, "
            "ts_headline('simple', left(e.body, 20000), to_tsquery('simple', :tsq), "
            "'StartSel=[,StopSel=],MaxWords=20,MinWords=8') AS excerpt, c.score "
            "FROM (SELECT id, ts_rank(tsv, to_tsquery('simple', :tsq)) AS score FROM "
            "      (SELECT e.id, e.tsv FROM search_entries e WHERE e.tsv @@ to_tsquery('simple', :tsq)"
            f"       {scope_sql} LIMIT :window) w"
            "     ) c JOIN search_entries e ON e.id = c.id ORDER BY c.score DESC LIMIT :limit"
        )
    rows = conn.execute(text(sql), params).mappings().all()
    return [_hit(r) for r in rows]


def _hit(r) -> dict:
    excerpt = r["excerpt"] or ""
    if not excerpt.strip():
        excerpt = (r["title"] or "")[:160]
    return {
        "kind": r["kind"],
        "id": r["item_id"],
        "project_id": r["project_id"],
        "title": r["title"],
        "excerpt": excerpt,
    }


def _scope(project_ids, kinds) -> tuple[str, dict]:
    sql, params = "", {}
    if project_ids is not None:
        if not project_ids:
            return " AND 1=0", {}
        names = [f":p{i}" for i in range(len(project_ids))]
        sql += f" AND e.project_id IN ({', '.join(names)})"
        params.update({f"p{i}": p for i, p in enumerate(project_ids)})
    if kinds:
        names = [f":k{i}" for i in range(len(kinds))]
        sql += f" AND e.kind IN ({', '.join(names)})"
        params.update({f"k{i}": k for i, k in enumerate(kinds)})
    return sql, params
