"""Cleaning the history before it becomes demand: repeated scans, test items and impossible rows."""

from datetime import timedelta

import polars as pl

# Two loans of one copy this close together are the desk scanning it twice, not two patrons.
REPEATED_SCAN = timedelta(minutes=10)
# Copies that exist only for testing the machines: barcodes such as "TEST-0001" or "tst42".
TEST_BARCODE = r"(?i)^(test|tst)"


def test_items(items: pl.LazyFrame) -> pl.LazyFrame:
    """The ids of copies that are there for testing, not lending."""
    return items.filter(pl.col("barcode").str.contains(TEST_BARCODE)).select("item_id")


def drop_test_items(events: pl.LazyFrame, items: pl.LazyFrame) -> pl.LazyFrame:
    """Events of every copy except the test copies."""
    return events.join(test_items(items), on="item_id", how="anti")


def drop_repeated_scans(loans: pl.LazyFrame) -> pl.LazyFrame:
    """Keep the first of several loans of one copy within REPEATED_SCAN of each other.

    Sorted by copy and time, a copy's previous loan is the row before (no grouped window needed).
    """
    same_copy = pl.col("item_id").shift(1) == pl.col("item_id")
    soon = pl.col("loaned_at") - pl.col("loaned_at").shift(1) < REPEATED_SCAN
    return loans.sort("item_id", "loaned_at").filter(~(same_copy & soon).fill_null(False))


def drop_impossible_loans(loans: pl.LazyFrame) -> pl.LazyFrame:
    """Loans returned before they were lent are clock errors: keep the loan, forget the return."""
    return loans.with_columns(
        pl.when(pl.col("returned_at") >= pl.col("loaned_at")).then(pl.col("returned_at")).alias("returned_at"),
        pl.when(pl.col("returned_at") >= pl.col("loaned_at"))
        .then(pl.col("returned_branch_id"))
        .alias("returned_branch_id"),
    )


def drop_impossible_reservations(reservations: pl.LazyFrame) -> pl.LazyFrame:
    """A reservation that stopped waiting before it was placed keeps its placement only."""
    return reservations.with_columns(
        pl.when(pl.col("left_waiting_at") >= pl.col("placed_at"))
        .then(pl.col("left_waiting_at"))
        .alias("left_waiting_at")
    )


def clean_loans(loans: pl.LazyFrame, items: pl.LazyFrame) -> pl.LazyFrame:
    return drop_impossible_loans(drop_repeated_scans(drop_test_items(loans, items)))
