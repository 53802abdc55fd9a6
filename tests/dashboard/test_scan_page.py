"""The scan station: a scan shows where the copy goes, in words and colour; bad scans say what to do."""

from collections.abc import Callable
from html import unescape
from pathlib import Path

import pytest
from sqlmodel import col, select
from streamlit.testing.v1 import AppTest

from materials.domain.states import Role
from materials.models import Event
from tests.dashboard.conftest import ScreenDb, reserved_elsewhere


def scan(at: AppTest, barcode: str) -> AppTest:
    at.text_input(key="scan_code").input(barcode)
    at.button(key="scan_submit").click()
    return at.run()


def banner(at: AppTest) -> str:
    return unescape(" ".join(str(h.value) for h in at.get("html") if "scan-banner" in str(h.value)))


def test_scanning_a_reserved_copy_shows_the_pickup_branch(screen_db: ScreenDb, page: Callable[..., AppTest]) -> None:
    barcode = reserved_elsewhere(screen_db)
    at = page("scan", role=Role.STATION, username="sortering-1", station="sortering-1").run()
    assert not at.exception

    scan(at, barcode)

    assert not at.exception
    assert "Valby" in banner(at)
    assert "Reserveret: afhentes på Valby" in banner(at)
    with screen_db.session() as session:
        event = session.exec(select(Event).where(Event.kind == "checkin").order_by(col(Event.id).desc())).first()
    assert event is not None and event.barcode == barcode and event.actor == "sortering-1"


def test_an_unknown_barcode_shows_red_with_what_to_do(screen_db: ScreenDb, page: Callable[..., AppTest]) -> None:
    at = page("scan", role=Role.STATION, station="sortering-1").run()

    scan(at, "NO-SUCH-COPY")

    assert not at.exception
    assert 'data-status="exception"' in banner(at)
    assert "Ukendt stregkode 'NO-SUCH-COPY': læg den i fejlkassen" in banner(at)
    assert "S99" in banner(at)


def test_a_scan_while_the_database_is_down_is_not_lost(
    screen_db: ScreenDb, page: Callable[..., AppTest], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    barcode = reserved_elsewhere(screen_db)
    at = page("scan", role=Role.STATION, station="sortering-1").run()
    monkeypatch.setenv("MATERIALS_DATABASE_URL", f"sqlite:///{tmp_path / 'no-such-folder' / 'gone.db'}")

    scan(at, barcode)

    assert not at.exception
    assert 'data-status="unrecorded"' in banner(at)
    assert "IKKE registreret" in banner(at)
    assert any(barcode in e.value and "scan den igen" in e.value for e in at.error)

    monkeypatch.setenv("MATERIALS_DATABASE_URL", screen_db.url)
    scan(at, barcode)

    assert not at.exception
    assert "Valby" in banner(at)
    assert not at.error  # the reminder goes once the copy is recorded
    with screen_db.session() as session:
        recorded = session.exec(select(Event).where(Event.kind == "checkin", Event.barcode == barcode)).all()
    assert len(recorded) == 1


def test_a_person_without_a_station_picks_one(screen_db: ScreenDb, page: Callable[..., AppTest]) -> None:
    at = page("scan", role=Role.SPECIALIST, username="mette").run()

    assert not at.exception
    assert at.selectbox(key="scan_station").value == "sortering-1"


def test_items_per_hour_counts_the_scans_at_once(screen_db: ScreenDb, page: Callable[..., AppTest]) -> None:
    barcodes = [reserved_elsewhere(screen_db, f"PACE-{n}") for n in range(3)]
    at = page("scan", role=Role.STATION, station="sortering-1").run()

    for barcode in barcodes:
        scan(at, barcode)

    assert at.metric[0].value == "3"
