"""From the backend's history to the weekly title × branch panel, collected at this edge only.

Every feature of a row depends on its own title only (author totals come from a separate small frame), so the
panel can be built a batch of titles at a time and written to Parquet: that keeps the city demo within memory.
"""

import shutil
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Literal

import polars as pl

from logistics import clean
from logistics.calendar import monday
from logistics.features import (
    author_weeks,
    holdings,
    title_attributes,
    with_branch,
    with_calendar,
    with_holdings,
    with_title_features,
)
from logistics.panel import (
    BRANCH_UNIT,
    KEYS,
    REACH,
    active_rows,
    event_cells,
    with_future,
    with_history,
    with_title_totals,
)
from logistics.sources import Source, scan_branches, scan_items, scan_loans, scan_reservations, scan_titles


@dataclass(frozen=True)
class History:
    """The cleaned inputs of the panel (loans and reservations already in memory, once)."""

    loans: pl.LazyFrame
    reservations: pl.LazyFrame
    items: pl.LazyFrame
    titles: pl.LazyFrame
    branches: pl.LazyFrame


# Polars' default engine streams where it can; its streaming sort is about twice as slow as the in-memory one, so the
# steps built on sorts say which engine they want. The event cells' sort streams well.
IN_MEMORY: Literal["in-memory"] = "in-memory"
STREAMING: Literal["streaming"] = "streaming"


def load_history(source: Source) -> History:
    items = scan_items(source).collect().lazy()
    return History(
        loans=clean.clean_loans(scan_loans(source).drop("loan_id"), items).collect(engine=IN_MEMORY).lazy(),
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
    """What every batch of the panel shares: the weekly event cells, the author totals, title attributes and
    holdings."""

    cells: pl.DataFrame
    authors: pl.DataFrame
    last_week: date
    attributes: pl.DataFrame
    copies: pl.DataFrame


def check_keys(history: History) -> None:
    """The panel packs title, branch and week into one integer (`logistics.panel.row_key`): check they fit."""
    loans = history.loans.select(
        pl.col("title_id").min().alias("title"),
        pl.col("title_id").max().alias("title_high"),
        pl.min_horizontal(pl.col("branch_id").min(), pl.col("returned_branch_id").min()).alias("branch_low"),
        pl.max_horizontal(pl.col("branch_id").max(), pl.col("returned_branch_id").max()).alias("branch_high"),
        pl.col("loaned_at").min().alias("first"),
    )
    holds = history.reservations.select(
        pl.col("title_id").min().alias("title"),
        pl.col("title_id").max().alias("title_high"),
        pl.col("branch_id").min().alias("branch_low"),
        pl.col("branch_id").max().alias("branch_high"),
        pl.col("placed_at").min().alias("first"),
    )
    bounds = pl.concat([loans, holds], how="vertical_relaxed").select(
        pl.col("title").min(),
        pl.col("title_high").max(),
        pl.col("branch_low").min(),
        pl.col("branch_high").max(),
        pl.col("first").min(),
    )
    title, title_high, branch_low, branch_high, first = bounds.collect().row(0)
    if title is not None and (title < 0 or title_high >= 2**29):
        raise ValueError(f"title ids must lie in 0…{2**29 - 1}, found {title}…{title_high}")
    if branch_low is not None and (branch_low < 0 or branch_high >= BRANCH_UNIT):
        raise ValueError(f"branch ids must lie in 0…{BRANCH_UNIT - 1}, found {branch_low}…{branch_high}")
    if first is not None and first.year < 1970:
        raise ValueError(f"events before 1970 cannot be placed in a week, found one at {first}")


def prepare(history: History, last_week: date, reach: int = REACH) -> Prepared:
    check_keys(history)
    cells = event_cells(history.loans, history.reservations, until=last_week).collect(engine=STREAMING)
    authors = author_weeks(cells.lazy(), history.titles, reach).collect()
    return Prepared(
        cells=cells,
        authors=authors,
        last_week=last_week,
        attributes=title_attributes(history.titles).collect(),
        copies=holdings(history.items).collect(),
    )


def panel_frame(
    history: History, prepared: Prepared, *, reach: int = REACH, batch: tuple[int, int] = (0, 1)
) -> pl.LazyFrame:
    """The panel of one batch of titles (`title_id % n == i` for batch (i, n)), lazily."""
    index, count = batch
    cells = prepared.cells.lazy().filter(pl.col("title_id") % count == index)
    first = prepared.cells["week"].min()
    assert isinstance(first, date), "there are no events before the last week"
    rows = active_rows(cells, prepared.last_week, reach).cache()
    weekly = with_future(with_title_totals(with_history(rows)))
    described = with_title_features(rows.select(KEYS), prepared.attributes.lazy(), prepared.authors.lazy())
    described = with_holdings(described, prepared.copies.lazy())
    described = with_branch(described, history.branches)
    described = with_calendar(described, first, prepared.last_week)
    return pl.concat([weekly, described.drop(KEYS)], how="horizontal")


def build_panel(source: Source | History, *, last_week: date | None = None, reach: int = REACH) -> pl.DataFrame:
    """The whole panel in memory, sorted by title, branch and week (for the small demo and tests)."""
    history = source if isinstance(source, History) else load_history(source)
    prepared = prepare(history, last_week or last_complete_week(history.loans), reach)
    return panel_frame(history, prepared, reach=reach).collect(engine=IN_MEMORY)


def write_panel(
    history: History,
    folder: Path,
    *,
    last_week: date | None = None,
    batches: int = 16,
    prepared: Prepared | None = None,
) -> Path:
    """The panel as Parquet files in `folder`, one per batch of titles; memory holds one batch at a time.

    Pass `prepared` when the caller has it already (it is the costly part shared by all batches).
    """
    if prepared is None:
        prepared = prepare(history, last_week or last_complete_week(history.loans))
    elif last_week is not None and last_week != prepared.last_week:
        raise ValueError(f"the prepared cells end on {prepared.last_week}, not on {last_week}")
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for i in range(batches):
        frame = panel_frame(history, prepared, batch=(i, batches)).collect(engine=IN_MEMORY)
        # lz4 writes about twice as fast as zstd for a file about 1.8 times larger; row-group statistics would
        # not skip anything (rows are sorted by title, and every row group spans all weeks).
        frame.write_parquet(folder / f"part-{i:03d}.parquet", compression="lz4", statistics=False)
        del frame
    return folder


def scan_panel(folder: Path) -> pl.LazyFrame:
    return pl.scan_parquet(Path(folder) / "part-*.parquet")
