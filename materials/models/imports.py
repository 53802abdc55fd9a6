"""Aggregated demand series imported from open library data (title, branch, period, count)."""

from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel


class ImportedCount(SQLModel, table=True):
    """Loans of a title at a branch over one period, as published (no single loans behind it)."""

    __table_args__ = (UniqueConstraint("title_id", "branch_id", "period_start", "period_days"),)

    id: int | None = Field(default=None, primary_key=True)
    title_id: int = Field(foreign_key="title.id", index=True)
    branch_id: int = Field(foreign_key="branch.id")
    period_start: date
    period_days: int = 7
    count: int
    source: str = Field(default="", max_length=200)
    imported_at: datetime
