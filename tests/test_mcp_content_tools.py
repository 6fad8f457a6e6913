"""MCP tools for documents, folders, notes and comments through the SDK client against a server server, each with
its error paths."""

from __future__ import annotations

import pytest
from mcp_support import error, mcp_client, mint, ok

pytestmark = [pytest.mark.anyio, pytest.mark.server("app")]
MISSING = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
async def project(mcp) -> dict:
    return await ok(mcp, "create_project", {"name": "Content"})


# ----- documents -----


async def test_a_document_is_written_linked_read_and_updated(mcp, project):
    task = await ok(mcp, "create_task", {"project_id": project["id"], "label": "Build the API"})
    doc = await ok(
        mcp,
        "create_document",
        {
            "project_id": project["id"],
            "title": "Design: API",
            "body": "# API\n\nEndpoints.",
            "status_line": "Status: Draft",
            "link_to": task["id"],
        },
    )
    assert doc["version"] == 1
    assert doc["links"][0]["id"] == task["id"]
    got = await ok(mcp, "get_document", {"document_id": doc["id"]})
    assert got["body"].startswith("# API")
    assert got["status_line"] == "Status: Draft"
    upd = await ok(
        mcp,
        "update_document",
        {"document_id": doc["id"], "status_line": "Status: Ready to implement", "version": 1},
    )
    assert upd["version"] == 2
    assert upd["status_line"].endswith("implement")
    stale = await error(mcp, "update_document", {"document_id": doc["id"], "body": "agent", "version": 1})
    assert "version" in stale
    assert (await ok(mcp, "get_document", {"document_id": doc["id"]}))["body"].startswith("# API")


async def test_list_documents_bounds_bodies_unless_verbose_and_shows_folders(mcp, project):
    folder = await ok(mcp, "create_folder", {"project_id": project["id"], "name": "Specs"})
    await ok(
        mcp,
        "create_document",
        {"project_id": project["id"], "title": "Spec: long", "body": "y" * 4000, "folder_id": folder["id"]},
    )
    listed = await ok(mcp, "list_documents", {"project_id": project["id"]})
    assert len(listed["documents"][0]["body"]) < 600
    assert listed["documents"][0]["body_truncated"] is True
    assert [f["name"] for f in listed["folders"]] == ["Specs"]
    full = await ok(
        mcp, "list_documents", {"project_id": project["id"], "folder_id": folder["id"], "verbose": True}
    )
    assert len(full["documents"][0]["body"]) == 4000
    assert (await ok(mcp, "list_documents", {"project_id": project["id"], "folder_id": "unfiled"}))[
        "documents"
    ] == []
    short = await ok(mcp, "get_document", {"document_id": full["documents"][0]["id"], "verbose": False})
    assert len(short["body"]) < 600


async def test_document_errors_name_the_field(mcp, project):
    assert await error(mcp, "create_document", {"project_id": project["id"]}) == "title is required"
    assert "not found" in await error(
        mcp, "create_document", {"project_id": project["id"], "title": "x", "link_to": MISSING}
    )
    assert "not found" in await error(
        mcp, "create_document", {"project_id": project["id"], "title": "x", "folder_id": MISSING}
    )
    assert "link_to" in await error(
        mcp, "create_document", {"project_id": project["id"], "title": "x", "link_to": 7}
    )
    assert await error(mcp, "get_document", {"document_id": MISSING}) == f"document {MISSING} not found"
    assert "not found" in await error(
        mcp, "update_document", {"document_id": MISSING, "title": "x", "version": 1}
    )
    assert "not found" in await error(mcp, "list_documents", {"project_id": MISSING})
    assert (await ok(mcp, "list_documents", {"project_id": project["id"]}))["documents"] == []


# ----- folders -----


async def test_folders_nest_rename_move_documents_and_delete_without_losing_content(mcp, project):
    parent = await ok(mcp, "create_folder", {"project_id": project["id"], "name": "Design"})
    child = await ok(
        mcp, "create_folder", {"project_id": project["id"], "name": "APIs", "parent_id": parent["id"]}
    )
    renamed = await ok(mcp, "update_folder", {"folder_id": child["id"], "name": "HTTP APIs"})
    assert renamed["name"] == "HTTP APIs"
    assert renamed["parent_id"] == parent["id"]
    doc = await ok(mcp, "create_document", {"project_id": project["id"], "title": "Design: REST"})
    moved = await ok(mcp, "move_documents", {"document_ids": [doc["id"], MISSING], "folder_id": child["id"]})
    assert moved["moved"] == [doc["id"]]
    assert moved["failed"][0]["id"] == MISSING
    gone = await ok(mcp, "delete_folder", {"folder_id": child["id"]})
    assert gone["deleted"] == child["id"]
    assert (await ok(mcp, "get_document", {"document_id": doc["id"]}))["folder_id"] == parent["id"]
    await ok(mcp, "move_documents", {"document_ids": [doc["id"]], "folder_id": None})
    assert (await ok(mcp, "get_document", {"document_id": doc["id"]}))["folder_id"] is None


