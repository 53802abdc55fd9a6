from datetime import datetime, timedelta

import pytest
from sqlmodel import Session, select

from materials.domain.states import ItemStatus, ReservationState
from materials.models import Crate, CrateItem, Event, Loan
from materials.services.holdshelf import NotOnHoldShelf, collect, expire_overdue, mark_ready, shelf_code_for
from materials.services.reservations import ReservationClosed
from tests.factories import T0, make_branch, make_item, make_patron, make_reservation, make_station, make_title


def test_a_copy_on_the_hold_shelf_is_ready_for_seven_days_under_a_short_code(session: Session) -> None:
    valby = make_branch(session, "Valby")
    title = make_title(session)
    item = make_item(session, title, valby, status=ItemStatus.ON_HOLD_SHELF)
    reservation = make_reservation(session, title, valby, state=ReservationState.IN_TRANSIT, item=item)

    mark_ready(session, reservation=reservation, at=T0, actor="")
    session.commit()

    session.refresh(reservation)
    assert reservation.state == ReservationState.READY
    assert reservation.pickup_deadline == T0 + timedelta(days=7)
    assert reservation.shelf_code == shelf_code_for(reservation.id)  # type: ignore[arg-type]
    event = session.exec(select(Event).where(Event.kind == "reservation_ready")).one()
    assert event.payload["reason"] == f"Klar til afhentning på Valby til 10. nov., hylde {reservation.shelf_code}"


def test_shelf_codes_are_short_and_say_nothing_about_the_patron() -> None:
    assert shelf_code_for(1) == "H-1"
    assert len(shelf_code_for(10_000_000)) <= 8
    assert len({shelf_code_for(n) for n in range(5000)}) == 5000


def test_marking_a_ready_reservation_again_changes_nothing(session: Session) -> None:
    valby = make_branch(session, "Valby")
    title = make_title(session)
    item = make_item(session, title, valby)
    reservation = make_reservation(session, title, valby, state=ReservationState.IN_TRANSIT, item=item)
    mark_ready(session, reservation=reservation, at=T0, actor="")
    mark_ready(session, reservation=reservation, at=T0 + timedelta(days=2), actor="")
    session.commit()
    assert reservation.pickup_deadline == T0 + timedelta(days=7)


def test_a_cancelled_reservation_cannot_become_ready(session: Session) -> None:
    valby = make_branch(session, "Valby")
    reservation = make_reservation(session, make_title(session), valby, state=ReservationState.CANCELLED)
    with pytest.raises(ReservationClosed, match=str(reservation.id)):
        mark_ready(session, reservation=reservation, at=T0, actor="")


def test_collecting_turns_the_reservation_into_a_loan(session: Session) -> None:
    valby = make_branch(session, "Valby")
    title = make_title(session)
    patron = make_patron(session)
    item = make_item(session, title, valby, "ON-HOLD-AT-VALBY", status=ItemStatus.ON_HOLD_SHELF)
    reservation = make_reservation(session, title, valby, patron=patron, state=ReservationState.IN_TRANSIT, item=item)
    mark_ready(session, reservation=reservation, at=T0, actor="")
    session.commit()

    loan = collect(session, barcode="ON-HOLD-AT-VALBY", at=T0 + timedelta(days=1))

    session.refresh(reservation)
    session.refresh(item)
    assert reservation.state == ReservationState.COLLECTED
    assert (item.status, item.loan_count) == (ItemStatus.ON_LOAN, 1)
    assert (loan.patron_id, loan.item_id, loan.branch_id) == (patron.id, item.id, valby.id)
    assert session.exec(select(Loan)).one().returned_at is None


def test_collecting_a_copy_not_on_the_hold_shelf_names_it(session: Session) -> None:
    valby = make_branch(session, "Valby")
    make_item(session, make_title(session), valby, "ON-THE-SHELF")
    with pytest.raises(NotOnHoldShelf, match="ON-THE-SHELF"):
        collect(session, barcode="ON-THE-SHELF", at=T0)


