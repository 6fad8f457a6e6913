"""frontier counts, frontier and lease indexes, auth change counter

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 18:30:00

Each task keeps `waiting_count`, the number of its dependency edges whose prerequisite is not done (a missing
prerequisite counts as unfinished). Triggers keep it in the transaction that changes a status, an edge or a
task, whoever writes (the core, import, restore, a raw script), so "ready" is `waiting_count = 0`, an
indexed read. The same file adds `auth_changes`, one counter row that triggers bump whenever a token or a
user changes in a way that could change who a token is: every process reads it per request and drops its
cached callers when it moved.

The DDL is written out here (not imported from the code) so this revision stays what it was when released.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_FORWARD = "('blocks', 'feeds', 'enables')"
_DEPENDENCY = "('blocks', 'feeds', 'enables', 'depends_on')"


def _own_count(task: str, project: str) -> str:
    """SQL for the number of unfinished prerequisites of task `task` (an SQL expression) in `project`."""
    return (
        f"(SELECT count(*) FROM edges e LEFT JOIN tasks p ON p.id = e.from_id "
        f"WHERE e.project_id = {project} AND e.to_type = 'task' AND e.to_id = {task} "
        f"AND e.label IN {_FORWARD} AND (p.status IS NULL OR p.status <> 'done')) + "
        f"(SELECT count(*) FROM edges e LEFT JOIN tasks p ON p.id = e.to_id "
        f"WHERE e.project_id = {project} AND e.from_type = 'task' AND e.from_id = {task} "
        f"AND e.label = 'depends_on' AND (p.status IS NULL OR p.status <> 'done'))"
    )


def _edges_to(prereq: str, project: str, dependent: str) -> str:
    """SQL for the number of dependency edges from prerequisite `prereq` to the task `dependent`."""
    return (
        f"((SELECT count(*) FROM edges e WHERE e.project_id = {project} AND e.from_type = 'task' "
        f"AND e.from_id = {prereq} AND e.label IN {_FORWARD} AND e.to_id = {dependent}) + "
        f"(SELECT count(*) FROM edges e WHERE e.project_id = {project} AND e.to_type = 'task' "
        f"AND e.to_id = {prereq} AND e.label = 'depends_on' AND e.from_id = {dependent}))"
    )


def _dependents(prereq: str, project: str) -> str:
    return (
        f"(SELECT e.to_id FROM edges e WHERE e.project_id = {project} AND e.from_type = 'task' "
        f"AND e.from_id = {prereq} AND e.label IN {_FORWARD} "
        f"UNION SELECT e.from_id FROM edges e WHERE e.project_id = {project} AND e.to_type = 'task' "
        f"AND e.to_id = {prereq} AND e.label = 'depends_on')"
    )


def _has_prereq_edges(task: str, project: str) -> str:
    return (
        f"(EXISTS (SELECT 1 FROM edges e WHERE e.project_id = {project} AND e.to_type = 'task' "
        f"AND e.to_id = {task} AND e.label IN {_FORWARD}) OR EXISTS (SELECT 1 FROM edges e "
        f"WHERE e.project_id = {project} AND e.from_type = 'task' AND e.from_id = {task} "
        f"AND e.label = 'depends_on'))"
    )


def _shift_dependents(prereq: str, project: str, sign: str) -> str:
    return (
        f"UPDATE tasks SET waiting_count = waiting_count + ({sign}) * {_edges_to(prereq, project, 'tasks.id')} "
        f"WHERE tasks.id IN {_dependents(prereq, project)}"
    )


def _edge_shift(row: str, sign: str) -> str:
    """+1/-1 on the dependent of edge `row` (NEW or OLD) when its prerequisite is not done."""
    dependent = f"(CASE WHEN {row}.label = 'depends_on' THEN {row}.from_id ELSE {row}.to_id END)"
    prereq = f"(CASE WHEN {row}.label = 'depends_on' THEN {row}.to_id ELSE {row}.from_id END)"
    return (
        f"UPDATE tasks SET waiting_count = waiting_count {sign} 1 WHERE id = {dependent} "
        f"AND COALESCE((SELECT p.status FROM tasks p WHERE p.id = {prereq}), '') <> 'done'"
    )


_DONE_SIGN = "CASE WHEN NEW.status = 'done' THEN -1 ELSE 1 END"

_SQLITE_TRIGGERS = [
    # A task written with prerequisites already linked (restore of a deleted task, odd import orders).
    (
        f"CREATE TRIGGER tasks_frontier_ai AFTER INSERT ON tasks WHEN {_has_prereq_edges('NEW.id', 'NEW.project_id')} "
        f"BEGIN UPDATE tasks SET waiting_count = {_own_count('NEW.id', 'NEW.project_id')} WHERE id = NEW.id; END"
    ),
    (
        f"CREATE TRIGGER tasks_frontier_ai_done AFTER INSERT ON tasks WHEN NEW.status = 'done' "
        f"BEGIN {_shift_dependents('NEW.id', 'NEW.project_id', '-1')}; END"
    ),
    (
        "CREATE TRIGGER tasks_frontier_au AFTER UPDATE OF status ON tasks "
        "WHEN (OLD.status = 'done') <> (NEW.status = 'done') "
        f"BEGIN {_shift_dependents('NEW.id', 'NEW.project_id', _DONE_SIGN)}; END"
    ),
    # A done prerequisite that disappears while its edges stay counts as unfinished again.
    (
        f"CREATE TRIGGER tasks_frontier_ad AFTER DELETE ON tasks WHEN OLD.status = 'done' "
        f"BEGIN {_shift_dependents('OLD.id', 'OLD.project_id', '1')}; END"
    ),
    (
        f"CREATE TRIGGER edges_frontier_ai AFTER INSERT ON edges WHEN NEW.label IN {_DEPENDENCY} "
        f"BEGIN {_edge_shift('NEW', '+')}; END"
    ),
    (
        f"CREATE TRIGGER edges_frontier_ad AFTER DELETE ON edges WHEN OLD.label IN {_DEPENDENCY} "
        f"BEGIN {_edge_shift('OLD', '-')}; END"
    ),
    (
        "CREATE TRIGGER edges_frontier_au AFTER UPDATE OF label, from_id, to_id ON edges "
        f"BEGIN {_edge_shift('OLD', '-')} AND OLD.label IN {_DEPENDENCY}; "
        f"{_edge_shift('NEW', '+')} AND NEW.label IN {_DEPENDENCY}; END"
    ),
]

_AUTH_BUMP = "UPDATE auth_changes SET n = n + 1 WHERE id = 1"
_TOKEN_COLUMNS = "token_hash, revoked_at, expires_at, project_ids, read_only, toolsets, operations, user_id"
_USER_COLUMNS = "role, removed_at, name"

_SQLITE_AUTH_TRIGGERS = [
    f"CREATE TRIGGER api_tokens_auth_au AFTER UPDATE OF {_TOKEN_COLUMNS} ON api_tokens BEGIN {_AUTH_BUMP}; END",
    f"CREATE TRIGGER api_tokens_auth_ad AFTER DELETE ON api_tokens BEGIN {_AUTH_BUMP}; END",
    f"CREATE TRIGGER users_auth_au AFTER UPDATE OF {_USER_COLUMNS} ON users BEGIN {_AUTH_BUMP}; END",
    f"CREATE TRIGGER users_auth_ad AFTER DELETE ON users BEGIN {_AUTH_BUMP}; END",
]

_PG_FUNCTIONS = [
    f"""CREATE FUNCTION plandesk_frontier_task() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  delta integer := 0;
  tid varchar(36);
  pid varchar(36);
