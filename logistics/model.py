"""The demand model: one Poisson gradient-boosted regressor per horizon (1–4 weeks ahead).

Split, train and predict are pure functions of the panel and the parameters; randomness comes only from
`params["random_state"]`. Row subsampling (`params["max_rows"]`) keeps a city-scale training run within minutes.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import polars as pl
from sklearn.ensemble import HistGradientBoostingRegressor
from threadpoolctl import threadpool_limits

from logistics.calendar import HOLIDAY_FLAGS, calendar_weeks

HORIZONS = (1, 2, 3, 4)
HISTORY = [
    "loans", "loans_lag_1", "loans_lag_2", "loans_4w", "loans_13w", "loans_52w", "returns_4w", "res_placed_4w",
    "res_waiting", "pair_age_weeks", "title_loans_4w", "title_res_waiting", "title_branches_active",
    "author_loans_4w",
]  # fmt: skip
STATIC = [
    "audience_code", "material_code", "popularity_log", "n_subjects", "title_age_weeks", "copies_held",
    "copies_available", "copies_total", "branch_id", "branch_size",
]  # fmt: skip
TARGET_WEEK = ["seasonal", "target_week_of_year", *[f"target_{f}" for f in HOLIDAY_FLAGS]]
FEATURES = HISTORY + STATIC + TARGET_WEEK
CATEGORICAL = ["audience_code", "material_code", "branch_id"]
# More people waiting for a title can only mean more demand for it: the model is held to that.
INCREASING = ["res_waiting", "title_res_waiting", "res_placed_4w"]

DEFAULT_PARAMS: dict[str, Any] = {
    "loss": "poisson",
    # 100 trees at a higher rate score within 0.4 % of 250 at 0.08 on the city demo's backtest (MAE, deviance; top-10
    # precision 0.225 against 0.247) and predict 2.5 times faster: scoring the backtest's 10 M rows was most of a run.
    "learning_rate": 0.15,
    "max_iter": 100,
    "max_leaf_nodes": 31,
    "min_samples_leaf": 40,
    "l2_regularization": 1.0,
    "max_rows": 400_000,
    "random_state": 2026,
    # OpenMP threads for fitting; on a machine shared with other work, fewer threads spin less.
    "threads": 2,
}
NOT_FOR_ESTIMATOR = ("max_rows", "threads")


@dataclass
class DemandModel:
    """The fitted regressors, one per horizon, and what they were fitted on."""

    regressors: dict[int, HistGradientBoostingRegressor]
    features: list[str]
    params: dict[str, Any]
    trained_until: date
    cold_start: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


def design(panel: pl.DataFrame, horizon: int) -> pl.DataFrame:
    """The model's inputs for `horizon`: the panel's features plus last year's loans and the target week."""
    target = pl.col("week") + timedelta(weeks=horizon)
    first, last = panel["week"].min(), panel["week"].max()
    if first is None or last is None:
        return panel.with_columns(pl.lit(0.0).alias(c) for c in TARGET_WEEK)
    assert isinstance(first, date) and isinstance(last, date)
    calendar = (
        calendar_weeks(first, last + timedelta(weeks=horizon))
        .select(
            pl.col("week").alias("target_week"),
            pl.col("week_of_year").alias("target_week_of_year"),
            *[pl.col(f).alias(f"target_{f}") for f in HOLIDAY_FLAGS],
        )
        .collect()
    )
    return panel.with_columns(target.alias("target_week"), pl.col(f"seasonal_{horizon}").alias("seasonal")).join(
        calendar, on="target_week", how="left"
    )


def matrix(frame: pl.DataFrame, features: list[str]) -> np.ndarray:
    return frame.select(pl.col(features).cast(pl.Float32)).to_numpy()


def split(panel: pl.LazyFrame, origin: date, horizon: int) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """Rows whose target was known at `origin` (to train on), and the rows at `origin` (to forecast from)."""
    known = panel.filter(pl.col("week") + timedelta(weeks=horizon) <= origin)
    at_origin = panel.filter(pl.col("week") == origin)
    return known, at_origin


