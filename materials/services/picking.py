"""Picking reserved copies from a branch's shelves: the pick list in walking order, the pick scan, not found, timeout.

A pick is a scan at a station of the branch. The copy then goes to the hold shelf (pickup here) or into the crate
towards the sorting room. "Not found" marks the copy missing and allocates another; a pick not done in time moves
to another copy. A scan of a copy that is not on the list changes nothing, but is recorded.
"""

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from materials.domain.sections import shelfmark_key
from materials.domain.states import ItemStatus, LocationKind, ReservationState, TaskKind, TaskState
from materials.errors import MaterialsError
from materials.models import Branch, Item, Location, Reservation, Task, Title
from materials.services.allocation import Allocation, allocate_title
from materials.services.crates import crate_leg_to, put_in_crate
from materials.services.events import record_event
from materials.services.lookup import branch_by_isil, require_branch, require_item, station_by_name
from materials.services.reservations import lock_reservation, transition
from materials.services.tasks import close_task, open_task

NOT_FOUND_REASON = "Ikke fundet: nyt eksemplar valgt fra {source}"
TIMEOUT_REASON = "Ikke plukket i tide: nyt eksemplar valgt fra {source}"


class NotOnPickList(MaterialsError):
    pass


@dataclass(frozen=True)
class PickLine:
    task_id: int
    barcode: str
    title: str
    author: str
    shelfmark: str
    location: str | None
    location_name: str | None
    pickup: str
    pickup_name: str
    reservation_id: int | None
    due_at: datetime | None
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class PickResult:
    barcode: str
    outcome: str  # picked / not_found
    reservation_id: int | None
    reason: str
    next_task_id: int | None = None
    crate: str | None = None
    replacement: Allocation | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def pick_list(session: Session, *, isil: str) -> list[PickLine]:
    """The branch's open picks in the order of a walk through it: location walk order, then shelf mark."""
    branch = branch_by_isil(session=session, isil=isil)
    rows = list(
        session.exec(
            select(Task, Item, Title, Location)
            .join(Item, col(Item.id) == Task.item_id)
            .join(Title, col(Title.id) == Item.title_id)
            .join(Location, col(Location.id) == Item.location_id, isouter=True)
            .where(Task.branch_id == branch.id, Task.kind == TaskKind.PICK, Task.state == TaskState.OPEN)
        )
    )
    branches = {b.id: b for b in session.exec(select(Branch))}
    rows.sort(key=lambda r: (r[3] is None, r[3].walk_order if r[3] else 0, shelfmark_key(r[1].shelfmark), r[1].barcode))
    return [
        PickLine(
            task_id=task.id or 0,
            barcode=item.barcode,
            title=title.title,
            author=title.author,
            shelfmark=item.shelfmark,
            location=place.code if place else None,
            location_name=place.name if place else None,
            pickup=branches[task.destination_branch_id].isil if task.destination_branch_id else "",
            pickup_name=branches[task.destination_branch_id].name if task.destination_branch_id else "",
            reservation_id=task.reservation_id,
            due_at=task.due_at,
            reason=task.reason,
        )
        for task, item, title, place in rows
    ]


def _reject(session: Session, *, barcode: str, station: str, at: datetime, actor: str, error: MaterialsError) -> None:
    """Keep the scan in the log while changing nothing else."""
    session.rollback()
    record_event(session, at=at, kind="pick_rejected", station=station, actor=actor, barcode=barcode, error=str(error))
    session.commit()


def pick(
    session: Session, *, barcode: str, station: str, at: datetime, actor: str = "", not_found: bool = False
) -> PickResult:
    """Confirm a pick by scanning the copy (or report it not found). Commits."""
    try:
        desk = station_by_name(session=session, name=station)
        here = require_branch(session=session, branch_id=desk.branch_id)
        item = require_item(session=session, barcode=barcode)
        # Lock order as in check-in: the copy, then its reservation, then the task, then the crate.
        item = session.exec(
            select(Item).where(Item.id == item.id).with_for_update().execution_options(populate_existing=True)
        ).one()
        task = _open_pick(session, item_id=item.id, branch_id=here.id)  # type: ignore[arg-type]
        reservation = lock_reservation(session, task.reservation_id) if task and task.reservation_id else None
        task = _open_pick(session, item_id=item.id, branch_id=here.id, lock=True)  # type: ignore[arg-type]
        if task is None:
            raise NotOnPickList(f"{barcode!r} is not on the pick list of {here.isil} ({here.name})")
        if reservation is None or reservation.item_id != item.id or reservation.state != ReservationState.ALLOCATED:
            raise NotOnPickList(f"{barcode!r} is no longer wanted for a reservation at {here.isil}")
    except MaterialsError as error:
        _reject(session, barcode=barcode, station=station, at=at, actor=actor, error=error)
        raise
    if not_found:
        return _not_found(session, item=item, task=task, reservation=reservation, station=station, at=at, actor=actor)
    transition(session, reservation, to=ReservationState.IN_TRANSIT, from_states=[ReservationState.ALLOCATED])
    close_task(session, task, at=at, actor=actor, outcome="picked")
    pickup = require_branch(session=session, branch_id=reservation.pickup_branch_id)
    item.status = ItemStatus.IN_SORTING
    item.status_changed_at = at
    item.location_id = None
    item.destination_branch_id = pickup.id
    crate = None
    if pickup.id == here.id:
        hold = session.exec(
            select(Location).where(Location.branch_id == here.id, Location.kind == LocationKind.HOLD_SHELF)
        ).first()
        item.destination_location_id = hold.id if hold else None
        reason, kind = "Plukket: til reserveringshylden her", TaskKind.SHELVE
    else:
        leg = crate_leg_to(session, from_branch_id=desk.branch_id, destination_branch_id=reservation.pickup_branch_id)
        crate = put_in_crate(
            session, item=item, from_branch_id=desk.branch_id, to_branch_id=leg, at=at, station=station, actor=actor
        )
        reason, kind = f"Plukket til reservering: afhentes på {pickup.name}, kasse {crate.code}", TaskKind.PACK
    session.add(item)
    next_task = open_task(
        session, kind=kind, station=station, branch_id=desk.branch_id, at=at, reason=reason, item_id=item.id,
        reservation_id=reservation.id, crate_id=crate.id if crate else None, destination_branch_id=pickup.id,
        actor=actor,
    )  # fmt: skip
    record_event(
        session, at=at, kind="item_picked", station=station, actor=actor, item_id=item.id, barcode=item.barcode,
        reservation_id=reservation.id, reason=reason,
    )  # fmt: skip
    session.commit()
    return PickResult(
        barcode=item.barcode,
        outcome="picked",
        reservation_id=reservation.id,
        reason=reason,
        next_task_id=next_task.id,
        crate=crate.code if crate else None,
    )


