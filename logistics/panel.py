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
        .group_by("title_id", pl.col("returned_branch_id").alias("branch_id"), week_start("returned_at").alias("week"))
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
        pl.concat(
            [cells]
            + [
                cells.select(
                    "title_id",
                    "branch_id",
                    (pl.col("week") + timedelta(weeks=k)).alias("week"),
                    *[pl.lit(0, pl.Int32).alias(c) for c in COUNTS],
                )
                for k in range(1, reach)
            ]
        )
        .filter(pl.col("week") <= pl.lit(last_week))
        .group_by(KEYS)
        .agg([pl.col(c).sum().alias(c) for c in COUNTS])
        .sort(KEYS)
    )


# The panel is sorted by title, branch and week, so a pair's earlier and later weeks are its neighbouring rows.
# Looking a few rows back or ahead (and checking it is the same pair and the right week) is much cheaper than a
# grouped window or a join at the city demo's size.


def _same_pair(k: int) -> pl.Expr:
    same = (pl.col("title_id").shift(k) == pl.col("title_id")) & (pl.col("branch_id").shift(k) == pl.col("branch_id"))
    return same.fill_null(False)


def _weeks_away(column: str, weeks: int) -> pl.Expr:
    """`column` exactly `weeks` weeks later (negative: earlier) for the same pair, 0 where there is no such row."""
    shifts = range(-1, -weeks - 1, -1) if weeks > 0 else range(1, -weeks + 1)
    target = pl.col("week") + timedelta(weeks=weeks)
    return pl.sum_horizontal(
        pl.when(_same_pair(k) & (pl.col("week").shift(k) == target)).then(pl.col(column).shift(k)).otherwise(0)
        for k in shifts
    ).cast(pl.Float32)


def _recent(column: str, weeks: int) -> pl.Expr:
    """The sum of `column` over the pair's last `weeks` weeks, this one included (for short windows)."""
    since = pl.col("week") - timedelta(weeks=weeks)
    return (
        pl.col(column)
        + pl.sum_horizontal(
            pl.when(_same_pair(k) & (pl.col("week").shift(k) > since)).then(pl.col(column).shift(k)).otherwise(0)
            for k in range(1, weeks)
        )
    ).cast(pl.Float32)


def _window(column: str, weeks: int) -> pl.Expr:
    """The sum of `column` over the pair's last `weeks` weeks up to and including this one (long windows)."""
    return pl.col(column).rolling_sum_by("week", f"{weeks}w").over("title_id", "branch_id").cast(pl.Float32)


def _pair_start(value: pl.Expr) -> pl.Expr:
    """`value` at the pair's first row, carried down its rows."""
    return pl.when(~_same_pair(1)).then(value).forward_fill()


def with_history(panel: pl.LazyFrame) -> pl.LazyFrame:
    """Lags, rolling windows and reservations waiting at the end of the week, per title and branch.

    Needs rows sorted by title, branch and week (as `active_rows` leaves them).
    """
    change = pl.col("res_placed") - pl.col("res_left")
    return panel.with_columns(
        _weeks_away("loans", -1).alias("loans_lag_1"),
        _weeks_away("loans", -2).alias("loans_lag_2"),
        _recent("loans", 4).alias("loans_4w"),
        _window("loans", 13).alias("loans_13w"),
        _window("loans", 52).alias("loans_52w"),
        _recent("returns", 4).alias("returns_4w"),
        _recent("res_placed", 4).alias("res_placed_4w"),
        (change.cum_sum() - _pair_start(change.cum_sum() - change))
        .clip(lower_bound=0)
        .cast(pl.Float32)
        .alias("res_waiting"),
        ((pl.col("week") - _pair_start(pl.col("week"))).dt.total_days() // 7).cast(pl.Float32).alias("pair_age_weeks"),
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
    """Loans in each of the next weeks (`y_1`…, the targets) and a year before each (`seasonal_1`…).

    Targets come from the following rows (every week with a loan is a row); last year's loans by a join.
    """
    loans = cells.filter(pl.col("loans") > 0).select("title_id", "branch_id", "week", "loans")
    out = panel.with_columns(_weeks_away("loans", h).alias(f"y_{h}") for h in range(1, horizons + 1))
    for h in range(1, horizons + 1):
        name = f"seasonal_{h}"
        shifted = loans.select(
            "title_id",
            "branch_id",
            (pl.col("week") + timedelta(weeks=52 - h)).alias("week"),
            pl.col("loans").cast(pl.Float32).alias(name),
        )
        out = out.join(shifted, on=KEYS, how="left").with_columns(pl.col(name).fill_null(0.0).alias(name))
    return out
