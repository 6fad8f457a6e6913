"""Every enumeration of Plan Desk, shared by the API, MCP input schemas and the UI."""

from __future__ import annotations

TASK_STATUSES = ("scope", "todo", "in_progress", "done", "backlog")
STATUS_LABELS = {
    "scope": "Scope",
    "todo": "Todo",
    "in_progress": "In Progress",
    "done": "Done",
    "backlog": "Backlog",
}
TASK_KINDS = ("build", "decision")
PRIORITIES = ("urgent", "high", "medium", "low")
PRIORITY_RANK = {p: i for i, p in enumerate(PRIORITIES)}

EDGE_ENDPOINT_TYPES = ("task", "document")
EDGE_LABELS = (
    "blocks",
    "depends_on",
    "relates",
    "feeds",
    "clarifies",
    "enables",
    "documents",
    "references",
    "supersedes",
)
# Labels that order work: for these the `from` task must finish before `to` can start,
# except depends_on, which reads the other way round (from depends on to).
DEPENDENCY_LABELS = ("blocks", "depends_on", "feeds", "enables")
EDGE_STYLES = ("solid", "dashed", "dotted")
ARROW_DIRECTIONS = ("forward", "backward", "both", "none")

GOAL_STATUSES = ("active", "paused", "complete", "blocked")
VERIFICATION_SURFACES = ("gate_command", "acceptance_checklist", "human_sign_off")

RUN_STATUSES = ("running", "completed", "failed", "cancelled")
# Why a next-task or claim-next answer holds no task: agents branch on it. A claim-next can also miss because
# another agent took the one task it could have had ("contention"); a claim of one task is refused because the
# task is held, blocked or not in todo (core/claim_refusals.py).
NO_TASK_REASONS = ("no_todo_tasks", "all_blocked", "ambiguous_goal")
CLAIM_REFUSAL_REASONS = ("held", "blocked", "not_todo")
CLAIM_MISS_REASONS = (*NO_TASK_REASONS, "contention", *CLAIM_REFUSAL_REASONS)
RUN_TERMINAL = ("completed", "failed", "cancelled")
RUN_EVENT_KINDS = ("progress", "decision", "artifact", "error")

COMMENT_TARGETS = ("task", "document", "note")
REVISION_TARGETS = ("task", "document")

# The workspace roles, highest first, each with what it may do in the words of the pages that grant it.
ROLE_HELP = {
    "owner": "everything, including other owners",
    "admin": "manages people and settings",
    "member": "plans and works",
    "viewer": "reads only",
}
ROLES = tuple(ROLE_HELP)
ROLE_RANK = {r: i for i, r in enumerate(ROLES)}

# MCP toolsets. `planning` is the agent's work loop and every token's default; the rest are opt-in, by the
# token (--toolsets) or the URL (?toolsets=); `all` stands for every one of them. A planning toolset decides
# what is listed, not what may be called; `code` is also a grant (the code connector needs it on the token).
TOOLSETS = (
    "planning",
    "projects",
    "documents",
    "notes",
    "goals",
    "graph",
    "history",
    "shares",
    "code",
    "all",
)
PLANNING_TOOLSETS = ("planning", "projects", "documents", "notes", "goals", "graph", "history", "shares")

# The code connector's operations, each with what it lets an agent do in the words of the pages that grant or
# show it (Settings → Permissions, Settings → MCP, a project's Code settings).
OPERATION_HELP = {
    "code.search": "find files, grep",
    "code.read": "read files",
    "code.write": "write, create, edit files",
    "git.read": "status, diff, log, branches",
    "git.commit": "commit, create and switch branches",
    "git.push": "push to a configured remote",
    "build": "run build and test recipes",
    "deploy": "run deploy recipes",
    "db.read": "read-only queries",
    "db.write": "statements that change data",
    "exec": "run allowlisted programs",
}
CONNECTOR_OPERATIONS = tuple(OPERATION_HELP)
RECIPE_KINDS = ("build", "deploy", "test")
DB_ENGINES = ("sqlite", "postgresql", "mysql")
SHARE_EXPIRIES = ("24h", "7d", "never")

MAX_LABEL = 500
MAX_AGENT_REF = 200  # agent_ref, assignee: an agent's or a person's name
MAX_TAG = 63
MAX_TAGS = 50  # tags, commit_refs: items per list
MAX_COMMIT_REF = 40  # a full SHA-1; due dates fit too
MAX_REASON = 2000  # free-text reasons, repository paths and URLs, cursors
MAX_NAME = 200
MAX_BODY = 1_000_000
MAX_LIST_LIMIT = 500
DEFAULT_LIST_LIMIT = 100
TOTAL_COUNT_CAP = 10_000  # list totals count this far and no further (a lower bound beyond it)
DEFAULT_LEASE_SECONDS = 900
MAX_LEASE_SECONDS = 24 * 3600
