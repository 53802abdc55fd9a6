"""Branches, their locations, stations, sorter bins and the transport costs between branches."""

from sqlalchemy import String, UniqueConstraint
from sqlmodel import Field, SQLModel

from materials.domain.states import BranchKind, LocationKind


class Branch(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    isil: str = Field(max_length=9, unique=True, index=True)
    name: str = Field(max_length=80)
    kind: BranchKind = Field(default=BranchKind.BRANCH, sa_type=String(12))
    # Weekdays the branch is closed, Monday=0, as a comma list ("6" = Sundays).
    closed_days: str = Field(default="", max_length=20)
    # Relative size (1.0 = an average branch); the seed and planning use it.
    size: float = 1.0


class Location(SQLModel, table=True):
    """A place inside a branch: a shelf section, a display area, the hold shelf, a sorter bin or storage."""

    __table_args__ = (UniqueConstraint("branch_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    branch_id: int = Field(foreign_key="branch.id", index=True)
    kind: LocationKind = Field(sa_type=String(12))
    code: str = Field(max_length=40)
    name: str = Field(max_length=120)
    # The section a shelf holds (e.g. "adult-fiction"); titles map to sections by audience and material.
    section: str | None = Field(default=None, max_length=40)
    shelfmark_from: str | None = Field(default=None, max_length=40)
    shelfmark_to: str | None = Field(default=None, max_length=40)
    walk_order: int = 0
    capacity: int = 0


class Station(SQLModel, table=True):
    """A place where someone works a queue: a scan station in the sorting room, a branch's pick desk."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=40, unique=True, index=True)
    branch_id: int = Field(foreign_key="branch.id")
    kind: str = Field(default="scan", max_length=20)


class SortBin(SQLModel, table=True):
    """The configurable map of destinations to sorter bins in the sorting room."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=20, unique=True)
    destination_branch_id: int | None = Field(default=None, foreign_key="branch.id", unique=True)
    purpose: str = Field(default="branch", max_length=20)  # branch / exception / storage


class TransportCost(SQLModel, table=True):
    """Cost of moving one copy between two branches (van minutes, weighted); 0 on the diagonal."""

    from_branch_id: int = Field(foreign_key="branch.id", primary_key=True)
    to_branch_id: int = Field(foreign_key="branch.id", primary_key=True)
    cost: float
