"""MCP tools for documents and their folders: Markdown specs linked to the tasks they cover."""

from __future__ import annotations

from plandesk.core import documents, folders, models
from plandesk.mcp import schemas as s
from plandesk.mcp.registry import ToolGroup

TOOLS = ToolGroup("documents")

_DOCUMENT_ID = s.uuid()
_FOLDER_ID = s.uuid()


TOOLS.create_and_update(
    documents.create_document,
    documents.update_document,
    "A spec, design or decision in Markdown. Link it to every task it covers (link_to).",
    "Change the fields you pass; folder_id null: Unfiled.",
)


TOOLS.calls(
    "get_document",
    documents.get_document,
    read_only=True,
    description="A document with its body, links, backlinks and children.",
    params={"document_id": _DOCUMENT_ID, "verbose": s.boolean("Default true; false: a preview.")},
    required=["document_id"],
)


TOOLS.project_list(
    "list_documents",
    documents.list_documents,
    description="A project's documents (previews unless verbose) and folder tree. Paged.",
    filters={"folder_id": s.text("A folder id, or 'unfiled'.", max_len=36), "verbose": s.VERBOSE},
    paged=True,
)


TOOLS.writes_record(
    "create_folder",
    folders.create_folder,
    models.FolderIn,
    description="A folder for documents, optionally inside another.",
    ids={"project_id": s.PROJECT_ID},
)


TOOLS.updates_record(
    folders.update_folder, "Rename a folder or move it under another (parent_id null: top level)."
)


TOOLS.calls(
    "delete_folder",
    folders.delete_folder,
    destructive=True,
    description="Remove a folder; its content moves to reparent_to, by default the parent (or Unfiled).",
    params={"folder_id": _FOLDER_ID, "reparent_to": _FOLDER_ID},
    required=["folder_id"],
)


TOOLS.calls(
    "move_documents",
    folders.move_documents,
    idempotent=True,
    description="File documents into a folder (null: Unfiled); each moves or fails on its own.",
    params={
        "document_ids": s.array(_DOCUMENT_ID, max_items=500, min_items=1),
        "folder_id": s.nullable(_FOLDER_ID),
    },
    required=["document_ids", "folder_id"],
)
