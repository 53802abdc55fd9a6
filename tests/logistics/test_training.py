"""A whole training run on a small synthetic library: recorded, saved, promotable."""

import json
import shutil
from pathlib import Path

from sqlmodel import Session, func, select
from typer.testing import CliRunner

from logistics.evaluation import importances, runs_table, slice_table, stored_report
from logistics.registry import backtest_score, load_artifact, promote
from logistics.training import STEPS, run_training
from materials.cli import app
from materials.db import get_engine
from materials.models import Forecast
from tests.logistics.conftest import FAST_PARAMS


def test_a_training_run_is_recorded_with_its_backtest_and_its_forecasts_can_be_promoted(synthetic_db, tmp_path):
    engine = get_engine(f"sqlite:///{synthetic_db}")
    heard: list[str] = []
    run = run_training(engine, artifacts_dir=tmp_path, params=FAST_PARAMS, backtest_weeks=4, progress=heard.append)
    assert heard == STEPS
    assert run.data_from is not None and run.data_to is not None and run.data_from < run.data_to
    assert run.code_version and run.duration_s > 0 and "res_waiting" in run.features
    assert run.metrics["model"]["mae"] < run.metrics["baselines"]["seasonal_naive"]["mae"]
    assert Path(run.artifact_path, "model.skops").exists()
    assert list(run.metrics["step_seconds"]) == STEPS[:-1]
    assert 0 < run.metrics["training_sample"]["rows"] <= run.metrics["training_sample"]["of_known_rows"]
    assert load_artifact(Path(run.artifact_path)).regressors.keys() == {1, 2, 3, 4}
    with Session(engine) as session:
        promote(session, run.version)
        assert session.exec(select(func.count()).select_from(Forecast)).one() == run.metrics["forecast_rows"] > 0
        assert stored_report(session)["version"] == run.version
        assert set(slice_table(session, "branch_id")["method"]) >= {"model", "seasonal_naive"}
        assert importances(session).height == len(run.features)
        assert runs_table(session)["promoted"].to_list() == [True]
    url = f"sqlite:///{synthetic_db}"
    shown = CliRunner().invoke(app, ["--db", url, "evaluate", "--json"])
    assert shown.exit_code == 0, shown.output
    assert {"model", "baselines", "slices"} <= set(json.loads(shown.stdout))
    listed = CliRunner().invoke(app, ["--db", url, "models", "list", "--json"])
    assert json.loads(listed.stdout)[0]["version"] == run.version
    refused = CliRunner().invoke(app, ["--db", url, "models", "rollback"])
    assert refused.exit_code == 1 and "only model ever promoted" in refused.output
    engine.dispose()


def test_a_worse_run_is_not_promoted_over_the_promoted_one_without_force(synthetic_db, tmp_path):
    path = tmp_path / "library.db"
    shutil.copy(synthetic_db, path)
    url = f"sqlite:///{path}"
    engine = get_engine(url)
    good = run_training(engine, artifacts_dir=tmp_path / "a", params=FAST_PARAMS, backtest_weeks=4)
    # One boosting step at a tiny rate: barely more than the average, so its backtest is clearly worse.
    weak = {**FAST_PARAMS, "max_iter": 1, "learning_rate": 0.01}
    worse = run_training(engine, artifacts_dir=tmp_path / "b", params=weak, backtest_weeks=4)
    assert worse.data_to == good.data_to and worse.metrics["origins"] == good.metrics["origins"]
    assert backtest_score(worse) > backtest_score(good)
    with Session(engine) as session:
        promote(session, good.version, force=True)
    refused = CliRunner().invoke(app, ["--db", url, "models", "promote", worse.version])
    assert refused.exit_code == 1 and "--force" in refused.output
    with Session(engine) as session:
        assert set(session.exec(select(Forecast.model_version)).all()) == {good.version}
    forced = CliRunner().invoke(app, ["--db", url, "models", "promote", worse.version, "--force"])
    assert forced.exit_code == 0, forced.output
    with Session(engine) as session:
        assert set(session.exec(select(Forecast.model_version)).all()) == {worse.version}
    engine.dispose()
