from datetime import UTC, datetime

import polars as pl
from polars.testing import assert_frame_equal

from logistics.clean import drop_impossible_loans, drop_repeated_scans, drop_test_items


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, day, hour, minute, tzinfo=UTC)


def test_a_copy_scanned_twice_at_the_desk_is_one_loan():
    loans = pl.LazyFrame({"item_id": [1, 1, 1, 2], "loaned_at": [at(3, 10), at(3, 10, 4), at(20, 9), at(3, 10, 1)]})
    expected = pl.DataFrame({"item_id": [1, 1, 2], "loaned_at": [at(3, 10), at(20, 9), at(3, 10, 1)]})
    assert_frame_equal(drop_repeated_scans(loans).collect(), expected)


def test_loans_of_test_copies_are_dropped():
    items = pl.LazyFrame({"item_id": [1, 2, 3], "barcode": ["3000000001", "TEST-0002", "tst3"]})
    loans = pl.LazyFrame({"item_id": [1, 2, 3, 1], "title_id": [10, 10, 11, 10]})
    assert_frame_equal(drop_test_items(loans, items).collect(), pl.DataFrame({"item_id": [1, 1], "title_id": [10, 10]}))


def test_a_return_before_the_loan_is_forgotten_but_the_loan_is_kept():
    loans = pl.LazyFrame(
        {
            "loaned_at": [at(3, 10), at(3, 10)],
            "returned_at": [at(2, 9), at(10, 9)],
            "returned_branch_id": pl.Series([4, 5], dtype=pl.Int16),
        }
    )
    expected = pl.DataFrame(
        {
            "loaned_at": [at(3, 10), at(3, 10)],
            "returned_at": [None, at(10, 9)],
            "returned_branch_id": pl.Series([None, 5], dtype=pl.Int16),
        }
    )
    assert_frame_equal(drop_impossible_loans(loans).collect(), expected)
