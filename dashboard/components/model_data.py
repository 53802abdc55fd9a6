"""The data staff's screen: runs, backtests and forecasts (cached reads) and promote/rollback (writes with actor)."""

from datetime import datetime
from typing import Any

import polars as pl
import streamlit as st
from sqlmodel import Session

from dashboard.components.context import reader
from dashboard.components.wiring import service
from materials.services.events import record_event

TTL = 30


def available() -> bool:
    return (
        service("logistics.evaluation", "runs_table") is not None
        and service("logistics.registry", "promote") is not None
    )


@st.cache_data(ttl=TTL, show_spinner=False)
def runs(url: str) -> pl.DataFrame:
    from logistics.evaluation import runs_table

    with reader() as session:
        return runs_table(session)


@st.cache_data(ttl=TTL, show_spinner=False)
def slices(url: str, dimension: str, version: str | None) -> pl.DataFrame:
    from logistics.evaluation import slice_table

    with reader() as session:
        return slice_table(session, dimension, version)


@st.cache_data(ttl=TTL, show_spinner=False)
def importances(url: str, version: str | None) -> pl.DataFrame:
    from logistics.evaluation import importances as recorded

    with reader() as session:
        return recorded(session, version)


@st.cache_data(ttl=TTL, show_spinner="Henter lån og prognoser …")
def forecast_vs_actual(url: str, title_id: int, branch_id: int) -> pl.DataFrame:
    from logistics.forecast import forecast_vs_actual as compare

    with reader() as session:
        return compare(url, session, title_id, branch_id)


def promote(session: Session, *, version: str, force: bool, at: datetime, actor: str) -> Any:
    from logistics.registry import promote as promote_run

    run = promote_run(session, version, force=force, now=at)
    record_event(session, at=at, kind="model_promoted", actor=actor, version=run.version, force=force)
    session.commit()
    return run


def rollback(session: Session, *, at: datetime, actor: str) -> Any:
    from logistics.registry import rollback as roll_back

    run = roll_back(session, now=at)
    record_event(session, at=at, kind="model_rolled_back", actor=actor, version=run.version)
    session.commit()
    return run


def forget() -> None:
    runs.clear()
    slices.clear()
    importances.clear()
    forecast_vs_actual.clear()
