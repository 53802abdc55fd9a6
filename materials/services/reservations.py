"""Title-level reservations: place, cancel and list them, and hand a returned copy to the first in line.

State changes are conditional updates (`transition`): the row changes only if it is still in the state the caller
saw, so two stations can never fill one reservation twice. A copy serves at most one live reservation
(the unique index `uq_reservation_item_live`).
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import exc, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from materials.clock import danish_date
from materials.domain.privacy import patron_pseudonym
from materials.domain.states import HOLDING_RESERVATION_STATES, BranchKind, ReservationState, TaskKind, TaskState
from materials.errors import MaterialsError, NotFound
from materials.models import Branch, Item, Patron, Reservation, Task
from materials.services.events import record_event
from materials.services.lookup import branch_by_isil, require_branch, require_title
from materials.services.tasks import close_task

CLOSED_STATES = (ReservationState.COLLECTED, ReservationState.EXPIRED, ReservationState.CANCELLED)


class UnknownReservation(NotFound):
    pass


class ReservationClosed(MaterialsError):
    """The reservation is collected, expired or cancelled and can no longer change."""


class NotAPickupBranch(MaterialsError):
    pass


def transition(
    session: Session,
    reservation: Reservation,
    *,
    to: ReservationState,
    from_states: Iterable[ReservationState],
    **values: Any,
) -> bool:
    """Move the reservation to `to` only if it is still in one of `from_states`; False when someone was first."""
    states = [str(s) for s in from_states]
    result = session.exec(
        update(Reservation)
        .where(col(Reservation.id) == reservation.id, col(Reservation.state).in_(states))
        .values(state=to, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    set_committed_value(reservation, "state", to)
    for key, value in values.items():
        set_committed_value(reservation, key, value)
    return True


def require_reservation(session: Session, reservation_id: int) -> Reservation:
    reservation = session.get(Reservation, reservation_id, populate_existing=True)
    if reservation is None:
        raise UnknownReservation(f"unknown reservation {reservation_id!r}")
    return reservation


def lock_reservation(session: Session, reservation_id: int, *, skip_locked: bool = False) -> Reservation | None:
    """The reservation, its row locked on PostgreSQL. Lock order everywhere: the copy, the reservation, its tasks,
    the crate; so a pick, a check-in, a cancellation and a timeout never wait on each other in a circle."""
    return session.exec(
        select(Reservation)
        .where(Reservation.id == reservation_id)
        .with_for_update(skip_locked=skip_locked)
        .execution_options(populate_existing=True)
    ).first()


def patron_for(session: Session, *, raw_id: str, key: str) -> Patron:
    """The patron row for a library-system patron id; only its keyed hash is stored."""
    if not raw_id.strip():
        raise MaterialsError("a reservation needs a patron id")
    pseudonym = patron_pseudonym(raw_id, key)
    patron = session.exec(select(Patron).where(Patron.pseudonym == pseudonym)).first()
    if patron is not None:
        return patron
    try:
        with session.begin_nested():
            patron = Patron(pseudonym=pseudonym)
            session.add(patron)
    except exc.IntegrityError:  # another station created the same patron a moment ago
        patron = session.exec(select(Patron).where(Patron.pseudonym == pseudonym)).one()
    return patron


def place_reservation(
    session: Session,
    *,
    title_id: int,
    pickup_isil: str,
    patron: str,
    at: datetime,
    patron_key: str,
    actor: str = "",
    external_id: str | None = None,
) -> Reservation:
    """Reserve any copy of a title for pickup at a branch, then try to allocate a copy at once. Commits.

    An unknown title or branch is refused with its value named; the refusal is logged and nothing else changes.
    """
    try:
        title = require_title(session=session, title_id=title_id)
        pickup = branch_by_isil(session=session, isil=pickup_isil)
        if pickup.kind not in (BranchKind.MAIN, BranchKind.BRANCH):
            raise NotAPickupBranch(f"branch {pickup.isil!r} ({pickup.name}) is not a pickup branch")
    except MaterialsError as error:
        session.rollback()
        record_event(
            session, at=at, kind="reservation_refused", actor=actor, title_id=title_id, pickup=pickup_isil,
            error=str(error),
        )  # fmt: skip
        session.commit()
        raise
    reservation = Reservation(
        title_id=title.id,  # type: ignore[arg-type]
        patron_id=patron_for(session, raw_id=patron, key=patron_key).id,  # type: ignore[arg-type]
        pickup_branch_id=pickup.id,  # type: ignore[arg-type]
        placed_at=at,
        external_id=external_id,
    )
    session.add(reservation)
    session.flush()
    record_event(
        session,
        at=at,
        kind="reservation_placed",
        actor=actor,
        reservation_id=reservation.id,
        title_id=title.id,
        pickup=pickup.isil,
        reason=f"Reserveret til afhentning på {pickup.name}",
    )
    from materials.services.allocation import allocate_title

    allocate_title(session, title_id=title.id, at=at, actor=actor)  # type: ignore[arg-type]
    session.commit()
    return reservation


def list_reservations(
    session: Session,
    *,
    title_id: int | None = None,
    states: Iterable[ReservationState] | None = None,
    pickup_branch_id: int | None = None,
    limit: int = 500,
) -> list[Reservation]:
    query = select(Reservation)
    if title_id is not None:
        query = query.where(Reservation.title_id == title_id)
    if states is not None:
        query = query.where(col(Reservation.state).in_([str(s) for s in states]))
    if pickup_branch_id is not None:
        query = query.where(Reservation.pickup_branch_id == pickup_branch_id)
    return list(session.exec(query.order_by(col(Reservation.placed_at), col(Reservation.id)).limit(limit)))


def withdraw_pick(session: Session, reservation: Reservation, *, at: datetime, actor: str, outcome: str) -> None:
    """Cancel the open pick task of an allocated reservation (the shelf copy stays where it is)."""
    tasks = session.exec(
        select(Task).where(
            Task.reservation_id == reservation.id, Task.kind == TaskKind.PICK, Task.state == TaskState.OPEN
        )
    )
    for task in tasks:
        close_task(session, task, at=at, actor=actor, state=TaskState.CANCELLED, outcome=outcome)


def cancel_reservation(
    session: Session, *, reservation_id: int, at: datetime, actor: str = "", station: str = ""
) -> Reservation:
    """Cancel a live reservation. A chosen shelf copy is freed for others; a copy on the hold shelf is re-routed."""
    reservation = require_reservation(session, reservation_id)
    previous = reservation.state
    if previous in CLOSED_STATES or not transition(
        session, reservation, to=ReservationState.CANCELLED, from_states=[previous], closed_at=at
    ):
        raise ReservationClosed(f"reservation {reservation_id} is {reservation.state}, it cannot be cancelled")
    if previous == ReservationState.ALLOCATED:
        withdraw_pick(session, reservation, at=at, actor=actor, outcome="reservation_cancelled")
    record_event(
        session,
        at=at,
        kind="reservation_cancelled",
        station=station,
        actor=actor,
        item_id=reservation.item_id,
        reservation_id=reservation.id,
        previous_state=str(previous),
        reason="Reservering annulleret",
    )
    if previous == ReservationState.ALLOCATED:
        from materials.services.allocation import allocate_title

        allocate_title(session, title_id=reservation.title_id, at=at, actor=actor)
    session.commit()
    if previous == ReservationState.READY and reservation.item_id is not None:
        from materials.services.holdshelf import reroute_from_hold_shelf

        reroute_from_hold_shelf(session, reservation=reservation, at=at, actor=actor)
    return reservation


def reservation_for_returned_copy(
    session: Session, *, item: Item, at: datetime, station: str, actor: str
) -> Reservation | None:
    """The reservation a copy in hand should fill, first come, first served; None when nobody waits.

    A reservation that waits, or that was allocated to a shelf copy not yet picked, is taken over: the pick task
    is withdrawn and the shelf copy freed. A copy that already serves a reservation keeps it. Does not commit.
    """
    own = session.exec(
        select(Reservation)
        .where(Reservation.item_id == item.id, col(Reservation.state).in_([str(s) for s in HOLDING_RESERVATION_STATES]))
        .execution_options(populate_existing=True)
    ).first()
    if own is not None:
        if own.state == ReservationState.ALLOCATED and transition(
            session, own, to=ReservationState.IN_TRANSIT, from_states=[ReservationState.ALLOCATED]
        ):
            withdraw_pick(session, own, at=at, actor=actor, outcome="picked_at_checkin")
        return own
    candidates = session.exec(
        select(Reservation)
        .where(
            Reservation.title_id == item.title_id,
            col(Reservation.state).in_([ReservationState.WAITING.value, ReservationState.ALLOCATED.value]),
        )
        .order_by(col(Reservation.placed_at), col(Reservation.id))
        .limit(50)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    ).all()
    for reservation in candidates:
        previous = reservation.state
        try:
            with session.begin_nested():
                taken = transition(
                    session,
                    reservation,
                    to=ReservationState.IN_TRANSIT,
                    from_states=[previous],
                    item_id=item.id,
                    allocated_at=at,
                )
        except exc.IntegrityError:  # the copy was given to another reservation at the same moment
            return None
        if not taken:
            continue
        pickup = require_branch(session=session, branch_id=reservation.pickup_branch_id)
        if previous == ReservationState.ALLOCATED:
            withdraw_pick(session, reservation, at=at, actor=actor, outcome="returned_copy_instead")
        _record_filled(session, reservation, item=item, pickup=pickup, at=at, station=station, actor=actor)
        if previous == ReservationState.ALLOCATED and _anyone_waiting(session, item.title_id):
            from materials.services.allocation import allocate_title

            allocate_title(session, title_id=item.title_id, at=at, actor=actor)
        return reservation
    return None


def _record_filled(
    session: Session, reservation: Reservation, *, item: Item, pickup: Branch, at: datetime, station: str, actor: str
) -> None:
    record_event(
        session,
        at=at,
        kind="reservation_filled",
        station=station,
        actor=actor,
        item_id=item.id,
        barcode=item.barcode,
        reservation_id=reservation.id,
        pickup=pickup.isil,
        reason=f"Reserveret: afhentes på {pickup.name}, venter siden {danish_date(reservation.placed_at)}",
    )


def _anyone_waiting(session: Session, title_id: int) -> bool:
    return (
        session.exec(
            select(Reservation.id).where(
                Reservation.title_id == title_id, Reservation.state == ReservationState.WAITING
            )
        ).first()
        is not None
    )
