"""Crates on the van: dispatch, receipt at the crate's branch (unpacking opens the next task) and stuck items.

Receiving at the sorting room gives every copy a SORT task (the sorter scan is a new check-in). Receiving at the
copy's destination gives it a SHELVE task, to the hold shelf when its reservation is picked up here.
"""

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, update
from sqlmodel import Session, col, select

from materials.domain.states import BranchKind, CrateState, ItemStatus, LocationKind, ReservationState, TaskKind
from materials.errors import MaterialsError
from materials.models import Branch, Crate, CrateItem, Item, Location, Reservation, Title
from materials.services.crates import CrateStateError, crate_items, require_crate
from materials.services.events import record_event
from materials.services.lookup import branch_by_isil, require_branch, station_by_name
from materials.services.tasks import open_task


class WrongBranch(MaterialsError):
    pass


def _step(session: Session, crate: Crate, *, to: CrateState, from_state: CrateState, **values: Any) -> None:
    result = session.exec(
        update(Crate)
        .where(col(Crate.id) == crate.id, col(Crate.state) == from_state)
        .values(state=to, **values)
        .execution_options(synchronize_session="fetch")
    )
    if result.rowcount != 1:
        raise CrateStateError(f"crate {crate.code!r} is {crate.state}, it must be {from_state} to be {to}")


def dispatch_crate(session: Session, *, code: str, at: datetime, station: str = "", actor: str = "") -> Crate:
    """The sealed crate leaves on the van: its copies are IN_TRANSIT from now. Commits."""
    crate = require_crate(session, code)
    _step(session, crate, to=CrateState.DISPATCHED, from_state=CrateState.SEALED, dispatched_at=at)
    target = require_branch(session=session, branch_id=crate.to_branch_id)
    for item in crate_items(session, crate.id):  # type: ignore[arg-type]
        item.status = ItemStatus.IN_TRANSIT
        item.status_changed_at = at
        item.location_id = None
        session.add(item)
        record_event(
            session, at=at, kind="item_dispatched", station=station, actor=actor, item_id=item.id,
            barcode=item.barcode, crate=crate.code, reason=f"Sendt med kasse {crate.code} til {target.name}",
        )  # fmt: skip
    record_event(session, at=at, kind="crate_dispatched", station=station, actor=actor, crate=crate.code)
    session.commit()
    return crate


def receive_crate(session: Session, *, code: str, station: str, at: datetime, actor: str = "") -> list[dict[str, Any]]:
    """Unpack a dispatched crate at its branch; every copy gets its next task. Commits."""
    crate = require_crate(session, code)
    desk = station_by_name(session=session, name=station)
    here = require_branch(session=session, branch_id=crate.to_branch_id)
    if desk.branch_id != here.id:
        raise WrongBranch(f"crate {code!r} goes to {here.isil} ({here.name}); station {station!r} is elsewhere")
    _step(session, crate, to=CrateState.RECEIVED, from_state=CrateState.DISPATCHED, received_at=at)
    lines = []
    for item in crate_items(session, crate.id):  # type: ignore[arg-type]
        item.branch_id = here.id
        item.status = ItemStatus.IN_SORTING
        item.status_changed_at = at
        kind, reason, reservation_id = _next_step(session, item, here)
        task = open_task(
            session, kind=kind, station=station, branch_id=here.id, at=at, reason=reason,
            item_id=item.id, reservation_id=reservation_id, crate_id=crate.id,
            destination_branch_id=item.destination_branch_id, actor=actor,
        )  # fmt: skip
        session.add(item)
        record_event(
            session, at=at, kind="item_received", station=station, actor=actor, item_id=item.id,
            barcode=item.barcode, crate=crate.code, task_id=task.id, reason=reason,
        )  # fmt: skip
        lines.append({"barcode": item.barcode, "task": str(kind), "task_id": task.id, "reason": reason})
    record_event(session, at=at, kind="crate_received", station=station, actor=actor, crate=crate.code)
    session.commit()
    return lines


