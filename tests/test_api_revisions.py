"""REST: revisions — the prior snapshot of a task or document on every change, listed, read and restored."""

from __future__ import annotations

import pytest

# One in-process server for the module; each test makes its own project.
pytestmark = pytest.mark.server("app")


def _doc(api, project, **kw):
    r = api.post(f"/api/v1/projects/{project['id']}/documents", json={"title": "Spec", **kw})
    assert r.status_code == 201, r.text
    return r.json()


def _history(api, project, target_type, target_id):
    r = api.get(
        f"/api/v1/projects/{project['id']}/revisions",
        params={"target_type": target_type, "target_id": target_id},
    )
    assert r.status_code == 200, r.text
    return r.json()["items"]


def test_each_document_change_leaves_the_prior_snapshot(api, project):
    d = _doc(api, project, body="first")
    api.patch(f"/api/v1/documents/{d['id']}", json={"body": "second"})
    api.patch(f"/api/v1/documents/{d['id']}", json={"title": "Spec v3"})
    history = _history(api, project, "document", d["id"])
    assert [r["changed_fields"] for r in history] == [["title"], ["body"]]
    oldest = api.get(f"/api/v1/revisions/{history[-1]['id']}").json()
    assert (oldest["snapshot"]["body"], oldest["snapshot"]["title"], oldest["author"]) == (
        "first",
        "Spec",
        "Local owner",
    )


def test_an_unchanged_save_leaves_no_revision(api, project):
    d = _doc(api, project, body="same")
    api.patch(f"/api/v1/documents/{d['id']}", json={"body": "same"})
    assert _history(api, project, "document", d["id"]) == []
    assert api.get(f"/api/v1/documents/{d['id']}").json()["version"] == 1


def test_restoring_a_document_revision_brings_the_old_text_back_as_a_new_change(api, project):
    d = _doc(api, project, body="the good text", status_line="Ready")
    api.patch(f"/api/v1/documents/{d['id']}", json={"body": "vandalised", "status_line": "Broken"})
    rev = _history(api, project, "document", d["id"])[0]
    r = api.post(f"/api/v1/revisions/{rev['id']}/restore")
    assert r.status_code == 200, r.text
    assert (r.json()["body"], r.json()["status_line"], r.json()["version"]) == ("the good text", "Ready", 3)
    assert len(_history(api, project, "document", d["id"])) == 2


def test_restoring_a_task_revision_brings_its_fields_back(api, project):
    t = api.post(
        f"/api/v1/projects/{project['id']}/tasks", json={"label": "Original", "priority": "high"}
    ).json()
    api.patch(f"/api/v1/tasks/{t['id']}", json={"label": "Renamed", "priority": "low"})
    rev = _history(api, project, "task", t["id"])[0]
    assert sorted(rev["changed_fields"]) == ["label", "priority"]
    assert api.post(f"/api/v1/revisions/{rev['id']}/restore").status_code == 200
    back = api.get(f"/api/v1/tasks/{t['id']}").json()
    assert (back["label"], back["priority"]) == ("Original", "high")


def test_history_is_listed_only_under_the_target_s_own_project(api, project):
    d = _doc(api, project, body="a")
    api.patch(f"/api/v1/documents/{d['id']}", json={"body": "b"})
    other = api.post("/api/v1/projects", json={"name": "Other"}).json()
    assert _history(api, other, "document", d["id"]) == []
    assert len(_history(api, project, "document", d["id"])) == 1


def test_an_unknown_revision_is_404_and_a_bad_target_type_400(api, project):
    missing = "00000000-0000-4000-8000-000000000000"
    assert api.get(f"/api/v1/revisions/{missing}").status_code == 404
    assert api.post(f"/api/v1/revisions/{missing}/restore").status_code == 404
    r = api.get(
        f"/api/v1/projects/{project['id']}/revisions", params={"target_type": "note", "target_id": missing}
    )
    assert r.status_code == 400
    assert r.json()["field"] == "target_type"
