"""Planning benchmark: `materials plan` (targets for every title × branch, the day's moves) on the city demo.

    .venv/bin/materials --db sqlite:////tmp/plan_city.db seed --scale city      # once, takes minutes
    flock /tmp/bench.lock .venv/bin/python bench/plan.py --db sqlite:////tmp/plan_city.db --runs 3 --fresh --drift 50

Runs the same service the CLI runs (`run_plan`), in this process, and reports wall and CPU time per stage (read,
compute, write), what the library holds, and what planning produced; then the weeding list on its own. The target
is **≤ 30 s** for a plan of the city demo (1 million items × 20 branches). `--fresh` makes the first run the first
night (every Target row written); later runs are the steady state (only the titles whose rows changed are
rewritten, the open suggestions are replaced), with `--drift` a day's worth of changes to put right.
"""

import argparse
import json
import os
import resource
import time
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from logistics.planning.config import PlanningConfig
from logistics.planning.plan import run_plan
from logistics.planning.weeding import weeding_candidates
from materials.clock import SystemClock
from materials.db import get_engine

TARGET_SECONDS = 30.0


def library_size(session: Session) -> dict[str, int]:
    counts = {}
    for table in ("branch", "title", "item", "loan", "forecast"):
        counts[table] = int(session.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one())
    conditions = session.execute(text("SELECT COALESCE(condition, 'not assessed'), COUNT(*) FROM item GROUP BY 1"))
    counts.update({f"item {condition}": int(n) for condition, n in conditions})
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True, help="database URL holding the city demo")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--fresh", action="store_true", help="empty the Target table first (the first night's plan)")
    parser.add_argument("--weeding", action="store_true", help="also time the weeding list")
    parser.add_argument(
        "--drift",
        type=int,
        default=0,
        help="before each run after the first, count one more copy held on every Nth Target row, as check-in's "
        "claims do during a day (e.g. 50: 2 %% of the rows); the plan puts those titles right",
    )
    args = parser.parse_args()
    engine = get_engine(args.db)
    config = PlanningConfig()
    report: dict[str, Any] = {"db": engine.url.render_as_string(hide_password=True), "runs": []}
    with Session(engine, expire_on_commit=False) as session:
        report["library"] = library_size(session)
        if args.fresh:
            session.execute(text("DELETE FROM target"))
            session.execute(text("DELETE FROM movesuggestion WHERE state = 'suggested'"))
        session.commit()
        for n in range(args.runs):
            if n and args.drift:
                session.execute(
                    text(f"UPDATE target SET held = held + 1, deficit = deficit - 1 WHERE id % {args.drift} = 0")
                )
                session.commit()
            started = time.perf_counter()
            result = run_plan(session, at=SystemClock().now(), config=config, actor="bench")
            wall = time.perf_counter() - started
            report["runs"].append(
                {
                    "seconds": round(wall, 2),
                    "stages": result.seconds,
                    "cpu": result.cpu_seconds,
                    "rows_written": result.targets.rows_written,
                    "demand": result.demand_source,
                    "targets": result.targets.rows,
                    "copies_wanted": result.targets.copies_wanted,
                    "short": result.targets.deficit_copies,
                    "over": result.targets.surplus_copies,
                    "moves": result.moves,
                }
            )
        if args.weeding:
            started, cpu = time.perf_counter(), time.process_time()
            weeding = weeding_candidates(session, config=config, at=SystemClock().now(), limit=500)
            report["weeding"] = {"seconds": round(time.perf_counter() - started, 2), "cpu": round(time.process_time() - cpu, 2),
                                 "candidates": len(weeding)}  # fmt: skip
    report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    report["load_average"] = [round(x, 1) for x in os.getloadavg()]
    report["within_target"] = all(run["seconds"] <= TARGET_SECONDS for run in report["runs"])
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return
    print(f"library: {report['library']}")
    for n, run in enumerate(report["runs"], start=1):
        stages = ", ".join(f"{k} {v:.1f}/{run['cpu'][k]:.1f}" for k, v in run["stages"].items())
        cpu = sum(run["cpu"].values())
        print(f"plan run {n}: {run['seconds']:.1f} s wall, {cpu:.1f} s cpu (stages wall/cpu s: {stages}); "
              f"demand from {run['demand']}; "
              f"{run['targets']:,} targets ({run['rows_written']:,} written), {run['short']:,} copies short, "
              f"{run['moves']:,} moves")  # fmt: skip
    if "weeding" in report:
        w = report["weeding"]
        print(f"weeding: {w['seconds']:.1f} s wall, {w['cpu']:.1f} s cpu, {w['candidates']} candidates (limit 500)")
    print(f"peak RSS {report['peak_rss_mb']} MB; load average {report['load_average']} on {os.cpu_count()} cores; "
          f"within {TARGET_SECONDS:.0f} s: {report['within_target']}")  # fmt: skip


if __name__ == "__main__":
    main()
