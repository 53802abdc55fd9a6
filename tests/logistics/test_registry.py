"""Training runs, promotion and rollback: only the promoted run's forecasts are in the Forecast table."""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from sklearn.ensemble import HistGradientBoostingRegressor
from sqlmodel import Session, select

from logistics.model import DemandModel
from logistics.registry import (
    NothingToRollBack,
    WorseThanPromoted,
    load_artifact,
    promote,
    promoted_run,
    rollback,
    save_artifact,
)
from materials.models import Forecast, ModelRun
from tests.factories import make_branch, make_title

T0 = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)


def make_run(session: Session, tmp: Path, version: str, mase: float, predicted: float, title_id: int,
             branch_id: int) -> ModelRun:  # fmt: skip
    folder = tmp / version
    folder.mkdir()
    pl.DataFrame(
        {"title_id": [title_id], "branch_id": [branch_id], "week_start": [date(2026, 11, 9)],
         "horizon": pl.Series([1], dtype=pl.Int8), "predicted": [predicted]}
    ).write_parquet(folder / "forecasts.parquet")  # fmt: skip
    run = ModelRun(version=version, created_at=T0, metrics={"model": {"mase": mase, "mae": mase}},
                   artifact_path=str(folder))  # fmt: skip
    session.add(run)
    session.commit()
    return run


@pytest.fixture
def runs(session: Session, tmp_path: Path) -> dict[str, ModelRun]:
    title, branch = make_title(session, "Kongens Fald"), make_branch(session, "Valby")
    assert title.id is not None and branch.id is not None
    return {
        name: make_run(session, tmp_path, name, mase, predicted, title.id, branch.id)
        for name, mase, predicted in [("good", 0.7, 2.0), ("better", 0.6, 3.0), ("worse", 0.9, 1.0)]
    }


def forecast_values(session: Session) -> list[tuple[str, float]]:
    return [(f.model_version, f.predicted) for f in session.exec(select(Forecast))]


def test_promoting_a_run_puts_only_its_forecasts_in_the_forecast_table(session, runs) -> None:
    promote(session, "good", now=T0)
    promote(session, "better", now=T0 + timedelta(hours=1))
    assert forecast_values(session) == [("better", 3.0)]
    assert promoted_run(session).version == "better"


def test_a_run_that_scores_worse_than_the_promoted_one_needs_force(session, runs) -> None:
    promote(session, "good", now=T0)
    with pytest.raises(WorseThanPromoted, match="worse"):
        promote(session, "worse", now=T0 + timedelta(hours=1))
    assert forecast_values(session) == [("good", 2.0)]
    promote(session, "worse", force=True, now=T0 + timedelta(hours=2))
    assert forecast_values(session) == [("worse", 1.0)]


def test_rollback_goes_back_to_the_previously_promoted_run_and_its_forecasts(session, runs) -> None:
    promote(session, "good", now=T0)
    promote(session, "better", now=T0 + timedelta(hours=1))
    assert rollback(session, now=T0 + timedelta(hours=2)).version == "good"
    assert forecast_values(session) == [("good", 2.0)]
    with pytest.raises(NothingToRollBack):
        rollback(session)


def test_rollback_with_nothing_promoted_says_so(session, runs) -> None:
    with pytest.raises(NothingToRollBack, match="no model is promoted"):
        rollback(session)


def test_a_saved_model_loads_back_without_pickle_and_predicts_the_same(tmp_path) -> None:
    rng = np.random.default_rng(0)
    x, y = rng.random((200, 3)), rng.poisson(2, 200)
    regressor = HistGradientBoostingRegressor(loss="poisson", max_iter=10).fit(x, y)
    model = DemandModel(regressors={1: regressor}, features=["a", "b", "c"], params={"max_iter": 10},
                        trained_until=date(2026, 11, 2))  # fmt: skip
    folder = save_artifact(model, pl.DataFrame({"predicted": [1.0]}), tmp_path / "v1")
    loaded = load_artifact(folder)
    assert loaded.trained_until == date(2026, 11, 2)
    assert np.allclose(loaded.regressors[1].predict(x), regressor.predict(x))
