"""Putting a copy where check-in (or the crate's receipt) said: a shelf, a display or the hold shelf.

Shelving completes the copy's open SHELVE or DISPLAY task at the branch where it now is. A copy for a
reservation goes on the hold shelf and the reservation becomes ready for pickup (holdshelf.mark_ready).
"""

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from materials.domain.identifiers import InvalidIdentifier, normalise_barcode
from materials.domain.sections import section_for
from materials.domain.states import ItemStatus, LocationKind, TaskKind, TaskState
from materials.errors import MaterialsError
from materials.models import Item, Reservation, Task, Title
from materials.services.events import record_event
from materials.services.lookup import UnknownBarcode
from materials.services.routing_places import BranchInfo, PlaceInfo, Places, station_named
from materials.services.tasks import close_task

_STATUS_AT = {
    LocationKind.SHELF: ItemStatus.ON_SHELF,
    LocationKind.DISPLAY: ItemStatus.ON_DISPLAY,
    LocationKind.HOLD_SHELF: ItemStatus.ON_HOLD_SHELF,
    LocationKind.STORAGE: ItemStatus.ON_SHELF,
}


class NothingToShelve(MaterialsError):
    """The copy has no open shelve or display task."""


class ShelvedElsewhere(MaterialsError):
    """The copy's task is at another branch than the station's."""


@dataclass(frozen=True)
class Shelved:
    barcode: str
    status: str
    branch: str
    location: str | None
    task_id: int
    reservation_id: int | None
    shelf_code: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def shelve(session: Session, *, barcode: str, station: str, at: datetime, actor: str = "") -> Shelved:
    """Put the copy in its place and close its task. Commits.

    A barcode that is malformed, unknown or has nothing to shelve here raises a named error naming it; the refused
    scan is still recorded (event `shelve_refused`) and nothing else changes.
    """
    try:
        session.expire_all()
        places, desk = station_named(session, station)
        here = places.branches[desk.branch_id]
        try:
            item, task = _item_and_task(session, barcode, here)
        except MaterialsError as exc:
            session.rollback()
            record_event(
                session, at=at, kind="shelve_refused", station=station, actor=actor, barcode=barcode, error=str(exc)
            )
            session.commit()
            raise
        place = _place_for(session, places, item, here)
        reservation = _reservation_for(session, item) if place and place.kind == LocationKind.HOLD_SHELF else None
        status = _STATUS_AT.get(LocationKind(place.kind), ItemStatus.ON_SHELF) if place else ItemStatus.ON_SHELF
        item.status, item.status_changed_at, item.branch_id = status, at, here.id
        item.location_id = place.id if place else None
        item.destination_branch_id = item.destination_location_id = None
        session.add(item)
        if reservation is not None:
            from materials.services.holdshelf import mark_ready

            mark_ready(session, reservation=reservation, at=at, actor=actor)
        close_task(session, task, at=at, actor=actor, outcome="shelved")
        result = Shelved(
            barcode=item.barcode, status=str(status), branch=here.isil, location=place.code if place else None,
            task_id=task.id or 0, reservation_id=reservation.id if reservation else None,
            shelf_code=reservation.shelf_code if reservation else None,
        )  # fmt: skip
        record_event(
            session, at=at, kind="shelved", station=station, actor=actor, item_id=item.id, barcode=item.barcode,
            **{k: v for k, v in result.as_dict().items() if k != "barcode"},
        )  # fmt: skip
        session.commit()
        return result
    except BaseException:
        session.rollback()
        raise


def _item_and_task(session: Session, barcode: str, here: BranchInfo) -> tuple[Item, Task]:
    try:
        code = normalise_barcode(barcode)
    except InvalidIdentifier as exc:
        raise InvalidIdentifier(f"malformed barcode {barcode!r}") from exc
    query = select(Item).where(Item.barcode == code)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    item = session.exec(query).first()
    if item is None:
        raise UnknownBarcode(f"unknown barcode {barcode!r}")
    tasks = session.exec(
        select(Task)
        .where(Task.item_id == item.id, Task.state == TaskState.OPEN)
        .where(col(Task.kind).in_([TaskKind.SHELVE.value, TaskKind.DISPLAY.value]))
        .order_by(col(Task.created_at).desc())
    ).all()
    if not tasks:
        raise NothingToShelve(f"barcode {barcode!r} has nothing to shelve: no open shelve task")
    task = next((t for t in tasks if (t.destination_branch_id or t.branch_id) == here.id), None)
    if task is None:
        other = tasks[0].destination_branch_id or tasks[0].branch_id
        raise ShelvedElsewhere(f"barcode {barcode!r} is to be shelved at branch id {other}, not at {here.isil}")
    return item, task


def _reservation_for(session: Session, item: Item) -> Reservation | None:
    from materials.services.routing_rules import held_reservation

    return held_reservation(session, item_id=item.id or 0)


def _place_for(session: Session, places: Places, item: Item, here: BranchInfo) -> PlaceInfo | None:
    """The location check-in chose; without one, the hold shelf for a reservation here, else the section's shelf."""
    chosen = places.locations.get(item.destination_location_id or -1)
    if chosen is not None and chosen.branch_id == here.id:
        return chosen
    reservation = _reservation_for(session, item)
    if reservation is not None and reservation.pickup_branch_id == here.id and here.id in places.hold_shelves:
        return places.hold_shelves[here.id]
    title = session.get(Title, item.title_id)
    if title is None:
        return None
    section = section_for(
        audience=title.audience, material_type=title.material_type, classification=title.classification
    )
    shelves = places.shelves.get((here.id, section), [])
    return shelves[0] if shelves else None
