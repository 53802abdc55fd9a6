"""Logging in: argon2-checked passwords, a clear message when wrong, and pages by role."""

from streamlit.testing.v1 import AppTest

from dashboard.roles import screens_for
from materials.domain.states import Role
from materials.services.auth import add_user
from tests.dashboard.conftest import DASHBOARD, TIMEOUT, ScreenDb


def log_in(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(password)
    at.button(key="login_submit").click()
    return at.run()


def test_a_wrong_password_says_so_and_the_form_stays(screen_db: ScreenDb) -> None:
    with screen_db.session() as session:
        add_user(session, username="sortering-1", password="rigtigt", role=Role.STATION, station="sortering-1")
    at = AppTest.from_file(str(DASHBOARD / "app.py"), default_timeout=TIMEOUT).run()

    log_in(at, "sortering-1", "forkert")

    assert not at.exception
    assert any("Forkert brugernavn eller adgangskode" in e.value for e in at.error)
    assert at.text_input(key="login_username")  # still on the login page
    assert "user" not in at.session_state


def test_a_station_logs_in_to_the_scan_station(screen_db: ScreenDb) -> None:
    with screen_db.session() as session:
        add_user(session, username="sortering-1", password="rigtigt", role=Role.STATION, station="sortering-1")
    at = AppTest.from_file(str(DASHBOARD / "app.py"), default_timeout=TIMEOUT).run()

    log_in(at, "sortering-1", "rigtigt")
    # AppTest stays on the login page's address after the rerun (a browser moves on: see test_browser.py).
    at.switch_page("pages/scan.py").run()

    assert not at.exception
    assert at.text_input(key="scan_code").label == "Stregkode"
    assert at.session_state["user"].station == "sortering-1"


def test_login_with_the_database_down_says_so(screen_db: ScreenDb, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    at = AppTest.from_file(str(DASHBOARD / "app.py"), default_timeout=TIMEOUT).run()
    monkeypatch.setenv("MATERIALS_DATABASE_URL", f"sqlite:///{tmp_path / 'gone' / 'x.db'}")

    log_in(at, "sortering-1", "rigtigt")

    assert not at.exception
    assert any("Databasen svarer ikke" in e.value for e in at.error)


def test_a_scan_station_is_never_offered_the_manager_or_data_pages() -> None:
    assert {s.key for s in screens_for(Role.STATION)} == {"scan", "picking", "crates", "queues"}
    assert {"manager", "data"} <= {s.key for s in screens_for(Role.ADMIN)}
    assert "scan" not in {s.key for s in screens_for(Role.MANAGER)}


def test_a_reload_with_the_database_down_says_why_the_station_is_not_logged_in_again(  # type: ignore[no-untyped-def]
    screen_db: ScreenDb, monkeypatch, tmp_path
) -> None:
    monkeypatch.setattr("dashboard.components.sessions.browser_token", lambda: "a-login-cookie")
    monkeypatch.setenv("MATERIALS_DATABASE_URL", f"sqlite:///{tmp_path / 'gone' / 'x.db'}")

    at = AppTest.from_file(str(DASHBOARD / "app.py"), default_timeout=TIMEOUT).run()

    assert not at.exception
    assert any("Databasen svarer ikke, så du blev ikke logget ind igen" in w.value for w in at.warning)
    assert at.text_input(key="login_username")  # the login page, the cookie kept for the next reload
    assert "screen_forget_cookie" not in at.session_state
