"""Shelving: the copy reaches the place check-in chose, the task closes, a reservation becomes ready."""

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from materials.domain.states import ItemStatus, ReservationState, TaskState
from materials.models import Event, Item, Task
from materials.services.checkin import check_in
from materials.services.lookup import UnknownBarcode
from materials.services.shelving import NothingToShelve, ShelvedElsewhere, shelve
from tests.factories import T0, make_item, make_loan, make_reservation, make_small_city, make_title

NOV_10 = T0 + timedelta(days=7)


def test_a_copy_that_stays_goes_on_its_shelf_and_the_task_is_done(session: Session) -> None:
    city = make_small_city(session)
    make_loan(session, make_item(session, make_title(session), city.sundby, "BACK-ON-THE-SHELF"), city.sundby)
    decision = check_in(session, "BACK-ON-THE-SHELF", "automat-710112", NOV_10)

    shelved = shelve(session, barcode="BACK-ON-THE-SHELF", station="automat-710112", at=NOV_10 + timedelta(hours=1))

    assert (shelved.status, shelved.location, shelved.task_id) == ("on_shelf", "adult-fiction", decision.task_id)
    item = session.exec(select(Item).where(Item.barcode == "BACK-ON-THE-SHELF")).one()
    assert (item.location_id, item.destination_branch_id) == (city.shelves["Sundby"].id, None)
    task = session.get(Task, decision.task_id)
    assert task is not None and task.state == TaskState.DONE


def test_a_reserved_copy_returned_at_its_pickup_branch_goes_on_the_hold_shelf_and_is_ready(session: Session) -> None:
    city = make_small_city(session)
    title = make_title(session)
    reservation = make_reservation(session, title, city.sundby)
    make_loan(session, make_item(session, title, city.sundby, "HOLD-HERE"), city.sundby)
    check_in(session, "HOLD-HERE", "automat-710112", NOV_10)

    shelved = shelve(session, barcode="HOLD-HERE", station="automat-710112", at=NOV_10 + timedelta(hours=1))

    assert (shelved.status, shelved.location, shelved.reservation_id) == ("on_hold_shelf", "hold", reservation.id)
    session.refresh(reservation)
    assert reservation.state == ReservationState.READY
    assert shelved.shelf_code == reservation.shelf_code is not None


def test_shelving_at_another_branch_is_refused_and_recorded(session: Session) -> None:
    city = make_small_city(session)
    make_loan(session, make_item(session, make_title(session), city.sundby, "BELONGS-AT-SUNDBY"), city.sundby)
    check_in(session, "BELONGS-AT-SUNDBY", "automat-710112", NOV_10)

    with pytest.raises(ShelvedElsewhere, match="BELONGS-AT-SUNDBY"):
        shelve(session, barcode="BELONGS-AT-SUNDBY", station="automat-710115", at=NOV_10)

    assert session.exec(select(Item).where(Item.barcode == "BELONGS-AT-SUNDBY")).one().status == ItemStatus.IN_SORTING
    assert session.exec(select(Event).where(Event.kind == "shelve_refused")).one().barcode == "BELONGS-AT-SUNDBY"


def test_shelving_a_copy_with_nothing_to_shelve_names_it(session: Session) -> None:
    city = make_small_city(session)
    make_item(session, make_title(session), city.sundby, "ALREADY-SHELVED", location=city.shelves["Sundby"])

    with pytest.raises(NothingToShelve, match="ALREADY-SHELVED"):
        shelve(session, barcode="ALREADY-SHELVED", station="automat-710112", at=NOV_10)


def test_shelving_an_unknown_barcode_names_it(session: Session) -> None:
    make_small_city(session)

    with pytest.raises(UnknownBarcode, match="NO-SUCH-COPY"):
        shelve(session, barcode="NO-SUCH-COPY", station="automat-710112", at=NOV_10)
