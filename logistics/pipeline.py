"""From the backend's history to the weekly title × branch panel, collected at this edge only.

Every feature of a row depends on its own title only (author totals come from a separate small frame), so the
panel can be built a batch of titles at a time and written to Parquet: that keeps the city demo within memory.
"""

import shutil
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import polars as pl

from logistics import clean
from logistics.calendar import calendar_weeks, monday
from logistics.features import author_weeks, with_branch, with_calendar, with_holdings, with_title_features
from logistics.panel import REACH, active_rows, event_cells, with_future, with_history, with_title_totals
from logistics.sources import Source, scan_branches, scan_items, scan_loans, scan_reservations, scan_titles


@dataclass(frozen=True)
class History:
    """The cleaned inputs of the panel (loans and reservations already in memory, once)."""

    loans: pl.LazyFrame
    reservations: pl.LazyFrame
    items: pl.LazyFrame
    titles: pl.LazyFrame
    branches: pl.LazyFrame


def load_history(source: Source) -> History:
    items = scan_items(source).collect().lazy()
    return History(
        loans=clean.clean_loans(scan_loans(source).drop("loan_id"), items).collect().lazy(),
        reservations=clean.drop_impossible_reservations(scan_reservations(source)).collect().lazy(),
        items=items,
        titles=scan_titles(source).collect().lazy(),
        branches=scan_branches(source).collect().lazy(),
    )


def last_complete_week(loans: pl.LazyFrame) -> date:
    """The Monday of the last week that ended before the latest loan (a week still running is not complete)."""
    latest = loans.select(pl.col("loaned_at").max()).collect().item()
    if latest is None:
        raise ValueError("there are no loans to build a panel from")
    day = latest.date()
    return monday(day) if day.weekday() == 6 else monday(day) - timedelta(weeks=1)


@dataclass(frozen=True)
class Prepared:
    """What every batch of the panel shares: the weekly event cells and the author totals."""

    cells: pl.DataFrame
    authors: pl.DataFrame
    last_week: date


def prepare(history: History, last_week: date, reach: int = REACH) -> Prepared:
    cells = event_cells(history.loans, history.reservations, until=last_week).collect()
    authors = author_weeks(cells.lazy(), history.titles, reach).collect()
    return Prepared(cells=cells, authors=authors, last_week=last_week)


def panel_frame(
    history: History, prepared: Prepared, *, reach: int = REACH, batch: tuple[int, int] = (0, 1)
) -> pl.LazyFrame:
    """The panel of one batch of titles (`title_id % n == i` for batch (i, n)), lazily."""
    index, count = batch
    cells = prepared.cells.lazy().filter(pl.col("title_id") % count == index)
    first = prepared.cells["week"].min()
    assert isinstance(first, date), "there are no events before the last week"
    rows = active_rows(cells, prepared.last_week, reach)
    panel = with_future(with_title_totals(with_history(rows)), cells)
    panel = with_title_features(panel, history.titles, prepared.authors.lazy())
    panel = with_holdings(panel, history.items)
    panel = with_branch(panel, history.branches)
    return with_calendar(panel, calendar_weeks(first, prepared.last_week))


def build_panel(source: Source | History, *, last_week: date | None = None, reach: int = REACH) -> pl.DataFrame:
    """The whole panel in memory, sorted by title, branch and week (for the small demo and tests)."""
    history = source if isinstance(source, History) else load_history(source)
    prepared = prepare(history, last_week or last_complete_week(history.loans), reach)
    return panel_frame(history, prepared, reach=reach).sort("title_id", "branch_id", "week").collect()


def write_panel(history: History, folder: Path, *, last_week: date | None = None, batches: int = 8) -> Path:
    """The panel as Parquet files in `folder`, one per batch of titles; memory holds one batch at a time."""
    prepared = prepare(history, last_week or last_complete_week(history.loans))
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for i in range(batches):
        frame = panel_frame(history, prepared, batch=(i, batches)).collect()
        frame.write_parquet(folder / f"part-{i:03d}.parquet", statistics=True, row_group_size=256_000)
        del frame
    return folder


def scan_panel(folder: Path) -> pl.LazyFrame:
    return pl.scan_parquet(Path(folder) / "part-*.parquet")
