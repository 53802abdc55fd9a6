from datetime import timedelta

import pytest
from sqlmodel import Session, select

from materials.domain.identifiers import InvalidIdentifier
from materials.domain.states import BranchKind, ItemStatus, LocationKind, ReservationState, TaskKind, TaskState
from materials.models import Branch, CrateItem, Event, Item, Reservation, Task
from materials.services.allocation import allocate
from materials.services.lookup import UnknownBarcode
from materials.services.picking import NotOnPickList, pick, pick_list, reallocate_overdue_picks
from tests.factories import (
    T0,
    make_branch,
    make_item,
    make_location,
    make_reservation,
    make_station,
    make_title,
    make_transport_cost,
)


@pytest.fixture
def city(session: Session) -> dict[str, Branch]:
    branches = {
        "hub": make_branch(session, "Centralsortering", kind=BranchKind.SORTING),
        "valby": make_branch(session, "Valby"),
        "sundby": make_branch(session, "Sundby"),
    }
    make_station(session, branches["hub"], "sort-1")
    make_station(session, branches["valby"], "valby-pluk", kind="pick")
    make_station(session, branches["sundby"], "sundby-pluk", kind="pick")
    return branches


def reserve(session: Session, title_barcodes: list[str], branch: Branch, pickup: Branch) -> tuple[Reservation, Item]:
    title = make_title(session)
    items = [make_item(session, title, branch, b) for b in title_barcodes]
    reservation = make_reservation(session, title, pickup)
    allocate(session, at=T0)
    session.refresh(reservation)
    return reservation, next(i for i in items if i.id == reservation.item_id)


def test_the_pick_list_follows_the_walk_through_the_branch_then_the_shelf_mark(
    session: Session, city: dict[str, Branch]
) -> None:
    sundby, valby = city["sundby"], city["valby"]
    entrance = make_location(session, sundby, code="ENTRE", walk_order=1)
    back = make_location(session, sundby, code="BAG", walk_order=9)
    for barcode, place, mark in (
        ("BACK-FICTION", back, "sk Zola"),
        ("ENTRANCE-79", entrance, "79.41 Hans"),
        ("ENTRANCE-FICTION-B", entrance, "sk Blix"),
        ("ENTRANCE-FICTION-A", entrance, "sk Andersen"),
    ):
        title = make_title(session)
        make_item(session, title, sundby, barcode, location=place, shelfmark=mark)
        make_item(session, title, sundby, shelfmark=mark)  # a second copy, so Sundby can spare one
        make_reservation(session, title, valby)
    allocate(session, at=T0)

    lines = pick_list(session, isil=sundby.isil)

    assert [line.barcode for line in lines] == [
        "ENTRANCE-FICTION-A",
        "ENTRANCE-FICTION-B",
        "ENTRANCE-79",
        "BACK-FICTION",
    ]
    assert {line.pickup_name for line in lines} == {"Valby"}


def test_a_picked_copy_goes_into_the_crate_for_the_sorting_room(session: Session, city: dict[str, Branch]) -> None:
    reservation, item = reserve(session, ["PICK-AT-SUNDBY", "SPARE"], city["sundby"], city["valby"])

    result = pick(session, barcode=item.barcode, station="sundby-pluk", at=T0 + timedelta(hours=2))

    session.refresh(reservation)
    session.refresh(item)
    assert result.outcome == "picked" and result.crate is not None
    assert reservation.state == ReservationState.IN_TRANSIT
    assert (item.status, item.destination_branch_id) == (ItemStatus.IN_SORTING, city["valby"].id)
    packed = session.exec(select(CrateItem).where(CrateItem.item_id == item.id)).one()
    pack = session.get(Task, result.next_task_id)
    assert pack is not None and pack.kind == TaskKind.PACK and pack.crate_id == packed.crate_id
    assert result.reason.startswith("Plukket til reservering: afhentes på Valby")
    pick_task = session.exec(select(Task).where(Task.kind == TaskKind.PICK)).one()
    assert (pick_task.state, pick_task.outcome) == (TaskState.DONE, "picked")


def test_a_copy_picked_at_the_pickup_branch_goes_to_its_hold_shelf(session: Session, city: dict[str, Branch]) -> None:
    hold = make_location(session, city["valby"], kind=LocationKind.HOLD_SHELF, code="RES", section=None)
    reservation, item = reserve(session, ["AT-VALBY", "SPARE"], city["valby"], city["valby"])

    result = pick(session, barcode=item.barcode, station="valby-pluk", at=T0 + timedelta(hours=1))

    task = session.get(Task, result.next_task_id)
    session.refresh(item)
    assert task is not None and task.kind == TaskKind.SHELVE and task.reservation_id == reservation.id
    assert item.destination_location_id == hold.id


