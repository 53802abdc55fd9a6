from datetime import timedelta

import pytest
from sqlmodel import Session, select

from materials.domain.states import BranchKind, CrateState, ItemStatus, LocationKind, ReservationState, TaskKind
from materials.models import Branch, Crate, CrateItem, Event, Item, Task
from materials.services.crates import (
    CrateStateError,
    SortBinInUse,
    UnknownCrate,
    crate_leg_to,
    list_sort_bins,
    put_in_crate,
    seal_crate,
    set_sort_bin,
    sort_bin_for,
)
from materials.services.tasks import open_task
from materials.services.transit import WrongBranch, dispatch_crate, list_crates, receive_crate, stuck_in_transit
from tests.factories import T0, make_branch, make_item, make_location, make_reservation, make_station, make_title


def pack(session: Session, item: Item, origin: Branch, to: Branch, minutes: int = 0) -> Crate:
    crate = put_in_crate(
        session,
        item=item,
        from_branch_id=origin.id,  # type: ignore[arg-type]
        to_branch_id=to.id,  # type: ignore[arg-type]
        at=T0 + timedelta(minutes=minutes),
        station="sort-1",
        actor="",
    )
    session.commit()
    return crate


def test_a_destination_has_the_bin_it_was_given(session: Session) -> None:
    valby = make_branch(session, "Valby")
    assert sort_bin_for(session, branch_id=valby.id) is None  # type: ignore[arg-type]
    set_sort_bin(session, isil=valby.isil, code="b07", at=T0)
    assert sort_bin_for(session, branch_id=valby.id) == "B07"  # type: ignore[arg-type]
    set_sort_bin(session, isil=valby.isil, code="B12", at=T0)
    assert sort_bin_for(session, branch_id=valby.id) == "B12"  # type: ignore[arg-type]
    assert list_sort_bins(session) == [{"bin": "B12", "destination": valby.isil, "name": "Valby", "purpose": "branch"}]


def test_a_bin_serves_one_destination(session: Session) -> None:
    valby, sundby = make_branch(session, "Valby"), make_branch(session, "Sundby")
    set_sort_bin(session, isil=valby.isil, code="B07", at=T0)
    with pytest.raises(SortBinInUse, match="B07"):
        set_sort_bin(session, isil=sundby.isil, code="B07", at=T0)


def test_copies_for_one_leg_share_the_open_crate(session: Session) -> None:
    hub = make_branch(session, "Centralsortering", kind=BranchKind.SORTING)
    valby = make_branch(session, "Valby")
    title = make_title(session)
    first = pack(session, make_item(session, title, hub, status=ItemStatus.IN_SORTING), hub, valby)
    second = pack(session, make_item(session, title, hub, status=ItemStatus.IN_SORTING), hub, valby)
    assert first.id == second.id
    assert first.state == CrateState.OPEN
    assert len(session.exec(select(CrateItem).where(CrateItem.crate_id == first.id)).all()) == 2


def test_a_full_crate_is_sealed_and_a_new_one_opened(session: Session) -> None:
    hub = make_branch(session, "Centralsortering", kind=BranchKind.SORTING)
    valby = make_branch(session, "Valby")
    title = make_title(session)
    crate = pack(session, make_item(session, title, hub), hub, valby)
    crate.capacity = 2
    session.add(crate)
    session.commit()
    pack(session, make_item(session, title, hub), hub, valby)
    third = pack(session, make_item(session, title, hub), hub, valby)
    session.refresh(crate)
    assert crate.state == CrateState.SEALED
    assert third.id != crate.id and third.state == CrateState.OPEN


def test_a_copy_scanned_into_its_crate_again_is_packed_once(session: Session) -> None:
    hub = make_branch(session, "Centralsortering", kind=BranchKind.SORTING)
    valby = make_branch(session, "Valby")
    item = make_item(session, make_title(session), hub)
    pack(session, item, hub, valby)
    pack(session, item, hub, valby)
    assert len(session.exec(select(CrateItem).where(CrateItem.item_id == item.id)).all()) == 1


def test_a_branch_sends_via_the_sorting_room(session: Session) -> None:
    hub = make_branch(session, "Centralsortering", kind=BranchKind.SORTING)
    valby, sundby = make_branch(session, "Valby"), make_branch(session, "Sundby")
    assert crate_leg_to(session, from_branch_id=valby.id, destination_branch_id=sundby.id) == hub.id  # type: ignore[arg-type]
    assert crate_leg_to(session, from_branch_id=hub.id, destination_branch_id=sundby.id) == sundby.id  # type: ignore[arg-type]


