"""REST: notes — create, read, versioned edits, bounded lists, deletion, search."""

from __future__ import annotations

import pytest

# One in-process server for the module; each test makes its own project.
pytestmark = pytest.mark.server("app")


def _note(api, project, title="Working memory", **kw):
    r = api.post(f"/api/v1/projects/{project['id']}/notes", json={"title": title, **kw})
    assert r.status_code == 201, r.text
    return r.json()


def test_a_note_is_created_and_read_back(api, project):
    n = _note(api, project, body="remember the cache key")
    got = api.get(f"/api/v1/notes/{n['id']}").json()
    assert (got["title"], got["body"], got["version"], got["project_id"]) == (
        "Working memory",
        "remember the cache key",
        1,
        project["id"],
    )


def test_an_edit_with_the_current_version_bumps_it(api, project):
    n = _note(api, project)
    r = api.patch(f"/api/v1/notes/{n['id']}", json={"body": "new", "version": 1})
    assert r.status_code == 200
    assert (r.json()["body"], r.json()["version"]) == ("new", 2)


def test_a_stale_note_version_gets_409_and_changes_nothing(api, project):
    n = _note(api, project, body="original")
    api.patch(f"/api/v1/notes/{n['id']}", json={"body": "person", "version": 1})
    r = api.patch(f"/api/v1/notes/{n['id']}", json={"body": "agent", "version": 1})
    assert r.status_code == 409
    assert r.json()["field"] == "version"
    assert r.json()["current_version"] == 2
    assert api.get(f"/api/v1/notes/{n['id']}").json()["body"] == "person"


def test_the_note_list_is_paged_with_bounded_bodies(api, project):
    for i in range(3):
        _note(api, project, f"Note {i}", body="y" * 800)
    first = api.get(f"/api/v1/projects/{project['id']}/notes", params={"limit": 2}).json()
    assert first["total"] == 3
    assert len(first["items"]) == 2
    assert first["next_cursor"]
    assert all(len(n["body"]) == 500 for n in first["items"])
    assert all(n["body_truncated"] for n in first["items"])
    rest = api.get(
        f"/api/v1/projects/{project['id']}/notes",
        params={"limit": 2, "cursor": first["next_cursor"], "verbose": "true"},
    ).json()
    assert [n["title"] for n in rest["items"]] == ["Note 2"]
    assert len(rest["items"][0]["body"]) == 800


def test_a_note_without_a_title_is_refused_naming_the_field(api, project):
    r = api.post(f"/api/v1/projects/{project['id']}/notes", json={"title": "   "})
    assert r.status_code == 400
    assert r.json()["field"] == "title"
    assert api.get(f"/api/v1/projects/{project['id']}/notes").json()["total"] == 0


def test_search_finds_a_note_until_it_is_deleted(api, project):
    n = _note(api, project, body="flibbertigibbet detail")

    def hits():
        return [
            (h["kind"], h["id"])
            for h in api.get(
                "/api/v1/search", params={"q": "flibbertigibbet", "project_id": project["id"]}
            ).json()["results"]
        ]

    assert hits() == [("note", n["id"])]
    assert api.delete(f"/api/v1/notes/{n['id']}").status_code == 204
    assert hits() == []
    assert api.get(f"/api/v1/notes/{n['id']}").status_code == 404


def test_an_oversized_body_is_refused_naming_the_field(api, project):
    # 1 MB + 1 character: under the 4 MiB request cap, over the body limit the core enforces.
    r = api.post(f"/api/v1/projects/{project['id']}/notes", json={"title": "big", "body": "z" * 1_000_001})
    assert r.status_code == 400
    assert r.json()["field"] == "body"
    assert "too long" in r.json()["message"]
    assert api.get(f"/api/v1/projects/{project['id']}/notes").json()["total"] == 0


def test_a_note_of_an_unknown_project_is_404(api):
    r = api.post("/api/v1/projects/00000000-0000-4000-8000-000000000000/notes", json={"title": "x"})
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"
