"""What every page needs: the engine, sessions, the logged-in user and the guard that keeps pages to their roles."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NoReturn

import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlmodel import Session

from dashboard.roles import BY_KEY, may_open
from materials.db import get_engine, read_session
from materials.domain.states import Role
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
    return get_engine(url)


def engine() -> Engine:
    return _engine(settings().database_url)


def reader() -> Session:
    """A read-only session (plain BEGIN on SQLite, so screens never queue behind the scan stations' writes)."""
    return read_session(engine())


def writer() -> Session:
    return Session(engine(), expire_on_commit=False)


def now() -> datetime:
    return datetime.now(UTC)


def current_user() -> ScreenUser | None:
    user = st.session_state.get(USER_KEY)
    return user if isinstance(user, ScreenUser) else None


def log_in(user: ScreenUser) -> None:
    st.session_state[USER_KEY] = user


def log_out() -> None:
    for key in list(st.session_state.keys()):
        del st.session_state[key]


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
