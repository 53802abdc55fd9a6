"""Altair charts the manager's page draws (data in, chart out; no figures computed here)."""

import altair as alt
import polars as pl


def bars(data: pl.DataFrame, x: str, y: str, *, colour: str | None = None, x_type: str = "N") -> alt.Chart:
    encoding = {
        "x": alt.X(f"{x}:{x_type}", title=x, sort=None),
        "y": alt.Y(f"{y}:Q", title=y),
        "tooltip": list(data.columns),
    }
    if colour:
        encoding["color"] = alt.Color(f"{colour}:N", title=colour)
    return alt.Chart(data).mark_bar().encode(**encoding).properties(height=320)


def histogram(values: list[float], *, title: str, max_bins: int = 30) -> alt.Chart:
    data = pl.DataFrame({title: values})
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(alt.X(f"{title}:Q", bin=alt.Bin(maxbins=max_bins), title=title), alt.Y("count():Q", title="Antal"))
        .properties(height=320)
    )


def against_baseline(current: float, baseline: float, target: float) -> alt.Chart:
    """Årsværk used now, the baseline before the plan, and the plan's goal."""
    data = pl.DataFrame(
        {
            "Hvad": ["Før planen (baseline)", "Planens mål", "Nu (omregnet til år)"],
            "Årsværk": [baseline, target, current],
        }
    )
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            alt.Y("Hvad:N", sort=None, title=None),
            alt.X("Årsværk:Q"),
            alt.Color("Hvad:N", legend=None, scale=alt.Scale(range=["#9e9e9e", "#2e7d32", "#1565c0"])),
            tooltip=["Hvad", "Årsværk"],
        )
        .properties(height=160)
    )
