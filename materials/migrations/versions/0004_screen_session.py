"""Screen logins that outlive a browser reload: a random token's SHA-256, its user and when it expires.

A new table only, so existing databases upgrade in a moment (`materials --db URL init`).

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "screensession",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("ended_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("screensession", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_screensession_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("screensession", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_screensession_user_id"))
    op.drop_table("screensession")
