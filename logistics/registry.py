"""The model registry: training runs in the ModelRun table, artifacts saved with skops, promotion and rollback.

A run's artifact folder holds `model.skops` (the regressors, loadable without pickle) and `forecasts.parquet`
(its forecasts for the weeks after its data). Promoting a run writes those forecasts into the Forecast table,
which is all the backend and planning ever read: the check-in path never loads a model.
"""

import subprocess
from datetime import UTC, date, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import polars as pl
import skops.io as sio
from sqlmodel import Session, col, select

from logistics.forecast import write_forecasts
from logistics.model import DemandModel
from materials.errors import MaterialsError, NotFound
from materials.models import ModelRun

# What a saved model may contain. functools.partial appears in fitted histogram gradient boosting models; the
# callable it wraps is checked by skops as a type of its own.
SAFE_PREFIXES = ("sklearn.", "numpy.", "builtins.", "collections.", "scipy.", "functools.partial")


class WorseThanPromoted(MaterialsError):
    """A run scored worse on its backtest than the promoted model; promote it only with --force."""


class NothingToRollBack(MaterialsError):
    pass


def code_version() -> str:
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--tags"],
            capture_output=True, text=True, timeout=5, cwd=Path(__file__).parent, check=True,
        )  # fmt: skip
        return out.stdout.strip()[:60]
    except (OSError, subprocess.SubprocessError):
        try:
            return version("materials-team")
        except PackageNotFoundError:
            return "unknown"


def new_version(session: Session, now: datetime) -> str:
    base = f"{now:%Y%m%d-%H%M%S}"
    taken = set(session.exec(select(ModelRun.version).where(col(ModelRun.version).startswith(base))).all())
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def save_artifact(model: DemandModel, forecasts: pl.DataFrame, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    payload = {
        "regressors": {str(h): r for h, r in model.regressors.items()},
        "features": model.features,
        "params": model.params,
        "trained_until": model.trained_until.isoformat(),
        "cold_start": model.cold_start,
    }
    sio.dump(payload, folder / "model.skops")
    forecasts.write_parquet(folder / "forecasts.parquet")
    return folder


def load_artifact(folder: Path) -> DemandModel:
    """Load a saved model, refusing any type outside scikit-learn, NumPy and the standard containers."""
    path = Path(folder) / "model.skops"
    untrusted = sio.get_untrusted_types(file=path)
    unsafe = [t for t in untrusted if not t.startswith(SAFE_PREFIXES)]
    if unsafe:
        raise MaterialsError(f"refusing to load {path}: unexpected types {unsafe}")
    payload: dict[str, Any] = sio.load(path, trusted=untrusted)
    return DemandModel(
        regressors={int(h): r for h, r in payload["regressors"].items()},
        features=list(payload["features"]),
        params=dict(payload["params"]),
        trained_until=date.fromisoformat(payload["trained_until"]),
        cold_start=payload.get("cold_start"),
    )


def record_run(session: Session, run: ModelRun) -> ModelRun:
    session.add(run)
    session.commit()
    session.refresh(run)
    return run


def list_runs(session: Session) -> list[ModelRun]:
    """Every training run, newest first."""
    return list(session.exec(select(ModelRun).order_by(col(ModelRun.created_at).desc(), col(ModelRun.id).desc())))


def promoted_run(session: Session) -> ModelRun | None:
    return session.exec(select(ModelRun).where(col(ModelRun.promoted).is_(True))).first()


def run_by_version(session: Session, version_: str) -> ModelRun:
    run = session.exec(select(ModelRun).where(ModelRun.version == version_)).first()
    if run is None:
        raise NotFound(f"no training run with version {version_!r}")
    return run


def backtest_score(run: ModelRun) -> float:
    """The score runs are compared on: the model's MASE (MAE relative to seasonal naive) on its backtest.

    Relative to the seasonal naive forecast on the same rows, it compares runs even when their data windows differ;
    runs on the same window share those rows, so it orders them as their MAE does.
    """
    return float(run.metrics.get("model", {}).get("mase", float("inf")))


def _activate(session: Session, run: ModelRun, now: datetime, keep_promoted_at: bool = False) -> None:
    for other in session.exec(select(ModelRun).where(col(ModelRun.promoted).is_(True))):
        other.promoted = False
        session.add(other)
    run.promoted = True
    if not keep_promoted_at or run.promoted_at is None:
        run.promoted_at = now
    session.add(run)
    forecasts = pl.read_parquet(Path(run.artifact_path) / "forecasts.parquet")
    write_forecasts(session, forecasts, run.version)
    session.commit()


def promote(session: Session, version_: str, *, force: bool = False, now: datetime | None = None) -> ModelRun:
    """Make `version_` the model whose forecasts the backend reads; refuse a worse run unless `force`."""
    run = run_by_version(session, version_)
    current = promoted_run(session)
    if current is not None and current.id != run.id and not force and backtest_score(run) > backtest_score(current):
        raise WorseThanPromoted(
            f"run {run.version} scores MASE {backtest_score(run):.3f} on its backtest, worse than the promoted "
            f"{current.version} ({backtest_score(current):.3f}); use --force to promote it anyway"
        )
    _activate(session, run, now or datetime.now(UTC))
    return run


def rollback(session: Session, *, now: datetime | None = None) -> ModelRun:
    """Go back to the run promoted before the current one; the current one counts as never promoted."""
    current = promoted_run(session)
    if current is None:
        raise NothingToRollBack("no model is promoted, so there is nothing to roll back")
    previous = session.exec(
        select(ModelRun)
        .where(col(ModelRun.promoted_at).is_not(None), ModelRun.id != current.id)
        .order_by(col(ModelRun.promoted_at).desc())
    ).first()
    if previous is None:
        raise NothingToRollBack(f"{current.version} is the only model ever promoted")
    current.promoted_at = None
    _activate(session, previous, now or datetime.now(UTC), keep_promoted_at=True)
    return previous
