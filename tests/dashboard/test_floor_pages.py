"""Picking, crates and the queue wall against a small city the test prepared."""

from collections.abc import Callable

from sqlmodel import select
from streamlit.testing.v1 import AppTest

from materials.domain.states import CrateState, ItemStatus, Role, TaskKind, TaskState
from materials.models import Crate, Item, Task
from tests.dashboard.conftest import ScreenDb, picks_at_osterbro, reserved_elsewhere, table_with
from tests.factories import T0


def test_the_pick_list_is_in_walking_order_and_a_scan_confirms_a_pick(
    screen_db: ScreenDb, page: Callable[..., AppTest]
) -> None:
    first, second = picks_at_osterbro(screen_db)
    at = page("picking", role=Role.STATION, username="pluk-oesterbro", station="pluk-710109").run()
    assert not at.exception
    assert list(table_with(at, "Stregkode", "Afhentes på")["Stregkode"]) == [first, second]

    at.text_input(key="pick_code").input(first)
    at.button(key="pick_submit").click()
    at.run()

    assert not at.exception
    assert any(f"{first} plukket" in s.value and "Valby" in s.value for s in at.success)
    assert list(table_with(at, "Stregkode", "Afhentes på")["Stregkode"]) == [second]
    with screen_db.session() as session:
        item = session.exec(select(Item).where(Item.barcode == first)).one()
    assert item.status == ItemStatus.IN_SORTING


def test_a_copy_not_found_is_marked_missing(screen_db: ScreenDb, page: Callable[..., AppTest]) -> None:
    _, second = picks_at_osterbro(screen_db)
    at = page("picking", role=Role.SPECIALIST, username="mette").run()
    at.selectbox(key="pick_station").select("pluk-710109").run()

    at.selectbox(key="pick_missing").select(second)
    at.button(key="pick_not_found").click()
    at.run()

    assert not at.exception
    assert any(f"{second} meldt ikke fundet" in s.value for s in at.success)
    with screen_db.session() as session:
        item = session.exec(select(Item).where(Item.barcode == second)).one()
        task = session.exec(select(Task).where(Task.item_id == item.id, Task.kind == TaskKind.PICK)).one()
    assert item.status == ItemStatus.MISSING
    assert task.done_by == "mette" and task.state == TaskState.CANCELLED


def test_a_scan_that_is_not_on_the_pick_list_says_so(screen_db: ScreenDb, page: Callable[..., AppTest]) -> None:
    picks_at_osterbro(screen_db)
    at = page("picking", role=Role.STATION, station="pluk-710109").run()

    at.text_input(key="pick_code").input("NOT-ON-THE-LIST")
    at.button(key="pick_submit").click()
    at.run()

    assert not at.exception
    assert any("NOT-ON-THE-LIST" in e.value for e in at.error)


def test_an_open_crate_is_shown_by_fill_and_can_be_sealed(screen_db: ScreenDb, page: Callable[..., AppTest]) -> None:
    from materials.services.checkin import check_in

    barcode = reserved_elsewhere(screen_db)
    with screen_db.session() as session:
        check_in(session, barcode, "sortering-1", T0)
    at = page("crates", role=Role.STATION, username="sortering-1", station="sortering-1").run()
    assert not at.exception
    open_crates = table_with(at, "Kasse", "Fyldt")
    assert list(open_crates["Til"]) == ["Valby"] and list(open_crates["Antal"]) == [1]

    at.button(key="crate_open_button").click()
    at.run()

    assert not at.exception
    assert any("forseglet" in s.value for s in at.success)
    with screen_db.session() as session:
        crate = session.exec(select(Crate)).one()
    assert crate.state == CrateState.SEALED
    assert at.button(key="crate_sealed_button").label == "Afsend"


def test_the_queue_wall_counts_open_tasks_per_station(screen_db: ScreenDb, page: Callable[..., AppTest]) -> None:
    picks_at_osterbro(screen_db, count=3)
    at = page("queues", role=Role.MANAGER).run()

    assert not at.exception
    wall = table_with(at, "Station", "Ældste")
    row = wall[wall["Station"] == "pluk-710109"]
    assert int(row["Pluk"].iloc[0]) == 3
    assert at.metric[0].value == "3"


def test_a_sealed_crate_is_dispatched_and_received_at_its_branch(
    screen_db: ScreenDb, page: Callable[..., AppTest]
) -> None:
    from materials.services.checkin import check_in
    from materials.services.crates import seal_crate

    barcode = reserved_elsewhere(screen_db)
    with screen_db.session() as session:
        check_in(session, barcode, "sortering-1", T0)
        code = session.exec(select(Crate)).one().code
        seal_crate(session, code=code, at=T0)
    sorter = page("crates", role=Role.STATION, username="sortering-1", station="sortering-1").run()
    assert list(table_with(sorter, "Kasse", "Fyldt")["Kasse"]) == [code]

    sorter.button(key="crate_sealed_button").click()
    sorter.run()

    assert not sorter.exception
    assert any(f"Kasse {code}: afsendt" in s.value for s in sorter.success)
    with screen_db.session() as session:
        assert session.exec(select(Crate)).one().state == CrateState.DISPATCHED
    # The sorting room is not where the crate goes: receiving it there is refused and changes nothing.
    sorter.button(key="crate_dispatched_button").click()
    sorter.run()
    assert not sorter.exception
    assert any("station 'sortering-1' is elsewhere" in e.value for e in sorter.error)

    valby = page("crates", role=Role.STATION, username="automat-valby", station="automat-710115").run()
    valby.button(key="crate_dispatched_button").click()
    valby.run()

    assert not valby.exception
    assert any(f"Kasse {code}: modtaget" in s.value for s in valby.success)
    with screen_db.session() as session:
        crate = session.exec(select(Crate)).one()
        item = session.exec(select(Item).where(Item.barcode == barcode)).one()
        task = session.exec(select(Task).where(Task.item_id == item.id, Task.station == "automat-710115")).one()
    assert crate.state == CrateState.RECEIVED
    assert item.branch_id == screen_db.city.valby.id
    assert task.kind == TaskKind.SHELVE and task.crate_id == crate.id and "reserveringshylden" in task.reason


def test_copies_stuck_in_transit_are_listed_with_their_age(screen_db: ScreenDb, page: Callable[..., AppTest]) -> None:
    from materials.services.checkin import check_in
    from materials.services.crates import seal_crate
    from materials.services.transit import dispatch_crate

    barcode = reserved_elsewhere(screen_db)
    with screen_db.session() as session:
        check_in(session, barcode, "sortering-1", T0)
        code = session.exec(select(Crate)).one().code
        seal_crate(session, code=code, at=T0)
        dispatch_crate(session, code=code, at=T0)  # and the van never arrived
    at = page("crates", role=Role.SPECIALIST, username="mette").run()

    assert not at.exception
    stuck = table_with(at, "Stregkode", "Dage")
    assert list(stuck["Stregkode"]) == [barcode] and list(stuck["Kasse"]) == [code]
    assert float(stuck["Dage"].iloc[0]) > 5
