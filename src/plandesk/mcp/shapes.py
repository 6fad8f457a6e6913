"""Output schemas of the planning tools: the records the core returns, described loosely enough to grow."""

from __future__ import annotations

from plandesk.core import vocab
from plandesk.mcp.schemas import STRING_OR_NULL, record

_INT = {"type": "integer"}
_STR = {"type": "string"}
_BOOL = {"type": "boolean"}

PROJECT = record({"name": _STR, "description": _STR, "repo_path": STRING_OR_NULL, "repo_url": STRING_OR_NULL,
                  "current_goal_id": STRING_OR_NULL, "version": _INT, "created_at": _STR, "updated_at": _STR,
                  "summary": {"type": "object", "description": "Task counts per status, and total."}})

TASK = record({"project_id": _STR, "goal_id": STRING_OR_NULL, "label": _STR,
               "status": {"type": "string", "enum": list(vocab.TASK_STATUSES)},
               "kind": {"type": "string", "enum": list(vocab.TASK_KINDS)},
               "priority": {"type": ["string", "null"]}, "description": _STR,
               "description_truncated": {"type": "boolean", "description": "Cut to a preview; pass verbose."},
               "assignee": STRING_OR_NULL, "due_date": STRING_OR_NULL, "tags": {"type": "array", "items": _STR},
               "commit_refs": {"type": "array", "items": _STR}, "claimed_by": STRING_OR_NULL,
               "lease_expires_at": STRING_OR_NULL, "version": _INT})

TAG = record({"name": _STR, "color": STRING_OR_NULL})

EDGE = record({"project_id": _STR, "from_type": _STR, "from_id": _STR, "to_type": _STR, "to_id": _STR,
               "label": {"type": "string", "enum": list(vocab.EDGE_LABELS)}, "style": STRING_OR_NULL,
               "arrow_direction": STRING_OR_NULL})

DOCUMENT = record({"project_id": _STR, "title": _STR, "body": _STR, "status_line": STRING_OR_NULL,
                   "folder_id": STRING_OR_NULL, "parent_id": STRING_OR_NULL, "version": _INT})
FOLDER = record({"project_id": _STR, "name": _STR})
NOTE = record({"project_id": _STR, "title": _STR, "body": _STR, "version": _INT})
COMMENT = record({"target_type": _STR, "target_id": _STR, "body": _STR, "passage": STRING_OR_NULL,
                  "resolved": _BOOL})
GOAL = record({"project_id": _STR, "name": STRING_OR_NULL, "objective": _STR,
               "status": {"type": "string", "enum": list(vocab.GOAL_STATUSES)}})
RUN = record({"project_id": _STR, "label": _STR, "status": {"type": "string", "enum": list(vocab.RUN_STATUSES)},
              "summary": STRING_OR_NULL})
REVISION = record({"target_type": _STR, "target_id": _STR, "changed_fields": {"type": "array"},
                   "author": STRING_OR_NULL, "created_at": _STR})