def _next_step(session: Session, item: Item, here: Branch) -> tuple[TaskKind, str, int | None]:
    if here.kind == BranchKind.SORTING:
        return TaskKind.SORT, "Modtaget i sorteringen: scannes og sorteres", None
    reservation = session.exec(
        select(Reservation).where(Reservation.item_id == item.id, Reservation.state == ReservationState.IN_TRANSIT)
    ).first()
    if reservation is not None and reservation.pickup_branch_id == here.id:
        hold = session.exec(
            select(Location).where(Location.branch_id == here.id, Location.kind == LocationKind.HOLD_SHELF)
        ).first()
        item.destination_branch_id = here.id
        item.destination_location_id = hold.id if hold else None
        return TaskKind.SHELVE, "Til reserveringshylden: afhentes her", reservation.id
    if item.destination_branch_id == here.id:
        place = session.get(Location, item.destination_location_id) if item.destination_location_id else None
        return TaskKind.SHELVE, f"Sættes på plads: {place.name}" if place else "Sættes på plads", None
    return TaskKind.SORT, "Ikke bestemt til denne filial: scannes og sorteres igen", None


@dataclass(frozen=True)
class StuckItem:
    barcode: str
    title: str
    destination: str | None
    crate: str | None
    since: datetime | None
    days: float | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def stuck_in_transit(session: Session, at: datetime, *, alert_days: int | None = None) -> list[StuckItem]:
    """Copies IN_TRANSIT for longer than the alert threshold (or since an unknown time), oldest first."""
    if alert_days is None:
        from materials.settings import Settings

        alert_days = Settings().transit_alert_days
    limit = at - timedelta(days=alert_days)
    last_crate = select(func.max(CrateItem.id)).where(CrateItem.item_id == Item.id).correlate(Item).scalar_subquery()
    rows = session.exec(
        select(Item, Title.title, Branch.isil, Crate.code)
        .join(Title, col(Title.id) == Item.title_id)
        .join(Branch, col(Branch.id) == Item.destination_branch_id, isouter=True)
        .join(CrateItem, col(CrateItem.id) == last_crate, isouter=True)
        .join(Crate, col(Crate.id) == CrateItem.crate_id, isouter=True)
        .where(Item.status == ItemStatus.IN_TRANSIT)
        .where(or_(col(Item.status_changed_at).is_(None), col(Item.status_changed_at) < limit))
        .order_by(col(Item.status_changed_at))
    ).all()
    return [
        StuckItem(
            barcode=item.barcode,
            title=title,
            destination=isil,
            crate=crate,
            since=item.status_changed_at,
            days=round((at - item.status_changed_at).total_seconds() / 86400, 1) if item.status_changed_at else None,
        )
        for item, title, isil, crate in rows
    ]


def list_crates(
    session: Session, *, states: list[CrateState] | None = None, isil: str | None = None
) -> list[dict[str, Any]]:
    """Crates with their leg, state and how full they are; `isil` keeps those from or to that branch."""
    counts = select(CrateItem.crate_id, func.count().label("n")).group_by(col(CrateItem.crate_id)).subquery("counts")
    query = select(Crate, counts.c.n).join(counts, counts.c.crate_id == Crate.id, isouter=True)
    if states:
        query = query.where(col(Crate.state).in_([str(s) for s in states]))
    if isil is not None:
        branch = branch_by_isil(session=session, isil=isil)
        query = query.where(or_(col(Crate.from_branch_id) == branch.id, col(Crate.to_branch_id) == branch.id))
    names = {b.id: b.isil for b in session.exec(select(Branch))}
    return [
        {
            "code": crate.code,
            "from": names.get(crate.from_branch_id),
            "to": names.get(crate.to_branch_id),
            "state": str(crate.state),
            "items": int(n or 0),
            "capacity": crate.capacity,
            "opened_at": crate.opened_at,
            "dispatched_at": crate.dispatched_at,
        }
        for crate, n in session.exec(query.order_by(col(Crate.opened_at), col(Crate.id)))
    ]
