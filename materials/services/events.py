"""The append-only event log: every scan and state change is one row."""

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Insert, bindparam
from sqlmodel import Session

from materials.models import Event
from materials.services.prepared import run


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


_EVENTS = Event.__table__  # type: ignore[attr-defined]
_EVENT_FIELDS = ("at", "kind", "station", "actor", "item_id", "barcode", "payload")
_MAX_ROWS_A_STATEMENT = 16
_event_inserts: dict[int, Insert] = {}


def _event_insert(n: int) -> Insert:
    """One INSERT of `n` events (a multi-row VALUES): one statement and one round trip for a scan's events."""
    statement = _event_inserts.get(n)
    if statement is None:
        rows = [{f: bindparam(f"{f}_{i}", type_=_EVENTS.c[f].type) for f in _EVENT_FIELDS} for i in range(n)]
        statement = _event_inserts[n] = _EVENTS.insert().values(rows)
    return statement


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
        rows, self.rows = self.rows, []
        for start in range(0, len(rows), _MAX_ROWS_A_STATEMENT):
            chunk = rows[start : start + _MAX_ROWS_A_STATEMENT]
            params = {f"{f}_{i}": row[f] for i, row in enumerate(chunk) for f in _EVENT_FIELDS}
            run(self.conn, _event_insert(len(chunk)), params)