def test_not_found_marks_the_copy_missing_and_allocates_another(session: Session, city: dict[str, Branch]) -> None:
    sundby, valby = city["sundby"], city["valby"]
    make_transport_cost(session, valby, valby, 0)
    title = make_title(session)
    gone = make_item(session, title, valby, "NOT-ON-THE-SHELF")
    make_item(session, title, sundby, "AT-SUNDBY")
    make_item(session, title, sundby, "ALSO-AT-SUNDBY")
    reservation = make_reservation(session, title, valby)
    allocate(session, at=T0)
    session.refresh(reservation)
    assert reservation.item_id == gone.id

    result = pick(session, barcode="NOT-ON-THE-SHELF", station="valby-pluk", at=T0 + timedelta(hours=1), not_found=True)

    session.refresh(gone)
    session.refresh(reservation)
    assert gone.status == ItemStatus.MISSING
    assert reservation.state == ReservationState.ALLOCATED and reservation.item_id != gone.id
    assert result.reason == "Ikke fundet: nyt eksemplar valgt fra Sundby"
    assert result.replacement is not None and result.replacement.barcode.endswith("AT-SUNDBY")


def test_not_found_with_no_other_copy_leaves_the_reservation_waiting(session: Session, city: dict[str, Branch]) -> None:
    reservation, item = reserve(session, ["THE-ONLY-ONE"], city["sundby"], city["valby"])
    result = pick(session, barcode=item.barcode, station="sundby-pluk", at=T0, not_found=True)
    session.refresh(reservation)
    assert reservation.state == ReservationState.WAITING and reservation.item_id is None
    assert result.replacement is None and "venter" in result.reason


def test_a_pick_of_a_copy_not_on_the_list_is_refused_recorded_and_changes_nothing(
    session: Session, city: dict[str, Branch]
) -> None:
    title = make_title(session)
    stray = make_item(session, title, city["sundby"], "NOT-RESERVED")

    with pytest.raises(NotOnPickList, match="NOT-RESERVED"):
        pick(session, barcode="NOT-RESERVED", station="sundby-pluk", at=T0)

    session.refresh(stray)
    assert stray.status == ItemStatus.ON_SHELF
    event = session.exec(select(Event).where(Event.kind == "pick_rejected")).one()
    assert (event.barcode, event.station) == ("NOT-RESERVED", "sundby-pluk")


def test_a_pick_at_another_branch_is_not_on_its_list(session: Session, city: dict[str, Branch]) -> None:
    reservation, item = reserve(session, ["AT-SUNDBY", "SPARE"], city["sundby"], city["valby"])
    with pytest.raises(NotOnPickList, match=city["valby"].isil):
        pick(session, barcode=item.barcode, station="valby-pluk", at=T0)
    session.refresh(reservation)
    assert reservation.state == ReservationState.ALLOCATED


def test_unknown_and_malformed_barcodes_are_named_and_recorded(session: Session, city: dict[str, Branch]) -> None:
    with pytest.raises(UnknownBarcode, match="NO-SUCH-BOOK"):
        pick(session, barcode="NO-SUCH-BOOK", station="sundby-pluk", at=T0)
    with pytest.raises(InvalidIdentifier, match="bad barcode!"):
        pick(session, barcode="bad barcode!", station="sundby-pluk", at=T0)
    scans = session.exec(select(Event.barcode).where(Event.kind == "pick_rejected")).all()
    assert sorted(s or "" for s in scans) == ["NO-SUCH-BOOK", "bad barcode!"]


def test_the_same_copy_cannot_be_picked_twice(session: Session, city: dict[str, Branch]) -> None:
    _, item = reserve(session, ["AT-SUNDBY", "SPARE"], city["sundby"], city["valby"])
    pick(session, barcode=item.barcode, station="sundby-pluk", at=T0)
    with pytest.raises(NotOnPickList, match=item.barcode):
        pick(session, barcode=item.barcode, station="sundby-pluk", at=T0 + timedelta(minutes=1))


def test_an_overdue_pick_moves_to_another_copy_and_the_first_is_not_chosen_again(
    session: Session, city: dict[str, Branch]
) -> None:
    title = make_title(session)
    for n in range(2):
        make_item(session, title, city["sundby"], f"SUNDBY-{n}")
        make_item(session, title, city["valby"], f"VALBY-{n}")
    reservation = make_reservation(session, title, city["valby"])
    allocate(session, at=T0, pick_days=3)
    session.refresh(reservation)
    first = reservation.item_id

    assert reallocate_overdue_picks(session, T0 + timedelta(days=2)) == []
    [moved] = reallocate_overdue_picks(session, T0 + timedelta(days=3, minutes=1))

    session.refresh(reservation)
    assert moved["old_item_id"] == first and moved["new_item_id"] == reservation.item_id != first
    assert reservation.state == ReservationState.ALLOCATED
    timed_out = session.exec(select(Task).where(Task.outcome == "timeout")).one()
    assert timed_out.item_id == first
    new_task = session.exec(select(Task).where(Task.kind == TaskKind.PICK, Task.state == TaskState.OPEN)).one()
    assert new_task.reason == "Ikke plukket i tide: nyt eksemplar valgt fra " + (
        "Valby" if new_task.branch_id == city["valby"].id else "Sundby"
    )


def test_a_pick_at_an_unknown_station_is_refused_and_recorded(session: Session, city: dict[str, Branch]) -> None:
    from materials.services.lookup import UnknownStation

    _, item = reserve(session, ["AT-SUNDBY", "SPARE"], city["sundby"], city["valby"])
    with pytest.raises(UnknownStation, match="no-such-desk"):
        pick(session, barcode=item.barcode, station="no-such-desk", at=T0)
    event = session.exec(select(Event).where(Event.kind == "pick_rejected")).one()
    assert (event.barcode, event.station) == (item.barcode, "no-such-desk")
