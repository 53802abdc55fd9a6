"""What the data side hands the backend: forecasts, targets, displays and suggested moves.

The check-in path reads these tables and never loads a model.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from materials.models.types import Json


class Forecast(SQLModel, table=True):
    """Predicted loans per title × branch × week, written only by the promoted model."""

    __table_args__ = (UniqueConstraint("title_id", "branch_id", "week_start", "model_version"),)

    id: int | None = Field(default=None, primary_key=True)
    title_id: int = Field(foreign_key="title.id", index=True)
    branch_id: int = Field(foreign_key="branch.id")
    week_start: date
    horizon: int
    predicted: float
    model_version: str = Field(max_length=40)


class Target(SQLModel, table=True):
    """How many copies of a title a branch should hold, and how far it is from that (deficit > 0: wants more)."""

    __table_args__ = (
        UniqueConstraint("title_id", "branch_id"),
        Index("ix_target_title_deficit", "title_id", "deficit"),
    )

    id: int | None = Field(default=None, primary_key=True)
    title_id: int = Field(foreign_key="title.id")
    branch_id: int = Field(foreign_key="branch.id")
    target: int
    held: int
    deficit: float
    demand: float = 0.0
    computed_at: datetime


class CalendarEvent(SQLModel, table=True):
    """An event in the library's calendar (author talk, themed week) that a display can serve."""

    id: int | None = Field(default=None, primary_key=True)
    branch_id: int = Field(foreign_key="branch.id")
    name: str = Field(max_length=200)
    starts_at: datetime
    theme: str = Field(default="", max_length=300)
    external_id: str | None = Field(default=None, max_length=120, unique=True)


class Display(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    branch_id: int = Field(foreign_key="branch.id")
    location_id: int | None = Field(default=None, foreign_key="location.id")
    name: str = Field(max_length=120)
    audience: str | None = Field(default=None, max_length=10)
    # Theme as ';'-separated subjects and keywords.
    theme: str = Field(default="", max_length=300)
    capacity: int
    starts_on: date
    ends_on: date
    calendar_event_id: int | None = Field(default=None, foreign_key="calendarevent.id")
    state: str = Field(default="planned", max_length=12, sa_type=String(12))  # planned/active/ended


class DisplayWant(SQLModel, table=True):
    """A title a display wants, filled by planning; check-in step (b) reads it."""

    __table_args__ = (UniqueConstraint("display_id", "title_id"), Index("ix_displaywant_title", "title_id"))

    id: int | None = Field(default=None, primary_key=True)
    display_id: int = Field(foreign_key="display.id")
    title_id: int = Field(foreign_key="title.id")
    wanted: int = 1
    filled: int = 0
    score: float = 0.0


class MoveSuggestion(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    from_branch_id: int = Field(foreign_key="branch.id")
    to_branch_id: int = Field(foreign_key="branch.id")
    reason: str = Field(max_length=300)
    score: float = 0.0
    state: str = Field(default="suggested", max_length=12)  # suggested/accepted/rejected/done
    created_at: datetime
    decided_at: datetime | None = None
    decided_by: str | None = Field(default=None, max_length=60)
    task_id: int | None = Field(default=None, foreign_key="task.id")


class ModelRun(SQLModel, table=True):
    """One training run of the demand model, with what it was trained on and how it scored."""

    id: int | None = Field(default=None, primary_key=True)
    version: str = Field(max_length=40, unique=True)
    created_at: datetime
    data_from: date | None = None
    data_to: date | None = None
    features: list[str] = Field(default_factory=list, sa_column=Column(Json, nullable=False))
    params: dict[str, Any] = Field(default_factory=dict, sa_column=Column(Json, nullable=False))
    metrics: dict[str, Any] = Field(default_factory=dict, sa_column=Column(Json, nullable=False))
    duration_s: float = 0.0
    code_version: str = Field(default="", max_length=60)
    artifact_path: str = Field(default="", max_length=300)
    promoted: bool = False
    promoted_at: datetime | None = None
