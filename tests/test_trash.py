"""The trash: deleted tasks, documents and notes kept 30 days and restorable with their links and comments."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select

from plandesk.core import comments, edges, frontier_counts, health, notes, tasks, trash
from plandesk.core.errors import Conflict, Forbidden
from plandesk.db.schema import tasks as tasks_table

pytestmark = pytest.mark.server("app")


def _task(db, actor, pid, label, **kw):
    return tasks.create_task(db, actor, pid, {"label": label, **kw})["id"]


def _link(db, actor, pid, a, b, label="blocks"):
    return edges.create_edge(db, actor, pid, {"from_id": a, "to_id": b, "label": label})


def _waiting(db, task_id):
    with db.read() as conn:
        return conn.execute(
            select(tasks_table.c.waiting_count).where(tasks_table.c.id == task_id)
        ).scalar_one()


# --- core -------------------------------------------------------------------------------------------------


def test_a_restored_task_has_its_links_comments_and_tags_back(core):
    db, actor, pid, _ = core
    a, b = _task(db, actor, pid, "A"), _task(db, actor, pid, "B", tags=["infra"])
    _link(db, actor, pid, a, b)
    comments.add_comment(db, actor, "task", b, "remember the cache")
    trash_id = tasks.delete_task(db, actor, b)
    answer = trash.restore(db, actor, trash_id)
    assert answer["links_restored"] == 1
    assert answer["comments_restored"] == 1
    assert answer["skipped"] == []
    again = tasks.get_task(db, actor, b)
    assert again["label"] == "B"
    assert again["tags"] == ["infra"]
    assert [c["body"] for c in comments.list_comments(db, actor, pid, "task", b)["items"]] == [
        "remember the cache"
    ]


def test_a_restored_task_waits_on_its_unfinished_prerequisite_again(core):
    db, actor, pid, _ = core
    a, b, c = (_task(db, actor, pid, n) for n in "ABC")
    _link(db, actor, pid, a, b)
    _link(db, actor, pid, b, c)
    trash_id = tasks.delete_task(db, actor, b)
    assert _waiting(db, c) == 0
    trash.restore(db, actor, trash_id)
    assert _waiting(db, b) == 1
    assert _waiting(db, c) == 1
    with db.read() as conn:
        assert frontier_counts.mismatches(conn)[0] == 0


def test_the_workspace_stays_healthy_after_a_restore(core):
    db, actor, pid, ws = core
    a, b = _task(db, actor, pid, "A"), _task(db, actor, pid, "B")
    _link(db, actor, pid, a, b)
    trash.restore(db, actor, tasks.delete_task(db, actor, a))
    report = health.check_workspace(ws.settings())
    assert report["status"] == 0, report


def test_a_link_whose_other_end_is_gone_is_skipped_and_named(core):
    db, actor, pid, _ = core
    a, b = _task(db, actor, pid, "A"), _task(db, actor, pid, "B")
    _link(db, actor, pid, a, b)
    trash_b = tasks.delete_task(db, actor, b)
    tasks.delete_task(db, actor, a)
    answer = trash.restore(db, actor, trash_b)
    assert answer["links_restored"] == 0
    assert [(s["kind"], s["other_id"]) for s in answer["skipped"]] == [("link", a)]
    assert _waiting(db, b) == 0


def test_restore_refuses_when_the_id_is_in_use_again(core):
    db, actor, pid, _ = core
    a = _task(db, actor, pid, "A")
    trash_id = tasks.delete_task(db, actor, a)
    from plandesk.core.clock import now

    with db.write() as tx:  # as an import or a raw script could
        tx.conn.execute(
            insert(tasks_table).values(
                id=a,
                project_id=pid,
                label="other",
                status="todo",
                kind="task",
                description="",
                commit_refs=[],
                x=0,
                y=0,
                version=1,
                created_at=now(),
                updated_at=now(),
            )
        )
    with pytest.raises(Conflict):
        trash.restore(db, actor, trash_id)
    assert [i["id"] for i in trash.list_trash(db, actor, pid)["items"]] == [trash_id]


def test_a_token_cannot_restore(core):
    from dataclasses import replace

    db, actor, pid, _ = core
    trash_id = tasks.delete_task(db, actor, _task(db, actor, pid, "A"))
    with pytest.raises(Forbidden):
        trash.restore(db, replace(actor, token_id="t-1"), trash_id)


def test_a_note_comes_back_from_the_trash(core):
    db, actor, pid, _ = core
    nid = notes.create_note(db, actor, pid, {"title": "Idea", "body": "text"})["id"]
    trash.restore(db, actor, notes.delete_note(db, actor, nid))
    assert notes.get_note(db, actor, nid)["body"] == "text"


def test_items_older_than_thirty_days_are_purged_by_the_sweep(core, clock):
    db, actor, pid, _ = core
    old = tasks.delete_task(db, actor, _task(db, actor, pid, "old"))
    clock.advance(29 * 86400)
    young = tasks.delete_task(db, actor, _task(db, actor, pid, "young"))
    clock.advance(2 * 86400)
    assert trash.purge_expired(db) == 1
    assert [i["id"] for i in trash.list_trash(db, actor, pid)["items"]] == [young]
    assert old != young


# --- REST -------------------------------------------------------------------------------------------------


def _rest_task(api, project, label):
    r = api.post(f"/api/v1/projects/{project['id']}/tasks", json={"label": label})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_rest_delete_names_the_trash_item_and_restore_brings_the_task_back(api, project):
    tid = _rest_task(api, project, "Write the report")
    api.post(f"/api/v1/tasks/{tid}/comments", json={"body": "draft is in docs/"})
    r = api.delete(f"/api/v1/tasks/{tid}")
    assert r.status_code == 204
    trash_id = r.headers["x-trash-item"]
    listed = api.get(f"/api/v1/projects/{project['id']}/trash").json()["items"]
    assert [(i["id"], i["item_type"], i["title"], i["comments"]) for i in listed] == [
        (trash_id, "task", "Write the report", 1)
    ]
    assert api.get(f"/api/v1/tasks/{tid}").status_code == 404
    r = api.post(f"/api/v1/trash/{trash_id}/restore")
    assert r.status_code == 200, r.text
    assert api.get(f"/api/v1/tasks/{tid}").json()["label"] == "Write the report"
    assert len(api.get(f"/api/v1/tasks/{tid}/comments").json()["items"]) == 1


def test_rest_restore_twice_is_not_found(api, project):
    trash_id = api.delete(f"/api/v1/tasks/{_rest_task(api, project, 'A')}").headers["x-trash-item"]
    assert api.post(f"/api/v1/trash/{trash_id}/restore").status_code == 200
    r = api.post(f"/api/v1/trash/{trash_id}/restore")
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"


def test_rest_purge_one_and_purge_all(api, project):
    first = api.delete(f"/api/v1/tasks/{_rest_task(api, project, 'A')}").headers["x-trash-item"]
    api.delete(f"/api/v1/tasks/{_rest_task(api, project, 'B')}")
    api.delete(f"/api/v1/tasks/{_rest_task(api, project, 'C')}")
    assert api.delete(f"/api/v1/trash/{first}").status_code == 204
    assert api.get(f"/api/v1/projects/{project['id']}/trash").json()["total"] == 2
    assert api.post(f"/api/v1/projects/{project['id']}/trash/purge").json() == {"purged": 2}
    assert api.get(f"/api/v1/projects/{project['id']}/trash").json()["items"] == []


def test_rest_trash_actions_are_audited(api, project):
    trash_id = api.delete(f"/api/v1/tasks/{_rest_task(api, project, 'A')}").headers["x-trash-item"]
    api.post(f"/api/v1/trash/{trash_id}/restore")
    api.post(f"/api/v1/projects/{project['id']}/trash/purge")
    rows = api.get(f"/api/v1/projects/{project['id']}/audit").json()["items"]
    actions = {r["action"] for r in rows}
    assert {"task.delete", "task.restore", "trash.purge"} <= actions


def test_rest_a_token_cannot_purge_the_trash(api, project):
    token = api.post("/api/v1/tokens", json={"name": "agent"}).json()["token"]
    r = api.post(
        f"/api/v1/projects/{project['id']}/trash/purge", headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 403
    assert r.json()["code"] == "forbidden"


def test_rest_a_malformed_trash_id_is_a_clear_error(api):
    r = api.post("/api/v1/trash/not-an-id/restore")
    assert r.status_code == 400
    assert r.json()["code"] == "invalid_argument"


# --- migration --------------------------------------------------------------------------------------------


def test_migration_0004_adds_the_trash_table_and_downgrades_cleanly(unmigrated_db):
    from alembic import command
    from sqlalchemy import inspect

    from plandesk.db import migrate
    from plandesk.db.schema import trash_items

    db = unmigrated_db
    migrate.upgrade(db)
    assert migrate.current_revision(db) == migrate.head_revision() == "0004"
    with db.engine.connect() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("trash_items")}
        indexes = {i["name"] for i in inspect(conn).get_indexes("trash_items")}
    assert columns == {c.name for c in trash_items.columns}
    assert indexes == {i.name for i in trash_items.indexes}
    cfg = migrate.alembic_config(db.url)
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0003")
    with db.engine.connect() as conn:
        assert "trash_items" not in inspect(conn).get_table_names()
    migrate.upgrade(db)
    assert migrate.current_revision(db) == "0004"


def test_a_restored_document_takes_its_child_documents_back(core):
    from plandesk.core import documents

    db, actor, pid, _ = core
    parent = documents.create_document(db, actor, pid, {"title": "Guide"})["id"]
    child = documents.create_document(db, actor, pid, {"title": "Chapter", "parent_id": parent})["id"]
    trash.restore(db, actor, documents.delete_document(db, actor, parent))
    assert documents.get_document(db, actor, child)["parent_id"] == parent
