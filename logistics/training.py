"""One training run from the database to a recorded, saved (not yet promoted) model.

Steps: load and clean the history, build the panel, backtest model and baselines on the same rows, fit the final
model on everything known, fit the cold-start model, forecast the next weeks, save the artifact, record the run.
"""

import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Engine
from sqlmodel import Session

from logistics.backtest import run_backtest
from logistics.coldstart import cold_training_rows, fit_cold_start
from logistics.forecast import cold_forecasts, model_forecasts, worth_writing
from logistics.model import DEFAULT_PARAMS, feature_importances, train, training_rows
from logistics.pipeline import History, Prepared, last_complete_week, load_history, prepare, scan_panel, write_panel
from logistics.registry import code_version, new_version, record_run, save_artifact
from logistics.sources import Source
from materials.models import ModelRun

Progress = Callable[[str], None]
# Backtest origins of a run: four keep `materials train` within five minutes on the city demo (scoring every origin's
# rows is most of the backtest); eight give the same MAE ratio to seasonal naive (docs/benchmarks.md), a minute later.
BACKTEST_WEEKS = 4
STEPS = ["history", "panel", "backtest", "final model", "cold start", "forecasts", "importances", "saved"]


def database_source(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _quiet(_: str) -> None:
    return None


def build(history: History, last_week: date, folder: Path, batches: int = 8) -> tuple[pl.LazyFrame, Prepared]:
    """The panel written to Parquet in `folder` (a batch of titles at a time) and scanned lazily."""
    prepared = prepare(history, last_week)
    write_panel(history, folder, last_week=last_week, batches=batches, prepared=prepared)
    return scan_panel(folder), prepared


def run_training(
    engine: Engine,
    *,
    artifacts_dir: str | Path,
    source: Source | None = None,
    params: dict[str, Any] | None = None,
    backtest_weeks: int = BACKTEST_WEEKS,
    progress: Progress = _quiet,
    now: datetime | None = None,
) -> ModelRun:
    """Train, backtest, save and record one run; `progress` hears the name of each finished step."""
    with tempfile.TemporaryDirectory(prefix="panel-") as tmp:
        return _run(engine, Path(artifacts_dir), Path(tmp), source, params, backtest_weeks, progress, now)


def _run(
    engine: Engine, artifacts_dir: Path, tmp: Path, source: Source | None, params: dict[str, Any] | None,
    backtest_weeks: int, progress: Progress, now: datetime | None,
) -> ModelRun:  # fmt: skip
    started = time.perf_counter()
    step_seconds: dict[str, float] = {}

    def done(step: str) -> None:
        step_seconds[step] = round(time.perf_counter() - started - sum(step_seconds.values()), 2)
        progress(step)

    params = {**DEFAULT_PARAMS, **(params or {})}
    history = load_history(source or database_source(engine))
    last_week = last_complete_week(history.loans)
    done("history")
    panel, prepared = build(history, last_week, tmp / "panel")
    cells = prepared.cells.lazy()
    done("panel")
    # One sample of the panel serves the backtest's model (fitted on its rows up to the first origin) and the final
    # model (all of it): the panel is read once for training, and the record says how much of it was used.
    sample = training_rows(panel, last_week, params)
    _, summary = run_backtest(panel, params, weeks=backtest_weeks, training=sample)
    done("backtest")
    model = train(sample, last_week, params)
    done("final model")
    first = prepared.cells["week"].min()
    assert isinstance(first, date)
    model.cold_start = fit_cold_start(
        cold_training_rows(history.titles, history.branches, cells, first, last_week).collect(), params
    )
    done("cold start")
    forecasts = worth_writing(
        pl.concat(
            [
                model_forecasts(model, panel, last_week),
                cold_forecasts(model, panel, history.titles, history.branches, cells, last_week),
            ]
        )
    )
    done("forecasts")
    importances = feature_importances(model, sample.lazy())
    summary["feature_importances"] = dict(zip(importances["feature"], importances["importance"], strict=True))
    summary["forecast_rows"] = forecasts.height
    summary["panel_rows"] = panel.select(pl.len()).collect().item()
    summary["training_sample"] = {
        "rows": sample.height,
        "of_known_rows": panel.filter(pl.col("week") < last_week).select(pl.len()).collect().item(),
        "how": f"hash of (title, branch, week) with seed {params['random_state']}, at most {params['max_rows']} rows",
    }
    done("importances")
    summary["step_seconds"] = step_seconds
    created = now or datetime.now(UTC)
    with Session(engine, expire_on_commit=False) as session:
        version = new_version(session, created)
        folder = save_artifact(model, forecasts, Path(artifacts_dir) / version)
        run = ModelRun(
            version=version,
            created_at=created,
            data_from=first,
            data_to=last_week,
            features=model.features,
            params=params,
            metrics=summary,
            duration_s=round(time.perf_counter() - started, 2),
            code_version=code_version(),
            artifact_path=str(folder.resolve()),
        )
        record_run(session, run)
    done("saved")
    return run
