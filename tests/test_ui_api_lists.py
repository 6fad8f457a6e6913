"""The REST API's one list shape: documents, edges, tags and tokens answer {items, total, next_cursor}."""

from __future__ import annotations

import pytest
from web_support import link, make_project, make_task

pytestmark = pytest.mark.server("app")  # REST only: the in-process tier


def test_edges_tags_and_tokens_answer_items_total_and_next_cursor(api):
    project = make_project(api, "List shapes")
    a = make_task(api, project["id"], "First", tags=["ops"])
    b = make_task(api, project["id"], "Second")
    link(api, project["id"], a["id"], b["id"])
    for path in (
        f"/api/v1/projects/{project['id']}/edges",
        f"/api/v1/projects/{project['id']}/tags",
        "/api/v1/tokens",
    ):
        body = api.get(path).json()
        assert sorted(body) == ["items", "next_cursor", "total"], path
        assert body["total"] == len(body["items"]), path


def test_documents_answer_items_and_keep_the_deprecated_documents_key(api):
    project = make_project(api, "Document lists")
    api.post(f"/api/v1/projects/{project['id']}/documents", json={"title": "Spec", "body": "text"})
    body = api.get(f"/api/v1/projects/{project['id']}/documents").json()
    assert [d["title"] for d in body["items"]] == ["Spec"]
    assert body["documents"] == body["items"]


def test_openapi_flags_the_documents_key_as_deprecated(api):
    spec = api.get("/api/v1/openapi.json").json()
    assert spec["components"]["schemas"]["DocumentList"]["properties"]["documents"]["deprecated"] is True
