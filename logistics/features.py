"""What is known about a title, its copies and its branch, joined onto the weekly panel.

The `with_*` functions keep the panel's row order (the pipeline joins them onto the rows' keys alone and puts the
result beside the weekly features, which is much cheaper than carrying every column through each join).
"""

from datetime import date

import polars as pl

from logistics.calendar import week_columns
from logistics.panel import BRANCH_UNIT, week_number, week_of
from materials.domain.states import Audience, ItemStatus, MaterialType

AUDIENCES = [a.value for a in Audience]
MATERIALS = [m.value for m in MaterialType]
GONE = [ItemStatus.MISSING.value, ItemStatus.WITHDRAWN.value]
AVAILABLE = [ItemStatus.ON_SHELF.value, ItemStatus.ON_DISPLAY.value]


def title_attributes(titles: pl.LazyFrame) -> pl.LazyFrame:
    """Titles as numbers a model can use: audience and material as codes, author as an id, the prior."""
    return titles.select(
        "title_id",
        pl.col("audience").replace_strict(AUDIENCES, range(len(AUDIENCES)), default=len(AUDIENCES))
        .cast(pl.Int8)
        .alias("audience_code"),
        pl.col("material_type").replace_strict(MATERIALS, range(len(MATERIALS)), default=len(MATERIALS))
        .cast(pl.Int8)
        .alias("material_code"),
        pl.col("author").rank("dense").cast(pl.Int32).alias("author_id"),
        pl.col("popularity").fill_null(0.0).log1p().cast(pl.Float32).alias("popularity_log"),
        pl.col("subjects").fill_null("").str.count_matches(";").add(1)
        .mul((pl.col("subjects").fill_null("").str.len_chars() > 0).cast(pl.Int8))
        .cast(pl.Int8)
        .alias("n_subjects"),
        pl.coalesce(
            pl.col("added_on"), pl.date(pl.col("year").fill_null(2000).clip(1900, 2100).cast(pl.Int32), 1, 1)
        ).alias("added_on"),
    )  # fmt: skip


def holdings(items: pl.LazyFrame) -> pl.LazyFrame:
    """Copies per title and branch as the items table stands now (held, and available on a shelf or display)."""
    return (
        items.filter(~pl.col("status").is_in(GONE))
        .group_by("title_id", "branch_id")
        .agg(
            pl.len().cast(pl.Float32).alias("copies_held"),
            pl.col("status").is_in(AVAILABLE).sum().cast(pl.Float32).alias("copies_available"),
        )
        .with_columns(pl.col("copies_held").sum().over("title_id").alias("copies_total"))
    )


def author_weeks(cells: pl.LazyFrame, titles: pl.LazyFrame, reach: int = 4) -> pl.LazyFrame:
    """Loans of all of an author's titles at all branches in the last four weeks, per author and week.

    Kept apart from the panel so that the panel can be built a batch of titles at a time. Each week's loans count
    in that week and the `reach - 1` after it, so summing the shifted copies gives the window.
    """
    author_week = pl.col("author_id").cast(pl.Int64) * BRANCH_UNIT + week_number(pl.col("week"))
    weekly = (
        cells.filter(pl.col("loans") > 0)
        .select("title_id", "week", "loans")
        .join(title_attributes(titles).select("title_id", "author_id"), on="title_id")
        .group_by(author_week.alias("key"))
        .agg(pl.col("loans").sum())
    )
    return (
        pl.concat([weekly.select(pl.col("key") + k, "loans") for k in range(reach)])
        .group_by("key")
        .agg(pl.col("loans").sum().cast(pl.Float32).alias("author_loans_4w"))
        .select(
            (pl.col("key") // BRANCH_UNIT).cast(pl.Int32).alias("author_id"),
            week_of(pl.col("key") % BRANCH_UNIT).alias("week"),
            "author_loans_4w",
        )
    )


def with_title_features(panel: pl.LazyFrame, attributes: pl.LazyFrame, authors: pl.LazyFrame) -> pl.LazyFrame:
    """Title attributes (`title_attributes`), the title's age in weeks, and its author's loans across branches
    (`author_weeks`)."""
    author_week = pl.col("author_id").cast(pl.Int64) * BRANCH_UNIT + week_number(pl.col("week"))
    return (
        panel.join(attributes, on="title_id", how="left", maintain_order="left")
        .with_columns(author_week.alias("author_week"))
        .join(
            authors.select(author_week.alias("author_week"), "author_loans_4w"),
            on="author_week",
            how="left",
            maintain_order="left",
        )
        .with_columns(
            ((pl.col("week") - pl.col("added_on")).dt.total_days() / 7)
            .clip(lower_bound=0)
            .cast(pl.Float32)
            .alias("title_age_weeks"),
            pl.col("author_loans_4w").fill_null(0.0).alias("author_loans_4w"),
        )
        .drop("added_on", "author_week")
    )


def with_holdings(panel: pl.LazyFrame, copies: pl.LazyFrame) -> pl.LazyFrame:
    """Copies held and available at the row's branch, and the title's copies anywhere (0 where none); `copies` as
    `holdings` gives them."""
    pair = pl.col("title_id").cast(pl.Int64) * BRANCH_UNIT + pl.col("branch_id").cast(pl.Int64)
    return (
        panel.with_columns(pair.alias("pair"))
        .join(
            copies.select(pair.alias("pair"), "copies_held", "copies_available"),
            on="pair",
            how="left",
            maintain_order="left",
        )
        .join(
            copies.select("title_id", "copies_total").unique("title_id"),
            on="title_id",
            how="left",
            maintain_order="left",
        )
        .with_columns(pl.col(c).fill_null(0.0).alias(c) for c in ("copies_held", "copies_available", "copies_total"))
        .drop("pair")
    )


def with_branch(panel: pl.LazyFrame, branches: pl.LazyFrame) -> pl.LazyFrame:
    return panel.join(
        branches.select("branch_id", pl.col("size").cast(pl.Float32).alias("branch_size")),
        on="branch_id",
        how="left",
        maintain_order="left",
    ).with_columns(pl.col("branch_size").fill_null(1.0).alias("branch_size"))


def with_calendar(panel: pl.LazyFrame, first: date, last: date) -> pl.LazyFrame:
    """Week of year and holiday flags of each row's week (`first` and `last` bound the weeks, for Easter)."""
    return panel.with_columns(week_columns("week", first, last))
