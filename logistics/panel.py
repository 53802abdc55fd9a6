"""The weekly title × branch panel: event counts, and which (title, branch, week) rows exist at all.

The panel is sparse on purpose. A dense panel of the city demo (≈ 200 k titles × 20 branches × 156 weeks ≈ 600 M
rows) would not fit in memory, and almost all of it would be zeros. A row exists for a title at a branch in a week
when the pair had any event (loan, return, reservation placed or stopped waiting) in that week or the REACH - 1
weeks before it: the "recently active" pairs, which are the ones a forecast is made for. Every week with an event is
a row, so sums and rolling windows over the rows are exact; weeks without a row count as zero.
"""

from datetime import date, timedelta

import polars as pl

from logistics.calendar import week_start

KEYS = ["title_id", "branch_id", "week"]
COUNTS = ["loans", "returns", "res_placed", "res_left"]
REACH = 4


def weekly_loans(loans: pl.LazyFrame) -> pl.LazyFrame:
    return loans.group_by("title_id", "branch_id", week_start("loaned_at").alias("week")).agg(
        pl.len().cast(pl.Int32).alias("loans")
    )


def weekly_returns(loans: pl.LazyFrame) -> pl.LazyFrame:
    return (
        loans.filter(pl.col("returned_at").is_not_null() & pl.col("returned_branch_id").is_not_null())
        .group_by(
            "title_id", pl.col("returned_branch_id").alias("branch_id"), week_start("returned_at").alias("week")
        )
        .agg(pl.len().cast(pl.Int32).alias("returns"))
    )


def weekly_reservations_placed(reservations: pl.LazyFrame) -> pl.LazyFrame:
    return reservations.group_by("title_id", "branch_id", week_start("placed_at").alias("week")).agg(
        pl.len().cast(pl.Int32).alias("res_placed")
    )


def weekly_reservations_left(reservations: pl.LazyFrame) -> pl.LazyFrame:
    """Reservations that stopped waiting (got a copy, or were closed) per week."""
    return (
        reservations.filter(pl.col("left_waiting_at").is_not_null())
        .group_by("title_id", "branch_id", week_start("left_waiting_at").alias("week"))
        .agg(pl.len().cast(pl.Int32).alias("res_left"))
    )


def event_cells(loans: pl.LazyFrame, reservations: pl.LazyFrame, until: date | None = None) -> pl.LazyFrame:
    """Every (title, branch, week) with at least one event, and its four counts (0 where none)."""
    return (
        pl.concat(
            [
                weekly_loans(loans),
                weekly_returns(loans),
                weekly_reservations_placed(reservations),
                weekly_reservations_left(reservations),
            ],
            how="diagonal",
        )
        .filter(pl.lit(True) if until is None else pl.col("week") <= pl.lit(until))
        .group_by(KEYS)
        .agg([pl.col(c).sum().fill_null(0).cast(pl.Int32).alias(c) for c in COUNTS])
    )


def active_rows(cells: pl.LazyFrame, last_week: date, reach: int = REACH) -> pl.LazyFrame:
    """The panel's rows: each event week and the `reach - 1` weeks after it, up to `last_week`, with counts."""
    return (
        cells.select(
            "title_id",
            "branch_id",
            pl.concat_list([pl.col("week") + timedelta(weeks=k) for k in range(reach)]).alias("week"),
        )
        .explode("week")
        .filter(pl.col("week") <= pl.lit(last_week))
        .unique(KEYS)
        .join(cells, on=KEYS, how="left")
        .with_columns([pl.col(c).fill_null(0).alias(c) for c in COUNTS])
        .sort(KEYS)
    )


def _window(column: str, weeks: int) -> pl.Expr:
    """The sum of `column` over the pair's last `weeks` weeks up to and including this one."""
    return pl.col(column).rolling_sum_by("week", f"{weeks}w").over("title_id", "branch_id").cast(pl.Float32)


def with_history(panel: pl.LazyFrame) -> pl.LazyFrame:
    """Lags, rolling windows and reservations waiting at the end of the week, per title and branch.

    Needs rows sorted by title, branch and week (as `active_rows` leaves them).
    """
    return panel.with_columns(
        (_window("loans", 2) - pl.col("loans")).alias("loans_lag_1"),
        (_window("loans", 3) - _window("loans", 2)).alias("loans_lag_2"),
        _window("loans", 4).alias("loans_4w"),
        _window("loans", 13).alias("loans_13w"),
        _window("loans", 52).alias("loans_52w"),
        _window("returns", 4).alias("returns_4w"),
        _window("res_placed", 4).alias("res_placed_4w"),
        (pl.col("res_placed") - pl.col("res_left"))
        .cum_sum()
        .over("title_id", "branch_id")
        .clip(lower_bound=0)
        .cast(pl.Float32)
        .alias("res_waiting"),
        ((pl.col("week") - pl.col("week").min().over("title_id", "branch_id")).dt.total_days() // 7)
        .cast(pl.Float32)
        .alias("pair_age_weeks"),
    )


def with_title_totals(panel: pl.LazyFrame) -> pl.LazyFrame:
    """The title across branches this week: loans in the last four weeks (exact: every branch with a loan in that
    window has a row), reservations waiting (at branches with a row) and how many branches are active."""
    return panel.with_columns(
        pl.col("loans_4w").sum().over("title_id", "week").alias("title_loans_4w"),
        pl.col("res_waiting").sum().over("title_id", "week").alias("title_res_waiting"),
        pl.len().over("title_id", "week").cast(pl.Float32).alias("title_branches_active"),
    )


def with_future(panel: pl.LazyFrame, cells: pl.LazyFrame, horizons: int = 4) -> pl.LazyFrame:
    """Loans in each of the next weeks (`y_1`…, the targets) and a year before each (`seasonal_1`…)."""
    loans = cells.filter(pl.col("loans") > 0).select(KEYS + ["loans"])
    out = panel
    for h in range(1, horizons + 1):
        for name, shift in ((f"y_{h}", h), (f"seasonal_{h}", h - 52)):
            shifted = loans.select(
                "title_id",
                "branch_id",
                (pl.col("week") - timedelta(weeks=shift)).alias("week"),
                pl.col("loans").cast(pl.Float32).alias(name),
            )
            out = out.join(shifted, on=KEYS, how="left").with_columns(pl.col(name).fill_null(0.0).alias(name))
    return out
