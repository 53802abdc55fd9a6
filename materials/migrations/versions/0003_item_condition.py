"""A copy's condition (good, worn, damaged; NULL: not assessed), for choosing which copies move and which are weeded.

Nullable without a default, so adding it to a city database of a million copies rewrites no rows.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("item", sa.Column("condition", sa.String(length=10), nullable=True))


def downgrade() -> None:
    op.drop_column("item", "condition")  # SQLite 3.35 and later drop a column in place
