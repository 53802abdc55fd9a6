"""Patrons (pseudonymous), loans and title-level reservations."""

from datetime import datetime

from sqlalchemy import Index, String, text
from sqlmodel import Field, SQLModel

from materials.domain.states import ReservationState
from materials.models.types import BigId


class Patron(SQLModel, table=True):
    """Only a keyed hash of the library system's patron id; names and addresses stay in the library system."""

    id: int | None = Field(default=None, primary_key=True)
    pseudonym: str = Field(max_length=64, unique=True, index=True)
    home_branch_id: int | None = Field(default=None, foreign_key="branch.id")


class Loan(SQLModel, table=True):
    __table_args__ = (
        # At most one open loan per copy.
        Index(
            "uq_loan_open_item",
            "item_id",
            unique=True,
            sqlite_where=text("returned_at IS NULL"),
            postgresql_where=text("returned_at IS NULL"),
        ),
        Index("ix_loan_item", "item_id"),
        Index("ix_loan_loaned_at", "loaned_at"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    item_id: int = Field(foreign_key="item.id")
    title_id: int = Field(foreign_key="title.id")
    patron_id: int | None = Field(default=None, foreign_key="patron.id")
    branch_id: int = Field(foreign_key="branch.id")
    loaned_at: datetime
    due_at: datetime | None = None
    returned_at: datetime | None = None
    returned_branch_id: int | None = Field(default=None, foreign_key="branch.id")


class Reservation(SQLModel, table=True):
    __table_args__ = (
        Index("ix_reservation_title_state_placed", "title_id", "state", "placed_at"),
        Index("ix_reservation_pickup_state", "pickup_branch_id", "state"),
        # A plain index too: SQLite cannot use the partial one below when the states come as bound parameters.
        Index("ix_reservation_item", "item_id"),
        Index("ix_reservation_ready_at", "ready_at"),
        # First come, first served: a title's waiting and allocated reservations in order (check-in asks at every
        # returned copy; the states must be written out in the query for SQLite to use it).
        Index(
            "ix_reservation_queue",
            "title_id",
            "placed_at",
            "id",
            sqlite_where=text("state IN ('waiting', 'allocated')"),
            postgresql_where=text("state IN ('waiting', 'allocated')"),
        ),
        # A copy serves at most one live reservation: a database fact, not a hope.
        Index(
            "uq_reservation_item_live",
            "item_id",
            unique=True,
            sqlite_where=text("state IN ('allocated', 'in_transit', 'ready')"),
            postgresql_where=text("state IN ('allocated', 'in_transit', 'ready')"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    title_id: int = Field(foreign_key="title.id")
    patron_id: int = Field(foreign_key="patron.id")
    pickup_branch_id: int = Field(foreign_key="branch.id")
    placed_at: datetime
    state: ReservationState = Field(default=ReservationState.WAITING, sa_type=String(12))
    item_id: int | None = Field(default=None, foreign_key="item.id")
    allocated_at: datetime | None = None
    ready_at: datetime | None = None
    pickup_deadline: datetime | None = None
    closed_at: datetime | None = None
    # Short code on the hold shelf; never the patron's name.
    shelf_code: str | None = Field(default=None, max_length=16)
    external_id: str | None = Field(default=None, max_length=64, unique=True)
