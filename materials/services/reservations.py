"""Title-level reservations: place, cancel and list them, and hand a returned copy to the first in line.

State changes are conditional updates (`transition`): the row changes only if it is still in the state the caller
saw, so two stations can never fill one reservation twice. A copy serves at most one live reservation
(the unique index `uq_reservation_item_live`).
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, exc, text, tuple_, update
from sqlalchemy import select as core_select
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from materials.clock import danish_date
from materials.domain.privacy import patron_pseudonym
from materials.domain.states import BranchKind, ReservationState, TaskKind, TaskState
from materials.errors import MaterialsError, NotFound
from materials.models import Item, Patron, Reservation, Task
from materials.services.events import EventBuffer, record_event
from materials.services.lookup import branch_by_isil, require_title
from materials.services.prepared import run
from materials.services.routing_places import Places
from materials.services.tasks import OpenTaskRow, close_task, finish_task

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


@dataclass(frozen=True)
class HeldReservation:
    """The reservation a returned copy fills, as check-in needs it (no ORM object)."""

    id: int
    pickup_branch_id: int
    placed_at: datetime
    state: ReservationState
    shelf_code: str | None


_R = Reservation.__table__  # type: ignore[attr-defined]
_HELD_COLUMNS = (_R.c.id, _R.c.pickup_branch_id, _R.c.placed_at, _R.c.state, _R.c.shelf_code)
# The states are written out, not bound: SQLite uses a partial index only when the query repeats its condition.
_OWN = core_select(*_HELD_COLUMNS).where(
    _R.c.item_id == bindparam("item"), text("reservation.state IN ('allocated', 'in_transit', 'ready')")
)
# First come, first served: the title's queue in order, read in batches (ix_reservation_queue, partial).
CANDIDATE_BATCH = 50
_QUEUE = text("reservation.state IN ('waiting', 'allocated')")
_CANDIDATES_FIRST = (
    core_select(*_HELD_COLUMNS)
    .where(_R.c.title_id == bindparam("title"), _QUEUE)
    .order_by(_R.c.placed_at, _R.c.id)
    .limit(bindparam("limit"))
    .with_for_update(skip_locked=True)
)
_CANDIDATES_NEXT = (
    core_select(*_HELD_COLUMNS)
    .where(
        _R.c.title_id == bindparam("title"),
        _QUEUE,
        tuple_(_R.c.placed_at, _R.c.id) > tuple_(bindparam("after_at"), bindparam("after_id")),
    )
    .order_by(_R.c.placed_at, _R.c.id)
    .limit(bindparam("limit"))
    .with_for_update(skip_locked=True)
)
_TAKE = (
    update(_R)
    .where(_R.c.id == bindparam("reservation"), _R.c.state == bindparam("previous"))
    .values(state=ReservationState.IN_TRANSIT.value, item_id=bindparam("item"), allocated_at=bindparam("at"))
)
_OWN_PICKED = (
    update(_R)
    .where(_R.c.id == bindparam("reservation"), _R.c.state == ReservationState.ALLOCATED.value)
    .values(state=ReservationState.IN_TRANSIT.value)
)
_T = Task.__table__  # type: ignore[attr-defined]
_OPEN_PICKS = core_select(_T.c.id, _T.c.kind, _T.c.station, _T.c.item_id).where(
    _T.c.reservation_id == bindparam("reservation"),
    _T.c.kind == TaskKind.PICK.value,
    _T.c.state == TaskState.OPEN.value,
)
_WAITING = core_select(_R.c.id).where(_R.c.title_id == bindparam("title"), _R.c.state == "waiting").limit(1)


def _held(row: Any, state: ReservationState | None = None) -> HeldReservation:
    return HeldReservation(
        row.id, row.pickup_branch_id, row.placed_at, state or ReservationState(row.state), row.shelf_code
    )


def _withdraw_picks(events: EventBuffer, reservation_id: int, *, at: datetime, actor: str, outcome: str) -> None:
    for row in run(events.conn, _OPEN_PICKS, {"reservation": reservation_id}).all():
        task = OpenTaskRow(row.id, row.kind, row.station, row.item_id)
        finish_task(events, task, at=at, actor=actor, state=TaskState.CANCELLED, outcome=outcome)


def _take(conn: Connection, values: dict[str, Any]) -> bool:
    """The conditional UPDATE that gives the copy to the reservation. A unique-index violation (the copy already
    serves another live reservation) undoes only the statement on SQLite, but the whole transaction on PostgreSQL,
    which therefore gets a savepoint."""
    if conn.dialect.name == "sqlite":
        return bool(run(conn, _TAKE, values).rowcount == 1)
    with conn.begin_nested():
        return bool(run(conn, _TAKE, values).rowcount == 1)


def fill_from_returned_copy(
    session: Session,
    events: EventBuffer,
    places: Places,
    *,
    item_id: int,
    title_id: int,
    barcode: str,
    at: datetime,
    station: str,
    actor: str,
    own: HeldReservation | None = None,
    own_read: bool = False,
    queued: bool = True,
) -> HeldReservation | None:
    """The reservation a copy in hand should fill, first come, first served; None when nobody waits.

    A reservation that waits, or that was allocated to a shelf copy not yet picked, is taken over: the pick task
    is withdrawn and the shelf copy freed (and given to the next in line, if any). A copy that already serves a
    reservation keeps it. The title's queue is read in batches of `CANDIDATE_BATCH`, oldest first, until one is
    taken, so no older reservation is passed over because of a LIMIT; on PostgreSQL rows another station holds
    locked are skipped (that station is filling them). Core statements only; events go to `events`. Does not commit.
    """
    conn = events.conn
    if not own_read:  # check-in reads it with the copy (`own`); other callers have it read here
        row = run(conn, _OWN, {"item": item_id}).first()
        own = None if row is None else _held(row)
    if own is not None:
        if own.state == ReservationState.ALLOCATED and run(conn, _OWN_PICKED, {"reservation": own.id}).rowcount:
            _withdraw_picks(events, own.id, at=at, actor=actor, outcome="picked_at_checkin")
            return replace(own, state=ReservationState.IN_TRANSIT)
        return own
    if not queued:  # the caller knows that nobody waits for the title
        return None
    params: dict[str, Any] = {"title": title_id, "limit": CANDIDATE_BATCH}
    query = _CANDIDATES_FIRST
    while True:
        batch = run(conn, query, params).all()
        for row in batch:
            previous = ReservationState(row.state)
            values = {"reservation": row.id, "previous": previous.value, "item": item_id, "at": at}
            try:
                taken = _take(conn, values)
            except exc.IntegrityError:  # the copy was given to another reservation at the same moment
                return None
            if not taken:
                continue
            pickup = places.branches[row.pickup_branch_id]
            if previous == ReservationState.ALLOCATED:
                _withdraw_picks(events, row.id, at=at, actor=actor, outcome="returned_copy_instead")
            events.add(
                at=at, kind="reservation_filled", station=station, actor=actor, item_id=item_id, barcode=barcode,
                reservation_id=row.id, pickup=pickup.isil,
                reason=f"Reserveret: afhentes på {pickup.name}, venter siden {danish_date(row.placed_at)}",
            )  # fmt: skip
            if previous == ReservationState.ALLOCATED and run(conn, _WAITING, {"title": title_id}).first():
                from materials.services.allocation import allocate_title

                events.write()  # the log keeps its order: this scan's events before the allocation's
                allocate_title(session, title_id=title_id, at=at, actor=actor)
                session.flush()
            return _held(row, ReservationState.IN_TRANSIT)
        if len(batch) < CANDIDATE_BATCH:
            return None
        last = batch[-1]
        params = {"title": title_id, "limit": CANDIDATE_BATCH, "after_at": last.placed_at, "after_id": last.id}
        query = _CANDIDATES_NEXT


def reservation_for_returned_copy(
    session: Session, *, item: Item, at: datetime, station: str, actor: str
) -> Reservation | None:
    """`fill_from_returned_copy` for callers holding ORM objects: the filled reservation, loaded. Does not commit."""
    from materials.services.routing_places import places_for

    session.flush()
    events = EventBuffer(session.connection())
    held = fill_from_returned_copy(
        session, events, places_for(session), item_id=item.id or 0, title_id=item.title_id, barcode=item.barcode,
        at=at, station=station, actor=actor,
    )  # fmt: skip
    events.write()
    if held is None:
        return None
    return session.get(Reservation, held.id, populate_existing=True)
