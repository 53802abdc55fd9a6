"""Check-in: the order of need (reservation, display, demand, floating, home, storage) and what each scan leaves."""

from datetime import timedelta

from sqlmodel import Session, col, select

from materials.domain.states import ItemStatus, ReservationState, RouteKind, TaskKind, TaskState
from materials.models import Crate, Event, Item, Loan, Reservation, Task
from materials.services.checkin import check_in, last_decisions
from tests.factories import (
    T0,
    make_display,
    make_display_want,
    make_item,
    make_loan,
    make_location,
    make_reservation,
    make_small_city,
    make_target,
    make_title,
)

NOV_10 = T0 + timedelta(days=7)


def checkin_events(session: Session, barcode: str) -> list[Event]:
    query = select(Event).where(Event.kind == "checkin", Event.barcode == barcode).order_by(col(Event.id))
    return list(session.exec(query))


def test_a_returned_copy_goes_to_the_oldest_waiting_reservation(session: Session) -> None:
    city = make_small_city(session)
    title = make_title(session, "Kongens Fald")
    copy = make_item(session, title, city.sundby, "RETURNED-AT-SUNDBY")
    make_loan(session, copy, city.sundby)
    oldest = make_reservation(session, title, city.valby, placed_at=T0)
    make_reservation(session, title, city.osterbro, placed_at=T0 + timedelta(days=1))

    decision = check_in(session, "RETURNED-AT-SUNDBY", "automat-710112", NOV_10)

    assert decision.kind == RouteKind.HOLD
    assert decision.destination == "DK-710115"
    assert decision.reservation_id == oldest.id
    assert decision.reason == "Reserveret: afhentes på Valby, venter siden 3. nov."
    session.refresh(oldest)
    assert oldest.state == ReservationState.IN_TRANSIT
    assert oldest.item_id == copy.id


def test_a_returned_copy_takes_over_a_reservation_allocated_to_a_shelf_copy(session: Session) -> None:
    city = make_small_city(session)
    title = make_title(session, "Min kamp")
    shelf_copy = make_item(session, title, city.osterbro, "ON-SHELF-AT-OSTERBRO", location=city.shelves["Østerbro"])
    reservation = make_reservation(session, title, city.valby, state=ReservationState.ALLOCATED, item=shelf_copy)
    pick = Task(
        kind=TaskKind.PICK, station="pluk-710109", branch_id=city.osterbro.id or 0, item_id=shelf_copy.id,
        reservation_id=reservation.id, created_at=T0,
    )  # fmt: skip
    session.add(pick)
    session.commit()
    returned = make_item(session, title, city.valby, "RETURNED-AT-VALBY")
    make_loan(session, returned, city.valby)

    decision = check_in(session, "RETURNED-AT-VALBY", "automat-710115", NOV_10)

    assert decision.kind == RouteKind.HOLD
    assert decision.reservation_id == reservation.id
    session.refresh(reservation)
    session.refresh(pick)
    assert reservation.item_id == returned.id
    assert pick.state == TaskState.CANCELLED


def test_prefers_a_waiting_reservation_over_a_display(session: Session) -> None:
    city = make_small_city(session)
    title = make_title(session, "Krimi")
    display = make_display(session, city.sundby, "Krimiugen")
    make_display_want(session, display, title)
    reservation = make_reservation(session, title, city.valby)
    make_loan(session, make_item(session, title, city.sundby, "WANTED-TWICE"), city.sundby)

    decision = check_in(session, "WANTED-TWICE", "automat-710112", NOV_10)

    assert (decision.kind, decision.reservation_id) == (RouteKind.HOLD, reservation.id)


def test_a_display_wanting_the_title_comes_before_demand_and_floating(session: Session) -> None:
    city = make_small_city(session)
    title = make_title(session, "Krimi")
    stand = make_location(session, city.valby, code="display-1", section=None, capacity=30)
    display = make_display(session, city.valby, "Krimiugen", location=stand)
    want = make_display_want(session, display, title, wanted=2)
    make_target(session, title, city.osterbro, target=3, held=0)
    make_loan(session, make_item(session, title, city.sundby, "FOR-THE-DISPLAY"), city.sundby)

    decision = check_in(session, "FOR-THE-DISPLAY", "automat-710112", NOV_10)

    assert decision.kind == RouteKind.DISPLAY
    assert decision.destination == "DK-710115"
    assert decision.location == "display-1"
    assert decision.reason == "Udstilling 'Krimiugen' på Valby mangler den"
    session.refresh(want)
    assert want.filled == 1


