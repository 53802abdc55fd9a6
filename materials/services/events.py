"""The append-only event log: every scan and state change is one row."""

from datetime import datetime
from typing import Any

from sqlmodel import Session

from materials.models import Event


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
    if barcode is not None and len(barcode) > 80:
        payload.setdefault("scanned", barcode)
        barcode = barcode[:80]
    event = Event(
        at=at, kind=kind, station=station[:40], actor=actor[:60], item_id=item_id, barcode=barcode, payload=payload
    )
    session.add(event)
    return event