def test_sealing_closes_the_pack_tasks_and_dispatch_puts_copies_in_transit(session: Session) -> None:
    hub = make_branch(session, "Centralsortering", kind=BranchKind.SORTING)
    valby = make_branch(session, "Valby")
    item = make_item(session, make_title(session), hub, status=ItemStatus.IN_SORTING)
    crate = pack(session, item, hub, valby)
    task = open_task(
        session,
        kind=TaskKind.PACK,
        station="sort-1",
        branch_id=hub.id or 0,
        at=T0,
        reason="",
        crate_id=crate.id,
        item_id=item.id,
    )
    session.commit()

    seal_crate(session, code=crate.code, at=T0 + timedelta(hours=1))
    session.refresh(task)
    assert task.state == "done"
    dispatch_crate(session, code=crate.code, at=T0 + timedelta(hours=2))
    session.refresh(item)
    assert item.status == ItemStatus.IN_TRANSIT and item.status_changed_at == T0 + timedelta(hours=2)
    assert list_crates(session, states=[CrateState.DISPATCHED])[0]["items"] == 1


def test_crate_steps_out_of_order_are_refused_with_the_code(session: Session) -> None:
    hub = make_branch(session, "Centralsortering", kind=BranchKind.SORTING)
    valby = make_branch(session, "Valby")
    make_station(session, valby, "valby-1")
    crate = pack(session, make_item(session, make_title(session), hub), hub, valby)
    with pytest.raises(CrateStateError, match=crate.code):
        dispatch_crate(session, code=crate.code, at=T0)
    session.rollback()
    with pytest.raises(CrateStateError, match=crate.code):
        receive_crate(session, code=crate.code, station="valby-1", at=T0)
    session.rollback()
    with pytest.raises(UnknownCrate, match="NO-SUCH-CRATE"):
        seal_crate(session, code="NO-SUCH-CRATE", at=T0)


def dispatched(session: Session, items: list[Item], origin: Branch, to: Branch) -> Crate:
    for item in items:
        crate = pack(session, item, origin, to)
    seal_crate(session, code=crate.code, at=T0)
    dispatch_crate(session, code=crate.code, at=T0 + timedelta(hours=1))
    return crate


def test_receiving_at_the_sorting_room_opens_a_sort_task_per_copy(session: Session) -> None:
    hub = make_branch(session, "Centralsortering", kind=BranchKind.SORTING)
    valby = make_branch(session, "Valby")
    make_station(session, hub, "sort-1")
    items = [make_item(session, make_title(session), valby) for _ in range(2)]
    crate = dispatched(session, items, valby, hub)

    lines = receive_crate(session, code=crate.code, station="sort-1", at=T0 + timedelta(hours=3))

    assert [line["task"] for line in lines] == ["sort", "sort"]
    for item in items:
        session.refresh(item)
        assert (item.status, item.branch_id) == (ItemStatus.IN_SORTING, hub.id)


def test_receiving_a_reserved_copy_at_its_pickup_branch_opens_a_hold_shelf_task(session: Session) -> None:
    hub = make_branch(session, "Centralsortering", kind=BranchKind.SORTING)
    valby = make_branch(session, "Valby")
    make_station(session, valby, "valby-1")
    hold = make_location(session, valby, kind=LocationKind.HOLD_SHELF, code="RES", section=None)
    title = make_title(session)
    item = make_item(session, title, hub, "FOR-VALBY-HOLD", destination_branch_id=valby.id)
    reservation = make_reservation(session, title, valby, state=ReservationState.IN_TRANSIT, item=item)
    crate = dispatched(session, [item], hub, valby)

    [line] = receive_crate(session, code=crate.code, station="valby-1", at=T0 + timedelta(hours=3))

    task = session.get(Task, line["task_id"])
    assert task is not None and task.kind == TaskKind.SHELVE and task.reservation_id == reservation.id
    assert line["reason"] == "Til reserveringshylden: afhentes her"
    session.refresh(item)
    assert item.destination_location_id == hold.id


def test_a_crate_is_received_only_at_its_branch(session: Session) -> None:
    hub = make_branch(session, "Centralsortering", kind=BranchKind.SORTING)
    valby, sundby = make_branch(session, "Valby"), make_branch(session, "Sundby")
    make_station(session, sundby, "sundby-1")
    crate = dispatched(session, [make_item(session, make_title(session), hub)], hub, valby)
    with pytest.raises(WrongBranch, match=crate.code):
        receive_crate(session, code=crate.code, station="sundby-1", at=T0)
    session.rollback()
    assert session.get(Crate, crate.id).state == CrateState.DISPATCHED  # type: ignore[union-attr]


def test_copies_in_transit_too_long_are_an_exception_queue(session: Session) -> None:
    hub = make_branch(session, "Centralsortering", kind=BranchKind.SORTING)
    valby = make_branch(session, "Valby")
    title = make_title(session)
    crate = dispatched(session, [make_item(session, title, hub, "LOST-IN-THE-VAN")], hub, valby)
    make_item(session, title, hub, "JUST-LEFT", status=ItemStatus.IN_TRANSIT, status_changed_at=T0 + timedelta(days=6))

    stuck = stuck_in_transit(session, T0 + timedelta(days=7), alert_days=5)

    assert [(s.barcode, s.crate) for s in stuck] == [("LOST-IN-THE-VAN", crate.code)]
    assert stuck[0].days == pytest.approx(7 - 1 / 24, abs=0.1)
    assert session.exec(select(Event).where(Event.kind == "item_dispatched")).first() is not None
