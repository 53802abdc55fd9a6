"""Cold start: expected weekly loans at each branch for a title with no history yet.

Learnt from the first four weeks of titles added inside the data window, from what is known before a title's
first loan: audience, material, number of subjects, the popularity prior, how well the author's other titles lend,
and the branch.
"""

from datetime import date, timedelta
from typing import Any

import numpy as np
import polars as pl
from sklearn.ensemble import HistGradientBoostingRegressor

from logistics.features import title_attributes

COLD_FEATURES = ["audience_code", "material_code", "n_subjects", "popularity_log", "author_prior", "branch_id",
                 "branch_size"]  # fmt: skip
COLD_CATEGORICAL = ["audience_code", "material_code", "branch_id"]
FIRST_WEEKS = 4


def author_prior(titles: pl.LazyFrame, cells: pl.LazyFrame) -> pl.LazyFrame:
    """Per title: the mean loans per title of the author's *other* titles (leave-one-out, so no self-leak)."""
    per_title = cells.group_by("title_id").agg(pl.col("loans").sum().cast(pl.Float64).alias("title_loans"))
    return (
        title_attributes(titles)
        .select("title_id", "author_id")
        .join(per_title, on="title_id", how="left")
        .with_columns(pl.col("title_loans").fill_null(0.0).alias("title_loans"))
        .with_columns(
            (
                (pl.col("title_loans").sum().over("author_id") - pl.col("title_loans"))
                / (pl.len().over("author_id") - 1).clip(lower_bound=1)
            )
            .cast(pl.Float32)
            .alias("author_prior")
        )
        .select("title_id", "author_prior")
    )


def cold_rows(titles: pl.LazyFrame, branches: pl.LazyFrame, cells: pl.LazyFrame) -> pl.LazyFrame:
    """Every title × branch with the cold-start features (targets are joined separately)."""
    return (
        title_attributes(titles)
        .join(author_prior(titles, cells), on="title_id", how="left")
        .join(branches.select("branch_id", pl.col("size").cast(pl.Float32).alias("branch_size")), how="cross")
    )


def cold_training_rows(
    titles: pl.LazyFrame, branches: pl.LazyFrame, cells: pl.LazyFrame, first: date, last: date
) -> pl.LazyFrame:
    """Titles added between `first` and four weeks before `last`, with loans per week in their first weeks."""
    added = title_attributes(titles).filter(pl.col("added_on").is_between(first, last - timedelta(weeks=FIRST_WEEKS)))
    first_loans = (
        cells.join(added.select("title_id", "added_on"), on="title_id")
        .filter(
            (pl.col("week") >= pl.col("added_on") - timedelta(days=6))
            & (pl.col("week") < pl.col("added_on") + timedelta(weeks=FIRST_WEEKS))
        )
        .group_by("title_id", "branch_id")
        .agg((pl.col("loans").sum() / FIRST_WEEKS).cast(pl.Float64).alias("weekly_loans"))
    )
    return (
        cold_rows(titles, branches, cells)
        .join(added.select("title_id"), on="title_id", how="semi")
        .join(first_loans, on=["title_id", "branch_id"], how="left")
        .with_columns(pl.col("weekly_loans").fill_null(0.0).alias("weekly_loans"))
    )


def fit_cold_start(rows: pl.DataFrame, params: dict[str, Any]) -> HistGradientBoostingRegressor | None:
    if rows.height < 50 or float(rows["weekly_loans"].sum()) == 0.0:
        return None
    sample = rows.sample(n=min(rows.height, int(params.get("max_rows", 200_000))), seed=int(params["random_state"]))
    regressor = HistGradientBoostingRegressor(
        loss="poisson",
        max_iter=150,
        learning_rate=0.08,
        categorical_features=[f in COLD_CATEGORICAL for f in COLD_FEATURES],
        random_state=int(params["random_state"]),
    )
    regressor.fit(sample.select(pl.col(COLD_FEATURES).cast(pl.Float32)).to_numpy(), sample["weekly_loans"].to_numpy())
    return regressor


def predict_cold(regressor: HistGradientBoostingRegressor | None, rows: pl.DataFrame) -> np.ndarray:
    """Expected loans per week for titles without history; a small constant prior when there is no model."""
    if rows.height == 0:
        return np.zeros(0)
    if regressor is None:
        return np.full(rows.height, 0.05)
    return np.clip(regressor.predict(rows.select(pl.col(COLD_FEATURES).cast(pl.Float32)).to_numpy()), 0.0, None)
