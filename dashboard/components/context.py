"""What every page needs: the engine, sessions, the logged-in user and the guard that keeps pages to their roles."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NoReturn

import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlmodel import Session

from dashboard.components import sessions
from dashboard.roles import BY_KEY, may_open
from materials.db import get_engine, read_session
from materials.domain.states import Role
from materials.services import screen_sessions
from materials.settings import Settings

USER_KEY = "user"
# What a database that cannot be reached raises, for the pages to turn into a clear message.
DATABASE_DOWN = (OperationalError, InterfaceError)


@dataclass(frozen=True)
class ScreenUser:
    username: str
    role: Role
    station: str | None = None


def settings() -> Settings:
    # Read on every run (microseconds): the URL comes from the environment `materials screens` sets.
    return Settings()


@st.cache_resource(show_spinner=False)
def _engine(url: str) -> Engine:
    return get_engine(url, background_checkpoint=True)  # the scan stations write: checkpoints off their commits


def engine() -> Engine:
    return _engine(settings().database_url)


def reader() -> Session:
    """A read-only session (plain BEGIN on SQLite, so screens never queue behind the scan stations' writes)."""
    return read_session(engine())


def writer() -> Session:
    return Session(engine(), expire_on_commit=False)


def now() -> datetime:
    return datetime.now(UTC)


# Set when a reload could not log the browser in again because the database did not answer.
RESUME_FAILED_KEY = "resume_failed"


def current_user() -> ScreenUser | None:
    user = st.session_state.get(USER_KEY)
    return user if isinstance(user, ScreenUser) else None


def resume_from_browser() -> ScreenUser | None:
    """Log in again from the browser's login cookie after a reload (see dashboard.components.sessions)."""
    token = sessions.browser_token()
    if token is None or st.session_state.get(sessions.FORGET_KEY):
        return None
    try:
        with writer() as session:
            found = screen_sessions.resume_session(session, token=token, at=now())
    except DATABASE_DOWN:
        # The cookie stays: the next reload with the database back logs in again. The login page says so.
        st.session_state[RESUME_FAILED_KEY] = True
        return None
    if found is None:  # expired, logged out or the user deactivated: the browser forgets it
        st.session_state[sessions.FORGET_KEY] = True
        return None
    user = ScreenUser(username=found.username, role=found.role, station=found.station)
    log_in(user, token)
    return user


def log_in(user: ScreenUser, token: str | None = None) -> None:
    st.session_state.pop(sessions.FORGET_KEY, None)
    st.session_state.pop(RESUME_FAILED_KEY, None)
    st.session_state[USER_KEY] = user
    if token is not None:
        st.session_state[sessions.TOKEN_KEY] = token


def remember_login() -> None:
    """Keep the login in the browser (a cookie written by the page), or forget it after a logout. Written again
    after a reload too, so the cookie's age is renewed with the login's expiry."""
    token = st.session_state.get(sessions.TOKEN_KEY)
    user = current_user()
    if token and user:
        sessions.write_cookie(token, screen_sessions.lifetime(user.role))
    elif user is None and st.session_state.get(sessions.FORGET_KEY):
        sessions.write_cookie("", timedelta(0))


def log_out() -> None:
    token = st.session_state.get(sessions.TOKEN_KEY)
    if token:
        try:
            with writer() as session:
                screen_sessions.end_session(session, token=token, at=now())
        except DATABASE_DOWN:
            pass  # the browser forgets the token below; the row expires by itself
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    st.session_state[sessions.FORGET_KEY] = True


def database_down(exc: BaseException) -> NoReturn:
    st.error(
        "Databasen svarer ikke lige nu. Intet er ændret. Prøv igen om lidt, og kontakt IT hvis det varer ved. "
        f"({type(exc).__name__})"
    )
    st.stop()


def require_page(key: str) -> ScreenUser:
    """The logged-in user, if their role may open this page; otherwise a message and the page stops here."""
    user = current_user()
    if user is None:
        st.warning("Log ind for at bruge denne skærm.")
        st.stop()
    if not may_open(user.role, key):
        st.error(f"Din rolle ({user.role}) har ikke adgang til '{BY_KEY[key].title}'.")
        st.stop()
    return user
