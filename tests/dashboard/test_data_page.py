"""The data staff's page: runs against their baselines, promote and roll back, retraining in the background."""

import os
import signal
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from dashboard import retrain
from materials.domain.states import Role
from materials.models import Event, ModelRun
from tests.dashboard.conftest import ScreenDb, table_with
from tests.factories import T0, make_title


def a_run(db: ScreenDb, folder: Path, version: str, *, mase: float, promoted: bool, hours: int) -> None:
    artifact = folder / version
    artifact.mkdir(parents=True)
    with db.session() as session:
        title_id = make_title(session, f"Prognosebog {version}").id
    pl.DataFrame(
        {
            "title_id": [title_id],
            "branch_id": [db.city.valby.id],
            "week_start": [T0.date()],
            "horizon": [1],
            "predicted": [2.5],
        }
    ).write_parquet(artifact / "forecasts.parquet")
    metrics = {
        "model": {"mae": mase * 0.8, "mase": mase},
        "baselines": {"seasonal_naive": {"mae": 0.8}, "moving_average": {"mae": 0.7}},
        "slices": {"audience": {"adult": {"rows": 10, "model": {"mae": 0.5}, "seasonal_naive": {"mae": 0.8}}}},
        "feature_importances": {"loans_lag_1": 0.3, "week_of_year": 0.1},
    }
    with db.session() as session:
        session.add(ModelRun(version=version, created_at=T0 + timedelta(hours=hours), metrics=metrics,
                             artifact_path=str(artifact), promoted=promoted,
                             promoted_at=T0 + timedelta(hours=hours) if promoted else None))  # fmt: skip
        session.commit()


@pytest.fixture
def runs(screen_db: ScreenDb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "artifacts"
    monkeypatch.setenv("MATERIALS_ARTIFACTS_DIR", str(folder))
    a_run(screen_db, folder, "v1", mase=0.9, promoted=True, hours=0)
    a_run(screen_db, folder, "v2", mase=0.7, promoted=False, hours=1)
    return folder


def test_promoting_a_better_run_and_rolling_back(screen_db: ScreenDb, runs: Path, page: Callable[..., AppTest]) -> None:
    at = page("data", role=Role.DATA, username="dorte").run()
    assert not at.exception
    assert list(table_with(at, "Version", "MASE")["Version"]) == ["v2", "v1"]
    assert at.selectbox(key="data_version").value == "v1"  # the one in use

    at.selectbox(key="data_version").select("v2")
    at.button(key="data_promote").click()
    at.run()

    assert not at.exception
    assert any("Version v2 er nu i brug" in s.value for s in at.success), [e.value for e in at.error]
    at.button(key="data_rollback").click()
    at.run()
    assert any("Rullet tilbage til version v1" in s.value for s in at.success)
    with screen_db.session() as session:
        in_use = session.exec(select(ModelRun).where(ModelRun.promoted == True)).one()  # noqa: E712
        actors = session.exec(select(Event.actor).where(Event.kind.in_(["model_promoted", "model_rolled_back"]))).all()  # type: ignore[attr-defined]
    assert in_use.version == "v1"
    assert actors == ["dorte", "dorte"]


def test_a_worse_run_is_not_promoted_without_force(
    screen_db: ScreenDb, runs: Path, page: Callable[..., AppTest]
) -> None:
    a_run(screen_db, runs, "v3", mase=1.5, promoted=False, hours=2)
    at = page("data", role=Role.DATA).run()

    at.selectbox(key="data_version").select("v3")
    at.button(key="data_promote").click()
    at.run()

    assert not at.exception
    assert any("worse than the promoted" in e.value for e in at.error)


def test_retraining_runs_in_the_background(screen_db: ScreenDb, runs: Path, page: Callable[..., AppTest]) -> None:
    at = page("data", role=Role.DATA).run()

    at.button(key="data_retrain").click()
    at.run()

    try:
        assert not at.exception
        status = retrain.read_status(runs)
        # The training runs in a process of its own: the page's run has ended while it goes on (or has ended).
        assert status is not None and status["actor"] == "tester"
        assert int(status["pid"]) != os.getpid()
        if status["state"] == "running":
            assert at.get("progress") and at.button(key="data_retrain").disabled  # one run at a time
    finally:
        status = retrain.read_status(runs) or {}
        if status.get("state") == "running":
            os.kill(int(status["pid"]), signal.SIGTERM)


def test_retraining_a_library_with_no_history_ends_with_a_clear_message(
    screen_db: ScreenDb, runs: Path, page: Callable[..., AppTest]
) -> None:
    at = page("data", role=Role.DATA).run()  # the runs' titles have no copies and no loans: the item table is empty

    at.button(key="data_retrain").click()
    at.run()
    deadline = time.monotonic() + 180
    while retrain.is_running(runs) and time.monotonic() < deadline:
        time.sleep(0.5)
    at.run()

    status = retrain.read_status(runs)
    assert status is not None and status["state"] == "failed", status
    # What is missing, in words, not a type error from reading an empty table (a barcode column of no type).
    assert "no loans" in status["error"] or "no events" in status["error"], status["error"]
    assert any("Seneste træning fejlede" in e.value and status["error"] in e.value for e in at.error)
    assert not at.exception and not at.button(key="data_retrain").disabled  # the page goes on; try again later


def test_a_scan_station_cannot_open_the_data_page(screen_db: ScreenDb, page: Callable[..., AppTest]) -> None:
    at = page("data", role=Role.STATION, station="sortering-1").run()

    assert any("har ikke adgang" in e.value for e in at.error)
    assert not at.button
