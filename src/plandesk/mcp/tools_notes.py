"""MCP tools for notes (an agent's working memory) and comments on tasks, documents and notes."""

from __future__ import annotations

from plandesk.core import comments, notes, vocab
from plandesk.mcp import schemas as s
from plandesk.mcp.registry import ToolGroup

TOOLS = ToolGroup("notes")

_NOTE_ID = s.uuid()
_TARGET_TYPE = s.choice(vocab.COMMENT_TARGETS)


TOOLS.create_and_update(
    notes.create_note,
    notes.update_note,
    "Keep working memory in a project: findings, open questions, what to do next.",
    "Change a note's title or body.",
)


TOOLS.fetch_one(
    "get_note",
    "note_id",
    _NOTE_ID,
    notes.get_note,
    "One note in full, with its version for update_note.",
)


TOOLS.project_list(
    "list_notes",
    notes.list_notes,
    description="A project's notes, oldest first; bodies cut to a preview unless verbose. Paged.",
    filters={"verbose": s.VERBOSE},
    paged=True,
)


TOOLS.calls(
    "list_comments",
    comments.list_comments,
    read_only=True,
    description="Open comments of a project or of one item (target_type with target_id). Read them at "
    "the start and after each task; answer, then resolve_comment.",
    params={
        "project_id": s.PROJECT_ID,
        "target_type": _TARGET_TYPE,
        "target_id": s.uuid(),
        "include_resolved": s.boolean(),
        **s.PAGE,
    },
)


TOOLS.calls(
    "add_comment",
    comments.add_comment,
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


TOOLS.calls(
    "resolve_comment",
    comments.resolve_comment,
    idempotent=True,
    description="Mark a comment resolved once you have addressed it (resolved false reopens it).",
    params={"comment_id": s.uuid("The comment's id."), "resolved": s.boolean("Default true; false reopens.")},
    required=["comment_id"],
)
