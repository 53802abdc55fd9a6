"""What the data-staff screen and `materials evaluate` read: backtest reports and feature importances of runs."""

import tempfile
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Engine
from sqlmodel import Session

from logistics.backtest import run_backtest
from logistics.model import DEFAULT_PARAMS
from logistics.pipeline import last_complete_week, load_history
from logistics.registry import list_runs, promoted_run, run_by_version
from logistics.training import BACKTEST_WEEKS, build, database_source
from materials.errors import NotFound
from materials.models import ModelRun

REPORT_KEYS = (
    "model", "baselines", "reference", "slices", "by_horizon_mae", "top10_precision_by_branch", "origins", "rows",
)  # fmt: skip


def _chosen_run(session: Session, version: str | None) -> ModelRun:
    if version:
        return run_by_version(session, version)
    run = promoted_run(session) or next(iter(list_runs(session)), None)
    if run is None:
        raise NotFound("no training run yet: run 'materials train' first")
    return run


def stored_report(session: Session, version: str | None = None) -> dict[str, Any]:
    """The recorded backtest of `version` (default: the promoted run, else the newest)."""
    run = _chosen_run(session, version)
    return {"version": run.version, **{k: run.metrics[k] for k in REPORT_KEYS if k in run.metrics}}


def fresh_report(engine: Engine, session: Session, *, weeks: int = BACKTEST_WEEKS) -> dict[str, Any]:
    """Backtest again on the data as it is now, with the promoted run's parameters (or the defaults)."""
    current = promoted_run(session)
    params = dict(current.params) if current else dict(DEFAULT_PARAMS)
    history = load_history(database_source(engine))
    with tempfile.TemporaryDirectory(prefix="panel-") as tmp:
        panel, _ = build(history, last_complete_week(history.loans), Path(tmp) / "panel")
        _, summary = run_backtest(panel, params, weeks=weeks)
    return {
        "params_of": current.version if current else "defaults",
        **{k: summary[k] for k in REPORT_KEYS if k in summary},
    }


def slice_table(session: Session, dimension: str, version: str | None = None) -> pl.DataFrame:
    """One row per slice value (branch_id, audience or popularity_decile) and method, with the point metrics."""
    run = _chosen_run(session, version)
    rows = [
        {dimension: value, "method": method, "rows": entry["rows"], **scores}
        for value, entry in run.metrics.get("slices", {}).get(dimension, {}).items()
        for method, scores in entry.items()
        if method != "rows"
    ]
    return pl.DataFrame(rows)


def importances(session: Session, version: str | None = None) -> pl.DataFrame:
    """Permutation importances recorded with a run (rise in MAE when the feature is shuffled)."""
    run = _chosen_run(session, version)
    recorded = run.metrics.get("feature_importances", {})
    return pl.DataFrame(
        {"feature": list(recorded), "importance": [float(v) for v in recorded.values()]},
        schema={"feature": pl.String, "importance": pl.Float64},
    ).sort("importance", descending=True)


def runs_table(session: Session) -> pl.DataFrame:
    """Every run with its headline scores against the baselines, newest first."""
    rows = []
    for run in list_runs(session):
        baselines = run.metrics.get("baselines", {})
        rows.append(
            {
                "version": run.version,
                "created_at": run.created_at,
                "data_from": run.data_from,
                "data_to": run.data_to,
                "model_mae": run.metrics.get("model", {}).get("mae"),
                "model_mase": run.metrics.get("model", {}).get("mase"),
                **{f"{name}_mae": scores.get("mae") for name, scores in baselines.items()},
                "duration_s": run.duration_s,
                "code_version": run.code_version,
                "promoted": run.promoted,
            }
        )
    return pl.DataFrame(rows)
