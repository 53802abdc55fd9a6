from datetime import timedelta

import pytest
from sqlalchemy import exc
from sqlmodel import Session, select

from materials.domain.identifiers import InvalidIdentifier
from materials.domain.privacy import patron_pseudonym
from materials.domain.states import BranchKind, ItemStatus, ReservationState, TaskKind, TaskState
from materials.models import Event, Patron, Reservation, Task
from materials.services.allocation import allocate
from materials.services.lookup import UnknownBranch, UnknownTitle
from materials.services.reservations import (
    NotAPickupBranch,
    ReservationClosed,
    UnknownReservation,
    cancel_reservation,
    list_reservations,
    place_reservation,
    reservation_for_returned_copy,
)
from tests.factories import (
    T0,
    make_branch,
    make_item,
    make_reservation,
    make_station,
    make_title,
)

KEY = "test-key"


def place(
    session: Session, title_id: int | None, isil: str, patron: str = "1234567890", minutes: int = 0
) -> Reservation:
    return place_reservation(
        session,
        title_id=title_id or 0,
        pickup_isil=isil,
        patron=patron,
        at=T0 + timedelta(minutes=minutes),
        patron_key=KEY,
    )


def test_placing_stores_only_the_patrons_pseudonym(session: Session) -> None:
    valby = make_branch(session, "Valby")
    title = make_title(session)
    reservation = place(session, title.id, valby.isil, patron="0101801234")
    patron = session.get(Patron, reservation.patron_id)
    assert patron is not None
    assert patron.pseudonym == patron_pseudonym("0101801234", KEY)
    assert "0101801234" not in patron.pseudonym
    assert reservation.state == ReservationState.WAITING


def test_the_same_patron_reserving_twice_is_one_patron(session: Session) -> None:
    valby = make_branch(session, "Valby")
    title = make_title(session)
    first = place(session, title.id, valby.isil, patron="P-1")
    second = place(session, title.id, valby.isil, patron="P-1")
    assert first.patron_id == second.patron_id


def test_placing_allocates_a_shelf_copy_at_once(session: Session) -> None:
    valby = make_branch(session, "Valby")
    title = make_title(session)
    make_item(session, title, valby, "ON-SHELF-AT-VALBY")
    reservation = place(session, title.id, valby.isil)
    assert reservation.state == ReservationState.ALLOCATED
    events = session.exec(select(Event.kind).where(Event.kind.in_(["reservation_placed", "reservation_allocated"])))  # type: ignore[attr-defined]
    assert sorted(events) == ["reservation_allocated", "reservation_placed"]


def test_a_reservation_for_an_unknown_title_names_it_and_changes_nothing(session: Session) -> None:
    valby = make_branch(session, "Valby")
    with pytest.raises(UnknownTitle, match="999"):
        place(session, 999, valby.isil)
    assert session.exec(select(Reservation)).all() == []
    refused = session.exec(select(Event).where(Event.kind == "reservation_refused")).one()
    assert "999" in refused.payload["error"]


def test_a_reservation_for_an_unknown_or_malformed_branch_names_it(session: Session) -> None:
    title = make_title(session)
    with pytest.raises(UnknownBranch, match="DK-799999"):
        place(session, title.id, "DK-799999")
    session.rollback()
    with pytest.raises(InvalidIdentifier, match="Valby"):
        place(session, title.id, "Valby")
    session.rollback()
    assert session.exec(select(Reservation)).all() == []


def test_the_sorting_room_is_not_a_pickup_branch(session: Session) -> None:
    hub = make_branch(session, "Centralsortering", kind=BranchKind.SORTING)
    title = make_title(session)
    with pytest.raises(NotAPickupBranch, match=hub.isil):
        place(session, title.id, hub.isil)


def test_cancelling_an_allocated_reservation_withdraws_the_pick_and_gives_the_copy_to_the_next(
    session: Session,
) -> None:
    valby = make_branch(session, "Valby")
    title = make_title(session)
    copy = make_item(session, title, valby, "ONLY-COPY")
    first = place(session, title.id, valby.isil, patron="A")
    second = place(session, title.id, valby.isil, patron="B", minutes=5)
    assert (first.state, second.state) == (ReservationState.ALLOCATED, ReservationState.WAITING)

    cancel_reservation(session, reservation_id=first.id or 0, at=T0 + timedelta(hours=1))

    session.refresh(first)
    session.refresh(second)
    assert first.state == ReservationState.CANCELLED
    assert second.state == ReservationState.ALLOCATED and second.item_id == copy.id
    picks = session.exec(select(Task).where(Task.kind == TaskKind.PICK).order_by(Task.id)).all()  # type: ignore[arg-type]
    assert [(t.reservation_id, t.state) for t in picks] == [
        (first.id, TaskState.CANCELLED),
        (second.id, TaskState.OPEN),
    ]


def test_cancelling_twice_is_refused_with_the_id(session: Session) -> None:
    valby = make_branch(session, "Valby")
    reservation = place(session, make_title(session).id, valby.isil)
    cancel_reservation(session, reservation_id=reservation.id or 0, at=T0)
    with pytest.raises(ReservationClosed, match=str(reservation.id)):
        cancel_reservation(session, reservation_id=reservation.id or 0, at=T0)
    with pytest.raises(UnknownReservation, match="4242"):
        cancel_reservation(session, reservation_id=4242, at=T0)


def test_list_filters_by_title_oldest_first(session: Session) -> None:
    valby = make_branch(session, "Valby")
    wanted, other = make_title(session), make_title(session)
    late = place(session, wanted.id, valby.isil, minutes=10)
    early = place(session, wanted.id, valby.isil, minutes=1)
    place(session, other.id, valby.isil)
    assert [r.id for r in list_reservations(session, title_id=wanted.id)] == [early.id, late.id]


