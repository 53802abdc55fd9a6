"""The weekly title × branch panel: event counts, and which (title, branch, week) rows exist at all.

The panel is sparse on purpose. A dense panel of the city demo (≈ 150 k titles × 22 branches × 156 weeks ≈ 515 M
rows) would not fit in memory, and almost all of it would be zeros. A row exists for a title at a branch in a week
when the pair had any event (loan, return, reservation placed or stopped waiting) in that week or the REACH - 1
weeks before it: the "recently active" pairs, which are the ones a forecast is made for. Every week with an event is
a row, so sums and rolling windows over the rows are exact; weeks without a row count as zero.

Speed: a row's title, branch and week packed into one integer (`row_key`: title · 2³² + branch · 2¹⁶ + week number)
sort in (title, branch, week) order, the next week of a pair is key + 1, and two pairs' keys lie more than 2¹⁵
apart (for weeks from 1970 to 2598; `logistics.pipeline.check_keys` checks that the ids fit). So lags, leads and
rolling windows are shifts and integer-window sums over the sorted rows, never a grouped window or a join.
"""

from datetime import date

import polars as pl

KEYS = ["title_id", "branch_id", "week"]
COUNTS = ["loans", "returns", "res_placed", "res_left"]
REACH = 4
TITLE_UNIT = 2**32
BRANCH_UNIT = 2**16


