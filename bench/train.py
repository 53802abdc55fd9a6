"""Benchmark: `materials train` on the city demo, as data staff would run it.

    flock /tmp/bench.lock .venv/bin/python bench/train.py --db sqlite:////tmp/model_city.db \
        --artifacts /tmp/model_artifacts [--params '{"max_rows": 400000}'] [--weeks 8] [--out train.json]

Runs `materials --db URL train --json` in a child process (the same command, progress bar off because of --json)
and reports its wall time, CPU time (user + system) and peak resident memory from the child's rusage, the load
average before and after, each training step's seconds (recorded in the run), the training sample and the
backtest's headline MAE beside the baselines. Target (issue 4): ≤ 5 minutes wall on this 2-core machine.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def run(db: str, artifacts: str, params: str | None, weeks: int | None) -> dict[str, Any]:
    command = [str(ROOT / ".venv/bin/materials"), "--db", db, "train", "--json"]
    if weeks:
        command += ["--weeks", str(weeks)]
    if params:
        command += ["--params", params]
    env = {**os.environ, "MATERIALS_ARTIFACTS_DIR": artifacts}
    before = loadavg()
    started = time.perf_counter()
    child = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT)
    wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    if child.returncode != 0:
        sys.exit(f"materials train failed ({child.returncode}):\n{child.stderr[-4000:]}")
    record = json.loads(child.stdout)
    metrics = record["metrics"]
    return {
        "version": record["version"],
        "wall_s": round(wall, 1),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
        "user_s": round(usage.ru_utime, 1),
        "sys_s": round(usage.ru_stime, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024),
        "loadavg_before": before,
        "loadavg_after": loadavg(),
        "step_seconds": metrics.get("step_seconds"),
        "training_sample": metrics.get("training_sample"),
        "mae": {
            "model (median)": metrics["model"]["mae"],
            "model (mean)": metrics["model"].get("mae_of_mean"),
            **{name: scores["mae"] for name, scores in metrics["baselines"].items()},
            "always zero (reference)": metrics.get("reference", {}).get("always_zero", {}).get("mae"),
        },
        "mae_vs_seasonal_naive": metrics["model"]["mae"] / metrics["baselines"]["seasonal_naive"]["mae"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True, help="Database URL (a copy: the run is recorded in it).")
    parser.add_argument("--artifacts", required=True, help="Where the run's artifact folder goes.")
    parser.add_argument("--params", help="Model parameters as JSON, passed to --params.")
    parser.add_argument("--weeks", type=int, help="Backtest origins, passed to --weeks (default: the command's).")
    parser.add_argument("--out", type=Path, help="Also write the figures here as JSON.")
    args = parser.parse_args()
    figures = run(args.db, args.artifacts, args.params, args.weeks)
    text = json.dumps(figures, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
