"""Work queues (tasks), crates and the append-only event log."""

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, String, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from materials.domain.states import CrateState, TaskKind, TaskState
from materials.models.types import BigId, Json


class Task(SQLModel, table=True):
    __table_args__ = (
        # The queue screens list open tasks of one station (and kind), oldest first.
        Index(
            "ix_task_open_station_kind",
            "station",
            "kind",
            "created_at",
            sqlite_where=text("state = 'open'"),
            postgresql_where=text("state = 'open'"),
        ),
        # Pick lists: open tasks of one kind at one branch.
        Index(
            "ix_task_open_branch_kind",
            "branch_id",
            "kind",
            sqlite_where=text("state = 'open'"),
            postgresql_where=text("state = 'open'"),
        ),
        Index("ix_task_item_state", "item_id", "state"),
        Index("ix_task_reservation", "reservation_id"),
        # Sealing a crate closes its open PACK tasks.
        Index("ix_task_crate", "crate_id"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    kind: TaskKind = Field(sa_type=String(12))
    state: TaskState = Field(default=TaskState.OPEN, sa_type=String(12))
    station: str = Field(max_length=40)
    branch_id: int = Field(foreign_key="branch.id")
    item_id: int | None = Field(default=None, foreign_key="item.id")
    reservation_id: int | None = Field(default=None, foreign_key="reservation.id")
    crate_id: int | None = Field(default=None, foreign_key="crate.id")
    destination_branch_id: int | None = Field(default=None, foreign_key="branch.id")
    reason: str = Field(default="", max_length=300)
    created_at: datetime
    due_at: datetime | None = None
    done_at: datetime | None = None
    done_by: str | None = Field(default=None, max_length=60)
    outcome: str | None = Field(default=None, max_length=40)


class Crate(SQLModel, table=True):
    __table_args__ = (
        Index("ix_crate_state_to", "state", "to_branch_id"),
        # Numbering a new crate counts the crates on its leg; without this it reads every crate ever packed.
        Index("ix_crate_leg", "from_branch_id", "to_branch_id"),
        # One open crate per leg: two stations packing for the same destination fill the same crate.
        Index(
            "uq_crate_open_leg",
            "from_branch_id",
            "to_branch_id",
            unique=True,
            sqlite_where=text("state = 'open'"),
            postgresql_where=text("state = 'open'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=30, unique=True)
    from_branch_id: int = Field(foreign_key="branch.id")
    to_branch_id: int = Field(foreign_key="branch.id")
    state: CrateState = Field(default=CrateState.OPEN, sa_type=String(12))
    capacity: int = 40
    opened_at: datetime
    sealed_at: datetime | None = None
    dispatched_at: datetime | None = None
    received_at: datetime | None = None


class CrateItem(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("crate_id", "item_id"),)

    id: int | None = Field(default=None, primary_key=True)
    crate_id: int = Field(foreign_key="crate.id", index=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    packed_at: datetime


class Event(SQLModel, table=True):
    """Every scan and state change, appended and never changed (triggers refuse UPDATE and DELETE)."""

    __table_args__ = (
        Index("ix_event_item_at", "item_id", "at"),
        Index("ix_event_at", "at"),
        Index("ix_event_station_at", "station", "at"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    at: datetime
    station: str = Field(default="", max_length=40)
    actor: str = Field(default="", max_length=60)
    kind: str = Field(max_length=40)
    barcode: str | None = Field(default=None, max_length=80)
    item_id: int | None = Field(default=None)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(Json, nullable=False))