BEGIN
  IF TG_OP = 'INSERT' THEN
    tid := NEW.id; pid := NEW.project_id;
    IF {_has_prereq_edges("tid", "pid")} THEN
      UPDATE tasks SET waiting_count = {_own_count("tid", "pid")} WHERE id = tid;
    END IF;
    IF NEW.status = 'done' THEN delta := -1; END IF;
  ELSIF TG_OP = 'UPDATE' THEN
    tid := NEW.id; pid := NEW.project_id;
    IF (OLD.status = 'done') <> (NEW.status = 'done') THEN
      delta := CASE WHEN NEW.status = 'done' THEN -1 ELSE 1 END;
    END IF;
  ELSE
    tid := OLD.id; pid := OLD.project_id;
    IF OLD.status = 'done' THEN delta := 1; END IF;
  END IF;
  IF delta <> 0 THEN
    {_shift_dependents("tid", "pid", "delta")};
  END IF;
  RETURN NULL;
END $$""",
    f"""CREATE FUNCTION plandesk_frontier_edge() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('DELETE', 'UPDATE') AND OLD.label IN {_DEPENDENCY} THEN
    {_edge_shift("OLD", "-")};
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.label IN {_DEPENDENCY} THEN
    {_edge_shift("NEW", "+")};
  END IF;
  RETURN NULL;
