"""The hold shelf: a reserved copy waits there under a short code until it is collected or its deadline passes.

An expired (or cancelled) reservation's copy re-enters routing like a return: it is checked in at a station of the
branch, so the next reservation, a display or a branch short of it can have it.
"""

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from materials.clock import danish_date
from materials.domain.states import ItemStatus, ReservationState, TaskKind
from materials.errors import MaterialsError
from materials.models import Item, Loan, Reservation, Station
from materials.services.events import record_event
from materials.services.lookup import require_branch, require_item
from materials.services.reservations import ReservationClosed, transition
from materials.services.tasks import open_task

LOAN_DAYS = 28
_DIGITS = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I or O: they read as 1 and 0 on a spine label


class NotOnHoldShelf(MaterialsError):
    pass


def shelf_code_for(reservation_id: int) -> str:
    """A short code for the hold shelf, unique per reservation and saying nothing about the patron: 'H-2F9'."""
    n, digits = reservation_id, ""
    while True:
        n, rest = divmod(n, len(_DIGITS))
        digits = _DIGITS[rest] + digits
        if n == 0:
            return f"H-{digits}"


def mark_ready(
    session: Session, *, reservation: Reservation, at: datetime, actor: str, pickup_days: int | None = None
) -> Reservation:
    """The copy stands on the pickup branch's hold shelf: READY with its pickup deadline and shelf code.

    Does not commit. Marking a READY reservation again changes nothing.
    """
    if reservation.state == ReservationState.READY:
        return reservation
    if pickup_days is None:
        from materials.settings import Settings

        pickup_days = Settings().pickup_days
    deadline = at + timedelta(days=pickup_days)
    code = shelf_code_for(reservation.id)  # type: ignore[arg-type]
    if not transition(
        session,
        reservation,
        to=ReservationState.READY,
        from_states=[ReservationState.IN_TRANSIT, ReservationState.ALLOCATED],
        ready_at=at,
        pickup_deadline=deadline,
        shelf_code=code,
    ):
        raise ReservationClosed(f"reservation {reservation.id} is {reservation.state}, it cannot go on the hold shelf")
    pickup = require_branch(session=session, branch_id=reservation.pickup_branch_id)
    record_event(
        session,
        at=at,
        kind="reservation_ready",
        actor=actor,
        item_id=reservation.item_id,
        reservation_id=reservation.id,
        shelf_code=code,
        pickup_deadline=deadline.isoformat(),
        reason=f"Klar til afhentning på {pickup.name} til {danish_date(deadline)}, hylde {code}",
    )
    return reservation


def collect(session: Session, *, barcode: str, at: datetime, station: str = "", actor: str = "") -> Loan:
    """The patron takes the copy from the hold shelf: the reservation is COLLECTED and a loan begins. Commits."""
    item = require_item(session=session, barcode=barcode)
    reservation = session.exec(
        select(Reservation).where(Reservation.item_id == item.id, Reservation.state == ReservationState.READY)
    ).first()
    if reservation is None or not transition(
        session, reservation, to=ReservationState.COLLECTED, from_states=[ReservationState.READY], closed_at=at
    ):
        raise NotOnHoldShelf(f"{barcode!r} is not waiting on a hold shelf")
    loan = Loan(
        item_id=item.id,  # type: ignore[arg-type]
        title_id=item.title_id,
        patron_id=reservation.patron_id,
        branch_id=reservation.pickup_branch_id,
        loaned_at=at,
        due_at=at + timedelta(days=LOAN_DAYS),
    )
    session.add(loan)
    item.status = ItemStatus.ON_LOAN
    item.branch_id = reservation.pickup_branch_id
    item.location_id = None
    item.destination_branch_id = None
    item.destination_location_id = None
    item.status_changed_at = at
    item.last_loan_at = at
    item.loan_count += 1
    session.add(item)
    record_event(
        session,
        at=at,
        kind="reservation_collected",
        station=station,
        actor=actor,
        item_id=item.id,
        barcode=item.barcode,
        reservation_id=reservation.id,
        reason="Afhentet og udlånt",
    )
    session.commit()
    return loan


def expire_overdue(session: Session, at: datetime, *, actor: str = "system") -> list[dict[str, Any]]:
    """Reservations past their pickup deadline expire; each copy is routed on like a return. Commits."""
    overdue = session.exec(
        select(Reservation)
        .where(Reservation.state == ReservationState.READY, col(Reservation.pickup_deadline) < at)
        .order_by(col(Reservation.pickup_deadline), col(Reservation.id))
    ).all()
    expired: list[dict[str, Any]] = []
    for reservation in overdue:
        if not transition(
            session, reservation, to=ReservationState.EXPIRED, from_states=[ReservationState.READY], closed_at=at
        ):
            continue
        record_event(
            session,
            at=at,
            kind="reservation_expired",
            actor=actor,
            item_id=reservation.item_id,
            reservation_id=reservation.id,
            reason=f"Ikke afhentet inden {danish_date(reservation.pickup_deadline or at)}: sendes videre",
        )
        session.commit()
        route = reroute_from_hold_shelf(session, reservation=reservation, at=at, actor=actor)
        expired.append({"reservation_id": reservation.id, "item_id": reservation.item_id, "route": route})
    return expired


def hold_shelf_desk(session: Session, branch_id: int) -> str | None:
    """A station at the branch to check a hold-shelf copy in from: a 'holdshelf' desk, else a scan station."""
    stations = list(session.exec(select(Station).where(Station.branch_id == branch_id).order_by(col(Station.name))))
    for kind in ("holdshelf", "scan"):
        for station in stations:
            if station.kind == kind:
                return station.name
    return stations[0].name if stations else None


def reroute_from_hold_shelf(
    session: Session, *, reservation: Reservation, at: datetime, actor: str
) -> dict[str, Any] | None:
    """Check the copy of a closed reservation in at its branch, so routing decides where it goes next. Commits."""
    item = session.get(Item, reservation.item_id)
    if item is None:
        return None
    desk = hold_shelf_desk(session, item.branch_id)
    if desk is not None:
        try:
            from materials.services.checkin import check_in
        except ImportError:  # pragma: no cover - until the check-in service is there
            pass
        else:
            decision = check_in(session, item.barcode, desk, at, actor=actor)
            return dict(decision.as_dict())
    task = open_task(
        session,
        kind=TaskKind.SORT,
        station=desk or f"sort-{item.branch_id}",
        branch_id=item.branch_id,
        at=at,
        reason="Ikke afhentet: tages fra reserveringshylden og sorteres",
        item_id=item.id,
        actor=actor,
    )
    session.commit()
    return {"barcode": item.barcode, "kind": "sort", "task_id": task.id, "reason": task.reason}
