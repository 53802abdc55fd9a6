"""Titles and the physical copies (items) of them."""

from datetime import date, datetime

from sqlalchemy import Index, String
from sqlmodel import Field, SQLModel

from materials.domain.states import Audience, ItemCondition, ItemStatus, MaterialType


class Title(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    faust: str | None = Field(default=None, max_length=8, unique=True)
    isbn13: str | None = Field(default=None, max_length=13, index=True)
    title: str = Field(max_length=300)
    author: str = Field(default="", max_length=200)
    # Subjects as a ';'-separated list, lower case: portable across SQLite and PostgreSQL and easy to scan.
    subjects: str = Field(default="", max_length=500)
    audience: Audience = Field(default=Audience.ADULT, sa_type=String(10))
    material_type: MaterialType = Field(default=MaterialType.BOOK, sa_type=String(16))
    # DK5 classification: "sk" for fiction, a number such as "79.41" for non-fiction.
    classification: str = Field(default="sk", max_length=12)
    year: int | None = None
    language: str = Field(default="dan", max_length=3)
    added_on: date | None = None
    # A popularity prior (e.g. ratings count from goodbooks-10k) for cold-start forecasts.
    popularity: float = 0.0


class Item(SQLModel, table=True):
    __table_args__ = (
        Index("ix_item_title_status", "title_id", "status"),
        Index("ix_item_branch_status", "branch_id", "status"),
        # Check-in asks how full one shelf section is: copies at its locations and copies heading there.
        Index("ix_item_location_status", "location_id", "status"),
        Index("ix_item_destination_location_status", "destination_location_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    barcode: str = Field(max_length=40, unique=True, index=True)
    title_id: int = Field(foreign_key="title.id")
    home_branch_id: int = Field(foreign_key="branch.id")
    branch_id: int = Field(foreign_key="branch.id")
    location_id: int | None = Field(default=None, foreign_key="location.id")
    status: ItemStatus = Field(default=ItemStatus.ON_SHELF, sa_type=String(16))
    shelfmark: str = Field(default="", max_length=60)
    parts: int = 1
    floating: bool = True
    # Where the copy is heading while in sorting or transit.
    destination_branch_id: int | None = Field(default=None, foreign_key="branch.id")
    destination_location_id: int | None = Field(default=None, foreign_key="location.id")
    added_on: date | None = None
    status_changed_at: datetime | None = None
    last_loan_at: datetime | None = None
    loan_count: int = 0
    # Recorded by the materials team when they handle the copy; None: not assessed (counts as good).
    condition: ItemCondition | None = Field(default=None, sa_type=String(10))
