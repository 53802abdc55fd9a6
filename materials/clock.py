"""Time as a dependency: services take `at`, entry points ask a clock.

All datetimes are timezone-aware UTC (SQLModel stores them so); screens convert to Copenhagen time.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

LOCAL_ZONE = ZoneInfo("Europe/Copenhagen")


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class FixedClock:
    """A clock for tests and the simulator: stands still until told to move."""

    current: datetime

    def now(self) -> datetime:
        return self.current

    def advance(self, **kwargs: float) -> datetime:
        self.current = self.current + timedelta(**kwargs)
        return self.current


def to_local(at: datetime) -> datetime:
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(LOCAL_ZONE)


DANISH_MONTHS = ("jan.", "feb.", "mar.", "apr.", "maj", "jun.", "jul.", "aug.", "sep.", "okt.", "nov.", "dec.")


def danish_date(at: datetime) -> str:
    """'3. nov.' — how a date reads on a Danish screen."""
    local = to_local(at)
    return f"{local.day}. {DANISH_MONTHS[local.month - 1]}"