def test_a_display_at_the_branch_of_return_is_preferred_and_gets_a_display_task(session: Session) -> None:
    city = make_small_city(session)
    title = make_title(session, "Krimi")
    make_display_want(session, make_display(session, city.valby, "Krimiugen"), title)
    make_display_want(session, make_display(session, city.sundby, "Nordisk noir"), title)
    make_loan(session, make_item(session, title, city.sundby, "STAYS-FOR-DISPLAY"), city.sundby)

    decision = check_in(session, "STAYS-FOR-DISPLAY", "automat-710112", NOV_10)

    assert decision.reason == "Udstilling 'Nordisk noir' på Sundby mangler den"
    task = session.get(Task, decision.task_id)
    assert task is not None and task.kind == TaskKind.DISPLAY


def test_an_ended_display_wants_nothing(session: Session) -> None:
    city = make_small_city(session)
    title = make_title(session, "Sommerlæsning")
    old = make_display(session, city.valby, "Sommer", starts_on=T0.date() - timedelta(days=60))
    make_display_want(session, old, title)
    make_loan(session, make_item(session, title, city.sundby, "AFTER-THE-SUMMER"), city.sundby)

    decision = check_in(session, "AFTER-THE-SUMMER", "automat-710112", NOV_10)

    assert decision.kind == RouteKind.STAY


def test_goes_to_the_branch_that_lacks_the_title_against_its_target(session: Session) -> None:
    city = make_small_city(session)
    title = make_title(session, "Efterspurgt")
    make_target(session, title, city.valby, target=3, held=1)
    make_target(session, title, city.sundby, target=1, held=1)
    make_loan(session, make_item(session, title, city.sundby, "SHORT-AT-VALBY"), city.sundby)

    decision = check_in(session, "SHORT-AT-VALBY", "automat-710112", NOV_10)

    assert decision.kind == RouteKind.REBALANCE
    assert decision.destination == "DK-710115"
    assert decision.reason == "Valby mangler 2 eksemplarer i forhold til efterspørgslen"
    assert decision.rule == "target"


def test_a_floating_copy_stays_where_returned_when_its_section_has_room(session: Session) -> None:
    city = make_small_city(session)
    title = make_title(session, "Flyder")
    make_loan(session, make_item(session, title, city.sundby, "FLOATS-AT-SUNDBY", home=city.osterbro), city.sundby)

    decision = check_in(session, "FLOATS-AT-SUNDBY", "automat-710112", NOV_10)

    assert decision.kind == RouteKind.STAY
    assert decision.destination == "DK-710112"
    assert decision.location == "adult-fiction"
    assert decision.reason == "Flydende: bliver på Sundby (plads i Skønlitteratur, voksne)"
    task = session.get(Task, decision.task_id)
    assert task is not None and (task.kind, task.station) == (TaskKind.SHELVE, "automat-710112")


def test_goes_home_when_the_branch_of_return_is_full(session: Session) -> None:
    city = make_small_city(session, shelf_capacity=1)
    title = make_title(session, "Fuldt")
    make_target(session, title, city.sundby, target=1, held=1)  # targets met: the count rule does not apply
    make_item(session, title, city.sundby, "ALREADY-ON-THE-SHELF", location=city.shelves["Sundby"])
    make_loan(session, make_item(session, title, city.sundby, "SUNDBY-IS-FULL", home=city.osterbro), city.sundby)

    decision = check_in(session, "SUNDBY-IS-FULL", "automat-710112", NOV_10)

    assert decision.kind == RouteKind.HOME
    assert decision.destination == "DK-710109"
    assert decision.reason == "Hjem til Østerbro: Sundby har ikke plads i Skønlitteratur, voksne"


def test_a_copy_on_its_way_to_a_shelf_takes_up_room_there(session: Session) -> None:
    city = make_small_city(session, shelf_capacity=1)
    title = make_title(session, "På vej")
    make_target(session, title, city.sundby, target=2, held=2)
    make_item(
        session, title, city.sorting, "HEADING-FOR-SUNDBY", status=ItemStatus.IN_TRANSIT,
        destination_branch_id=city.sundby.id, destination_location_id=city.shelves["Sundby"].id,
    )  # fmt: skip
    make_loan(session, make_item(session, title, city.sundby, "NO-ROOM-LEFT", home=city.osterbro), city.sundby)

    decision = check_in(session, "NO-ROOM-LEFT", "automat-710112", NOV_10)

    assert decision.kind == RouteKind.HOME


