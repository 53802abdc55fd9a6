from datetime import UTC, date, datetime

import polars as pl
from polars.testing import assert_frame_equal

from logistics.panel import (
    active_rows,
    event_cells,
    row_key,
    week_number,
    week_of,
    with_future,
    with_history,
    with_title_totals,
)

MON = date(2025, 3, 3)


def week(n: int) -> date:
    return date.fromordinal(MON.toordinal() + 7 * n)


def at(n: int, day: int = 2) -> datetime:
    return datetime.combine(date.fromordinal(week(n).toordinal() + day), datetime.min.time(), UTC)


def loans(rows: list[tuple[int, int, int, int | None, int | None]]) -> pl.LazyFrame:
    """(title, branch, loan week, return week, return branch)."""
    return pl.LazyFrame(
        {
            "title_id": pl.Series([r[0] for r in rows], dtype=pl.Int32),
            "branch_id": pl.Series([r[1] for r in rows], dtype=pl.Int16),
            "loaned_at": [at(r[2]) for r in rows],
            "returned_at": [at(r[3]) if r[3] is not None else None for r in rows],
            "returned_branch_id": pl.Series([r[4] for r in rows], dtype=pl.Int16),
        }
    )


def reservations(rows: list[tuple[int, int, int, int | None]]) -> pl.LazyFrame:
    """(title, pickup branch, week placed, week it stopped waiting)."""
    return pl.LazyFrame(
        {
            "title_id": pl.Series([r[0] for r in rows], dtype=pl.Int32),
            "branch_id": pl.Series([r[1] for r in rows], dtype=pl.Int16),
            "placed_at": [at(r[2]) for r in rows],
            "left_waiting_at": [at(r[3]) if r[3] is not None else None for r in rows],
        }
    )


def cells_frame(rows: list[tuple[int, int, int, int, int, int, int]]) -> pl.DataFrame:
    """(title, branch, week, loans, returns, placed, left)."""
    return pl.DataFrame(
        {
            "title_id": pl.Series([r[0] for r in rows], dtype=pl.Int32),
            "branch_id": pl.Series([r[1] for r in rows], dtype=pl.Int16),
            "week": [week(r[2]) for r in rows],
            **{
                name: pl.Series([r[3 + i] for r in rows], dtype=pl.Int32)
                for i, name in enumerate(["loans", "returns", "res_placed", "res_left"])
            },
        }
    )


def test_event_cells_count_loans_returns_and_reservations_per_title_branch_and_week():
    history = loans([(1, 1, 0, 2, 2), (1, 1, 0, None, None), (2, 1, 1, 1, 1)])
    holds = reservations([(1, 2, 0, 1), (1, 2, 0, None)])
    got = event_cells(history, holds).sort("title_id", "branch_id", "week").collect()
    expected = cells_frame(
        [(1, 1, 0, 2, 0, 0, 0), (1, 2, 0, 0, 0, 2, 0), (1, 2, 1, 0, 0, 0, 1), (1, 2, 2, 0, 1, 0, 0),
         (2, 1, 1, 1, 1, 0, 0)]
    )  # fmt: skip
    assert_frame_equal(got, expected)


def test_a_pair_stays_in_the_panel_for_the_weeks_after_an_event_and_no_longer():
    cells = cells_frame([(1, 1, 0, 3, 0, 0, 0), (1, 1, 6, 1, 0, 0, 0)])
    got = active_rows(cells.lazy(), last_week=week(7), reach=2).collect()
    expected = cells_frame([(1, 1, 0, 3, 0, 0, 0), (1, 1, 1, 0, 0, 0, 0), (1, 1, 6, 1, 0, 0, 0), (1, 1, 7, 0, 0, 0, 0)])
    assert_frame_equal(got, expected)


def test_lags_and_windows_count_missing_weeks_as_zero():
    rows = cells_frame([(1, 1, 0, 3, 0, 0, 0), (1, 1, 1, 0, 0, 0, 0), (1, 1, 6, 1, 0, 0, 0), (1, 1, 7, 2, 0, 0, 0)])
    got = with_history(rows.lazy()).select("week", "loans_lag_1", "loans_lag_2", "loans_4w", "loans_13w").collect()
    expected = pl.DataFrame(
        {
            "week": [week(0), week(1), week(6), week(7)],
            "loans_lag_1": [0.0, 3.0, 0.0, 1.0],
            "loans_lag_2": [0.0, 0.0, 0.0, 0.0],
            "loans_4w": [3.0, 3.0, 1.0, 3.0],
            "loans_13w": [3.0, 3.0, 4.0, 6.0],
        },
        schema_overrides={c: pl.Float32 for c in ["loans_lag_1", "loans_lag_2", "loans_4w", "loans_13w"]},
    )
    assert_frame_equal(got, expected)


def test_reservations_waiting_add_up_what_was_placed_less_what_got_a_copy():
    rows = cells_frame([(1, 1, 0, 0, 0, 2, 0), (1, 1, 1, 0, 0, 1, 1), (1, 1, 2, 0, 0, 0, 2)])
    got = with_history(rows.lazy()).select("res_waiting").collect()
    assert got["res_waiting"].to_list() == [2.0, 2.0, 0.0]


def test_title_totals_sum_the_branches_active_that_week():
    rows = with_history(cells_frame([(1, 1, 0, 2, 0, 1, 0), (1, 2, 0, 1, 0, 0, 0), (2, 1, 0, 5, 0, 0, 0)]).lazy())
    got = with_title_totals(rows).select("title_id", "title_loans_4w", "title_res_waiting", "title_branches_active")
    expected = pl.DataFrame(
        {"title_id": pl.Series([1, 1, 2], dtype=pl.Int32), "title_loans_4w": [3.0, 3.0, 5.0],
         "title_res_waiting": [1.0, 1.0, 0.0], "title_branches_active": [2.0, 2.0, 1.0]},
        schema_overrides={"title_loans_4w": pl.Float32, "title_res_waiting": pl.Float32,
                          "title_branches_active": pl.Float32},
    )  # fmt: skip
    assert_frame_equal(got.collect(), expected)


