from datetime import date

import polars as pl
from polars.testing import assert_frame_equal

from logistics.features import holdings, title_attributes


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
