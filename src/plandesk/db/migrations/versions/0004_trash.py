"""trash: snapshots of deleted tasks, documents and notes, restorable for 30 days (revision 0004).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trash_items",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=36), nullable=False),
        sa.Column("item_type", sa.String(length=16), nullable=False),
        sa.Column("item_id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("deleted_by", sa.String(length=200), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_trash_items_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trash_items")),
    )
    with op.batch_alter_table("trash_items", schema=None) as batch_op:
        batch_op.create_index("ix_trash_items_project", ["project_id", "deleted_at"], unique=False)
        batch_op.create_index("ix_trash_items_deleted_at", ["deleted_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("trash_items", schema=None) as batch_op:
        batch_op.drop_index("ix_trash_items_deleted_at")
        batch_op.drop_index("ix_trash_items_project")
    op.drop_table("trash_items")
