"""REST: documents, links and backlinks, folders (nesting, cycles, deletion), moves, versions, search."""

from __future__ import annotations

import pytest

# One in-process server for the module; each test makes its own project.
pytestmark = pytest.mark.server("app")


def _doc(api, project, title="Spec", **kw):
    r = api.post(f"/api/v1/projects/{project['id']}/documents", json={"title": title, **kw})
    assert r.status_code == 201, r.text
    return r.json()


def _task(api, project, label="Build it"):
    r = api.post(f"/api/v1/projects/{project['id']}/tasks", json={"label": label})
    assert r.status_code == 201, r.text
    return r.json()


def _folder(api, project, name, parent_id=None):
    r = api.post(f"/api/v1/projects/{project['id']}/folders", json={"name": name, "parent_id": parent_id})
    assert r.status_code == 201, r.text
    return r.json()


def _tree(api, project):
    return api.get(f"/api/v1/projects/{project['id']}/folders").json()["folders"]


def test_a_created_document_keeps_title_markdown_body_and_status_line(api, project):
    d = _doc(api, project, "Design: checkout", body="# Plan\n\n- step", status_line="Ready to implement")
    got = api.get(f"/api/v1/documents/{d['id']}").json()
    assert (got["title"], got["body"], got["status_line"], got["version"]) == (
        "Design: checkout",
        "# Plan\n\n- step",
        "Ready to implement",
        1,
    )


def test_link_to_makes_documents_edges_to_tasks_and_references_to_documents(api, project):
    task, other = _task(api, project), _doc(api, project, "Investigation: cart")
    d = _doc(api, project, "Design: cart", link_to=[task["id"], other["id"]])
    links = {(link["type"], link["id"], link["label"]) for link in d["links"]}
    assert links == {("task", task["id"], "documents"), ("document", other["id"], "references")}
    edges = api.get(f"/api/v1/projects/{project['id']}/edges").json()["items"]
    assert {(e["from_id"], e["to_id"], e["label"]) for e in edges} == {
        (d["id"], task["id"], "documents"),
        (d["id"], other["id"], "references"),
    }


def test_a_linked_document_lists_the_linking_one_as_a_backlink(api, project):
    target = _doc(api, project, "Decision: payments")
    source = _doc(api, project, "Design: payments", link_to=target["id"])
    backlinks = api.get(f"/api/v1/documents/{target['id']}").json()["backlinks"]
    assert [(b["id"], b["title"], b["label"]) for b in backlinks] == [
        (source["id"], "Design: payments", "references")
    ]
    assert backlinks[0]["edge_id"] == source["links"][0]["edge_id"]


def test_updating_link_to_replaces_the_outgoing_links(api, project):
    first, second = _task(api, project, "First"), _task(api, project, "Second")
    d = _doc(api, project, link_to=[first["id"]])
    r = api.patch(f"/api/v1/documents/{d['id']}", json={"link_to": [second["id"]]})
    assert r.status_code == 200, r.text
    assert [link["id"] for link in r.json()["links"]] == [second["id"]]
    assert [e["to_id"] for e in api.get(f"/api/v1/projects/{project['id']}/edges").json()["items"]] == [
        second["id"]
    ]


def test_linking_to_an_unknown_id_is_404_and_creates_nothing(api, project):
    missing = "00000000-0000-4000-8000-000000000000"
    r = api.post(f"/api/v1/projects/{project['id']}/documents", json={"title": "Spec", "link_to": [missing]})
    assert r.status_code == 404
    assert r.json()["field"] == "link_to"
    assert api.get(f"/api/v1/projects/{project['id']}/documents").json()["total"] == 0


def test_lists_bound_bodies_to_a_preview_unless_verbose(api, project):
    _doc(api, project, body="x" * 2000)
    short = api.get(f"/api/v1/projects/{project['id']}/documents").json()["documents"][0]
    full = api.get(f"/api/v1/projects/{project['id']}/documents", params={"verbose": "true"}).json()[
        "documents"
    ][0]
    assert len(short["body"]) == 500
    assert short["body_truncated"] is True
    assert len(full["body"]) == 2000
    assert "body_truncated" not in full


def test_a_stale_document_version_gets_409_and_changes_nothing(api, project):
    d = _doc(api, project, body="person")
    assert (
        api.patch(f"/api/v1/documents/{d['id']}", json={"body": "person v2", "version": 1}).status_code == 200
    )
    r = api.patch(f"/api/v1/documents/{d['id']}", json={"body": "agent's stale edit", "version": 1})
    assert r.status_code == 409
    assert r.json()["field"] == "version"
    assert api.get(f"/api/v1/documents/{d['id']}").json()["body"] == "person v2"


def test_a_document_cannot_be_nested_below_its_own_child(api, project):
    parent = _doc(api, project, "Parent")
    child = _doc(api, project, "Child", parent_id=parent["id"])
    r = api.patch(f"/api/v1/documents/{parent['id']}", json={"parent_id": child["id"]})
    assert r.status_code == 409
    assert r.json()["field"] == "parent_id"
    assert api.get(f"/api/v1/documents/{parent['id']}").json()["parent_id"] is None


