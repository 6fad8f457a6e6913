"""MCP tools for notes (an agent's working memory) and comments on tasks, documents and notes."""

from __future__ import annotations

from plandesk.core import comments, notes, vocab
from plandesk.mcp import schemas as s
from plandesk.mcp.registry import ToolCall, ToolGroup

TOOLS = ToolGroup()

_NOTE_ID = s.uuid()
_TITLE = s.text(max_len=vocab.MAX_LABEL, min_len=1)
_BODY = s.text("Markdown.", max_len=vocab.MAX_BODY)
_TARGET_TYPE = s.choice(vocab.COMMENT_TARGETS)


@TOOLS.tool(
    "create_note",
    toolset="notes",
    description="Keep working memory in a project: findings, open questions, what to do next.",
    params={"project_id": s.PROJECT_ID, "title": _TITLE, "body": _BODY},
    required=["project_id", "title"],
)
def create_note(call: ToolCall, a: dict) -> dict:
    return notes.create_note(call.db, call.actor, a.pop("project_id"), a)


@TOOLS.tool(
    "update_note",
    toolset="notes",
    idempotent=True,
    description="Change a note's title or body.",
    params={"note_id": _NOTE_ID, "version": s.VERSION, "title": _TITLE, "body": _BODY},
    required=["note_id", "version"],
)
def update_note(call: ToolCall, a: dict) -> dict:
    return notes.update_note(call.db, call.actor, a.pop("note_id"), a)


TOOLS.fetch_one(
    "get_note",
    "note_id",
    _NOTE_ID,
    notes.get_note,
    "One note in full, with its version for update_note.",
    toolset="notes",
)


@TOOLS.tool(
    "list_notes",
    toolset="notes",
    read_only=True,
    description="A project's notes, oldest first; bodies cut to a preview unless verbose. Paged.",
    params={"project_id": s.PROJECT_ID, "verbose": s.VERBOSE, "limit": s.LIMIT, "cursor": s.CURSOR},
    required=["project_id"],
)
def list_notes(call: ToolCall, a: dict) -> dict:
    return notes.list_notes(
        call.db,
        call.actor,
        a["project_id"],
        verbose=bool(a.get("verbose", False)),
        limit=a.get("limit"),
        cursor=a.get("cursor"),
    )


@TOOLS.tool(
    "list_comments",
    toolset="notes",
    read_only=True,
    description="Open comments of a project or of one item (target_type with target_id). Read them at "
    "the start and after each task; answer, then resolve_comment.",
    params={
        "project_id": s.PROJECT_ID,
        "target_type": _TARGET_TYPE,
        "target_id": s.uuid(),
        "include_resolved": s.boolean(),
        "limit": s.LIMIT,
        "cursor": s.CURSOR,
    },
)
def list_comments(call: ToolCall, a: dict) -> dict:
    return comments.list_comments(
        call.db,
        call.actor,
        a.get("project_id"),
        target_type=a.get("target_type"),
        target_id=a.get("target_id"),
        include_resolved=a.get("include_resolved", False),
        limit=a.get("limit"),
        cursor=a.get("cursor"),
    )


@TOOLS.tool(
    "add_comment",
    toolset="notes",
    description="Comment on a task, document or note: a question for a person, a decision taken, an "
    "answer to their comment. passage quotes the exact text you refer to.",
    params={
        "target_type": _TARGET_TYPE,
        "target_id": s.uuid(),
        "body": s.text("The comment (Markdown).", max_len=100_000, min_len=1),
        "passage": s.text("The quoted passage it is about.", max_len=5_000),
    },
    required=["target_type", "target_id", "body"],
)
def add_comment(call: ToolCall, a: dict) -> dict:
    return comments.add_comment(
        call.db, call.actor, a["target_type"], a["target_id"], a["body"], passage=a.get("passage")
    )


@TOOLS.tool(
    "resolve_comment",
    toolset="notes",
    idempotent=True,
    description="Mark a comment resolved once you have addressed it (resolved false reopens it).",
    params={"comment_id": s.uuid("The comment's id."), "resolved": s.boolean("Default true; false reopens.")},
    required=["comment_id"],
)
def resolve_comment(call: ToolCall, a: dict) -> dict:
    return comments.resolve_comment(call.db, call.actor, a["comment_id"], resolved=a.get("resolved", True))
