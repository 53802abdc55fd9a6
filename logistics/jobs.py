"""Training in the background, for screens that must not block while a model trains.

job = start_training(engine, artifacts_dir=settings.artifacts_dir)
st.session_state["training"] = job          # and on each rerun:
st.progress(job.progress, text=job.step)     # job.done, job.run, job.error
"""

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from logistics.training import BACKTEST_WEEKS, STEPS, run_training
from materials.models import ModelRun


@dataclass
class TrainingJob:
    steps_done: list[str] = field(default_factory=list)
    run: ModelRun | None = None
    error: str | None = None
    thread: threading.Thread | None = None

    @property
    def done(self) -> bool:
        return self.run is not None or self.error is not None

    @property
    def progress(self) -> float:
        """Share of the training steps finished, 0.0 to 1.0."""
        return len(self.steps_done) / len(STEPS)

    @property
    def step(self) -> str:
        return self.steps_done[-1] if self.steps_done else "starting"


def start_training(
    engine: Engine,
    *,
    artifacts_dir: str | Path,
    params: dict[str, Any] | None = None,
    backtest_weeks: int = BACKTEST_WEEKS,
) -> TrainingJob:
    """Start one training run in a daemon thread and return at once; the job reports progress as it goes."""
    job = TrainingJob()

    def work() -> None:
        try:
            job.run = run_training(
                engine,
                artifacts_dir=artifacts_dir,
                params=params,
                backtest_weeks=backtest_weeks,
                progress=job.steps_done.append,
            )
        except Exception as exc:  # the screen shows it; the thread must not die silently
            job.error = f"{type(exc).__name__}: {exc}"

    job.thread = threading.Thread(target=work, name="materials-training", daemon=True)
    job.thread.start()
    return job
