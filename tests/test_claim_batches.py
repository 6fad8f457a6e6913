"""Claims made together: concurrent claim-next calls are claimed by the database's group writer, many to a
transaction, and each caller still gets exactly its own answer."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import select, text

from plandesk.core import graph, tasks
from plandesk.core.errors import NotFound
from plandesk.db.schema import audit_log


@contextmanager
def one_batch(db):
    """On SQLite, calls submitted inside the block wait behind the held write lock and are then claimed in
    one batch (the first call submitted goes alone: the writer took it before it met the lock). PostgreSQL
    has no such lock: the calls are batched as they come, which the answers must not depend on."""
    if db.is_sqlite:
        with db.write():
            yield
    else:
        yield


def _new(db, actor, pid, label, **kw):
    return tasks.create_task(db, actor, pid, {"label": label, **kw})["id"]


def test_a_batch_hands_out_the_first_ready_tasks_in_frontier_order_one_each(core):
    db, actor, pid, _ = core
    plain = [_new(db, actor, pid, f"plain {i}") for i in range(3)]
    urgent = _new(db, actor, pid, "urgent", priority="urgent")
    high = _new(db, actor, pid, "high", priority="high")
    with one_batch(db):
        futures = [graph.claim_next_submit(db, actor, pid, f"agent-{i}") for i in range(5)]
    got = [f.result(timeout=30) for f in futures]
    assert [g["task"]["id"] for g in got] == [urgent, high, *plain]
    assert [g["task"]["claimed_by"] for g in got] == [f"agent-{i}" for i in range(5)]
    assert all(g["task"]["status"] == "in_progress" and g["task"]["version"] == 2 for g in got)
    with db.read() as conn:
        audited = conn.execute(
            select(audit_log.c.target_id, audit_log.c.detail).where(audit_log.c.action == "task.claim")
        ).all()
    assert sorted((r.target_id, r.detail["agent_ref"]) for r in audited) == sorted(
        (g["task"]["id"], f"agent-{i}") for i, g in enumerate(got)
    )


def test_callers_beyond_the_ready_tasks_are_told_nothing_is_ready(core):
    db, actor, pid, _ = core
    a = _new(db, actor, pid, "A")
    blocked = _new(db, actor, pid, "B")
    from plandesk.core import edges

    edges.create_edge(db, actor, pid, {"from_id": a, "to_id": blocked, "label": "blocks"})
    with one_batch(db):
        futures = [graph.claim_next_submit(db, actor, pid, f"agent-{i}") for i in range(4)]
    got = [f.result(timeout=30) for f in futures]
    assert [g["task"]["id"] for g in got if g["claimed"]] == [a]
    assert [g["reason"] for g in got if not g["claimed"]] == ["all_blocked"] * 3


def test_a_call_for_a_missing_project_fails_alone(core):
    db, actor, pid, _ = core
    ids = {_new(db, actor, pid, f"T{i}") for i in range(3)}
    missing = "00000000-0000-4000-8000-000000000000"
    with one_batch(db):
        first = graph.claim_next_submit(db, actor, pid, "first")
        lost = graph.claim_next_submit(db, actor, missing, "lost")
        rest = [graph.claim_next_submit(db, actor, pid, f"agent-{i}") for i in range(2)]
    with pytest.raises(NotFound):
        lost.result(timeout=30)
    got = [f.result(timeout=30) for f in (first, *rest)]
    assert {g["task"]["id"] for g in got} == ids


def _probe_writer(db):
    """A group writer whose items each insert a row into a table of their own ("bad" then fails its
    transaction), and a way to read back what was kept."""
    with db.write() as tx:
        tx.conn.execute(text("CREATE TABLE batch_probe (v VARCHAR(20))"))

    def run(tx, items):
        for item in items:
            tx.conn.execute(text("INSERT INTO batch_probe (v) VALUES (:v)"), {"v": item})
            if item == "bad":
                raise RuntimeError("this item breaks its transaction")
        return [f"wrote {item}" for item in items]

    def kept() -> list[str]:
        with db.read() as conn:
            return sorted(conn.execute(text("SELECT v FROM batch_probe")).scalars())

    return db.group_writer(run), kept


def test_a_batch_that_fails_is_retried_item_by_item_and_keeps_nothing_of_the_failure(core):
    db, *_ = core
    writer, kept = _probe_writer(db)
    with one_batch(db):
        futures = [writer.submit(item) for item in ("first", "good", "bad", "also good")]
    assert futures[0].result(timeout=30) == "wrote first"
    assert futures[1].result(timeout=30) == "wrote good"
    assert futures[3].result(timeout=30) == "wrote also good"
    with pytest.raises(RuntimeError, match="breaks its transaction"):
        futures[2].result(timeout=30)
    assert kept() == ["also good", "first", "good"]


def test_a_claimed_task_answers_with_its_tags(core):
    db, actor, pid, _ = core
    tagged = _new(db, actor, pid, "tagged", priority="urgent", tags=["ui", "api"])
    plain = _new(db, actor, pid, "plain")
    with one_batch(db):
        futures = [graph.claim_next_submit(db, actor, pid, f"agent-{i}") for i in range(2)]
    got = [f.result(timeout=30)["task"] for f in futures]
    assert [(t["id"], t["tags"]) for t in got] == [(tagged, ["api", "ui"]), (plain, [])]


def test_a_caller_that_went_away_is_skipped_and_the_others_are_answered(core):
    """A REST client that disconnects cancels its future; the writer must neither run its item nor stumble
    over answering it (an answer to a cancelled future raises), and the batch's other callers get theirs."""
    db, *_ = core
    writer, kept = _probe_writer(db)
    with one_batch(db):
        futures = {item: writer.submit(item) for item in ("first", "gone", "last")}
        gone = futures["gone"].cancel()  # False only if the writer had already started it (PostgreSQL)
    assert futures["first"].result(timeout=30) == "wrote first"
    assert futures["last"].result(timeout=30) == "wrote last"
    assert writer.submit("after").result(timeout=30) == "wrote after"  # the writer is still serving
    assert kept() == (["after", "first", "last"] if gone else ["after", "first", "gone", "last"])
