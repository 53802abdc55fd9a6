"""Altair charts the screens draw (data in, chart out; no figures computed here).

Building an Altair chart validates it against the Vega-Lite schema, which costs tens of milliseconds per chart;
the specs are therefore built once per data and kept (st.cache_data), and drawn with st.vega_lite_chart. The data
is named by `ident` (what it was read with) rather than hashed, which would cost as much again.
"""

from collections.abc import Sequence
from typing import Any

import altair as alt
import polars as pl
import streamlit as st

Rows = list[dict[str, Any]]
TTL = 60  # as the data it draws (dashboard.components.manager_data)


def rows_of(data: pl.DataFrame) -> Rows:
    return data.to_dicts()


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=500)
def _bars(ident: tuple[Any, ...], _rows: Rows, x: str, y: str, colour: str | None, x_type: str) -> dict[str, Any]:
    data = pl.DataFrame(_rows, infer_schema_length=None)
    encoding: dict[str, Any] = {
        "x": alt.X(f"{x}:{x_type}", title=x, sort=None),
        "y": alt.Y(f"{y}:Q", title=y),
        "tooltip": list(data.columns),
    }
    if colour:
        encoding["color"] = alt.Color(f"{colour}:N", title=colour)
    with alt.data_transformers.disable_max_rows():  # hours × stations over a month can pass Altair's 5,000
        return alt.Chart(data).mark_bar().encode(**encoding).properties(height=320).to_dict()


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=100)
def _histogram(ident: tuple[Any, ...], _rows: Rows) -> dict[str, Any]:
    data = pl.DataFrame(_rows, infer_schema_length=None)
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            alt.X("low:Q", bin="binned", title="Timer"),
            alt.X2("high:Q"),
            alt.Y("count:Q", title="Antal"),
            tooltip=["low", "high", "count"],
        )
    )
    return chart.properties(height=320).to_dict()


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=100)
def _baseline(current: float, baseline: float, target: float) -> dict[str, Any]:
    data = pl.DataFrame(
        {
            "Hvad": ["Før planen (baseline)", "Planens mål", "Nu (omregnet til år)"],
            "Årsværk": [baseline, target, current],
        }
    )
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            alt.Y("Hvad:N", sort=None, title=None),
            alt.X("Årsværk:Q"),
            alt.Color("Hvad:N", legend=None, scale=alt.Scale(range=["#9e9e9e", "#2e7d32", "#1565c0"])),
            tooltip=["Hvad", "Årsværk"],
        )
    )
    return chart.properties(height=160).to_dict()


def bars(
    data: pl.DataFrame,
    x: str,
    y: str,
    *,
    key: str,
    ident: tuple[Any, ...],
    colour: str | None = None,
    x_type: str = "N",
) -> None:
    """A bar chart; `ident` names the data (the arguments it was read with), so the data itself is not hashed."""
    st.vega_lite_chart(_bars((key, *ident), rows_of(data), x, y, colour, x_type), key=key)


def histogram(buckets: Sequence[Any], *, key: str, ident: tuple[Any, ...]) -> None:
    """A distribution already counted into buckets (objects with low, high and count)."""
    rows = [{"low": b.low, "high": b.high, "count": b.count} for b in buckets]
    st.vega_lite_chart(_histogram((key, *ident), rows), key=key)


def against_baseline(current: float, baseline: float, target: float, *, key: str) -> None:
    """Årsværk used now, the baseline before the plan, and the plan's goal."""
    st.vega_lite_chart(_baseline(current, baseline, target), key=key)
