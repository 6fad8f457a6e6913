"""REST: comments on tasks, documents and notes — passages, resolving, editing, deletion, search."""

from __future__ import annotations

import pytest

# One in-process server for the module; each test makes its own project.
pytestmark = pytest.mark.server("app")


def _make(api, project, kind):
    path, body = {
        "task": ("tasks", {"label": "Task"}),
        "document": ("documents", {"title": "Doc"}),
        "note": ("notes", {"title": "Note"}),
    }[kind]
    r = api.post(f"/api/v1/projects/{project['id']}/{path}", json=body)
    assert r.status_code == 201, r.text
    return path, r.json()


@pytest.mark.parametrize("kind", ["task", "document", "note"])
def test_a_comment_is_added_to_each_kind_of_target_and_listed_there(api, project, kind):
    path, target = _make(api, project, kind)
    r = api.post(f"/api/v1/{path}/{target['id']}/comments", json={"body": "Why this order?"})
    assert r.status_code == 201, r.text
    c = r.json()
    assert (c["target_type"], c["target_id"], c["resolved"], c["author"]) == (
        kind,
        target["id"],
        False,
        "Local owner",
    )
    listed = api.get(f"/api/v1/{path}/{target['id']}/comments").json()
    assert [x["id"] for x in listed["items"]] == [c["id"]]


def test_a_comment_keeps_the_passage_it_quotes(api, project):
    path, doc = _make(api, project, "document")
    api.post(f"/api/v1/{path}/{doc['id']}/comments", json={"body": "Too vague", "passage": "make it fast"})
    items = api.get(f"/api/v1/projects/{project['id']}/comments").json()["items"]
    assert [(c["passage"], c["body"]) for c in items] == [("make it fast", "Too vague")]


def test_a_resolved_comment_leaves_the_default_list(api, project):
    path, task = _make(api, project, "task")
    c = api.post(f"/api/v1/{path}/{task['id']}/comments", json={"body": "Please add a test"}).json()
    r = api.patch(f"/api/v1/comments/{c['id']}", json={"resolved": True})
    assert r.status_code == 200
    assert r.json()["resolved"] is True
    assert api.get(f"/api/v1/projects/{project['id']}/comments").json()["items"] == []
    everything = api.get(
        f"/api/v1/projects/{project['id']}/comments", params={"include_resolved": "true"}
    ).json()
    assert [x["id"] for x in everything["items"]] == [c["id"]]


def test_the_project_list_narrows_to_one_target(api, project):
    tpath, task = _make(api, project, "task")
    npath, note = _make(api, project, "note")
    api.post(f"/api/v1/{tpath}/{task['id']}/comments", json={"body": "on the task"})
    api.post(f"/api/v1/{npath}/{note['id']}/comments", json={"body": "on the note"})
    r = api.get(
        f"/api/v1/projects/{project['id']}/comments", params={"target_type": "note", "target_id": note["id"]}
    )
    assert [c["body"] for c in r.json()["items"]] == ["on the note"]


def test_commenting_on_an_unknown_task_is_404(api):
    r = api.post("/api/v1/tasks/00000000-0000-4000-8000-000000000000/comments", json={"body": "hello"})
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"


def test_an_empty_comment_is_refused(api, project):
    path, task = _make(api, project, "task")
    r = api.post(f"/api/v1/{path}/{task['id']}/comments", json={"body": ""})
    assert r.status_code == 400
    assert r.json()["field"] == "body"
    assert api.get(f"/api/v1/{path}/{task['id']}/comments").json()["total"] == 0


def test_an_edited_comment_is_found_by_its_new_words(api, project):
    path, task = _make(api, project, "task")
    c = api.post(f"/api/v1/{path}/{task['id']}/comments", json={"body": "first draft"}).json()
    assert api.patch(f"/api/v1/comments/{c['id']}", json={"body": "quokkalicious remark"}).status_code == 200
    hits = api.get("/api/v1/search", params={"q": "quokkalicious", "project_id": project["id"]}).json()[
        "results"
    ]
    assert [(h["kind"], h["id"]) for h in hits] == [("comment", c["id"])]


def test_a_deleted_comment_is_gone(api, project):
    path, task = _make(api, project, "task")
    c = api.post(f"/api/v1/{path}/{task['id']}/comments", json={"body": "oops"}).json()
    assert api.delete(f"/api/v1/comments/{c['id']}").status_code == 204
    assert (
        api.get(f"/api/v1/{path}/{task['id']}/comments", params={"include_resolved": "true"}).json()["items"]
        == []
    )
    assert api.patch(f"/api/v1/comments/{c['id']}", json={"resolved": True}).status_code == 404


def test_resolving_is_audited(api, project):
    path, task = _make(api, project, "task")
    c = api.post(f"/api/v1/{path}/{task['id']}/comments", json={"body": "check"}).json()
    api.patch(f"/api/v1/comments/{c['id']}", json={"resolved": True})
    actions = [
        e["action"]
        for e in api.get(f"/api/v1/projects/{project['id']}/audit").json()["items"]
        if e["target_id"] == c["id"]
    ]
    assert actions == ["comment.resolve", "comment.create"]
