"""The whole pipeline on the small demo against a stored answer (set MATERIALS_REGEN_ANSWERS=1 to rewrite it)."""

import os
from pathlib import Path

import polars as pl
from polars.testing import assert_frame_equal

ANSWER = Path(__file__).parent / "answers" / "small_demo_panel_by_week.csv"


def weekly_summary(panel: pl.DataFrame) -> pl.DataFrame:
    """Per week: rows, and the sum of every numeric column, rounded (a fingerprint of the whole panel)."""
    numeric = [c for c, t in panel.schema.items() if t.is_numeric() and c not in ("title_id", "branch_id")]
    return (
        panel.group_by("week")
        .agg(pl.len().alias("rows"), *[pl.col(c).cast(pl.Float64).sum().round(3).alias(c) for c in numeric])
        .sort("week")
    )


def test_the_small_demo_panel_matches_the_stored_answer(small_panel: pl.DataFrame) -> None:
    got = weekly_summary(small_panel)
    if os.environ.get("MATERIALS_REGEN_ANSWERS") == "1":
        ANSWER.parent.mkdir(exist_ok=True)
        got.write_csv(ANSWER)
    expected = pl.read_csv(ANSWER, try_parse_dates=True)
    assert_frame_equal(got, expected, check_dtypes=False, rel_tol=1e-6)


def test_the_panel_has_one_row_per_title_branch_and_week(small_panel: pl.DataFrame) -> None:
    assert small_panel.select(pl.struct("title_id", "branch_id", "week").is_unique().all()).item()
    assert small_panel.null_count().sum_horizontal().item() == 0


def test_the_panel_built_in_batches_equals_the_panel_built_at_once(small_history, small_panel, tmp_path) -> None:
    from logistics.pipeline import scan_panel, write_panel

    folder = write_panel(small_history, tmp_path / "panel", batches=3)
    batched = scan_panel(folder).sort("title_id", "branch_id", "week").collect()
    assert_frame_equal(batched, small_panel)


def test_ids_that_do_not_fit_the_panel_key_are_refused_with_the_value(small_history) -> None:
    from dataclasses import replace
    from datetime import date

    import pytest

    from logistics.pipeline import prepare

    bad = replace(small_history, loans=small_history.loans.with_columns(pl.lit(-7, pl.Int32).alias("title_id")))
    with pytest.raises(ValueError, match=r"title ids must lie in 0…536870911, found -7"):
        prepare(bad, date(2026, 11, 16))
    wide = replace(
        small_history, reservations=small_history.reservations.with_columns(pl.lit(70_000).alias("branch_id"))
    )
    with pytest.raises(ValueError, match="branch ids must lie in 0…65535"):
        prepare(wide, date(2026, 11, 16))
