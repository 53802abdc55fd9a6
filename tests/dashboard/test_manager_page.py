"""The manager's page: figures from what the test did, charts, CSV downloads; and who may not see it."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from streamlit.testing.v1 import AppTest

from materials.domain.states import Role
from materials.services.checkin import check_in
from tests.dashboard.conftest import ScreenDb, reserved_elsewhere, table_with


def checked_in_an_hour_ago(db: ScreenDb, count: int) -> None:
    at = datetime.now(UTC) - timedelta(hours=1)
    barcodes = [reserved_elsewhere(db, f"MANAGER-{n}") for n in range(count)]
    with db.session() as session:
        for barcode in barcodes:
            check_in(session, barcode, "sortering-1", at, actor="sortering-1")


def test_the_manager_sees_throughput_backlog_and_staff_time(screen_db: ScreenDb, page: Callable[..., AppTest]) -> None:
    checked_in_an_hour_ago(screen_db, 3)
    at = page("manager", role=Role.MANAGER, username="leder").run()

    assert not at.exception
    throughput = table_with(at, "Pr. dag", "Antal")
    assert int(throughput[throughput["Hvad"] == "checkin"]["Antal"].sum()) == 3
    backlog = table_with(at, "Opgave", "Åbne")
    assert int(backlog[backlog["Opgave"] == "pack"]["Åbne"].iloc[0]) == 3
    staff = table_with(at, "Arbejde", "Timer")
    assert int(staff[staff["Arbejde"] == "Indtjekning/sortering"]["Antal"].iloc[0]) == 3
    assert len(at.get("download_button")) >= 6  # every table can be taken away as CSV

    at.segmented_control(key="mgr_by").set_value("station").run()
    by_station = table_with(at, "Pr. station", "Antal")
    assert list(by_station["Pr. station"].unique()) == ["sortering-1"]


def test_minutes_per_task_change_the_staff_time(screen_db: ScreenDb, page: Callable[..., AppTest]) -> None:
    checked_in_an_hour_ago(screen_db, 2)
    at = page("manager", role=Role.MANAGER).run()

    at.number_input(key="mgr_min_checkin").set_value(30.0).run()

    assert not at.exception
    staff = table_with(at, "Arbejde", "Timer")
    assert float(staff[staff["Arbejde"] == "Indtjekning/sortering"]["Timer"].iloc[0]) == 1.0


def test_a_scan_station_cannot_open_the_manager_page(screen_db: ScreenDb, page: Callable[..., AppTest]) -> None:
    at = page("manager", role=Role.STATION, station="sortering-1").run()

    assert not at.exception
    assert any("har ikke adgang" in e.value for e in at.error)
    assert not at.dataframe and not at.tabs
