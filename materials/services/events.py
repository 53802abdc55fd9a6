"""The append-only event log: every scan and state change is one row."""

from datetime import datetime
from typing import Any

from sqlalchemy import Connection
from sqlmodel import Session

from materials.models import Event
from materials.services.prepared import run_many


def event_row(
    *,
    at: datetime,
    kind: str,
    station: str = "",
    actor: str = "",
    item_id: int | None = None,
    barcode: str | None = None,
    **payload: Any,
) -> dict[str, Any]:
    """The event table's values for one event: fields cut to their columns, an overlong scan kept in the payload."""
    if barcode is not None and len(barcode) > 80:
        payload.setdefault("scanned", barcode)
        barcode = barcode[:80]
    return {
        "at": at,
        "kind": kind,
        "station": station[:40],
        "actor": actor[:60],
        "item_id": item_id,
        "barcode": barcode,
        "payload": payload,
    }


def record_event(
    session: Session,
    *,
    at: datetime,
    kind: str,
    station: str = "",
    actor: str = "",
    item_id: int | None = None,
    barcode: str | None = None,
    **payload: Any,
) -> Event:
    """Add an event to the caller's unit of work (the caller commits)."""
    row = event_row(at=at, kind=kind, station=station, actor=actor, item_id=item_id, barcode=barcode, **payload)
    event = Event(**row)
    session.add(event)
    return event


_EVENT_INSERT = Event.__table__.insert()  # type: ignore[attr-defined]


class EventBuffer:
    """Events of one unit of work on the hot path, written with one statement just before the commit.

    The check-in writes its rows with SQLAlchemy Core (no ORM objects, no flushes); its events wait here, in the
    order they happened, and `write` inserts them all at once. A step that falls back on the ORM calls `write`
    first, so the log keeps the order of what happened.
    """

    __slots__ = ("conn", "rows")

    def __init__(self, conn: Connection) -> None:
        self.conn = conn  # the unit of work's connection, also used by the hot path's statements
        self.rows: list[dict[str, Any]] = []

    def add(self, **fields: Any) -> None:
        """Keep an event (the keywords of `event_row`) for `write`."""
        self.rows.append(event_row(**fields))

    def write(self) -> None:
        if self.rows:
            run_many(self.conn, _EVENT_INSERT, self.rows)
            self.rows = []
