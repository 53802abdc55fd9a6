"""Check-in exceptions: a scan the sorter cannot route is its own decision, with a task and the scan logged."""

from datetime import timedelta

import pytest
from sqlmodel import Session, col, select

from materials.domain.identifiers import InvalidIdentifier
from materials.domain.states import ItemStatus, RouteKind, TaskKind
from materials.models import Event, Item, Task
from materials.services.checkin import barcode_error, check_in
from materials.services.lookup import UnknownBarcode, UnknownStation
from tests.factories import T0, make_item, make_loan, make_small_city, make_title

NOV_10 = T0 + timedelta(days=7)


def _state(session: Session) -> list[tuple[str, str, int | None]]:
    session.expire_all()
    return [
        (i.barcode, str(i.status), i.destination_branch_id) for i in session.exec(select(Item).order_by(col(Item.id)))
    ]


def test_an_unknown_barcode_is_an_exception_with_a_task_and_the_scan_recorded(session: Session) -> None:
    city = make_small_city(session)
    make_item(session, make_title(session), city.sundby, "KNOWN-COPY")
    before = _state(session)

    decision = check_in(session, "NOT-IN-THE-CATALOGUE", "sortering-1", NOV_10)

    assert (decision.kind, decision.exception, decision.bin) == (RouteKind.EXCEPTION, "unknown_barcode", "S99")
    assert "NOT-IN-THE-CATALOGUE" in decision.reason
    task = session.get(Task, decision.task_id)
    assert task is not None and task.kind == TaskKind.EXCEPTION
    [event] = session.exec(select(Event).where(Event.kind == "checkin")).all()
    assert event.barcode == "NOT-IN-THE-CATALOGUE"
    assert _state(session) == before
    error = barcode_error(decision)
    assert isinstance(error, UnknownBarcode) and "NOT-IN-THE-CATALOGUE" in str(error)


def test_a_malformed_barcode_is_recorded_with_the_raw_text(session: Session) -> None:
    make_small_city(session)

    decision = check_in(session, "  ÆØÅ not a barcode!", "sortering-1", NOV_10)

    assert decision.exception == "malformed_barcode"
    [event] = session.exec(select(Event).where(Event.kind == "checkin")).all()
    assert event.payload["raw"] == "  ÆØÅ not a barcode!"
    assert isinstance(barcode_error(decision), InvalidIdentifier)


def test_an_unknown_station_is_refused_and_nothing_is_recorded(session: Session) -> None:
    city = make_small_city(session)
    make_item(session, make_title(session), city.sundby, "SCANNED-NOWHERE")

    with pytest.raises(UnknownStation, match="sortering-77"):
        check_in(session, "SCANNED-NOWHERE", "sortering-77", NOV_10)

    assert session.exec(select(Event)).all() == []


def test_a_withdrawn_copy_goes_to_the_exception_bin(session: Session) -> None:
    city = make_small_city(session)
    make_item(session, make_title(session), city.sundby, "WITHDRAWN-LAST-YEAR", status=ItemStatus.WITHDRAWN)

    decision = check_in(session, "WITHDRAWN-LAST-YEAR", "automat-710112", NOV_10)

    assert (decision.kind, decision.exception) == (RouteKind.EXCEPTION, "withdrawn")
    assert session.exec(select(Item).where(Item.barcode == "WITHDRAWN-LAST-YEAR")).one().status == ItemStatus.WITHDRAWN


def test_a_multi_part_set_is_checked_for_all_its_parts_before_it_is_routed(session: Session) -> None:
    city = make_small_city(session)
    course = make_item(session, make_title(session, "Spansk for begyndere"), city.sundby, "COURSE-3-PARTS", parts=3)
    loan = make_loan(session, course, city.sundby)

    first = check_in(session, "COURSE-3-PARTS", "automat-710112", NOV_10)
    checked = check_in(session, "COURSE-3-PARTS", "automat-710112", NOV_10 + timedelta(minutes=1), parts_checked=True)

    assert (first.kind, first.exception) == (RouteKind.EXCEPTION, "multi_part")
    assert first.reason.startswith("Tjek at alle 3 dele er der")
    assert checked.kind == RouteKind.STAY
    session.refresh(loan)
    assert loan.returned_at == NOV_10 + timedelta(minutes=1)


def test_a_copy_reported_missing_that_turns_up_is_an_exception_and_then_routes(session: Session) -> None:
    city = make_small_city(session)
    make_item(session, make_title(session), city.sundby, "MISSING-SINCE-MAY", status=ItemStatus.MISSING)

    found = check_in(session, "MISSING-SINCE-MAY", "automat-710112", NOV_10)
    routed = check_in(session, "MISSING-SINCE-MAY", "automat-710112", NOV_10 + timedelta(minutes=1))

    assert (found.kind, found.exception) == (RouteKind.EXCEPTION, "found")
    assert routed.kind == RouteKind.STAY


def test_an_unknown_barcode_scanned_twice_within_the_window_is_one_exception(session: Session) -> None:
    make_small_city(session)

    first = check_in(session, "UNKNOWN-TWICE", "sortering-1", NOV_10)
    again = check_in(session, "UNKNOWN-TWICE", "sortering-1", NOV_10 + timedelta(seconds=3))

    assert again.duplicate and again.task_id == first.task_id
    assert len(session.exec(select(Task).where(Task.kind == TaskKind.EXCEPTION)).all()) == 1