def test_goes_to_remote_storage_when_no_branch_has_room(session: Session) -> None:
    city = make_small_city(session, shelf_capacity=1)
    title = make_title(session, "Ingen plads")
    make_target(session, title, city.sundby, target=1, held=1)
    make_item(session, title, city.sundby, "FILLS-SUNDBY", location=city.shelves["Sundby"])
    make_loan(session, make_item(session, title, city.sundby, "NOWHERE-TO-GO"), city.sundby)

    decision = check_in(session, "NOWHERE-TO-GO", "automat-710112", NOV_10)

    assert decision.kind == RouteKind.STORAGE
    assert decision.destination == "DK-710199"
    assert decision.reason == "Fjernmagasin: ingen filial har plads i Skønlitteratur, voksne"


def test_closes_the_loan_before_routing(session: Session) -> None:
    city = make_small_city(session)
    copy = make_item(session, make_title(session), city.sundby, "ON-LOAN-FROM-VALBY")
    loan = make_loan(session, copy, city.valby)

    check_in(session, "ON-LOAN-FROM-VALBY", "automat-710112", NOV_10)

    session.refresh(loan)
    session.refresh(copy)
    assert loan.returned_at is not None and loan.returned_branch_id == city.sundby.id
    assert copy.status == ItemStatus.IN_SORTING
    assert session.exec(select(Loan).where(Loan.item_id == copy.id, col(Loan.returned_at).is_(None))).first() is None


def test_every_decision_writes_a_checkin_event_with_the_decision(session: Session) -> None:
    city = make_small_city(session)
    make_loan(session, make_item(session, make_title(session), city.sundby, "LOGGED"), city.sundby)

    decision = check_in(session, "LOGGED", "automat-710112", NOV_10, actor="mette")

    [event] = checkin_events(session, "LOGGED")
    assert (event.station, event.actor, event.item_id) == ("automat-710112", "mette", decision.item_id)
    assert event.payload["decision"] == decision.as_dict()


def test_a_copy_sent_elsewhere_goes_into_the_crate_for_the_sorting_room(session: Session) -> None:
    city = make_small_city(session)
    title = make_title(session)
    make_reservation(session, title, city.valby)
    make_loan(session, make_item(session, title, city.sundby, "VIA-THE-HUB"), city.sundby)

    decision = check_in(session, "VIA-THE-HUB", "automat-710112", NOV_10)

    task = session.get(Task, decision.task_id)
    assert task is not None and task.kind == TaskKind.PACK and task.crate_id is not None
    crate = session.get(Crate, task.crate_id)
    assert crate is not None and (crate.to_branch_id, decision.bin) == (city.sorting.id, crate.code)
    item = session.exec(select(Item).where(Item.barcode == "VIA-THE-HUB")).one()
    assert (item.status, item.destination_branch_id) == (ItemStatus.IN_SORTING, city.valby.id)


def test_a_full_crate_is_sealed_its_pack_tasks_done_and_the_next_copy_opens_a_new_crate(session: Session) -> None:
    city = make_small_city(session)
    title = make_title(session)
    for n in range(3):
        make_reservation(session, title, city.valby, placed_at=T0 + timedelta(minutes=n))
        make_loan(session, make_item(session, title, city.sundby, f"CRATED-{n}"), city.sundby)
    first = check_in(session, "CRATED-0", "automat-710112", NOV_10)
    full = session.get(Crate, session.get(Task, first.task_id).crate_id)  # type: ignore[union-attr]
    assert full is not None
    full.capacity = 2
    session.add(full)
    session.commit()

    second = check_in(session, "CRATED-1", "automat-710112", NOV_10)
    third = check_in(session, "CRATED-2", "automat-710112", NOV_10 + timedelta(seconds=1))

    session.refresh(full)
    assert (full.state, full.sealed_at is not None) == ("sealed", True)
    fresh = session.get(Crate, session.get(Task, third.task_id).crate_id)  # type: ignore[union-attr]
    assert fresh is not None and fresh.id != full.id and fresh.state == "open"
    assert (third.bin, fresh.to_branch_id, fresh.capacity) == (fresh.code, city.sorting.id, 40)
    assert fresh.code.endswith("-0002") and full.code.endswith("-0001")
    packs = [session.get(Task, decision.task_id) for decision in (first, second)]
    assert [(t.state, t.outcome, t.crate_id) for t in packs if t] == [("done", "sealed", full.id)] * 2
    logged = session.exec(select(Event).where(Event.at == NOV_10 + timedelta(seconds=1)).order_by(col(Event.id)))
    crating = [
        (e.kind, e.payload.get("task_id"), e.payload.get("crate"))
        for e in logged
        if e.kind.startswith(("task_", "crate_"))
    ]
    assert crating == [
        ("task_done", first.task_id, None),
        ("task_done", second.task_id, None),
        ("crate_sealed", None, full.code),
        ("crate_opened", None, fresh.code),
        ("crate_packed", None, fresh.code),
        ("task_opened", third.task_id, None),
    ]


