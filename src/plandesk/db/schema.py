"""The one schema (SQLAlchemy Core) for SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ID = lambda: String(36)
TS = lambda: DateTime(timezone=True)


def _ts():
    return [Column("created_at", TS(), nullable=False), Column("updated_at", TS(), nullable=False)]


users = Table(
    "users",
    metadata,
    Column("id", ID(), primary_key=True),
    Column("email", String(320), unique=True),
    Column("name", String(200), nullable=False),
    Column("password_hash", String(200)),
    Column("role", String(16), nullable=False),
    Column("removed_at", TS()),
    *_ts(),
)

projects = Table(
    "projects",
    metadata,
    Column("id", ID(), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("repo_path", Text),
    Column("repo_url", Text),
    Column("current_goal_id", ID()),  # no FK: goals reference projects, avoid a cycle of constraints
    Column("canvas_layout", JSON),
    Column("version", Integer, nullable=False, default=1),
    *_ts(),
)

goals = Table(
    "goals",
    metadata,
    Column("id", ID(), primary_key=True),
    Column("project_id", ID(), ForeignKey("projects.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("name", String(200)),
    Column("objective", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("verification_surface", JSON),
    Column("constraints", Text),
    Column("boundaries", Text),
    Column("iteration_policy", Text),
    Column("stop_condition", Text),
    Column("budget", Text),
    Column("last_verification", JSON),
    Column("version", Integer, nullable=False, default=1),
    *_ts(),
    UniqueConstraint("project_id", "name"),
)

tasks = Table(
    "tasks",
    metadata,
    Column("id", ID(), primary_key=True),
    Column("project_id", ID(), ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("goal_id", ID(), ForeignKey("goals.id", ondelete="SET NULL")),
    Column("label", String(500), nullable=False),
    Column("status", String(16), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("priority", String(16)),
    Column("description", Text, nullable=False, default=""),
    Column("assignee", String(200)),
    Column("due_date", String(10)),
    Column("commit_refs", JSON, nullable=False, default=list),
    Column("x", Float, nullable=False, default=0.0),
    Column("y", Float, nullable=False, default=0.0),
    Column("claimed_by", String(200)),
    Column("lease_expires_at", TS()),
    Column("version", Integer, nullable=False, default=1),
    *_ts(),
    # Unfinished prerequisites (dependency edges whose prerequisite is not done), kept by triggers in the
    # writing transaction (migration 0002); ready = todo with waiting_count 0.
    Column("waiting_count", Integer, nullable=False, server_default="0"),
    Index("ix_tasks_ready", "project_id", "status", "waiting_count", "priority", "created_at", "id"),
    Index("ix_tasks_goal_ready", "goal_id", "status", "waiting_count", "priority", "created_at", "id"),
    Index("ix_tasks_queue", "project_id", "status", "priority", "created_at", "id", "waiting_count"),
    Index("ix_tasks_lease", "project_id", "status", "lease_expires_at"),
)

tags = Table(
    "tags",
    metadata,
    Column("id", ID(), primary_key=True),
    Column("project_id", ID(), ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("color", String(20)),
    Column("created_at", TS(), nullable=False),
    UniqueConstraint("project_id", "name"),
)

task_tags = Table(
    "task_tags",
    metadata,
    Column("task_id", ID(), ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ID(), ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
)

edges = Table(
    "edges",
    metadata,
    Column("id", ID(), primary_key=True),
    Column("project_id", ID(), ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("from_type", String(16), nullable=False),
    Column("from_id", ID(), nullable=False),
    Column("to_type", String(16), nullable=False),
    Column("to_id", ID(), nullable=False),
    Column("label", String(32), nullable=False),
    Column("style", String(16)),
    Column("arrow_direction", String(16)),
    Column("created_at", TS(), nullable=False),
    Index("ix_edges_from", "project_id", "from_type", "from_id"),
    Index("ix_edges_to", "project_id", "to_type", "to_id"),
)

folders = Table(
    "folders",
    metadata,
    Column("id", ID(), primary_key=True),
    Column("project_id", ID(), ForeignKey("projects.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("parent_id", ID(), ForeignKey("folders.id", ondelete="SET NULL")),
    *_ts(),
)

documents = Table(
    "documents",
    metadata,
    Column("id", ID(), primary_key=True),
    Column("project_id", ID(), ForeignKey("projects.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("title", String(500), nullable=False),
    Column("body", Text, nullable=False, default=""),
    Column("status_line", String(500)),
    Column("parent_id", ID(), ForeignKey("documents.id", ondelete="SET NULL")),
    Column("folder_id", ID(), ForeignKey("folders.id", ondelete="SET NULL")),
    Column("version", Integer, nullable=False, default=1),
    *_ts(),
)

notes = Table(
    "notes",
    metadata,
    Column("id", ID(), primary_key=True),
    Column("project_id", ID(), ForeignKey("projects.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("title", String(500), nullable=False),
    Column("body", Text, nullable=False, default=""),
    Column("version", Integer, nullable=False, default=1),
    *_ts(),
)

comments = Table(
    "comments",
    metadata,
    Column("id", ID(), primary_key=True),
    Column("project_id", ID(), ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("target_type", String(16), nullable=False),
    Column("target_id", ID(), nullable=False),
    Column("body", Text, nullable=False),
    Column("passage", Text),
    Column("resolved", Boolean, nullable=False, default=False),
    Column("author", String(200)),
    *_ts(),
    Index("ix_comments_target", "target_type", "target_id"),
)

revisions = Table(
    "revisions",
    metadata,
    Column("id", ID(), primary_key=True),
    Column("project_id", ID(), ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("target_type", String(16), nullable=False),
    Column("target_id", ID(), nullable=False),
    Column("snapshot", JSON, nullable=False),
    Column("changed_fields", JSON, nullable=False),
    Column("author", String(200)),
    Column("created_at", TS(), nullable=False),
    Index("ix_revisions_target", "target_type", "target_id", "created_at"),
)

agent_runs = Table(
    "agent_runs",
    metadata,
    Column("id", ID(), primary_key=True),
    Column("project_id", ID(), ForeignKey("projects.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("label", String(500), nullable=False),
    Column("status", String(16), nullable=False),
    Column("summary", Text),
    Column("user_id", ID()),
    Column("token_id", ID()),
    Column("client_name", String(200)),
    Column("started_at", TS(), nullable=False),
    Column("completed_at", TS()),
)

agent_run_tasks = Table(
    "agent_run_tasks",
    metadata,
    Column("run_id", ID(), ForeignKey("agent_runs.id", ondelete="CASCADE"), primary_key=True),
    Column("task_id", ID(), ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True),
)

agent_run_events = Table(
    "agent_run_events",
    metadata,
    Column("id", ID(), primary_key=True),
    Column("run_id", ID(), ForeignKey("agent_runs.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("message", Text, nullable=False),
    Column("data", JSON),
    Column("created_at", TS(), nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("project_id", ID(), index=True),  # no FK: the log outlives what it describes
    Column("actor_id", ID()),
    Column("actor_name", String(200)),
    Column("token_id", ID()),
    Column("run_id", ID()),
    Column("action", String(64), nullable=False),
    Column("target_type", String(32)),
    Column("target_id", String(64)),
    Column("changed_fields", JSON),
    Column("detail", JSON),
    Column("created_at", TS(), nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", ID(), primary_key=True),
    Column("user_id", ID(), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("prefix", String(32), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("project_ids", JSON),
    Column("read_only", Boolean, nullable=False, default=False),
    Column("toolsets", JSON),
    Column("operations", JSON),
    Column("expires_at", TS()),
    Column("last_used_at", TS()),
    Column("revoked_at", TS()),
    Column("created_at", TS(), nullable=False),
)

workspace_settings = Table(
    "workspace_settings",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", JSON, nullable=False),
    Column("updated_at", TS(), nullable=False),
)

connector_configs = Table(
    "connector_configs",
    metadata,
    Column("project_id", ID(), ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("config", JSON, nullable=False),
    Column("updated_at", TS(), nullable=False),
)

approvals = Table(
    "approvals",
    metadata,
    Column("id", ID(), primary_key=True),
    Column("project_id", ID(), ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", ID()),
    Column("token_id", ID()),
    Column("operation", String(32), nullable=False),
    Column("tool", String(64), nullable=False),
    Column("args_digest", String(64), nullable=False),
    Column("summary", Text),
    Column("status", String(16), nullable=False),
    Column("decided_by", ID()),
    Column("created_at", TS(), nullable=False),
    Column("decided_at", TS()),
)

shares = Table(
    "shares",
    metadata,
    Column("id", ID(), primary_key=True),
    Column("project_id", ID(), ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("target_type", String(16), nullable=False),
    Column("target_id", ID(), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("expires_at", TS()),
    Column("revoked_at", TS()),
    Column("created_by", ID()),
    Column("created_at", TS(), nullable=False),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", ID(), primary_key=True),
    Column("user_id", ID(), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("expires_at", TS(), nullable=False),
    Column("created_at", TS(), nullable=False),
)

invitations = Table(
    "invitations",
    metadata,
    Column("id", ID(), primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("email", String(320)),
    Column("role", String(16), nullable=False),
    Column("expires_at", TS(), nullable=False),
    Column("used_at", TS()),
    Column("created_by", ID()),
    Column("created_at", TS(), nullable=False),
)

# One counter row (id 1), bumped by triggers whenever a token or a user changes in a way that changes who a
# token is; each process reads it per request and drops its cached callers when it moved (core/tokens.py).
auth_changes = Table(
    "auth_changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("n", BigInteger, nullable=False),
)

search_entries = Table(
    "search_entries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("item_id", ID(), nullable=False),
    Column("project_id", ID(), nullable=False, index=True),
    Column("title", Text, nullable=False, default=""),
    Column("body", Text, nullable=False, default=""),
    UniqueConstraint("kind", "item_id"),
)

# OAuth (MCP authorization): registered clients, pending requests and their one-time codes, and the grants that
# tie an api_tokens row (the access token) to a client and its rotating refresh token.
oauth_clients = Table(
    "oauth_clients",
    metadata,
    Column("client_id", ID(), primary_key=True),
    Column("client_name", String(200), nullable=False),
    Column("info", JSON, nullable=False),  # the RFC 7591 registration as the SDK validated it
    Column("created_at", TS(), nullable=False),
)

oauth_codes = Table(
    "oauth_codes",
    metadata,
    Column("id", String(64), primary_key=True),  # the pending request's id, carried by the consent page
    Column("client_id", ID(), ForeignKey("oauth_clients.client_id", ondelete="CASCADE"), nullable=False),
    Column("request", JSON, nullable=False),  # redirect_uri, state, code_challenge, scopes, resource
    Column("user_id", ID(), ForeignKey("users.id", ondelete="CASCADE")),
    Column("grant", JSON),  # what the person allowed: project_ids, read_only, toolsets, operations
    Column("code_hash", String(64), unique=True),
    Column("token_id", ID()),
    Column("expires_at", TS(), nullable=False),
    Column("used_at", TS()),
    Column("created_at", TS(), nullable=False),
)

oauth_grants = Table(
    "oauth_grants",
    metadata,
    Column("token_id", ID(), ForeignKey("api_tokens.id", ondelete="CASCADE"), primary_key=True),
    Column("client_id", ID(), ForeignKey("oauth_clients.client_id", ondelete="CASCADE"), nullable=False),
    Column("refresh_hash", String(64), nullable=False, unique=True),
    Column("refresh_expires_at", TS(), nullable=False),
    Column("resource", Text),
    Column("scopes", JSON, nullable=False),
    Column("created_at", TS(), nullable=False),
)

# A deleted task, document or note: a JSON snapshot of its rows and everything hanging off it (migration 0004).
# A snapshot, not a soft-delete flag, so no query or frontier-count trigger has to learn to skip trashed rows.
trash_items = Table(
    "trash_items",
    metadata,
    Column("id", ID(), primary_key=True),
    Column("project_id", ID(), ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("item_type", String(16), nullable=False),
    Column("item_id", ID(), nullable=False),
    Column("title", String(500), nullable=False),
    Column("snapshot", JSON, nullable=False),
    Column("deleted_by", String(200)),
    Column("deleted_at", TS(), nullable=False),
    Index("ix_trash_items_project", "project_id", "deleted_at"),
    Index("ix_trash_items_deleted_at", "deleted_at"),
)