def subsample(rows: pl.LazyFrame | pl.DataFrame, max_rows: int, random_state: int) -> pl.DataFrame:
    """About `max_rows` rows, the same ones for the same seed (a hash of the row's keys, so it works lazily)."""
    rows = rows.lazy()
    total = rows.select(pl.len()).collect().item()
    if total <= max_rows:
        return rows.collect()
    buckets = 1_000_000
    keep = int(buckets * max_rows / total)
    key = pl.struct("title_id", "branch_id", "week").hash(seed=random_state) % buckets
    return rows.filter(key < keep).collect()


def training_rows(panel: pl.LazyFrame | pl.DataFrame, origin: date, params: dict[str, Any]) -> pl.DataFrame:
    """The rows a model trained at `origin` may learn from (next week's loans known), sampled once for every horizon.

    At most about `params["max_rows"]` rows, chosen by a hash of their keys: a model trained at an earlier origin on
    this sample sees the same rows up to its origin, so the backtest and the final model read the panel once.
    """
    known = panel.lazy().filter(pl.col("week") + timedelta(weeks=1) <= origin)
    return subsample(known, int(params["max_rows"]), int(params["random_state"]))


def fit_horizon(
    rows: pl.LazyFrame | pl.DataFrame, horizon: int, params: dict[str, Any]
) -> HistGradientBoostingRegressor:
    """One regressor for one horizon, on (a sample of) rows whose target is known."""
    sample = design(subsample(rows, int(params["max_rows"]), int(params["random_state"])), horizon)
    hgb_params = {k: v for k, v in params.items() if k not in NOT_FOR_ESTIMATOR}
    regressor = HistGradientBoostingRegressor(
        categorical_features=[f in CATEGORICAL for f in FEATURES],
        monotonic_cst=[1 if f in INCREASING else 0 for f in FEATURES],
        early_stopping=False,
        **hgb_params,
    )
    with threadpool_limits(int(params.get("threads", 2))):
        regressor.fit(matrix(sample, FEATURES), sample[f"y_{horizon}"].to_numpy())
    return regressor


def train(panel: pl.LazyFrame | pl.DataFrame, origin: date, params: dict[str, Any]) -> DemandModel:
    """Fit every horizon on (a sample of) the rows whose targets were known at `origin`.

    `panel` may be the whole panel or a sample of it from `training_rows` (taken at this origin or a later one).
    """
    rows = training_rows(panel, origin, params).lazy()
    regressors = {h: fit_horizon(split(rows, origin, h)[0], h, params) for h in HORIZONS}
    return DemandModel(regressors=regressors, features=list(FEATURES), params=dict(params), trained_until=origin)


def predict(model: DemandModel, rows: pl.DataFrame, horizon: int) -> np.ndarray:
    """Expected loans `horizon` weeks after each row's week (never negative)."""
    if rows.height == 0:
        return np.zeros(0)
    predicted = model.regressors[horizon].predict(matrix(design(rows, horizon), model.features))
    return np.clip(predicted, 0.0, None)


def feature_importances(model: DemandModel, panel: pl.LazyFrame, *, n_rows: int = 5_000) -> pl.DataFrame:
    """Permutation importance of each feature (rise in mean absolute error when it is shuffled), horizon 1."""
    from sklearn.inspection import permutation_importance

    rows = design(subsample(split(panel, model.trained_until, 1)[0], n_rows, 0), 1)
    if rows.height == 0:
        return pl.DataFrame({"feature": model.features, "importance": [0.0] * len(model.features)})
    result = permutation_importance(
        model.regressors[1],
        matrix(rows, model.features),
        rows["y_1"].to_numpy(),
        scoring="neg_mean_absolute_error",
        n_repeats=3,
        random_state=0,
    )
    return pl.DataFrame({"feature": model.features, "importance": result.importances_mean}).sort(
        "importance", descending=True
    )