def _open_pick(session: Session, *, item_id: int, branch_id: int, lock: bool = False) -> Task | None:
    query = select(Task).where(
        Task.item_id == item_id, Task.kind == TaskKind.PICK, Task.state == TaskState.OPEN, Task.branch_id == branch_id
    )
    if lock:
        query = query.with_for_update()
    return session.exec(query.execution_options(populate_existing=True)).first()


def _not_found(
    session: Session, *, item: Item, task: Task, reservation: Reservation, station: str, at: datetime, actor: str
) -> PickResult:
    close_task(session, task, at=at, actor=actor, state=TaskState.CANCELLED, outcome="not_found")
    transition(
        session,
        reservation,
        to=ReservationState.WAITING,
        from_states=[ReservationState.ALLOCATED],
        item_id=None,
        allocated_at=None,
    )
    item.status = ItemStatus.MISSING
    item.status_changed_at = at
    session.add(item)
    session.flush()
    done = allocate_title(
        session,
        title_id=item.title_id,
        at=at,
        actor=actor,
        reasons={reservation.id: NOT_FOUND_REASON},  # type: ignore[dict-item]
    )
    mine = next((a for a in done if a.reservation_id == reservation.id), None)
    reason = mine.reason if mine else "Ikke fundet: intet andet eksemplar på hylden, reserveringen venter"
    record_event(
        session, at=at, kind="pick_not_found", station=station, actor=actor, item_id=item.id, barcode=item.barcode,
        reservation_id=reservation.id, reason=reason,
    )  # fmt: skip
    session.commit()
    return PickResult(
        barcode=item.barcode, outcome="not_found", reservation_id=reservation.id, reason=reason, replacement=mine
    )


def reallocate_overdue_picks(session: Session, at: datetime, *, actor: str = "system") -> list[dict[str, Any]]:
    """Picks not done by their due time move to another copy; the copy left behind is not chosen again
    until it has been seen. Commits."""
    overdue = session.exec(
        select(Task.id, Task.reservation_id)
        .where(Task.kind == TaskKind.PICK, Task.state == TaskState.OPEN, col(Task.due_at) < at)
        .order_by(col(Task.id))
    ).all()
    by_title: dict[int, dict[int, str]] = defaultdict(dict)
    moved: list[dict[str, Any]] = []
    for task_id, reservation_id in overdue:
        # Lock order as everywhere: the reservation, then its task; one somebody else holds is left for next time.
        reservation = lock_reservation(session, reservation_id, skip_locked=True) if reservation_id else None
        if reservation_id and reservation is None:
            continue
        task = session.exec(
            select(Task)
            .where(Task.id == task_id, Task.state == TaskState.OPEN)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        ).first()
        if task is None:
            continue
        close_task(session, task, at=at, actor=actor, state=TaskState.CANCELLED, outcome="timeout")
        if reservation is None or not transition(
            session,
            reservation,
            to=ReservationState.WAITING,
            from_states=[ReservationState.ALLOCATED],
            item_id=None,
            allocated_at=None,
        ):
            continue
        record_event(
            session, at=at, kind="pick_timed_out", station=task.station, actor=actor, item_id=task.item_id,
            reservation_id=reservation.id, reason="Ikke plukket i tide",
        )  # fmt: skip
        by_title[reservation.title_id][reservation.id] = TIMEOUT_REASON  # type: ignore[index]
        moved.append({"reservation_id": reservation.id, "old_item_id": task.item_id, "new_item_id": None})
    session.flush()
    new_items: dict[int, int] = {}
    for title_id, reasons in by_title.items():
        for allocation in allocate_title(session, title_id=title_id, at=at, actor=actor, reasons=reasons):
            new_items[allocation.reservation_id] = allocation.item_id
    for line in moved:
        line["new_item_id"] = new_items.get(line["reservation_id"])
    session.commit()
    return moved
