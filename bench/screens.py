"""How long each screen takes to rerun on the server, on a big library with 200,000 open tasks.

    python bench/screens.py --db sqlite:///city.db [--open-tasks 200000] [--runs 10] [--json]

Each page runs under streamlit.testing's AppTest, logged in as the role that uses it: one cold run (imports, empty
caches), then `--runs` reruns timed one by one, as a person clicking around sees them. The scan page is also timed
with a real scan (check-in of a copy on loan) in each rerun. When the database holds fewer open tasks than
`--open-tasks`, the benchmark adds open tasks at stations named bench-N, and removes them afterwards.
"""

import argparse
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, select, text
from sqlmodel import Session, col
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dashboard.components.context import USER_KEY, ScreenUser  # noqa: E402
from materials.db import get_engine  # noqa: E402
from materials.domain.states import Role, TaskKind, TaskState  # noqa: E402
from materials.models import Branch, Event, Station, Task  # noqa: E402

PAGES: list[tuple[str, Role, str | None]] = [
    ("scan", Role.STATION, "sortering-1"),
    ("picking", Role.STATION, "pluk-710115"),
    ("crates", Role.STATION, "sortering-1"),
    ("queues", Role.MANAGER, None),
    ("manager", Role.MANAGER, None),
    ("planning", Role.MANAGER, None),
    ("data", Role.DATA, None),
]
BENCH_STATION = "bench-"
KINDS = [TaskKind.SORT, TaskKind.PICK, TaskKind.PACK, TaskKind.SHELVE, TaskKind.EXCEPTION]


def top_up_tasks(session: Session, target: int) -> int:
    """Add open tasks until `target` are open; returns how many were added."""
    have = int(session.execute(select(func.count()).where(col(Task.state) == TaskState.OPEN)).scalar_one())
    missing = max(0, target - have)
    branch_id = session.execute(select(col(Branch.id)).limit(1)).scalar_one()
    now = datetime.now(UTC)
    for start in range(0, missing, 50_000):
        rows = [
            {"kind": KINDS[n % len(KINDS)], "state": TaskState.OPEN, "station": f"{BENCH_STATION}{n % 24}",
             "branch_id": branch_id, "reason": "benchmark", "created_at": now - timedelta(minutes=n % 20_000)}
            for n in range(start, min(missing, start + 50_000))
        ]  # fmt: skip
        session.execute(insert(Task), rows)
        session.commit()
    return missing


def add_events(session: Session, count: int, days: int = 7) -> None:
    """Check-ins and completed tasks spread over the last `days` days, for the manager's figures. The event log is
    append-only (triggers refuse DELETE), so use this on a copy of the database only."""
    stations = list(session.execute(select(col(Station.name)).where(col(Station.kind) == "scan")).scalars()) or [
        "sortering-1"
    ]
    now = datetime.now(UTC)
    step = timedelta(days=days) / max(count, 1)
    for start in range(0, count, 50_000):
        rows = [
            {"at": now - step * n, "station": stations[n % len(stations)], "actor": "bench",
             "kind": "checkin" if n % 3 else "task_done", "payload": {"bench": True}}
            for n in range(start, min(count, start + 50_000))
        ]  # fmt: skip
        session.execute(insert(Event), rows)
        session.commit()


def remove_bench_tasks(session: Session) -> None:
    session.execute(delete(Task).where(Task.station.like(f"{BENCH_STATION}%")))  # type: ignore[attr-defined]
    session.commit()


def barcodes_on_loan(session: Session, n: int) -> list[str]:
    query = text("SELECT barcode FROM item WHERE status = 'on_loan' LIMIT :n")
    return [row[0] for row in session.execute(query, {"n": n})]


def page_test(name: str, role: Role, station: str | None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard" / "pages" / f"{name}.py"), default_timeout=600)
    at.session_state[USER_KEY] = ScreenUser(username=f"bench-{name}", role=role, station=station)
    return at


def timed(fn: Any) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def bench_page(name: str, role: Role, station: str | None, runs: int, scans: list[str]) -> dict[str, Any]:
    at = page_test(name, role, station)
    cold = timed(at.run)
    if at.exception:
        raise RuntimeError(f"page {name} failed: {at.exception[0].message}")
    warm = [timed(at.run) for _ in range(runs)]
    result: dict[str, Any] = {"page": name, "cold_ms": round(cold), "median_ms": round(statistics.median(warm), 1),
                              "max_ms": round(max(warm), 1)}  # fmt: skip
    if name == "scan" and scans:
        scan_ms = []
        for barcode in scans[:runs]:
            at.text_input(key="scan_code").input(barcode)
            at.button(key="scan_submit").click()
            scan_ms.append(timed(at.run))
        result["scan_median_ms"] = round(statistics.median(scan_ms), 1)
        result["scan_max_ms"] = round(max(scan_ms), 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default=os.environ.get("MATERIALS_DATABASE_URL", "sqlite:///demo.db"))
    parser.add_argument("--open-tasks", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--keep-tasks", action="store_true", help="Leave the added open tasks in the database.")
    parser.add_argument(
        "--add-events",
        type=int,
        default=0,
        help="Append this many check-in/task events over the last week (on a copy: they stay).",
    )
    parser.add_argument("--pages", default=",".join(p for p, _, _ in PAGES), help="Comma-separated pages to time.")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    os.environ["MATERIALS_DATABASE_URL"] = args.db
    engine = get_engine(args.db)
    with Session(engine) as session:
        added = top_up_tasks(session, args.open_tasks)
        if args.add_events:
            add_events(session, args.add_events)
        scans = barcodes_on_loan(session, args.runs)
        stations = set(session.execute(select(col(Station.name))).scalars())
    try:
        chosen = [(n, r, s) for n, r, s in PAGES if n in args.pages.split(",")]
        results = [bench_page(n, r, s if s is None or s in stations else None, args.runs, scans) for n, r, s in chosen]
    finally:
        if added and not args.keep_tasks:
            with Session(engine) as session:
                remove_bench_tasks(session)
    if args.json:
        print(json.dumps({"db": engine.url.render_as_string(hide_password=True), "open_tasks": args.open_tasks,
                          "added_tasks": added, "pages": results}, indent=2))  # fmt: skip
        return
    print(f"{engine.url.render_as_string(hide_password=True)}: {args.open_tasks:,} open tasks ({added:,} added)")
    print("| page | cold (ms) | rerun median (ms) | rerun max (ms) | with a scan median / max (ms) |")
    print("|---|---:|---:|---:|---:|")
    for r in results:
        scan = f"{r['scan_median_ms']} / {r['scan_max_ms']}" if "scan_median_ms" in r else ""
        print(f"| {r['page']} | {r['cold_ms']} | {r['median_ms']} | {r['max_ms']} | {scan} |")


if __name__ == "__main__":
    main()