def test_search_follows_document_edits_and_deletion(api, project):
    d = _doc(api, project, body="the zebracorn protocol")
    api.patch(f"/api/v1/documents/{d['id']}", json={"body": "the unicornfish protocol"})

    def hits(word):
        return [
            h["id"]
            for h in api.get("/api/v1/search", params={"q": word, "project_id": project["id"]}).json()[
                "results"
            ]
        ]

    assert hits("unicornfish") == [d["id"]]
    assert hits("zebracorn") == []
    assert api.delete(f"/api/v1/documents/{d['id']}").status_code == 204
    assert hits("unicornfish") == []


def test_deleting_a_document_removes_its_links_and_it_is_gone(api, project):
    task = _task(api, project)
    d = _doc(api, project, link_to=task["id"])
    assert api.delete(f"/api/v1/documents/{d['id']}").status_code == 204
    assert api.get(f"/api/v1/documents/{d['id']}").status_code == 404
    assert api.get(f"/api/v1/projects/{project['id']}/edges").json()["items"] == []


def test_the_folder_tree_nests_and_counts_documents(api, project):
    specs = _folder(api, project, "Specs")
    cart = _folder(api, project, "Cart", specs["id"])
    _doc(api, project, "A", folder_id=cart["id"])
    _doc(api, project, "B", folder_id=cart["id"])
    _doc(api, project, "C")
    tree = _tree(api, project)
    assert [(f["name"], f["doc_count"]) for f in tree] == [("Specs", 0)]
    assert [(f["name"], f["doc_count"], f["parent_id"]) for f in tree[0]["folders"]] == [
        ("Cart", 2, specs["id"])
    ]
    listed = api.get(f"/api/v1/projects/{project['id']}/documents", params={"folder_id": cart["id"]}).json()
    assert [d["title"] for d in listed["documents"]] == ["A", "B"]
    assert listed["unfiled_count"] == 1


def test_a_folder_cannot_move_inside_its_own_subfolder(api, project):
    outer = _folder(api, project, "Outer")
    inner = _folder(api, project, "Inner", outer["id"])
    r = api.patch(f"/api/v1/folders/{outer['id']}", json={"parent_id": inner["id"]})
    assert r.status_code == 409
    assert r.json()["field"] == "parent_id"
    assert [f["name"] for f in _tree(api, project)] == ["Outer"]


def test_deleting_a_folder_moves_its_content_to_its_parent(api, project):
    outer = _folder(api, project, "Outer")
    doomed = _folder(api, project, "Doomed", outer["id"])
    kept = _folder(api, project, "Kept", doomed["id"])
    d = _doc(api, project, folder_id=doomed["id"])
    assert api.delete(f"/api/v1/folders/{doomed['id']}").status_code == 204
    assert api.get(f"/api/v1/documents/{d['id']}").json()["folder_id"] == outer["id"]
    assert [f["id"] for f in _tree(api, project)[0]["folders"]] == [kept["id"]]


def test_deleting_a_top_level_folder_leaves_its_documents_unfiled(api, project):
    top = _folder(api, project, "Top")
    d = _doc(api, project, folder_id=top["id"])
    assert api.delete(f"/api/v1/folders/{top['id']}").status_code == 204
    assert api.get(f"/api/v1/documents/{d['id']}").json()["folder_id"] is None


def test_deleting_a_folder_can_rehome_content_elsewhere_but_not_inside_itself(api, project):
    doomed, archive = _folder(api, project, "Doomed"), _folder(api, project, "Archive")
    sub = _folder(api, project, "Sub", doomed["id"])
    d = _doc(api, project, folder_id=doomed["id"])
    r = api.delete(f"/api/v1/folders/{doomed['id']}", params={"reparent_to": sub["id"]})
    assert r.status_code == 409
    assert r.json()["field"] == "reparent_to"
    assert (
        api.delete(f"/api/v1/folders/{doomed['id']}", params={"reparent_to": archive["id"]}).status_code
        == 204
    )
    assert api.get(f"/api/v1/documents/{d['id']}").json()["folder_id"] == archive["id"]


def test_moving_documents_reports_each_failure_and_moves_the_rest(api, project):
    dest = _folder(api, project, "Dest")
    good = _doc(api, project)
    missing = "00000000-0000-4000-8000-000000000000"
    r = api.post(
        f"/api/v1/projects/{project['id']}/documents/move",
        json={"document_ids": [good["id"], missing, "not-an-id"], "folder_id": dest["id"]},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["moved"] == [good["id"]]
    assert [(f["id"], f["code"]) for f in body["failed"]] == [
        (missing, "not_found"),
        ("not-an-id", "invalid_argument"),
    ]
    assert api.get(f"/api/v1/documents/{good['id']}").json()["folder_id"] == dest["id"]


def test_unknown_fields_are_refused_as_problem_json(api, project):
    r = api.post(f"/api/v1/projects/{project['id']}/documents", json={"title": "x", "linked_task": "y"})
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "invalid_argument"
    assert r.json()["field"] == "linked_task"


def test_a_read_only_token_cannot_create_a_document(api, project):
    token = api.post("/api/v1/tokens", json={"name": "reader", "read_only": True}).json()["token"]
    r = api.post(
        f"/api/v1/projects/{project['id']}/documents",
        json={"title": "x"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 403
    assert r.json()["code"] == "forbidden"
    assert api.get(f"/api/v1/projects/{project['id']}/documents").json()["total"] == 0