END $$""",
    f"""CREATE FUNCTION plandesk_auth_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  {_AUTH_BUMP};
  RETURN NULL;
END $$""",
]

_PG_TRIGGERS = [
    (
        "CREATE TRIGGER tasks_frontier AFTER INSERT OR DELETE OR UPDATE OF status ON tasks "
        "FOR EACH ROW EXECUTE FUNCTION plandesk_frontier_task()"
    ),
    (
        "CREATE TRIGGER edges_frontier AFTER INSERT OR DELETE OR UPDATE OF label, from_id, to_id ON edges "
        "FOR EACH ROW EXECUTE FUNCTION plandesk_frontier_edge()"
    ),
    (
        f"CREATE TRIGGER api_tokens_auth AFTER DELETE OR UPDATE OF {_TOKEN_COLUMNS} ON api_tokens "
        "FOR EACH ROW EXECUTE FUNCTION plandesk_auth_changed()"
    ),
    (
        f"CREATE TRIGGER users_auth AFTER DELETE OR UPDATE OF {_USER_COLUMNS} ON users "
        "FOR EACH ROW EXECUTE FUNCTION plandesk_auth_changed()"
    ),
]

# Recount every task once, from the edges as they stand (existing workspaces).
_RECOUNT = f"UPDATE tasks SET waiting_count = {_own_count('tasks.id', 'tasks.project_id')}"


def upgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("waiting_count", sa.Integer(), nullable=False, server_default="0"))
        batch_op.drop_index("ix_tasks_project_status")
        # Ready head: equality on everything up to priority, then index order (age, id) per priority.
        batch_op.create_index(
            "ix_tasks_ready",
            ["project_id", "status", "waiting_count", "priority", "created_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_tasks_goal_ready",
            ["goal_id", "status", "waiting_count", "priority", "created_at", "id"],
            unique=False,
        )
        # Blocked head and per-status reads: todo in frontier order, the count read from the index.
        batch_op.create_index(
            "ix_tasks_queue",
            ["project_id", "status", "priority", "created_at", "id", "waiting_count"],
            unique=False,
        )
        batch_op.create_index("ix_tasks_lease", ["project_id", "status", "lease_expires_at"], unique=False)
    op.create_table(
        "auth_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_changes")),
    )
    op.execute("INSERT INTO auth_changes (id, n) VALUES (1, 0)")
    op.execute(_RECOUNT)
    if bind.dialect.name == "sqlite":
        for ddl in _SQLITE_TRIGGERS + _SQLITE_AUTH_TRIGGERS:
            op.execute(ddl)
    else:
        for ddl in _PG_FUNCTIONS + _PG_TRIGGERS:
            op.execute(ddl)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for name in (
            "tasks_frontier_ai",
            "tasks_frontier_ai_done",
            "tasks_frontier_au",
            "tasks_frontier_ad",
            "edges_frontier_ai",
            "edges_frontier_ad",
            "edges_frontier_au",
            "api_tokens_auth_au",
            "api_tokens_auth_ad",
            "users_auth_au",
            "users_auth_ad",
        ):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        for table, name in (
            ("tasks", "tasks_frontier"),
            ("edges", "edges_frontier"),
            ("api_tokens", "api_tokens_auth"),
            ("users", "users_auth"),
        ):
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        for fn in ("plandesk_frontier_task", "plandesk_frontier_edge", "plandesk_auth_changed"):
            op.execute(f"DROP FUNCTION IF EXISTS {fn}()")
    op.drop_table("auth_changes")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        for name in ("ix_tasks_lease", "ix_tasks_queue", "ix_tasks_goal_ready", "ix_tasks_ready"):
            batch_op.drop_index(name)
        batch_op.create_index("ix_tasks_project_status", ["project_id", "status"], unique=False)
        batch_op.drop_column("waiting_count")
