"""Which station a page works for: a station login's own, or one the person chooses."""

import streamlit as st

from dashboard.components.context import DATABASE_DOWN, ScreenUser, database_down, reader, settings
from materials.models import Branch
from materials.services.lookup import require_branch, station_by_name
from materials.services.overview import station_names


def choose_station(user: ScreenUser, *, kind: str | None, key: str, label: str = "Station") -> str | None:
    """The user's station, or a choice among the stations of `kind`; None when there are none."""
    if user.station:
        return user.station
    try:
        with reader() as session:
            choices = station_names(session, kind=kind)
    except DATABASE_DOWN as exc:
        database_down(exc)
    return st.selectbox(label, choices, key=key) if choices else None


@st.cache_data(ttl=300, show_spinner=False)
def _branch_of(url: str, station: str) -> tuple[str, str]:
    with reader() as session:
        desk = station_by_name(session=session, name=station)
        branch: Branch = require_branch(session=session, branch_id=desk.branch_id)
        return branch.isil, branch.name


def branch_of(station: str) -> tuple[str, str]:
    """(ISIL, name) of the branch a station stands in."""
    return _branch_of(settings().database_url, station)
