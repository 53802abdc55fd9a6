"""Forecast metrics, computed the same way for the model and for every baseline."""

from typing import Any

import numpy as np
import polars as pl

# Poisson deviance needs a positive forecast; a forecast of zero counts as this (the same for every method).
DEVIANCE_FLOOR = 0.01
TOP_K = 10
METHODS = ["model", "seasonal_naive", "moving_average", "last_value"]
BASELINES = METHODS[1:]


def poisson_deviance(actual: np.ndarray, predicted: np.ndarray) -> float:
    mu = np.clip(predicted, DEVIANCE_FLOOR, None)
    y = actual.astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(y > 0, y * np.log(y / mu), 0.0)
    return float(np.mean(2 * (term - (y - mu)))) if len(y) else float("nan")


def point_metrics(actual: np.ndarray, predicted: np.ndarray, naive: np.ndarray) -> dict[str, float]:
    """MAE, RMSE, mean Poisson deviance and MASE (MAE relative to the seasonal naive forecast's MAE)."""
    if len(actual) == 0:
        return {"mae": float("nan"), "rmse": float("nan"), "poisson_deviance": float("nan"), "mase": float("nan")}
    error = predicted - actual
    mae = float(np.mean(np.abs(error)))
    naive_mae = float(np.mean(np.abs(naive - actual)))
    return {
        "mae": mae,
        "rmse": float(np.sqrt(np.mean(error**2))),
        "poisson_deviance": poisson_deviance(actual, predicted),
        "mase": mae / naive_mae if naive_mae > 0 else float("nan"),
    }


def scores(frame: pl.DataFrame, method: str) -> dict[str, float]:
    """A method's point metrics on `frame`.

    The model forecasts a Poisson distribution. Absolute error is smallest at a distribution's median, squared
    error and deviance at its mean, so the model is scored on the median of its forecast for MAE and MASE and on the
    mean (what planning reads) for RMSE and deviance; `mae_of_mean` keeps the mean's MAE in view. With demand that
    is zero in most title × branch weeks, the mean's MAE is no fair measure of a distribution forecast.
    """
    actual, naive = frame["actual"].to_numpy(), frame["seasonal_naive"].to_numpy()
    out = point_metrics(actual, frame[method].to_numpy(), naive)
    if method == "model" and "model_median" in frame.columns:
        median = point_metrics(actual, frame["model_median"].to_numpy(), naive)
        out = {**out, "mae": median["mae"], "mase": median["mase"], "mae_of_mean": out["mae"]}
    return out


def top_k_precision(results: pl.DataFrame, method: str, k: int = TOP_K) -> pl.DataFrame:
    """Per branch: of the k titles a method ranks highest for a week, the share that were among the most loaned.

    "Among the most loaned" means at least as many loans as the k-th most loaned title that week (ties count), and
    at least one loan. Averaged over origins and horizons.
    """
    return (
        results.with_columns(
            pl.col(method).rank("ordinal", descending=True).over("branch_id", "week", "horizon").alias("_rank"),
            pl.col("actual").top_k(k).min().over("branch_id", "week", "horizon").alias("_kth"),
        )
        .filter(pl.col("_rank") <= k)
        .group_by("branch_id", "week", "horizon")
        .agg(((pl.col("actual") >= pl.col("_kth")) & (pl.col("actual") > 0)).mean().alias("precision"))
        .group_by("branch_id")
        .agg(pl.col("precision").mean().alias(f"top{k}_precision"))
        .sort("branch_id")
    )


def method_metrics(
    results: pl.DataFrame, per_branch: dict[str, pl.DataFrame] | None = None
) -> dict[str, dict[str, float]]:
    """Every method's point metrics and mean top-k precision across branches, on the same rows.

    `per_branch` holds each method's `top_k_precision` if already computed (it is the costly part).
    """
    per_branch = per_branch or {method: top_k_precision(results, method) for method in METHODS}
    out: dict[str, dict[str, float]] = {}
    for method in METHODS:
        result = scores(results, method)
        precision = per_branch[method][f"top{TOP_K}_precision"].mean()
        result[f"top{TOP_K}_precision"] = float(precision) if isinstance(precision, float) else float("nan")
        out[method] = result
    return out


def slice_metrics(results: pl.DataFrame, by: str) -> dict[str, dict[str, Any]]:
    """Point metrics of every method within each value of `by` (branch, audience, popularity decile)."""
    out: dict[str, dict[str, Any]] = {}
    needed = [by, "actual", *METHODS, *(["model_median"] if "model_median" in results.columns else [])]
    for (value,), part in results.select(needed).partition_by(by, as_dict=True, maintain_order=True).items():
        entry: dict[str, Any] = {"rows": part.height}
        for method in METHODS:
            entry[method] = scores(part, method)
        out[str(value)] = entry
    return dict(sorted(out.items(), key=lambda kv: (len(kv[0]), kv[0])))


def report(results: pl.DataFrame) -> dict[str, Any]:
    """`{"model": {...}, "baselines": {name: {...}}, "slices": {dimension: {value: {...}}}, "by_horizon": ...}`."""
    per_branch = {method: top_k_precision(results, method) for method in METHODS}
    overall = method_metrics(results, per_branch)
    by_horizon = {
        str(h): {m: scores(p, m)["mae"] for m in METHODS}
        for (h,), p in results.partition_by("horizon", as_dict=True, maintain_order=True).items()
    }  # fmt: skip
    top_k = {
        str(row["branch_id"]): {m: row[m] for m in METHODS}
        for row in pl.concat(
            [per_branch[m].rename({f"top{TOP_K}_precision": m}) for m in METHODS], how="align"
        ).iter_rows(named=True)
    }
    actual = results["actual"].to_numpy()
    return {
        "model": overall["model"],
        "baselines": {name: overall[name] for name in BASELINES},
        # Not a baseline the model is held to: the yardstick that shows how much of the MAE is simply the zeros.
        "reference": {
            "always_zero": point_metrics(actual, np.zeros(len(actual)), results["seasonal_naive"].to_numpy()),
            "share_of_zero_actuals": float(np.mean(actual == 0)) if len(actual) else float("nan"),
        },
        "slices": {dim: slice_metrics(results, dim) for dim in ("branch_id", "audience", "popularity_decile")},
        "by_horizon_mae": by_horizon,
        f"top{TOP_K}_precision_by_branch": top_k,
        "rows": results.height,
    }
