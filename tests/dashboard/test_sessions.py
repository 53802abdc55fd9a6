"""Screen logins that outlive a browser reload: a token in the browser, only its hash in the database, an expiry.

The reload itself (cookie → new Streamlit session → logged in) and logging out are driven in a real browser in
test_browser.py (AppTest has no cookies, and does not click the sidebar of an st.navigation app).
"""

from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from materials.domain.states import Role
from materials.models import User
from materials.models.access import ScreenSession
from materials.services.auth import add_user
from materials.services.screen_sessions import end_session, open_session, resume_session, token_hash
from tests.dashboard.conftest import DASHBOARD, TIMEOUT, ScreenDb
from tests.dashboard.test_login import log_in

AT = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def test_a_token_logs_the_same_user_in_again_and_renews_its_expiry(session: Session) -> None:
    add_user(session, username="sortering-1", password="hemmeligt", role=Role.STATION, station="sortering-1")

    token = open_session(session, username="sortering-1", at=AT)
    later = AT + timedelta(days=20)
    resumed = resume_session(session, token=token, at=later)

    assert resumed is not None
    assert (resumed.username, resumed.role, resumed.station) == ("sortering-1", Role.STATION, "sortering-1")
    stored = session.exec(select(ScreenSession)).one()
    assert stored.token_hash == token_hash(token) != token  # the token itself is never stored
    assert stored.expires_at == later + timedelta(days=30)
    assert "hemmeligt" not in str(stored.model_dump())


def test_an_expired_ended_unknown_or_deactivated_login_is_refused(session: Session) -> None:
    add_user(session, username="mette", password="pw", role=Role.SPECIALIST)
    add_user(session, username="ole", password="pw", role=Role.MANAGER)
    expired = open_session(session, username="mette", at=AT)
    ended = open_session(session, username="mette", at=AT)
    deactivated = open_session(session, username="ole", at=AT)
    end_session(session, token=ended, at=AT + timedelta(minutes=5))
    ole = session.exec(select(User).where(User.username == "ole")).one()
    ole.active = False
    session.add(ole)
    session.commit()

    assert resume_session(session, token=expired, at=AT + timedelta(hours=12, seconds=1)) is None  # a working day
    assert resume_session(session, token=ended, at=AT + timedelta(minutes=6)) is None
    assert resume_session(session, token=deactivated, at=AT + timedelta(minutes=6)) is None
    assert resume_session(session, token="not-a-token", at=AT) is None
    assert resume_session(session, token=expired, at=AT + timedelta(hours=1)) is not None  # still a good one

    open_session(session, username="mette", at=AT + timedelta(days=100))  # logins long over are cleared
    assert len(session.exec(select(ScreenSession)).all()) == 1


def test_logging_in_opens_a_session_for_the_browser_to_keep(screen_db: ScreenDb) -> None:
    with screen_db.session() as session:
        add_user(session, username="sortering-1", password="rigtigt", role=Role.STATION, station="sortering-1")
    at = AppTest.from_file(str(DASHBOARD / "app.py"), default_timeout=TIMEOUT).run()

    log_in(at, "sortering-1", "rigtigt")
    at.switch_page("pages/scan.py").run()

    assert not at.exception
    token = at.session_state["screen_token"]
    with screen_db.session() as session:
        opened = session.exec(select(ScreenSession)).one()
        assert opened.token_hash == token_hash(token) and opened.ended_at is None
        assert resume_session(session, token=token, at=datetime.now(UTC)) is not None
