"""The manager's figures, cached for a minute: reports read the event log, and the page reruns on every click."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import streamlit as st

from dashboard.components.context import reader
from materials.clock import LOCAL_ZONE
from materials.services import reports

TTL = 60


def utc_period(first: date, last: date) -> tuple[datetime, datetime]:
    """Copenhagen days first..last (inclusive) as a UTC [start, end)."""
    start = datetime.combine(first, time(), LOCAL_ZONE).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(), LOCAL_ZONE).astimezone(UTC)
    return start, end


@st.cache_data(ttl=TTL, show_spinner=False)
def _hourly(url: str, start: datetime, end: datetime) -> list[reports.Throughput]:
    with reader() as session:
        return reports.throughput(session, start=start, end=end)


def throughput(url: str, start: datetime, end: datetime, by: str) -> list[dict[str, Any]]:
    return reports.throughput_by(_hourly(url, start, end), by)


@st.cache_data(ttl=TTL, show_spinner=False)
def backlog(url: str) -> list[reports.Backlog]:
    with reader() as session:
        return reports.backlog(session, at=datetime.now(UTC))


@st.cache_data(ttl=TTL, show_spinner=False)
def lead_times(url: str, start: datetime, end: datetime) -> tuple[list[reports.Bucket], reports.Spread | None]:
    """The distribution of placed → ready in hours (bucketed: a month of the city is 100,000 reservations)."""
    with reader() as session:
        hours = reports.reservation_lead_times(session, start=start, end=end)
    return reports.distribution(hours), reports.lead_time_summary(hours)


@st.cache_data(ttl=TTL, show_spinner=False)
def time_to_shelf(url: str, start: datetime, end: datetime) -> list[reports.Spread]:
    with reader() as session:
        return reports.time_to_shelf(session, start=start, end=end)


@st.cache_data(ttl=TTL, show_spinner=False)
def transit(url: str, start: datetime, end: datetime) -> list[reports.Spread]:
    with reader() as session:
        return reports.transit_times(session, start=start, end=end)


@st.cache_data(ttl=TTL, show_spinner=False)
def displays(url: str) -> list[reports.DisplayFill]:
    with reader() as session:
        return reports.display_fill(session, at=datetime.now(UTC))


@st.cache_data(ttl=TTL, show_spinner=False)
def staff(
    url: str, start: datetime, end: datetime, minutes: tuple[tuple[str, float], ...], baseline: float
) -> reports.StaffSummary:
    with reader() as session:
        return reports.staff_time(session, start=start, end=end, minutes_per_task=dict(minutes), baseline_fte=baseline)
