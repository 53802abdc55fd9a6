"""What the screens and the CLI show about copies: one copy with its history, and lists of copies."""

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from materials.domain.states import ItemCondition, ItemStatus
from materials.errors import MaterialsError
from materials.models import Branch, Event, Item, Location, Title
from materials.services.events import record_event
from materials.services.lookup import branch_by_isil, require_item


class UnknownStatus(MaterialsError, ValueError):
    pass


class UnknownCondition(MaterialsError, ValueError):
    pass


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    kind: str
    station: str
    actor: str
    what: str  # the reason or outcome, as the event tells it


@dataclass(frozen=True)
class ItemView:
    barcode: str
    title_id: int
    title: str
    author: str
    status: str
    branch: str
    branch_name: str
    location: str | None
    destination: str | None
    destination_location: str | None
    parts: int
    floating: bool
    condition: str | None = None  # good, worn, damaged; None: not assessed
    history: list[HistoryLine] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _what(event: Event) -> str:
    payload = event.payload or {}
    decision = payload.get("decision")
    if isinstance(decision, dict):
        return str(decision.get("reason", ""))
    for key in ("reason", "outcome", "error", "location", "crate", "condition"):
        if payload.get(key):
            return str(payload[key])
    return ""


def item_details(session: Session, *, barcode: str, history_limit: int = 50) -> ItemView:
    """The copy, where it is and where it is going, and its latest events (newest first)."""
    item = require_item(session=session, barcode=barcode)
    title = session.get(Title, item.title_id)
    branch = session.get(Branch, item.branch_id)
    destination = session.get(Branch, item.destination_branch_id) if item.destination_branch_id else None
    location = session.get(Location, item.location_id) if item.location_id else None
    heading = session.get(Location, item.destination_location_id) if item.destination_location_id else None
    events = session.exec(
        select(Event)
        .where(Event.item_id == item.id)
        .order_by(col(Event.at).desc(), col(Event.id).desc())
        .limit(history_limit)
    ).all()
    return ItemView(
        barcode=item.barcode,
        title_id=item.title_id,
        title=title.title if title else "",
        author=title.author if title else "",
        status=str(item.status),
        branch=branch.isil if branch else "",
        branch_name=branch.name if branch else "",
        location=location.code if location else None,
        destination=destination.isil if destination else None,
        destination_location=heading.code if heading else None,
        parts=item.parts,
        floating=item.floating,
        condition=str(item.condition) if item.condition else None,
        history=[HistoryLine(e.at, e.kind, e.station, e.actor, _what(e)) for e in events],
    )


def record_condition(
    session: Session, *, barcode: str, condition: str, at: datetime, station: str = "", actor: str = ""
) -> ItemView:
    """Record what a person saw of the copy: good, worn or damaged (planning weighs it in moves and weeding).

    Logged as an event with the condition before and after; recording the same condition again changes nothing.
    Commits."""
    try:
        new = ItemCondition(condition.strip().lower())
    except ValueError:
        choices = ", ".join(c.value for c in ItemCondition)
        raise UnknownCondition(f"unknown condition {condition!r}: choose one of {choices}") from None
    item = require_item(session=session, barcode=barcode)
    before = str(item.condition) if item.condition else None
    if before != new.value:
        item.condition = new
        session.add(item)
        record_event(
            session,
            at=at,
            kind="condition_recorded",
            station=station,
            actor=actor,
            item_id=item.id,
            barcode=item.barcode,
            condition=new.value,
            before=before,
        )
        session.commit()
    return item_details(session, barcode=item.barcode, history_limit=0)


def parse_status(value: str) -> ItemStatus:
    try:
        return ItemStatus(value.strip().lower())
    except ValueError:
        choices = ", ".join(s.value for s in ItemStatus)
        raise UnknownStatus(f"unknown status {value!r}: choose one of {choices}") from None


def list_items(
    session: Session, *, status: str | None = None, branch_isil: str | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    """Copies with barcode, title id, branch and status, filtered by status and branch (served by indexes)."""
    query = sa_select(
        col(Item.barcode), col(Item.title_id), col(Branch.isil), col(Item.status), col(Item.status_changed_at)
    ).join(Branch, col(Branch.id) == Item.branch_id)
    if status is not None:
        query = query.where(col(Item.status) == parse_status(status))
    if branch_isil is not None:
        query = query.where(col(Item.branch_id) == branch_by_isil(session=session, isil=branch_isil).id)
    rows = session.execute(query.order_by(col(Item.id)).limit(max(0, limit)))
    return [
        {"barcode": b, "title_id": t, "branch": isil, "status": str(s), "since": since} for b, t, isil, s, since in rows
    ]
