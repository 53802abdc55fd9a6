"""Behaviour of the trained demand model on the small demo (in the style of Made-With-ML's model tests)."""

from datetime import date
from typing import Any

import numpy as np
import polars as pl
import pytest
from scipy.stats import poisson

from logistics.backtest import poisson_median, run_backtest
from logistics.coldstart import predict_cold
from logistics.model import DEFAULT_PARAMS, HORIZONS, DemandModel, predict, train, training_rows
from tests.logistics.conftest import FAST_PARAMS

PARAMS: dict[str, Any] = {**DEFAULT_PARAMS, **FAST_PARAMS}


@pytest.fixture(scope="module")
def backtest(small_panel: pl.DataFrame) -> dict[str, Any]:
    return run_backtest(small_panel, PARAMS, weeks=6)[1]


@pytest.fixture(scope="module")
def model(small_panel: pl.DataFrame) -> DemandModel:
    last = small_panel["week"].max()
    assert isinstance(last, date)
    return train(small_panel.lazy(), last, PARAMS)


def last_week_rows(panel: pl.DataFrame) -> pl.DataFrame:
    return panel.filter(pl.col("week") == panel["week"].max())


def test_the_model_beats_seasonal_naive_by_fifteen_percent_and_the_moving_average(backtest) -> None:
    model, baselines = backtest["model"], backtest["baselines"]
    assert model["mae"] <= 0.85 * baselines["seasonal_naive"]["mae"]
    assert model["mae"] < baselines["moving_average"]["mae"]
    assert model["mae"] < baselines["last_value"]["mae"]
    assert model["poisson_deviance"] < baselines["moving_average"]["poisson_deviance"]


def test_the_backtest_reports_every_slice_and_metric(backtest) -> None:
    assert set(backtest["slices"]) == {"branch_id", "audience", "popularity_decile"}
    assert set(backtest["model"]) == {"mae", "rmse", "poisson_deviance", "mase", "top10_precision", "mae_of_mean"}
    assert set(backtest["baselines"]) == {"seasonal_naive", "moving_average", "last_value"}
    assert len(backtest["slices"]["popularity_decile"]) == 10
    assert 0.5 < backtest["reference"]["share_of_zero_actuals"] < 1.0
    assert backtest["reference"]["always_zero"]["mae"] > 0


def test_the_poisson_median_is_the_exact_median_of_each_forecast() -> None:
    means = np.concatenate(
        [np.random.default_rng(3).gamma(0.6, 1.5, 20_000), np.linspace(0, 60, 5_001), [np.log(2), 1e-12, 0.0]]
    )
    assert np.array_equal(poisson_median(means), poisson.ppf(0.5, np.clip(means, 1e-9, None)))


def test_the_training_sample_is_fixed_by_the_seed_and_capped(small_panel) -> None:
    last = small_panel["week"].max()
    assert isinstance(last, date)
    params = {**PARAMS, "max_rows": 5_000}
    first, again = training_rows(small_panel, last, params), training_rows(small_panel.lazy(), last, params)
    assert first.equals(again)
    assert 4_000 < first.height < 6_000 and first["week"].max() < last
    other = training_rows(small_panel, last, {**params, "random_state": 1})
    assert not first.select("title_id", "branch_id", "week").equals(other.select("title_id", "branch_id", "week"))


def test_more_reservations_waiting_never_lowers_the_forecast(model, small_panel) -> None:
    rows = last_week_rows(small_panel)
    more = rows.with_columns(
        (pl.col("res_waiting") + 3).alias("res_waiting"), (pl.col("title_res_waiting") + 3).alias("title_res_waiting")
    )
    for h in HORIZONS:
        assert np.all(predict(model, more, h) >= predict(model, rows, h) - 1e-9)


def test_a_title_never_loaned_has_low_demand(model, small_panel) -> None:
    rows = last_week_rows(small_panel)
    history = [c for c in model.features if c.startswith(("loans", "returns", "res_", "title_", "author_"))]
    never = rows.head(50).with_columns([pl.lit(0.0).alias(c) for c in [*history, "seasonal_1", "popularity_log"]])
    assert predict(model, never, 1).max() < 0.25
    # A copy just lent is away for weeks, so recent loans at one branch do not always mean more loans next week;
    # titles lent widely across the city do.
    popular = rows.filter(pl.col("title_loans_4w") >= pl.col("title_loans_4w").quantile(0.9))
    assert predict(model, never, 1).mean() < predict(model, popular, 1).mean()


def test_a_new_title_with_no_prior_gets_a_small_cold_start_estimate() -> None:
    rows = pl.DataFrame({"audience_code": [0], "material_code": [0], "n_subjects": [1], "popularity_log": [0.0],
                         "author_prior": [0.0], "branch_id": [1], "branch_size": [1.0]})  # fmt: skip
    assert predict_cold(None, rows)[0] < 0.25