def week_number(value: pl.Expr) -> pl.Expr:
    """The week a timestamp (in UTC) or date falls in, counted in Mondays since 29 December 1969, as Int32."""
    return ((value.cast(pl.Date).cast(pl.Int32) + 3) // 7).cast(pl.Int32)


def week_of(number: pl.Expr) -> pl.Expr:
    """The Monday of a week number, as a Date."""
    return (number * 7 - 3).cast(pl.Int32).cast(pl.Date)


def weeks_since_epoch(day: date) -> int:
    return (day.toordinal() - date(1970, 1, 1).toordinal() + 3) // 7


def row_key(title: pl.Expr, branch: pl.Expr, week: pl.Expr) -> pl.Expr:
    """Title, branch and week number in one Int64 that sorts like the three (ids and weeks are below 2¹⁶ weeks)."""
    return title.cast(pl.Int64) * TITLE_UNIT + branch.cast(pl.Int64) * BRANCH_UNIT + week.cast(pl.Int64)


def _key() -> pl.Expr:
    return row_key(pl.col("title_id"), pl.col("branch_id"), week_number(pl.col("week")))


def _events(frame: pl.LazyFrame, branch: str, at: str, kind: int, until: int | None) -> pl.LazyFrame:
    """One kind of event as `key · 4 + kind` (the key of its title, branch and week, and which count it adds to)."""
    week = week_number(pl.col(at))
    keep = pl.col(at).is_not_null() & pl.col(branch).is_not_null()
    if until is not None:
        keep = keep & (week <= until)
    return frame.filter(keep).select((row_key(pl.col("title_id"), pl.col(branch), week) * 4 + kind).alias("event"))


def event_cells(loans: pl.LazyFrame, reservations: pl.LazyFrame, until: date | None = None) -> pl.LazyFrame:
    """Every (title, branch, week) with at least one event, its four counts (0 where none), sorted by the keys.

    The events are sorted (one integer each) rather than grouped: at the city demo's 16 M cells from 22 M events a
    sort and running totals are several times cheaper than a hash table. A cell's counts are the running totals at
    its last event less those at the previous cell's last event.
    """
    last = None if until is None else weeks_since_epoch(until)
    events = pl.concat(
        [
            _events(loans, "branch_id", "loaned_at", 0, last),
            _events(loans, "returned_branch_id", "returned_at", 1, last),
            _events(reservations, "branch_id", "placed_at", 2, last),
            _events(reservations, "branch_id", "left_waiting_at", 3, last),
        ]
    )
    key = pl.col("event") // 4
    return (
        events.sort("event")
        .select(
            key.alias("key"),
            *[(pl.col("event") % 4 == i).cum_sum().cast(pl.Int32).alias(c) for i, c in enumerate(COUNTS)],
        )
        .filter((pl.col("key") != pl.col("key").shift(-1)).fill_null(True))
        .select(
            (pl.col("key") // TITLE_UNIT).cast(pl.Int32).alias("title_id"),
            (pl.col("key") // BRANCH_UNIT % BRANCH_UNIT).cast(pl.Int16).alias("branch_id"),
            week_of(pl.col("key") % BRANCH_UNIT).alias("week"),
            *[(pl.col(c) - pl.col(c).shift(1).fill_null(0)).alias(c) for c in COUNTS],
        )
    )


def active_rows(cells: pl.LazyFrame, last_week: date, reach: int = REACH) -> pl.LazyFrame:
    """The panel's rows: each event week and the `reach - 1` weeks after it, up to `last_week`, with counts.

    Needs cells sorted by title, branch and week (as `event_cells` leaves them); the rows come out sorted too. Each
    cell stands for itself and the weeks after it up to the pair's next cell, at most `reach` weeks in all.
    """
    key = _key()
    span = pl.min_horizontal(
        pl.lit(reach, pl.Int64),
        (key.shift(-1) - key).fill_null(reach),
        weeks_since_epoch(last_week) - week_number(pl.col("week")) + 1,
    )
    first = pl.col("offset") == 0
    return (
        cells.filter(pl.col("week") <= last_week)
        .with_columns(pl.int_ranges(0, span, dtype=pl.Int32).alias("offset"))
        .explode("offset")
        .select(
            "title_id",
            "branch_id",
            (pl.col("week").cast(pl.Int32) + pl.col("offset") * 7).cast(pl.Date).alias("week"),
            *[pl.when(first).then(pl.col(c)).otherwise(0).cast(pl.Int32).alias(c) for c in COUNTS],
        )
    )


# The functions below need rows sorted by title, branch and week (as `active_rows` leaves them). Each adds the
# rows' key as a column flagged sorted, so that windows over it are computed in one pass without sorting again.
_K = "_key"


def _keyed(panel: pl.LazyFrame) -> pl.LazyFrame:
    return panel.with_columns(_key().set_sorted().alias(_K))


def _ahead(column: str, weeks: int) -> pl.Expr:
    """`column` exactly `weeks` weeks later (negative: earlier) for the same pair, 0 where there is no such row.

    The row holding it is at most |weeks| rows away, since the pair has at most one row a week.
    """
    key, value = pl.col(_K), pl.col(column)
    shifts = [-j for j in range(1, weeks + 1)] if weeks > 0 else list(range(1, 1 - weeks))
    return pl.coalesce(*[pl.when(key.shift(k) == key + weeks).then(value.shift(k)) for k in shifts], pl.lit(0)).cast(
        pl.Float32
    )


def _window(column: str, weeks: int) -> pl.Expr:
    """The sum of `column` over the pair's last `weeks` weeks, this one included (exact: keys of pairs lie apart)."""
    return pl.col(column).rolling_sum_by(_K, f"{weeks}i")


def _pair_start(value: pl.Expr) -> pl.Expr:
    """`value` at the pair's first row, carried down its rows."""
    pair = pl.col(_K) // BRANCH_UNIT
    return pl.when((pair.shift(1) != pair).fill_null(True)).then(value).forward_fill()


def with_history(panel: pl.LazyFrame) -> pl.LazyFrame:
    """Lags, rolling windows and reservations waiting at the end of the week, per title and branch."""
    change = (pl.col("res_placed") - pl.col("res_left")).cast(pl.Int64)
    return (
        _keyed(panel)
        .with_columns(
            _ahead("loans", -1).alias("loans_lag_1"),
            _ahead("loans", -2).alias("loans_lag_2"),
            _window("loans", 4).cast(pl.Float32).alias("loans_4w"),
            _window("loans", 13).cast(pl.Float32).alias("loans_13w"),
            _window("loans", 52).cast(pl.Float32).alias("loans_52w"),
            _window("returns", 4).cast(pl.Float32).alias("returns_4w"),
            _window("res_placed", 4).cast(pl.Float32).alias("res_placed_4w"),
            (change.cum_sum() - _pair_start(change.cum_sum() - change))
            .clip(lower_bound=0)
            .cast(pl.Float32)
            .alias("res_waiting"),
            (pl.col(_K) - _pair_start(pl.col(_K))).cast(pl.Float32).alias("pair_age_weeks"),
        )
        .drop(_K)
    )


def with_title_totals(panel: pl.LazyFrame) -> pl.LazyFrame:
    """The title across branches this week: loans in the last four weeks (exact: every branch with a loan in that
    window has a row), reservations waiting (at branches with a row) and how many branches are active."""
    title_week = row_key(pl.col("title_id"), pl.lit(0), week_number(pl.col("week")))
    return (
        panel.with_columns(title_week.alias(_K))
        .with_columns(
            pl.col("loans_4w").sum().over(_K).alias("title_loans_4w"),
            pl.col("res_waiting").sum().over(_K).alias("title_res_waiting"),
            pl.len().over(_K).cast(pl.Float32).alias("title_branches_active"),
        )
        .drop(_K)
    )


def with_future(panel: pl.LazyFrame, horizons: int = 4) -> pl.LazyFrame:
    """Loans in each of the next weeks (`y_1`…, the targets) and a year before each (`seasonal_1`…).

    Needs the rows of `active_rows` (every week with a loan is a row). Last year's loans in one week are the
    difference of two rolling sums that end this week: over 53 - h weeks and over 52 - h weeks.
    """
    return (
        _keyed(panel)
        .with_columns(
            *[_ahead("loans", h).alias(f"y_{h}") for h in range(1, horizons + 1)],
            *[
                (_window("loans", 53 - h) - _window("loans", 52 - h)).cast(pl.Float32).alias(f"seasonal_{h}")
                for h in range(1, horizons + 1)
            ],
        )
        .drop(_K)
    )
