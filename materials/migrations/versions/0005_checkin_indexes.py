"""Indexes for the check-in hot path: a title's reservation queue in order, and the tasks of a crate.

`ix_reservation_queue` holds only waiting and allocated reservations (a small part of the 3 million of the city
demo), ordered as first come, first served, so the returned copy's question "who is first in line for this title?"
reads a few index entries instead of sorting the title's queue. `ix_task_crate` serves sealing a crate (its open
PACK tasks are closed). Indexes only: existing databases upgrade with `materials --db URL init`.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

QUEUE = sa.text("state IN ('waiting', 'allocated')")


def upgrade() -> None:
    op.create_index(
        "ix_reservation_queue",
        "reservation",
        ["title_id", "placed_at", "id"],
        unique=False,
        sqlite_where=QUEUE,
        postgresql_where=QUEUE,
    )
    op.create_index("ix_task_crate", "task", ["crate_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_task_crate", table_name="task")
    op.drop_index("ix_reservation_queue", table_name="reservation")
