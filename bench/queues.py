"""Work-queue benchmark: listing one station's queue with 200,000 open tasks in the database (target ≤ 50 ms).

    .venv/bin/python bench/queues.py --db sqlite:////tmp/queues.db

Works on a fresh SQLite file (created and migrated if empty) or any migrated database: it adds `--tasks` open tasks
spread over `--stations` stations and the seven task kinds (plus as many closed ones, which the partial index
leaves out), then times `materials.services.queues.station_queue` for a busy station, for one kind at that station,
and for a station holding a quarter of all open tasks. It prints the query plan of the per-kind query.
"""

import argparse
import json
import os
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, text
from sqlmodel import Session

from materials.db import get_engine, has_tables, migrate
from materials.domain.states import BranchKind, TaskKind, TaskState
from materials.models import Branch, Station, Task
from materials.services.queues import station_queue

START = datetime(2026, 11, 1, tzinfo=UTC)


def fill(url: str, *, tasks: int, stations: int, seed: int = 7) -> list[str]:
    engine = get_engine(url)
    if not has_tables(engine):
        migrate(engine)
    rng = random.Random(seed)
    with Session(engine) as session:
        branch = Branch(isil="DK-719999", name="Bench", kind=BranchKind.BRANCH)
        session.add(branch)
        session.flush()
        names = [f"bench-{n:02d}" for n in range(stations)]
        session.add_all(Station(name=name, branch_id=branch.id or 0, kind="scan") for name in names)
        session.commit()
        kinds = list(TaskKind)
        # A quarter of the open tasks at the first station: the worst queue on the wall.
        rows = []
        for n in range(tasks * 2):
            station = names[0] if n % 4 == 0 else rng.choice(names)
            rows.append(
                {
                    "kind": rng.choice(kinds),
                    "state": TaskState.OPEN if n % 2 == 0 else TaskState.DONE,
                    "station": station,
                    "branch_id": branch.id,
                    "reason": "bench",
                    "created_at": START + timedelta(seconds=rng.randrange(30 * 86400)),
                }
            )
            if len(rows) == 20_000:
                session.execute(insert(Task), rows)
                rows = []
        if rows:
            session.execute(insert(Task), rows)
        session.commit()
    engine.dispose()
    return names


def time_queue(url: str, station: str, kind: TaskKind | None, runs: int) -> dict[str, float]:
    engine = get_engine(url)
    timings = []
    with Session(engine.execution_options(readonly=True)) as session:
        station_queue(session, station, kind=kind)  # warm the places cache and the page cache
        for _ in range(runs):
            t0 = time.perf_counter()
            tasks = station_queue(session, station, kind=kind)
            timings.append((time.perf_counter() - t0) * 1000)
            session.rollback()
    engine.dispose()
    ordered = sorted(timings)
    return {
        "rows": len(tasks),
        "p50_ms": round(statistics.median(timings), 2),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(0.99 * (len(ordered) - 1)))], 2),
        "max_ms": round(ordered[-1], 2),
    }


def plan(url: str, station: str) -> str:
    engine = get_engine(url)
    query = (
        "EXPLAIN QUERY PLAN SELECT * FROM task WHERE station = :s AND kind = 'sort' AND state = 'open' "
        "ORDER BY created_at LIMIT 200"
    )
    if engine.dialect.name != "sqlite":
        query = query.replace("EXPLAIN QUERY PLAN", "EXPLAIN")
    with engine.connect() as conn:
        lines = [str(row[-1]) for row in conn.execute(text(query), {"s": station})]
    engine.dispose()
    return " | ".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--tasks", type=int, default=200_000, help="open tasks to add (as many closed ones too)")
    parser.add_argument("--stations", type=int, default=44)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    names = fill(args.db, tasks=args.tasks, stations=args.stations)
    report = {
        "open_tasks_added": args.tasks,
        "busy_station_all_kinds": time_queue(args.db, names[0], None, args.runs),
        "busy_station_one_kind": time_queue(args.db, names[0], TaskKind.SORT, args.runs),
        "ordinary_station_all_kinds": time_queue(args.db, names[1], None, args.runs),
        "plan": plan(args.db, names[0]),
        "load_average": round(os.getloadavg()[0], 2),
    }
    print(json.dumps(report, indent=None if args.json else 2))


if __name__ == "__main__":
    main()
