"""The maintained frontier: each task's count of unfinished prerequisites follows every write, in the core."""

from __future__ import annotations

from sqlalchemy import select, text

from plandesk.core import edges, frontier_counts, graph, portability, tasks
from plandesk.db.schema import tasks as tasks_table


def _count(db, task_id: str) -> int:
    with db.read() as conn:
        return conn.execute(
            select(tasks_table.c.waiting_count).where(tasks_table.c.id == task_id)
        ).scalar_one()


def _consistent(db) -> bool:
    with db.read() as conn:
        return frontier_counts.mismatches(conn)[0] == 0


def _link(db, actor, pid, a, b, label="blocks"):
    return edges.create_edge(db, actor, pid, {"from_id": a, "to_id": b, "label": label})


def _new(db, actor, pid, label, **kw):
    return tasks.create_task(db, actor, pid, {"label": label, **kw})["id"]


def test_an_edge_to_an_unfinished_prerequisite_counts_once(core):
    db, actor, pid, _ = core
    a, b = _new(db, actor, pid, "A"), _new(db, actor, pid, "B")
    _link(db, actor, pid, a, b)
    assert _count(db, b) == 1
    assert _count(db, a) == 0


def test_depends_on_counts_on_the_task_that_depends(core):
    db, actor, pid, _ = core
    a, b = _new(db, actor, pid, "A"), _new(db, actor, pid, "B")
    _link(db, actor, pid, b, a, "depends_on")
    assert _count(db, b) == 1
    assert _count(db, a) == 0


def test_finishing_a_prerequisite_releases_its_dependents(core):
    db, actor, pid, _ = core
    a, b = _new(db, actor, pid, "A"), _new(db, actor, pid, "B")
    _link(db, actor, pid, a, b)
    tasks.update_task(db, actor, a, {"status": "done", "version": 1})
    assert _count(db, b) == 0
    with db.read() as conn:
        assert graph.frontier(conn, actor, pid)["ready"] == [b]


def test_reopening_a_done_prerequisite_blocks_its_dependents_again(core):
    db, actor, pid, _ = core
    a, b = _new(db, actor, pid, "A", status="done"), _new(db, actor, pid, "B")
    _link(db, actor, pid, a, b)
    assert _count(db, b) == 0
    tasks.update_task(db, actor, a, {"status": "todo", "version": 1})
    assert _count(db, b) == 1


def test_deleting_an_edge_releases_its_dependent(core):
    db, actor, pid, _ = core
    a, b = _new(db, actor, pid, "A"), _new(db, actor, pid, "B")
    edge = _link(db, actor, pid, a, b)
    edges.delete_edge(db, actor, edge["id"])
    assert _count(db, b) == 0


def test_deleting_a_prerequisite_task_releases_its_dependents(core):
    db, actor, pid, _ = core
    a, b = _new(db, actor, pid, "A"), _new(db, actor, pid, "B")
    _link(db, actor, pid, a, b)
    tasks.delete_task(db, actor, a)
    assert _count(db, b) == 0
    assert _consistent(db)


def test_an_imported_plan_lands_with_its_counts(core):
    db, actor, pid, _ = core
    a, b, c = (_new(db, actor, pid, n) for n in "ABC")
    _link(db, actor, pid, a, b)
    _link(db, actor, pid, c, b, "blocks")
    tasks.update_task(db, actor, c, {"status": "done", "version": 1})
    new = portability.import_project(db, actor, portability.export_project(db, actor, pid))["project_id"]
    with db.read() as conn:
        counts = dict(
            conn.execute(
                select(tasks_table.c.label, tasks_table.c.waiting_count).where(
                    tasks_table.c.project_id == new
                )
            ).all()
        )
    assert counts == {"A": 0, "B": 1, "C": 0}
    assert _consistent(db)


def test_the_frontier_lists_ready_tasks_in_priority_then_age_order(core):
    db, actor, pid, _ = core
    low = _new(db, actor, pid, "low", priority="low")
    none = _new(db, actor, pid, "none")
    urgent = _new(db, actor, pid, "urgent", priority="urgent")
    blocked = _new(db, actor, pid, "blocked", priority="urgent")
    _link(db, actor, pid, none, blocked)
    with db.read() as conn:
        f = graph.frontier(conn, actor, pid)
    assert f["ready"] == [urgent, low, none]
    assert f["ready_total"] == 3
    assert [b["id"] for b in f["blocked"]] == [blocked]
    assert f["blocked"][0]["waiting_on"][0]["id"] == none


