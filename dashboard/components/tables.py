"""Tables with a CSV download beside them, and small formatting helpers."""

from collections.abc import Mapping, Sequence
from dataclasses import asdict, is_dataclass
from typing import Any

import polars as pl
import streamlit as st


def frame(rows: Sequence[Any] | pl.DataFrame, labels: Mapping[str, str] | None = None) -> pl.DataFrame:
    """Rows (dicts or dataclasses) as a polars frame, columns renamed to their Danish labels and in that order."""
    if isinstance(rows, pl.DataFrame):
        data = rows
    else:
        dicts = [asdict(r) if is_dataclass(r) and not isinstance(r, type) else dict(r) for r in rows]
        data = pl.DataFrame(dicts, infer_schema_length=None) if dicts else pl.DataFrame()
    if labels:
        if data.width == 0:
            return pl.DataFrame({label: [] for label in labels.values()})
        present = [c for c in labels if c in data.columns]
        data = data.select(present).rename({c: labels[c] for c in present})
    return data


def table(
    rows: Sequence[Any] | pl.DataFrame,
    *,
    key: str,
    labels: Mapping[str, str] | None = None,
    file_name: str | None = None,
    **dataframe_args: Any,
) -> pl.DataFrame:
    """Show a table and offer it as CSV; returns the frame shown."""
    data = frame(rows, labels)
    st.dataframe(data, key=key, hide_index=True, **dataframe_args)
    st.download_button(
        "Hent som CSV",
        data=data.write_csv,  # written only when someone clicks, not on every rerun
        file_name=file_name or f"{key}.csv",
        mime="text/csv",
        key=f"{key}_csv",
        icon=":material/download:",
        on_click="ignore",
    )
    return data


def hours_text(hours: float | None) -> str:
    if hours is None:
        return "–"
    if hours < 1:
        return f"{hours * 60:.0f} min"
    if hours < 48:
        return f"{hours:.1f} t"
    return f"{hours / 24:.1f} dage"
