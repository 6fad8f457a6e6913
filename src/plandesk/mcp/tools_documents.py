"""MCP tools for documents and their folders: Markdown specs linked to the tasks they cover."""

from __future__ import annotations

from plandesk.core import vocab
from plandesk.mcp import schemas as s
from plandesk.mcp import shapes
from plandesk.mcp.registry import ToolCall, ToolGroup

TOOLS = ToolGroup()

_DOCUMENT_ID = s.uuid("The document's id.")
_FOLDER_ID = s.uuid("The folder's id (from list_documents' folder tree).")
_TITLE = s.text("Title with a prefix: 'Investigation:', 'Scope:', 'Design:', 'Decision:' or 'Fix:'.",
                max_len=vocab.MAX_LABEL, min_len=1)
_BODY = s.text("Markdown body.", max_len=vocab.MAX_BODY)
_STATUS_LINE = s.text("e.g. 'Status: Ready to implement', 'Status: Open — requires investigation'.", max_len=500)
_LINK_TO = {"anyOf": [s.uuid("A task or document id."),
                      s.array(s.uuid("A task or document id."), "Ids.", max_items=200)],
            "description": "Task or document id(s) this document covers; links to tasks are labelled `documents`, "
                           "to documents `references`. On update the list replaces the document's links."}
_FOLDER_TREE = {"type": "array", "items": {"type": "object"}}


@TOOLS.tool("create_document", title="Create a document",
            description="Write a spec, design or decision as a Markdown document. Link it to every task it "
                        "covers with link_to: an unlinked document is hard to find. File it with folder_id.",
            params={"project_id": s.PROJECT_ID, "title": _TITLE, "body": _BODY, "status_line": _STATUS_LINE,
                    "parent_id": s.uuid("A document to nest this one under."), "folder_id": _FOLDER_ID,
                    "link_to": _LINK_TO},
            required=["project_id", "title"], output=shapes.DOCUMENT)
def create_document(call: ToolCall, a: dict) -> dict:
    from plandesk.core import documents
    return documents.create_document(call.db, call.actor, a.pop("project_id"), a)


@TOOLS.tool("update_document", title="Update a document", idempotent=True,
            description="Change a document: only the fields you pass change. Pass the version you read to refuse "
                        "overwriting a newer edit. folder_id null moves it to Unfiled.",
            params={"document_id": _DOCUMENT_ID, "title": _TITLE, "body": _BODY,
                    "status_line": s.nullable(_STATUS_LINE), "parent_id": s.nullable(s.uuid("Parent document.")),
                    "folder_id": s.nullable(_FOLDER_ID), "link_to": _LINK_TO, "version": s.VERSION},
            required=["document_id"], output=shapes.DOCUMENT)
def update_document(call: ToolCall, a: dict) -> dict:
    from plandesk.core import documents
    return documents.update_document(call.db, call.actor, a.pop("document_id"), a)


@TOOLS.tool("get_document", read_only=True, title="Get a document",
            description="A document with its body, its links (outgoing), backlinks (incoming) and child "
                        "documents. verbose false cuts the body to a preview.",
            params={"document_id": _DOCUMENT_ID, "verbose": s.boolean("Full body (default true).")},
            required=["document_id"], output=shapes.DOCUMENT)
def get_document(call: ToolCall, a: dict) -> dict:
    from plandesk.core import documents
    return documents.get_document(call.db, call.actor, a["document_id"], verbose=a.get("verbose", True))


@TOOLS.tool("list_documents", read_only=True, title="List documents",
            description="Documents of a project by title (bodies cut to a preview unless verbose), and the folder "
                        "tree. folder_id narrows to one folder; 'unfiled' to documents in no folder.",
            params={"project_id": s.PROJECT_ID,
                    "folder_id": s.text("A folder id, or 'unfiled'.", max_len=36), "verbose": s.VERBOSE,
                    "limit": s.LIMIT, "cursor": s.CURSOR},
            required=["project_id"], output={"type": "object", "properties": {
                "documents": {"type": "array", "items": shapes.DOCUMENT}, "folders": _FOLDER_TREE,
                "total": {"type": "integer"}, "next_cursor": s.STRING_OR_NULL}, "required": ["documents"]})
def list_documents(call: ToolCall, a: dict) -> dict:
    from plandesk.core import documents
    return documents.list_documents(call.db, call.actor, a["project_id"], folder_id=a.get("folder_id"),
                                    verbose=bool(a.get("verbose", False)), limit=a.get("limit"),
                                    cursor=a.get("cursor"))


@TOOLS.tool("create_folder", title="Create a folder",
            description="Create a folder for documents, optionally inside another folder (parent_id); file "
                        "documents into it with move_documents or folder_id.",
            params={"project_id": s.PROJECT_ID, "name": s.text("Folder name.", max_len=vocab.MAX_NAME, min_len=1),
                    "parent_id": s.uuid("The folder to put it in.")},
            required=["project_id", "name"], output=shapes.FOLDER)
def create_folder(call: ToolCall, a: dict) -> dict:
    from plandesk.core import folders
    return folders.create_folder(call.db, call.actor, a.pop("project_id"), a)


@TOOLS.tool("update_folder", title="Update a folder", idempotent=True,
            description="Rename a folder or move it under another (null: top level). A move that would put a "
                        "folder inside itself is refused.",
            params={"folder_id": _FOLDER_ID, "name": s.text("New name.", max_len=vocab.MAX_NAME, min_len=1),
                    "parent_id": s.nullable(s.uuid("The new parent folder."))},
            required=["folder_id"], output=shapes.FOLDER)
def update_folder(call: ToolCall, a: dict) -> dict:
    from plandesk.core import folders
    return folders.update_folder(call.db, call.actor, a.pop("folder_id"), a)


@TOOLS.tool("delete_folder", title="Delete a folder", destructive=True,
            description="Remove a folder. Its documents and subfolders are never lost: they move to reparent_to, "
                        "or by default to the folder's parent (top level: Unfiled).",
            params={"folder_id": _FOLDER_ID, "reparent_to": s.uuid("Where the content goes instead.")},
            required=["folder_id"], output={"type": "object", "properties": {
                "deleted": {"type": "string"}, "moved_documents": {"type": "array"}}, "required": ["deleted"]})
def delete_folder(call: ToolCall, a: dict) -> dict:
    from plandesk.core import folders
    return folders.delete_folder(call.db, call.actor, a["folder_id"], reparent_to=a.get("reparent_to"))


@TOOLS.tool("move_documents", title="Move documents", idempotent=True,
            description="File documents into a folder (folder_id null: Unfiled). Each document moves or fails on "
                        "its own: see moved and failed.",
            params={"document_ids": s.array(_DOCUMENT_ID, "The documents to move.", max_items=500, min_items=1),
                    "folder_id": s.nullable(_FOLDER_ID)},
            required=["document_ids", "folder_id"], output={"type": "object", "properties": {
                "moved": {"type": "array"}, "failed": {"type": "array"}}, "required": ["moved", "failed"]})
def move_documents(call: ToolCall, a: dict) -> dict:
    from plandesk.core import folders
    return folders.move_documents(call.db, call.actor, a["document_ids"], a["folder_id"])