def test_doctor_check_finds_a_count_written_behind_the_triggers_back(core):
    db, actor, pid, _ = core
    a = _new(db, actor, pid, "A")
    with db.write() as tx:
        tx.conn.execute(text("UPDATE tasks SET waiting_count = 3 WHERE id = :i"), {"i": a})
    with db.read() as conn:
        wrong, sample = frontier_counts.mismatches(conn)
    assert wrong == 1
    assert sample[0] == {"task_id": a, "stored": 3, "actual": 0}
    with db.write() as tx:
        assert frontier_counts.repair(tx.conn) == 1
    assert _consistent(db)


def test_claim_next_hands_every_agent_a_different_task_on_its_first_call(core):
    db, actor, pid, _ = core
    ids = {_new(db, actor, pid, f"T{i}") for i in range(8)}
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda i: graph.claim_next_task(db, actor, pid, f"agent-{i}"), range(8)))
    assert all(g["claimed"] for g in got)
    assert {g["task"]["id"] for g in got} == ids


def test_claim_next_skips_a_task_whose_prerequisite_is_unfinished(core):
    db, actor, pid, _ = core
    a, b = _new(db, actor, pid, "A"), _new(db, actor, pid, "B", priority="urgent")
    _link(db, actor, pid, a, b)
    assert graph.claim_next_task(db, actor, pid, "agent")["task"]["id"] == a
    assert graph.claim_next_task(db, actor, pid, "agent") == {
        "claimed": False,
        "task": None,
        "reason": "all_blocked",
    }


def test_claim_next_takes_tasks_in_priority_order_then_none(core):
    db, actor, pid, _ = core
    plain = _new(db, actor, pid, "no priority")
    low, high = _new(db, actor, pid, "low", priority="low"), _new(db, actor, pid, "high", priority="high")
    got = [graph.claim_next_task(db, actor, pid, "agent")["task"]["id"] for _ in range(3)]
    assert got == [high, low, plain]


def test_claim_next_takes_an_urgent_task_its_own_lease_expiry_freed_first(core):
    """The expiry runs inside the claim: the freed task competes with the ready ones, by priority."""
    db, actor, pid, _ = core
    urgent = _new(db, actor, pid, "urgent", priority="urgent")
    assert graph.claim_next_task(db, actor, pid, "a", lease_seconds=60)["task"]["id"] == urgent
    low = _new(db, actor, pid, "low", priority="low")
    with db.write() as tx:  # the lease ran out
        tx.conn.execute(
            text("UPDATE tasks SET lease_expires_at = :t WHERE id = :i"), {"t": "2000-01-01", "i": urgent}
        )
    assert graph.claim_next_task(db, actor, pid, "b")["task"]["id"] == urgent
    assert graph.claim_next_task(db, actor, pid, "b")["task"]["id"] == low


def test_the_migration_counts_prerequisites_of_an_existing_workspace(unmigrated_db):
    from alembic import command

    from plandesk.db import migrate

    db = unmigrated_db
    cfg = migrate.alembic_config(db.url)
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    stamp = "2026-01-01 00:00:00"
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO projects (id, name, description, version, created_at, updated_at) "
                "VALUES ('p', 'Old', '', 1, :t, :t)"
            ),
            {"t": stamp},
        )
        for tid, status in (("a", "todo"), ("b", "done"), ("c", "todo")):
            conn.execute(
                text(
                    "INSERT INTO tasks (id, project_id, label, status, kind, description, "
                    "commit_refs, x, y, version, created_at, updated_at) VALUES (:i, 'p', :i, :s, "
                    "'build', '', '[]', 0, 0, 1, :t, :t)"
                ),
                {"i": tid, "s": status, "t": stamp},
            )
        for eid, f, t in (("e1", "a", "c"), ("e2", "b", "c")):
            conn.execute(
                text(
                    "INSERT INTO edges (id, project_id, from_type, from_id, to_type, to_id, label, "
                    "created_at) VALUES (:e, 'p', 'task', :f, 'task', :t, 'blocks', :s)"
                ),
                {"e": eid, "f": f, "t": t, "s": stamp},
            )
    migrate.upgrade(db)
    assert _count(db, "c") == 1
    assert _count(db, "a") == 0
    assert _consistent(db)


def test_get_next_task_counts_every_ready_task_though_it_answers_with_one(core):
    db, actor, pid, _ = core
    first = _new(db, actor, pid, "first", priority="high")
    others = [_new(db, actor, pid, f"other {i}") for i in range(2)]
    blocked = _new(db, actor, pid, "blocked")
    _link(db, actor, pid, others[0], blocked)
    got = graph.get_next_task(db, actor, pid)
    assert got["next_task"]["id"] == first
    assert got["ready_count"] == 3
    assert got["blocked_total"] == 1
    assert [b["id"] for b in got["blocked"]] == [blocked]
