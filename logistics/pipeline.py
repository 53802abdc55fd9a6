"""From the backend's history to the weekly title × branch panel, collected at this edge only."""

from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from logistics import clean
from logistics.calendar import calendar_weeks, monday
from logistics.features import with_branch, with_calendar, with_holdings, with_title_features
from logistics.panel import active_rows, event_cells, with_future, with_history, with_title_totals
from logistics.sources import Source, scan_branches, scan_items, scan_loans, scan_reservations, scan_titles


@dataclass(frozen=True)
class History:
    """The cleaned inputs of the panel, lazily."""

    loans: pl.LazyFrame
    reservations: pl.LazyFrame
    items: pl.LazyFrame
    titles: pl.LazyFrame
    branches: pl.LazyFrame


def load_history(source: Source) -> History:
    items = scan_items(source)
    return History(
        loans=clean.clean_loans(scan_loans(source), items),
        reservations=clean.drop_impossible_reservations(scan_reservations(source)),
        items=items,
        titles=scan_titles(source),
        branches=scan_branches(source),
    )


def last_complete_week(loans: pl.LazyFrame) -> date:
    """The Monday of the last week that ended before the latest loan (a week still running is not complete)."""
    latest = loans.select(pl.col("loaned_at").max()).collect().item()
    if latest is None:
        raise ValueError("there are no loans to build a panel from")
    day = latest.date()
    return monday(day) if day.weekday() == 6 else monday(day) - timedelta(weeks=1)


def panel_frame(history: History, last_week: date, *, reach: int = 4) -> pl.LazyFrame:
    """The whole panel, lazily: counts, history, title totals, targets, title/copy/branch facts, calendar."""
    cells = event_cells(history.loans, history.reservations, until=last_week).collect().lazy()
    first = cells.select(pl.col("week").min()).collect().item()
    rows = active_rows(cells, last_week, reach)
    panel = with_future(with_title_totals(with_history(rows)), cells)
    panel = with_title_features(panel, history.titles)
    panel = with_holdings(panel, history.items)
    panel = with_branch(panel, history.branches)
    return with_calendar(panel, calendar_weeks(first, last_week))


def build_panel(source: Source | History, *, last_week: date | None = None, reach: int = 4) -> pl.DataFrame:
    """The panel as a DataFrame, sorted by title, branch and week."""
    history = source if isinstance(source, History) else load_history(source)
    week = last_week or last_complete_week(history.loans)
    return panel_frame(history, week, reach=reach).sort("title_id", "branch_id", "week").collect()