async def test_folder_errors_refuse_cycles_and_unknown_ids(mcp, project):
    a = await ok(mcp, "create_folder", {"project_id": project["id"], "name": "A"})
    b = await ok(mcp, "create_folder", {"project_id": project["id"], "name": "B", "parent_id": a["id"]})
    assert "cannot move inside itself" in await error(
        mcp, "update_folder", {"folder_id": a["id"], "parent_id": b["id"]}
    )
    assert await error(mcp, "create_folder", {"project_id": project["id"]}) == "name is required"
    assert "not found" in await error(mcp, "update_folder", {"folder_id": MISSING, "name": "x"})
    assert "not found" in await error(mcp, "delete_folder", {"folder_id": MISSING})
    assert "not found" in await error(mcp, "delete_folder", {"folder_id": a["id"], "reparent_to": MISSING})
    assert "document_ids needs at least 1 item(s)" == await error(
        mcp, "move_documents", {"document_ids": [], "folder_id": None}
    )
    assert "folder_id is required" == await error(mcp, "move_documents", {"document_ids": [MISSING]})
    tree = (await ok(mcp, "list_documents", {"project_id": project["id"]}))["folders"]
    assert [f["name"] for f in tree] == ["A"]


# ----- notes -----


async def test_notes_are_written_read_updated_and_listed(mcp, project):
    n = await ok(mcp, "create_note", {"project_id": project["id"], "title": "Findings", "body": "z" * 3000})
    assert (await ok(mcp, "get_note", {"note_id": n["id"]}))["body"] == "z" * 3000
    u = await ok(
        mcp, "update_note", {"note_id": n["id"], "title": "Findings, day 2", "version": n["version"]}
    )
    assert u["title"] == "Findings, day 2"
    assert u["version"] == n["version"] + 1
    listed = await ok(mcp, "list_notes", {"project_id": project["id"]})
    assert listed["total"] == 1
    assert len(listed["items"][0]["body"]) < 600
    assert (
        len((await ok(mcp, "list_notes", {"project_id": project["id"], "verbose": True}))["items"][0]["body"])
        == 3000
    )


async def test_note_errors(mcp, project):
    assert await error(mcp, "create_note", {"project_id": project["id"]}) == "title is required"
    assert await error(mcp, "get_note", {"note_id": MISSING}) == f"note {MISSING} not found"
    n = await ok(mcp, "create_note", {"project_id": project["id"], "title": "N"})
    await ok(mcp, "update_note", {"note_id": n["id"], "body": "a person's edit", "version": n["version"]})
    assert "version" in await error(mcp, "update_note", {"note_id": n["id"], "body": "stale", "version": 1})
    assert "not found" in await error(mcp, "list_notes", {"project_id": MISSING})
    assert (await ok(mcp, "get_note", {"note_id": n["id"]}))["body"] == "a person's edit"


# ----- comments -----


async def test_comments_are_added_listed_resolved_and_reopened(mcp, project):
    task = await ok(mcp, "create_task", {"project_id": project["id"], "label": "Pick a queue"})
    c = await ok(
        mcp,
        "add_comment",
        {"target_type": "task", "target_id": task["id"], "body": "SQS or Redis?", "passage": "queue"},
    )
    assert c["resolved"] is False
    assert c["passage"] == "queue"
    open_ = await ok(mcp, "list_comments", {"project_id": project["id"]})
    assert [x["id"] for x in open_["items"]] == [c["id"]]
    assert (await ok(mcp, "list_comments", {"target_type": "task", "target_id": task["id"]}))["total"] == 1
    assert (await ok(mcp, "resolve_comment", {"comment_id": c["id"]}))["resolved"] is True
    assert (await ok(mcp, "list_comments", {"project_id": project["id"]}))["items"] == []
    assert (await ok(mcp, "list_comments", {"project_id": project["id"], "include_resolved": True}))[
        "total"
    ] == 1
    assert (await ok(mcp, "resolve_comment", {"comment_id": c["id"], "resolved": False}))["resolved"] is False


async def test_comment_errors(mcp, project):
    assert "target_type must be one of: task, document, note" in await error(
        mcp, "add_comment", {"target_type": "project", "target_id": project["id"], "body": "x"}
    )
    assert "not found" in await error(
        mcp, "add_comment", {"target_type": "task", "target_id": MISSING, "body": "x"}
    )
    assert (
        await error(mcp, "add_comment", {"target_type": "task", "target_id": MISSING}) == "body is required"
    )
    assert "project_id is required" in await error(mcp, "list_comments", {})
    assert "together" in await error(mcp, "list_comments", {"target_type": "task"})
    assert "not found" in await error(mcp, "resolve_comment", {"comment_id": MISSING})
    assert (await ok(mcp, "list_comments", {"project_id": project["id"]}))["total"] == 0


async def test_a_read_only_token_reads_content_but_cannot_write_it(server, mcp, project):
    await ok(mcp, "create_note", {"project_id": project["id"], "title": "Readable"})
    async with mcp_client(server, mint(server, "content reader", read_only=True)) as reader:
        assert (await ok(reader, "list_notes", {"project_id": project["id"]}))["total"] == 1
        assert "read-only" in await error(reader, "create_note", {"project_id": project["id"], "title": "No"})
        assert "read-only" in await error(
            reader, "add_comment", {"target_type": "task", "target_id": MISSING, "body": "No"}
        )