def test_a_returned_copy_fills_the_oldest_waiting_reservation(session: Session) -> None:
    valby, sundby = make_branch(session, "Valby"), make_branch(session, "Sundby")
    title = make_title(session)
    newer = make_reservation(session, title, sundby, placed_at=T0 + timedelta(days=1))
    older = make_reservation(session, title, valby, placed_at=T0)
    returned = make_item(session, title, sundby, "RETURNED-AT-SUNDBY", status=ItemStatus.ON_LOAN)

    filled = reservation_for_returned_copy(session, item=returned, at=T0 + timedelta(days=2), station="s", actor="")
    session.commit()

    assert filled is not None and filled.id == older.id
    assert filled.state == ReservationState.IN_TRANSIT and filled.item_id == returned.id
    session.refresh(newer)
    assert newer.state == ReservationState.WAITING
    reason = session.exec(select(Event).where(Event.kind == "reservation_filled")).one().payload["reason"]
    assert reason == "Reserveret: afhentes på Valby, venter siden 3. nov."


def test_a_returned_copy_takes_over_an_allocated_reservation_and_withdraws_its_pick(session: Session) -> None:
    valby, sundby = make_branch(session, "Valby"), make_branch(session, "Sundby")
    title = make_title(session)
    shelf_copy = make_item(session, title, sundby, "ON-SHELF-AT-SUNDBY")
    reservation = place(session, title.id, valby.isil)
    assert reservation.item_id == shelf_copy.id
    returned = make_item(session, title, valby, "RETURNED-AT-VALBY", status=ItemStatus.ON_LOAN)

    filled = reservation_for_returned_copy(session, item=returned, at=T0 + timedelta(hours=1), station="s", actor="")
    session.commit()

    assert filled is not None and filled.id == reservation.id and filled.item_id == returned.id
    pick = session.exec(select(Task).where(Task.kind == TaskKind.PICK)).one()
    assert (pick.state, pick.outcome) == (TaskState.CANCELLED, "returned_copy_instead")


def test_the_freed_shelf_copy_goes_to_the_next_waiting_reservation(session: Session) -> None:
    valby = make_branch(session, "Valby")
    title = make_title(session)
    shelf_copy = make_item(session, title, valby, "ON-SHELF")
    first = place(session, title.id, valby.isil, patron="A")
    second = place(session, title.id, valby.isil, patron="B", minutes=1)
    returned = make_item(session, title, valby, "RETURNED", status=ItemStatus.ON_LOAN)

    reservation_for_returned_copy(session, item=returned, at=T0 + timedelta(hours=1), station="s", actor="")
    session.commit()

    session.refresh(first)
    session.refresh(second)
    assert first.item_id == returned.id
    assert (second.state, second.item_id) == (ReservationState.ALLOCATED, shelf_copy.id)


def test_a_returned_copy_with_nobody_waiting_fills_nothing(session: Session) -> None:
    valby = make_branch(session, "Valby")
    title = make_title(session)
    returned = make_item(session, title, valby, status=ItemStatus.ON_LOAN)
    assert reservation_for_returned_copy(session, item=returned, at=T0, station="s", actor="") is None


def test_a_copy_scanned_twice_keeps_its_one_reservation(session: Session) -> None:
    valby = make_branch(session, "Valby")
    title = make_title(session)
    make_reservation(session, title, valby, placed_at=T0)
    make_reservation(session, title, valby, placed_at=T0 + timedelta(minutes=1))
    returned = make_item(session, title, valby, status=ItemStatus.ON_LOAN)
    first = reservation_for_returned_copy(session, item=returned, at=T0, station="s", actor="")
    again = reservation_for_returned_copy(session, item=returned, at=T0, station="s", actor="")
    session.commit()
    assert first is not None and again is not None and first.id == again.id
    live = session.exec(select(Reservation).where(Reservation.item_id == returned.id)).all()
    assert len(live) == 1


def test_the_database_refuses_one_copy_for_two_live_reservations(session: Session) -> None:
    valby = make_branch(session, "Valby")
    title = make_title(session)
    copy = make_item(session, title, valby)
    make_reservation(session, title, valby, state=ReservationState.IN_TRANSIT, item=copy)
    with pytest.raises(exc.IntegrityError):
        make_reservation(session, title, valby, state=ReservationState.READY, item=copy)


def test_a_cancelled_ready_reservation_sends_its_copy_on(session: Session) -> None:
    valby = make_branch(session, "Valby")
    make_station(session, valby, "valby-skranke")
    title = make_title(session)
    copy = make_item(session, title, valby, "ON-HOLD-SHELF", status=ItemStatus.ON_HOLD_SHELF)
    reservation = make_reservation(session, title, valby, state=ReservationState.READY, item=copy)

    cancel_reservation(session, reservation_id=reservation.id or 0, at=T0 + timedelta(days=1))

    assert reservation.state == ReservationState.CANCELLED
    assert session.exec(select(Event).where(Event.item_id == copy.id, Event.station == "valby-skranke")).first()


def test_allocate_runs_over_every_title_with_waiting_reservations(session: Session) -> None:
    valby = make_branch(session, "Valby")
    a, b = make_title(session), make_title(session)
    ra = make_reservation(session, a, valby)
    rb = make_reservation(session, b, valby)
    make_item(session, a, valby)
    make_item(session, b, valby)
    done = allocate(session, at=T0)
    assert {x.reservation_id for x in done} == {ra.id, rb.id}
