"""Batch creation of tasks with their links into an existing project: one transaction, all or nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from plandesk.core import edges, frontier_counts, graph, scaffold, tasks
from plandesk.core.errors import Conflict, NotFound
from plandesk.db.schema import tasks as tasks_table


def _task_count(db, pid) -> int:
    with db.read() as conn:
        return conn.execute(
            select(func.count()).select_from(tasks_table).where(tasks_table.c.project_id == pid)
        ).scalar_one()


def test_a_batch_links_new_tasks_to_an_existing_one_by_id(core):
    db, actor, pid, _ = core
    base = tasks.create_task(db, actor, pid, {"label": "Existing"})["id"]
    out = scaffold.create_tasks(
        db,
        actor,
        pid,
        [{"key": "a", "label": "A", "tags": ["api"]}, {"key": "b", "label": "B"}],
        [{"from": base, "to": "a", "label": "blocks"}, {"from": "a", "to": "b", "label": "blocks"}],
    )
    assert [t["tags"] for t in out["tasks"]] == [["api"], []]
    with db.read() as conn:
        f = graph.frontier(conn, actor, pid)
        assert frontier_counts.mismatches(conn)[0] == 0
    assert f["ready"] == [base]
    assert f["blocked_total"] == 2


def test_a_batch_naming_a_missing_task_writes_nothing(core):
    db, actor, pid, _ = core
    with pytest.raises(NotFound) as err:
        scaffold.create_tasks(
            db,
            actor,
            pid,
            [{"key": "a", "label": "A"}],
            [{"from": "a", "to": "00000000-0000-4000-8000-000000000000"}],
        )
    assert err.value.field == "edges[0].to"
    assert _task_count(db, pid) == 0


def test_a_batch_closing_a_cycle_through_existing_edges_writes_nothing(core):
    db, actor, pid, _ = core
    x = tasks.create_task(db, actor, pid, {"label": "X"})["id"]
    y = tasks.create_task(db, actor, pid, {"label": "Y"})["id"]
    edges.create_edge(db, actor, pid, {"from_id": x, "to_id": y, "label": "blocks"})
    with pytest.raises(Conflict) as err:
        scaffold.create_tasks(
            db,
            actor,
            pid,
            [{"key": "a", "label": "A"}],
            [{"from": y, "to": "a", "label": "blocks"}, {"from": "a", "to": x, "label": "blocks"}],
        )
    assert err.value.field.startswith("edges[1]")
    assert "cycle" in err.value.message
    assert _task_count(db, pid) == 2


def test_batch_tasks_keep_the_plan_order_in_the_frontier(core):
    db, actor, pid, _ = core
    out = scaffold.create_tasks(db, actor, pid, [{"key": f"t{i}", "label": f"T{i}"} for i in range(20)])
    with db.read() as conn:
        assert graph.frontier(conn, actor, pid)["ready"] == [t["id"] for t in out["tasks"]]
