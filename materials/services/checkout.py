"""Loans and returns the library system reports: a copy leaves on loan (reservations that counted on it are
settled), or comes back at a branch whose station the check-in runs at.

`check_out` is one unit of work that commits; the loan event names the actor that reported it.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from materials.domain.states import ItemStatus, ReservationState
from materials.errors import MaterialsError
from materials.models import Loan, Station
from materials.services.catalogue import (
    ItemWithdrawn,
    cancel_open_tasks,
    holding_reservation,
    release_reservation,
)
from materials.services.events import record_event
from materials.services.lookup import branch_by_isil, require_item
from materials.services.reservations import patron_for, transition

LOAN_DAYS = 28


# Where a return reported for a branch is checked in: its return machine, else its desk, else any scan station.
RETURN_STATION_KINDS = ("automat", "desk", "scan")


class AlreadyOnLoan(MaterialsError):
    pass


class NoReturnStation(MaterialsError):
    pass


@dataclass(frozen=True)
class Checkout:
    loan: Loan
    collected_reservation_id: int | None  # the patron's own reservation this loan collected


def check_out(
    session: Session,
    *,
    barcode: str,
    patron: str,
    branch_isil: str,
    at: datetime,
    actor: str,
    patron_key: str,
    due_at: datetime | None = None,
) -> Checkout:
    """A loan the library system made: opens a Loan and puts the copy ON_LOAN. Commits.

    A copy that was the patron's own reservation is collected; a copy another reservation had counted on is
    released from it, and that reservation gets another copy.
    """
    item = require_item(session=session, barcode=barcode)
    branch = branch_by_isil(session=session, isil=branch_isil)
    if item.status == ItemStatus.WITHDRAWN:
        raise ItemWithdrawn(f"item {item.barcode!r} is withdrawn and cannot be lent")
    open_loan = session.exec(select(Loan).where(Loan.item_id == item.id, col(Loan.returned_at).is_(None))).first()
    if open_loan is not None:
        raise AlreadyOnLoan(f"item {item.barcode!r} is on loan already: return it first")
    borrower = patron_for(session, raw_id=patron, key=patron_key)
    reservation = holding_reservation(session, item)
    collected = reservation is not None and reservation.patron_id == borrower.id
    cancel_open_tasks(session, item, at=at, actor=actor, outcome="lent")
    loan = Loan(
        item_id=item.id,  # type: ignore[arg-type]
        title_id=item.title_id,
        patron_id=borrower.id,
        branch_id=branch.id,  # type: ignore[arg-type]
        loaned_at=at,
        due_at=due_at or at + timedelta(days=LOAN_DAYS),
    )
    session.add(loan)
    item.status = ItemStatus.ON_LOAN
    item.branch_id = branch.id  # type: ignore[assignment]
    item.location_id = None
    item.destination_branch_id = None
    item.destination_location_id = None
    item.status_changed_at = at
    item.last_loan_at = at
    item.loan_count += 1
    session.add(item)
    # Flushed before any re-allocation, so the copy now on loan is not chosen again.
    session.flush()
    if reservation is not None and collected:
        transition(session, reservation, to=ReservationState.COLLECTED, from_states=[reservation.state], closed_at=at)
    elif reservation is not None:
        release_reservation(session, reservation, at=at, actor=actor, why="copy_lent_to_another")
    record_event(
        session,
        at=at,
        kind="loan",
        actor=actor,
        item_id=item.id,
        barcode=item.barcode,
        loan_id=loan.id,
        branch=branch.isil,
        reservation_id=reservation.id if collected and reservation else None,
        reason="Afhentet og udlånt" if collected else "Udlånt",
    )
    session.commit()
    return Checkout(loan=loan, collected_reservation_id=reservation.id if collected and reservation else None)


def return_station_for(session: Session, *, isil: str) -> str:
    """The station a return at this branch is checked in at."""
    branch = branch_by_isil(session=session, isil=isil)
    stations = session.exec(select(Station).where(Station.branch_id == branch.id).order_by(col(Station.name))).all()
    for kind in RETURN_STATION_KINDS:
        for station in stations:
            if station.kind == kind:
                return station.name
    if not stations:
        raise NoReturnStation(f"branch {branch.isil!r} ({branch.name}) has no station to check a return in at")
    return stations[0].name