def test_targets_are_the_loans_of_the_next_weeks_and_seasonal_naive_is_a_year_back():
    cells = cells_frame([(1, 1, 0, 4, 0, 0, 0), (1, 1, 53, 7, 0, 0, 0), (1, 1, 54, 1, 0, 0, 0), (1, 1, 55, 2, 0, 0, 0)])
    got = (
        with_future(cells.lazy(), horizons=2)
        .filter(pl.col("week") == week(53))
        .select("y_1", "y_2", "seasonal_1", "seasonal_2")
        .collect()
    )
    expected = pl.DataFrame(
        {"y_1": [1.0], "y_2": [2.0], "seasonal_1": [0.0], "seasonal_2": [0.0]},
        schema_overrides={c: pl.Float32 for c in ["y_1", "y_2", "seasonal_1", "seasonal_2"]},
    )
    assert_frame_equal(got, expected)
    rows = pl.concat([cells, cells_frame([(1, 1, 51, 0, 0, 0, 0)])]).sort("title_id", "branch_id", "week")
    got = with_future(rows.lazy(), horizons=1).filter(pl.col("week") == week(51)).select("y_1", "seasonal_1").collect()
    assert got.row(0) == (0.0, 4.0)


def test_week_numbers_count_mondays_in_utc_and_keys_sort_like_title_branch_and_week():
    stamps = pl.Series([datetime(2025, 3, 2, 23, 59, tzinfo=UTC), datetime(2025, 3, 3, 0, 0, tzinfo=UTC)])
    frame = pl.DataFrame({"at": stamps, "day": [date(1970, 1, 4), date(1970, 1, 5)]})
    got = frame.select(week_of(week_number(pl.col("at"))).alias("monday"), week_number(pl.col("day")).alias("n"))
    assert got["monday"].to_list() == [date(2025, 2, 24), date(2025, 3, 3)]
    assert got["n"].to_list() == [0, 1]
    keys = pl.DataFrame({"t": [2, 1, 1, 1], "b": [0, 3, 2, 2], "w": [0, 0, 9, 8]}).select(
        row_key(pl.col("t"), pl.col("b"), pl.col("w")).alias("k")
    )
    assert keys["k"].arg_sort().to_list() == [3, 2, 1, 0]


def test_event_cells_leave_out_events_after_the_last_week():
    history = loans([(1, 1, 0, 3, 1), (1, 1, 3, None, None)])
    got = event_cells(history, reservations([(1, 1, 1, 3)]), until=week(2)).collect()
    expected = cells_frame([(1, 1, 0, 1, 0, 0, 0), (1, 1, 1, 0, 0, 1, 0)])
    assert_frame_equal(got, expected)


def test_a_pair_never_reaches_into_the_next_pair_or_past_the_last_week():
    cells = cells_frame([(1, 1, 5, 1, 0, 0, 0), (1, 2, 0, 0, 1, 0, 0), (2, 1, 6, 0, 0, 1, 0)])
    got = active_rows(cells.lazy(), last_week=week(7), reach=4).collect()
    expected = cells_frame(
        [(1, 1, 5, 1, 0, 0, 0), (1, 1, 6, 0, 0, 0, 0), (1, 1, 7, 0, 0, 0, 0), (1, 2, 0, 0, 1, 0, 0),
         (1, 2, 1, 0, 0, 0, 0), (1, 2, 2, 0, 0, 0, 0), (1, 2, 3, 0, 0, 0, 0), (2, 1, 6, 0, 0, 1, 0),
         (2, 1, 7, 0, 0, 0, 0)]
    )  # fmt: skip
    assert_frame_equal(got, expected)


def test_windows_lags_and_targets_stop_at_the_pair():
    rows = cells_frame([(1, 1, 0, 5, 0, 0, 0), (1, 1, 1, 0, 0, 0, 0), (1, 2, 2, 1, 0, 0, 0), (2, 1, 3, 7, 0, 0, 0)])
    got = with_future(with_history(rows.lazy()), horizons=1).select(
        "loans_lag_1", "loans_4w", "pair_age_weeks", "y_1", "res_waiting"
    )
    expected = pl.DataFrame(
        {"loans_lag_1": [0.0, 5.0, 0.0, 0.0], "loans_4w": [5.0, 5.0, 1.0, 7.0], "pair_age_weeks": [0.0, 1.0, 0.0, 0.0],
         "y_1": [0.0, 0.0, 0.0, 0.0], "res_waiting": [0.0, 0.0, 0.0, 0.0]},
        schema=dict.fromkeys(["loans_lag_1", "loans_4w", "pair_age_weeks", "y_1", "res_waiting"], pl.Float32),
    )  # fmt: skip
    assert_frame_equal(got.collect(), expected)


def test_seasonal_naive_is_the_loans_of_exactly_that_week_a_year_back():
    rows = cells_frame([(1, 1, 0, 4, 0, 0, 0), (1, 1, 1, 6, 0, 0, 0), (1, 1, 2, 0, 0, 0, 0), (1, 1, 52, 1, 0, 0, 0)])
    got = with_future(rows.lazy(), horizons=2).filter(pl.col("week") == week(52)).select("seasonal_1", "seasonal_2")
    assert got.collect().row(0) == (6.0, 0.0)
