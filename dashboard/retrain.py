"""Retraining in its own process, so the screens stay responsive; progress goes to a small JSON file.

`python -m dashboard.retrain URL ARTIFACTS_DIR` trains one run (logistics.training.run_training) and writes
`ARTIFACTS_DIR/retrain-status.json` after each step; the data page polls that file.
"""

import json
import os
import subprocess
import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

STATUS_FILE = "retrain-status.json"


def status_path(artifacts_dir: str | Path) -> Path:
    return Path(artifacts_dir) / STATUS_FILE


def read_status(artifacts_dir: str | Path) -> dict[str, Any] | None:
    try:
        status: dict[str, Any] = json.loads(status_path(artifacts_dir).read_text())
    except (OSError, ValueError):
        return None
    if status.get("state") == "running" and not _alive(int(status.get("pid", 0))):
        status = {**status, "state": "failed", "error": "træningen stoppede uventet"}
    return status


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a finished child not yet reaped is a zombie, not a running job
        return os.waitpid(pid, os.WNOHANG) == (0, 0)
    except ChildProcessError:
        return True


def is_running(artifacts_dir: str | Path) -> bool:
    status = read_status(artifacts_dir)
    return bool(status and status.get("state") == "running")


def start(url: str, artifacts_dir: str | Path, *, actor: str) -> None:
    """Start a training run in the background (one at a time)."""
    folder = Path(artifacts_dir)
    folder.mkdir(parents=True, exist_ok=True)
    if is_running(folder):
        raise RuntimeError("der kører allerede en træning")
    with (folder / "retrain.log").open("ab") as log:
        child = subprocess.Popen(
            [sys.executable, "-m", "dashboard.retrain", url, str(folder), actor],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
    # Written here too, so the page shows the run as started even before the child has imported anything.
    _write(folder, state="running", steps=[], pid=child.pid, actor=actor, started_at=datetime.now(UTC).isoformat())


def _write(folder: Path, **status: Any) -> None:
    tmp = status_path(folder).with_suffix(".tmp")
    tmp.write_text(json.dumps(status, default=str))
    tmp.replace(status_path(folder))  # readers never see half a file


def main(url: str, folder: Path, actor: str) -> int:
    from logistics.training import STEPS, run_training
    from materials.db import get_engine

    folder.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC).isoformat()
    base = {"pid": os.getpid(), "started_at": started, "actor": actor, "total": len(STEPS)}
    done: list[str] = []
    _write(folder, state="running", steps=done, **base)

    def progress(step: str) -> None:
        done.append(step)
        _write(folder, state="running", steps=done, **base)

    try:
        run = run_training(get_engine(url), artifacts_dir=folder, progress=progress)
    except Exception as exc:
        _write(folder, state="failed", steps=done, error=f"{type(exc).__name__}: {exc}", **base)
        traceback.print_exc()
        return 1
    _write(folder, state="done", steps=done, version=run.version, finished_at=datetime.now(UTC).isoformat(), **base)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], Path(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else ""))
