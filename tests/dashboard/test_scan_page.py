"""The scan station: a scan shows where the copy goes, in words and colour; bad scans say what to do."""

from collections.abc import Callable
from html import unescape
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, col, select
from streamlit.testing.v1 import AppTest

from dashboard.components.scanning import forget_set_aside
from materials.db import get_engine
from materials.domain.states import Role
from materials.models import Event
from tests.conftest import postgres_url
from tests.dashboard.conftest import ScreenDb, reserved_elsewhere
from tests.factories import make_small_city


def scan(at: AppTest, barcode: str) -> AppTest:
    at.text_input(key="scan_code").input(barcode)
    at.button(key="scan_submit").click()
    return at.run()


def html_with(at: AppTest, marker: str) -> str:
    """The page's st.html elements that contain `marker`, as text."""
    shown = [str(getattr(h, "value", "")) for h in at.get("html")]
    return unescape(" ".join(h for h in shown if marker in h))


def banner(at: AppTest) -> str:
    return html_with(at, "scan-banner")


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
    assert 'data-status="exception"' in banner(at) and "background:#c62828" in banner(at)  # red
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

    # A reload of the browser is a new session: the station's set-aside copy is still on its screen.
    reloaded = page("scan", role=Role.STATION, station="sortering-1").run()
    assert any(barcode in e.value and "IKKE registreret" in e.value for e in reloaded.error)
    scan(reloaded, "NO-SUCH-COPY-EITHER")  # the page keeps working while the database is away
    assert not reloaded.exception and 'data-status="unrecorded"' in banner(reloaded)

    monkeypatch.setenv("MATERIALS_DATABASE_URL", screen_db.url)
    scan(at, barcode)

    assert not at.exception
    assert "Valby" in banner(at)
    assert [e.value for e in at.error] == [
        "IKKE registreret: NO-SUCH-COPY-EITHER. Læg den til side og scan den igen."
    ]  # the reminder goes once the copy is recorded; the other set-aside scan stays
    with screen_db.session() as session:
        recorded = session.exec(select(Event).where(Event.kind == "checkin", Event.barcode == barcode)).all()
    assert len(recorded) == 1


def test_a_scan_that_fails_in_an_unforeseen_way_is_kept_too(
    screen_db: ScreenDb, page: Callable[..., AppTest], monkeypatch: pytest.MonkeyPatch
) -> None:
    barcode = reserved_elsewhere(screen_db)
    at = page("scan", role=Role.STATION, station="sortering-1").run()
    refuse = "CREATE TRIGGER refuse_checkin BEFORE INSERT ON event BEGIN SELECT RAISE(ABORT, 'refused'); END"
    with screen_db.session() as session:  # the database refuses the check-in's write (an IntegrityError)
        session.exec(text(refuse))  # type: ignore[call-overload]
        session.commit()

    scan(at, barcode)

    assert not at.exception
    assert 'data-status="unrecorded"' in banner(at) and "Fejl i systemet (IntegrityError)" in banner(at)
    assert any(barcode in e.value and "scan den igen" in e.value for e in at.error)
    with screen_db.session() as session:
        session.exec(text("DROP TRIGGER refuse_checkin"))  # type: ignore[call-overload]
        session.commit()

    scan(at, barcode)

    assert not at.exception and not at.error
    assert "Valby" in banner(at)


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


def test_a_scan_while_postgresql_refuses_connections_is_kept_and_recorded_once_it_is_back(
    postgres_engine: Engine, page: Callable[..., AppTest], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real outage: the same URL, the server up, but the station's connections cut and new ones refused."""
    url = postgres_engine.url.render_as_string(hide_password=False)
    name = postgres_engine.url.database
    monkeypatch.setenv("MATERIALS_DATABASE_URL", url)
    forget_set_aside()
    with Session(postgres_engine, expire_on_commit=False) as session:
        city = make_small_city(session)
    db = ScreenDb(postgres_engine, url, city)
    before, during = reserved_elsewhere(db, "BEFORE-THE-OUTAGE"), reserved_elsewhere(db, "DURING-THE-OUTAGE")
    at = page("scan", role=Role.STATION, station="sortering-1").run()
    scan(at, before)  # the station's session and connection are open and warm
    assert "Valby" in banner(at)
    admin = get_engine(str(postgres_url()), isolation_level="AUTOCOMMIT")
    cut = f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            conn.execute(text(cut))

        scan(at, during)

        assert not at.exception
        assert 'data-status="unrecorded"' in banner(at) and "Databasen svarer ikke" in banner(at)
        assert any(during in e.value and "scan den igen" in e.value for e in at.error)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        admin.dispose()

    scan(at, during)

    assert not at.exception and not at.error
    assert "Valby" in banner(at)
    with db.session() as session:
        recorded = session.exec(select(Event.barcode).where(Event.kind == "checkin")).all()
    assert sorted(b or "" for b in recorded) == [before, during]


def test_a_reload_shows_the_stations_last_scans_and_waits_for_the_next(
    screen_db: ScreenDb, page: Callable[..., AppTest]
) -> None:
    barcodes = [reserved_elsewhere(screen_db, f"BEFORE-RELOAD-{n:02d}") for n in range(12)]
    at = page("scan", role=Role.STATION, station="sortering-1").run()
    for barcode in barcodes:
        scan(at, barcode)

    reloaded = page("scan", role=Role.STATION, station="sortering-1").run()  # a new browser session

    assert not reloaded.exception
    shown = html_with(reloaded, "scan-history")
    assert all(barcode in shown for barcode in barcodes[-10:])  # the last ten, from the event log
    assert barcodes[1] not in shown and "Valby" in shown
    assert 'data-status="waiting"' in banner(reloaded)  # the copy in the hand is the next one, not the last

    scan(reloaded, "NO-SUCH-COPY")
    assert 'data-status="exception"' in banner(reloaded)
