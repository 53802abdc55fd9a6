from datetime import date

import polars as pl
from polars.testing import assert_frame_equal

from logistics.calendar import calendar_weeks
from logistics.features import author_weeks, holdings, title_attributes, with_calendar


def test_titles_become_codes_an_author_id_a_log_prior_and_a_subject_count():
    titles = pl.LazyFrame(
        {
            "title_id": pl.Series([1, 2], dtype=pl.Int32),
            "author": ["Olsen, Jussi Adler", "Andersen, H.C."],
            "subjects": ["krimi;dansk", ""],
            "audience": ["adult", "children"],
            "material_type": ["audiobook", "book"],
            "year": pl.Series([2010, 1850], dtype=pl.Int16),
            "added_on": [None, date(2020, 5, 1)],
            "popularity": pl.Series([0.0, 1.0], dtype=pl.Float32),
        }
    )
    got = title_attributes(titles).collect()
    expected = pl.DataFrame(
        {
            "title_id": pl.Series([1, 2], dtype=pl.Int32),
            "audience_code": pl.Series([0, 1], dtype=pl.Int8),
            "material_code": pl.Series([1, 0], dtype=pl.Int8),
            "author_id": pl.Series([2, 1], dtype=pl.Int32),
            "popularity_log": pl.Series([0.0, 0.6931472], dtype=pl.Float32),
            "n_subjects": pl.Series([2, 0], dtype=pl.Int8),
            "added_on": [date(2010, 1, 1), date(2020, 5, 1)],
        }
    )
    assert_frame_equal(got, expected)


def test_holdings_count_copies_held_and_available_but_not_missing_ones():
    items = pl.LazyFrame(
        {
            "title_id": pl.Series([1, 1, 1, 1, 2], dtype=pl.Int32),
            "branch_id": pl.Series([1, 1, 1, 2, 1], dtype=pl.Int16),
            "status": ["on_shelf", "on_loan", "missing", "on_display", "on_loan"],
        }
    )
    got = holdings(items).sort("title_id", "branch_id").collect()
    expected = pl.DataFrame(
        {
            "title_id": pl.Series([1, 1, 2], dtype=pl.Int32),
            "branch_id": pl.Series([1, 2, 1], dtype=pl.Int16),
            "copies_held": pl.Series([2.0, 1.0, 1.0], dtype=pl.Float32),
            "copies_available": pl.Series([1.0, 1.0, 0.0], dtype=pl.Float32),
            "copies_total": pl.Series([3.0, 3.0, 1.0], dtype=pl.Float32),
        }
    )
    assert_frame_equal(got, expected)


def test_an_authors_loans_count_in_that_week_and_the_three_after_it():
    titles = pl.LazyFrame(
        {
            "title_id": pl.Series([1, 2, 3], dtype=pl.Int32),
            "author": ["Blixen, Karen", "Blixen, Karen", "Ditlevsen, Tove"],
            "subjects": ["", "", ""],
            "audience": ["adult"] * 3,
            "material_type": ["book"] * 3,
            "year": pl.Series([1937, 1942, 1967], dtype=pl.Int16),
            "added_on": [None, None, None],
            "popularity": pl.Series([1.0, 1.0, 1.0], dtype=pl.Float32),
        }
    )
    monday = [date(2025, 3, 3), date(2025, 3, 10), date(2025, 3, 17), date(2025, 4, 7)]
    cells = pl.LazyFrame(
        {
            "title_id": pl.Series([1, 2, 2, 3], dtype=pl.Int32),
            "branch_id": pl.Series([1, 2, 1, 1], dtype=pl.Int16),
            "week": [monday[0], monday[0], monday[1], monday[1]],
            "loans": pl.Series([2, 3, 1, 5], dtype=pl.Int32),
        }
    )
    got = author_weeks(cells, titles).sort("author_id", "week").collect()
    weeks = [monday[0], monday[1], monday[2], date(2025, 3, 24), date(2025, 3, 31)]
    expected = pl.DataFrame(
        {
            "author_id": pl.Series([1] * 5 + [2] * 4, dtype=pl.Int32),
            "week": weeks + weeks[1:],
            "author_loans_4w": pl.Series([5.0, 6.0, 6.0, 6.0, 1.0, 5.0, 5.0, 5.0, 5.0], dtype=pl.Float32),
        }
    )
    assert_frame_equal(got, expected)
    assert monday[3] not in got["week"].to_list()


def test_calendar_columns_on_the_panel_match_the_calendar_of_its_weeks():
    weeks = pl.LazyFrame({"week": [date(2025, 4, 14), date(2025, 2, 10), date(2025, 7, 7), date(2025, 12, 15)]})
    got = with_calendar(weeks, date(2025, 2, 10), date(2025, 12, 15)).collect()
    expected = weeks.join(calendar_weeks(date(2025, 2, 10), date(2025, 12, 15)), on="week", maintain_order="left")
    assert_frame_equal(got, expected.collect())
    assert got["is_easter"].to_list() == [True, False, False, False]
