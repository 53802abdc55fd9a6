"""Altair charts the screens draw (data in, chart out; no figures computed here).

Building an Altair chart validates it against the Vega-Lite schema, which costs tens of milliseconds per chart;
the specs are therefore built once per data and kept (st.cache_data), and drawn with st.vega_lite_chart.
"""

from collections.abc import Sequence
from typing import Any

import altair as alt
import polars as pl
import streamlit as st

Rows = list[dict[str, Any]]
TTL = 600


def rows_of(data: pl.DataFrame) -> Rows:
    return data.to_dicts()


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=500)
def _bars(rows: Rows, x: str, y: str, colour: str | None, x_type: str) -> dict[str, Any]:
    data = pl.DataFrame(rows, infer_schema_length=None)
    encoding: dict[str, Any] = {
        "x": alt.X(f"{x}:{x_type}", title=x, sort=None),
        "y": alt.Y(f"{y}:Q", title=y),
        "tooltip": list(data.columns),
    }
    if colour:
        encoding["color"] = alt.Color(f"{colour}:N", title=colour)
    return alt.Chart(data).mark_bar().encode(**encoding).properties(height=320).to_dict()


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=100)
def _histogram(values: Sequence[float], title: str, max_bins: int) -> dict[str, Any]:
    data = pl.DataFrame({title: list(values)})
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(alt.X(f"{title}:Q", bin=alt.Bin(maxbins=max_bins), title=title), alt.Y("count():Q", title="Antal"))
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


def bars(data: pl.DataFrame, x: str, y: str, *, key: str, colour: str | None = None, x_type: str = "N") -> None:
    st.vega_lite_chart(_bars(rows_of(data), x, y, colour, x_type), key=key)


def histogram(values: list[float], *, title: str, key: str, max_bins: int = 30) -> None:
    st.vega_lite_chart(_histogram(tuple(values), title, max_bins), key=key)


def against_baseline(current: float, baseline: float, target: float, *, key: str) -> None:
    """Årsværk used now, the baseline before the plan, and the plan's goal."""
    st.vega_lite_chart(_baseline(current, baseline, target), key=key)