def test_at_the_sorting_room_the_bin_is_the_destinations_sorter_bin(session: Session) -> None:
    city = make_small_city(session)
    title = make_title(session)
    make_reservation(session, title, city.valby)
    make_item(session, title, city.sorting, "ARRIVES-AT-HUB", status=ItemStatus.IN_TRANSIT)

    decision = check_in(session, "ARRIVES-AT-HUB", "sortering-1", NOV_10)

    assert (decision.destination, decision.bin) == ("DK-710115", "S01")


def test_a_scan_of_the_same_barcode_at_the_same_station_within_the_window_records_nothing_new(
    session: Session,
) -> None:
    city = make_small_city(session)
    make_loan(session, make_item(session, make_title(session), city.sundby, "SCANNED-TWICE"), city.sundby)
    first = check_in(session, "SCANNED-TWICE", "automat-710112", NOV_10)
    events = session.exec(select(Event.id)).all()

    again = check_in(session, "SCANNED-TWICE", "automat-710112", NOV_10 + timedelta(seconds=9))

    assert again.duplicate and not first.duplicate
    assert again.as_dict() | {"duplicate": False} == first.as_dict()
    assert session.exec(select(Event.id)).all() == events


def test_a_scan_after_the_window_is_a_new_check_in(session: Session) -> None:
    city = make_small_city(session)
    make_loan(session, make_item(session, make_title(session), city.sundby, "SCANNED-LATER"), city.sundby)
    first = check_in(session, "SCANNED-LATER", "automat-710112", NOV_10, duplicate_window_seconds=5)

    later = check_in(
        session, "SCANNED-LATER", "automat-710112", NOV_10 + timedelta(seconds=6), duplicate_window_seconds=5
    )

    assert not later.duplicate
    assert len(checkin_events(session, "SCANNED-LATER")) == 2
    old_task = session.get(Task, first.task_id)
    assert old_task is not None and old_task.state == TaskState.CANCELLED


def test_a_reservation_is_filled_once_even_when_the_copy_is_scanned_twice(session: Session) -> None:
    city = make_small_city(session)
    title = make_title(session)
    first_in_line = make_reservation(session, title, city.valby)
    second_in_line = make_reservation(session, title, city.osterbro, placed_at=T0 + timedelta(hours=1))
    make_loan(session, make_item(session, title, city.sundby, "ONE-COPY"), city.sundby)

    check_in(session, "ONE-COPY", "automat-710112", NOV_10)
    again = check_in(session, "ONE-COPY", "sortering-1", NOV_10 + timedelta(hours=2))

    assert again.reservation_id == first_in_line.id
    session.refresh(second_in_line)
    assert second_in_line.state == ReservationState.WAITING
    live = session.exec(select(Reservation).where(Reservation.state == ReservationState.IN_TRANSIT)).all()
    assert [r.id for r in live] == [first_in_line.id]


def test_a_stations_last_decisions_come_back_from_the_log_newest_first(session: Session) -> None:
    city = make_small_city(session)
    for n in range(3):
        make_loan(session, make_item(session, make_title(session), city.sundby, f"BACK-{n}"), city.sundby)
        check_in(session, f"BACK-{n}", "automat-710112", NOV_10 + timedelta(minutes=n))
    check_in(session, "NO-SUCH-COPY", "sortering-1", NOV_10)

    decisions = last_decisions(session, station="automat-710112", limit=2)

    assert [d.barcode for _, d in decisions] == ["BACK-2", "BACK-1"]
    assert [at for at, _ in decisions] == [NOV_10 + timedelta(minutes=2), NOV_10 + timedelta(minutes=1)]
    assert all(d.reason for _, d in decisions)