def test_an_uncollected_reservation_expires_and_its_copy_is_routed_on(session: Session) -> None:
    valby = make_branch(session, "Valby")
    make_station(session, valby, "valby-skranke")
    title = make_title(session)
    item = make_item(session, title, valby, "NOT-COLLECTED", status=ItemStatus.ON_HOLD_SHELF)
    reservation = make_reservation(session, title, valby, state=ReservationState.IN_TRANSIT, item=item)
    mark_ready(session, reservation=reservation, at=T0, actor="")
    session.commit()

    assert expire_overdue(session, T0 + timedelta(days=6)) == []
    [expired] = expire_overdue(session, T0 + timedelta(days=7, minutes=1))

    session.refresh(reservation)
    assert reservation.state == ReservationState.EXPIRED
    assert expired["route"]["barcode"] == "NOT-COLLECTED"
    events = session.exec(select(Event.kind).where(Event.item_id == item.id)).all()
    assert "reservation_expired" in events


def test_an_expired_copy_goes_to_the_next_reservation_in_line(session: Session) -> None:
    valby, sundby = make_branch(session, "Valby"), make_branch(session, "Sundby")
    make_station(session, valby, "valby-skranke")
    title = make_title(session)
    item = make_item(session, title, valby, "EXPIRED-AT-VALBY", status=ItemStatus.ON_HOLD_SHELF)
    reservation = make_reservation(session, title, valby, state=ReservationState.IN_TRANSIT, item=item)
    mark_ready(session, reservation=reservation, at=T0, actor="")
    session.commit()
    waiting = make_reservation(session, title, sundby, placed_at=T0 + timedelta(days=1))

    expire_overdue(session, T0 + timedelta(days=8))

    session.refresh(waiting)
    assert (waiting.state, waiting.item_id) == (ReservationState.IN_TRANSIT, item.id)


def test_a_reserved_copy_travels_from_the_shelf_to_the_hold_shelf_and_is_collected(session: Session) -> None:
    from materials.domain.states import BranchKind, LocationKind
    from materials.services.allocation import allocate
    from materials.services.checkin import check_in
    from materials.services.crates import seal_crate
    from materials.services.picking import pick
    from materials.services.shelving import shelve
    from materials.services.transit import dispatch_crate, receive_crate
    from tests.factories import make_location

    hub = make_branch(session, "Centralsortering", kind=BranchKind.SORTING)
    valby, sundby = make_branch(session, "Valby"), make_branch(session, "Sundby")
    make_station(session, hub, "sort-1")
    make_station(session, valby, "valby-1")
    make_station(session, sundby, "sundby-pluk", kind="pick")
    make_location(session, valby, kind=LocationKind.HOLD_SHELF, code="RES", section=None)
    title = make_title(session)
    make_item(session, title, sundby, "TRAVELLER")
    make_item(session, title, sundby, "STAYS-HOME")
    reservation = make_reservation(session, title, valby)
    allocate(session, at=T0)

    step = iter(range(1, 100))

    def at() -> datetime:
        return T0 + timedelta(hours=next(step))

    first_crate = pick(session, barcode="TRAVELLER", station="sundby-pluk", at=at()).crate
    assert first_crate is not None
    seal_crate(session, code=first_crate, at=at())
    dispatch_crate(session, code=first_crate, at=at())
    receive_crate(session, code=first_crate, station="sort-1", at=at())
    decision = check_in(session, "TRAVELLER", "sort-1", at())
    assert (decision.kind, decision.destination, decision.reservation_id) == ("hold", valby.isil, reservation.id)
    second_crate = session.exec(select(CrateItem.crate_id).order_by(CrateItem.id.desc())).first()  # type: ignore[union-attr]
    code = session.get(Crate, second_crate).code  # type: ignore[union-attr]
    seal_crate(session, code=code, at=at())
    dispatch_crate(session, code=code, at=at())
    [line] = receive_crate(session, code=code, station="valby-1", at=at())
    assert line["reason"] == "Til reserveringshylden: afhentes her"
    shelve(session, barcode="TRAVELLER", station="valby-1", at=at())
    session.refresh(reservation)
    assert reservation.state == ReservationState.READY and reservation.shelf_code

    collect(session, barcode="TRAVELLER", at=at())
    session.refresh(reservation)
    assert reservation.state == ReservationState.COLLECTED
