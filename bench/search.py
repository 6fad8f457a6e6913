"""Full-text search over a large index: core search (ranked, bounded, with excerpts) beside a raw ranked query."""

from __future__ import annotations

from bench import raw_sql
from bench.context import Context
from bench.plan_data import pick_term, search_corpus, terms_by_frequency
from bench.report import Row
from bench.scratch import scratch_workspace
from bench.timing import Latency, time_interleaved

GOAL_P95_MS = 30.0
# Query shapes by how many rows the words appear in: rare, uncommon, one row in ten, most rows.
SHARES = {"rare": 0.0005, "uncommon": 0.01, "common": 0.1, "everywhere": 0.5}


def queries(corpus: list[tuple[str, str]]) -> dict[str, str]:
    df = terms_by_frequency(corpus)
    picked = {name: pick_term(df, share) for name, share in SHARES.items()}
    picked["two words"] = f"{picked['common']} {picked['uncommon']}"
    picked["prefix"] = picked["common"][:3]
    return picked


def run(ctx: Context) -> list[Row]:
    from plandesk.core import search_service
    from plandesk.core.users import local_owner_actor

    n_rows = ctx.pick(100_000, 10_000)
    rounds = ctx.pick(25, 6)
    corpus = search_corpus(n_rows)
    mix = queries(corpus)
    with scratch_workspace(ctx.backend, label="search") as scratch:
        db = scratch.open()
        try:
            actor = local_owner_actor(db)
            with db.write() as tx:
                pid = raw_sql.insert_project(db, tx.conn, "search")
                for at in range(0, n_rows, 10_000):
                    raw_sql.insert_search_rows(db, tx.conn, pid, corpus[at : at + 10_000])
            if not db.is_sqlite:
                with db.engine.connect() as conn:
                    conn.exec_driver_sql("ANALYZE search_entries")
                    conn.commit()
            ctx.say(f"search: {n_rows:,} rows indexed; queries {mix}")
            core_samples: list[float] = []
            raw_samples: list[float] = []
            per_query = {}
            for name, q in mix.items():

                def whole(q=q):
                    return search_service.search(db, actor, q, limit=20)

                def in_project(q=q):  # what a project-scoped token or an agent passing project_id runs
                    return search_service.search(db, actor, q, project_id=pid, limit=20)

                def raw_call(q=q):
                    with db.read() as conn:
                        return raw_sql.ranked_search(conn, q, limit=20)

                got = time_interleaved(
                    {"whole": whole, "project": in_project, "raw": raw_call}, count=rounds, warmup=2
                )
                per_query[name] = {
                    "query": q,
                    "core_p50": got["whole"].p50,
                    "scoped_p50": got["project"].p50,
                    "raw_p50": got["raw"].p50,
                    "hits": len(whole()["results"]),
                }
                core_samples += got["whole"].samples_s + got["project"].samples_s
                raw_samples += got["raw"].samples_s
        finally:
            db.dispose()
    core_all, raw_all = Latency.of(core_samples), Latency.of(raw_samples)
    size = f"{n_rows:,} rows"
    slowest = max(per_query, key=lambda k: per_query[k]["core_p50"])
    note = (
        f"{len(mix)} query shapes × {rounds}, whole workspace and project-scoped; slowest: {slowest} "
        f"({per_query[slowest]['core_p50']:.1f} ms core, {per_query[slowest]['raw_p50']:.1f} ms raw)"
    )
    return [
        Row(
            "search",
            f"search p50 over {size}",
            core_all.p50,
            "ms",
            raw_all.p50,
            "raw ranked FTS query",
            note=note,
            extra={"per_query": per_query},
        ),
        Row(
            "search",
            f"search p95 over {size}",
            core_all.p95,
            "ms",
            raw_all.p95,
            "raw ranked FTS query",
            goal=f"< {GOAL_P95_MS:.0f} ms" + (" (at 100k)" if ctx.quick else ""),
            met=(core_all.p95 < GOAL_P95_MS) if not ctx.quick else None,
            note="the core ranks at most 2,000 matches and adds excerpts; the raw query ranks every match",
        ),
    ]
