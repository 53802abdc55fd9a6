"""Check-in benchmark: sustained check-ins per second and p50/p99 latency, 1 or N stations, SQLite or PostgreSQL.

Run on the city demo (`materials seed --scale city`):

    .venv/bin/python bench/checkin.py --db sqlite:////tmp/city.db --stations 1 --per-station 3000
    .venv/bin/python bench/checkin.py --db postgresql://materials:materials@localhost/bench_city --stations 8
    .venv/bin/python bench/checkin.py --db sqlite:////tmp/city.db --station sortering-1   # the sorting room: crates

Each station is its own process with its own session (as a return machine or a sorter scan station would be); with
one station it runs in this process. A station checks in copies that are on loan (the real return stream: the loan
is closed, the route decided, the copy crated or given a shelve task, the decision logged), first a short warm-up,
then the measured run; all stations start together. Latency is measured around `check_in`, commit included.
Stations are return machines (`automat-…`) unless `--station` names one (a sorting-room station puts every copy in a
crate). On a PostgreSQL server on this machine the server's own CPU per check-in is read from /proc as well: all
processes of the server's user, exited backends included through the postmaster's child time.
The run consumes on-loan copies, so every run sees a slightly different library; the demo has plenty.
"""

import argparse
import json
import multiprocessing as mp
import os
import statistics
import time
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from materials.clock import SystemClock
from materials.db import get_engine
from materials.services.checkin import check_in


@dataclass
class StationRun:
    station: str
    latencies_ms: list[float]
    started: float
    finished: float
    cpu_s: float
    kinds: dict[str, int]


def on_loan_barcodes(url: str, n: int, offset: int) -> list[str]:
    engine = get_engine(url)
    query = text("SELECT barcode FROM item WHERE status = 'on_loan' ORDER BY id LIMIT :n OFFSET :offset")
    with engine.connect() as conn:
        codes = [row[0] for row in conn.execute(query, {"n": n, "offset": offset})]
    engine.dispose()
    return codes


def postgres_cpu_s() -> float | None:
    """CPU seconds of every process of the local `postgres` user so far, children that ended included (Linux)."""
    try:
        import pwd

        uid = pwd.getpwnam("postgres").pw_uid
    except KeyError:
        return None
    total = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.stat(f"/proc/{pid}").st_uid != uid:
                continue
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        total += sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
    return total / os.sysconf("SC_CLK_TCK")


def return_stations(url: str, n: int) -> list[str]:
    engine = get_engine(url)
    with engine.connect() as conn:
        names = [row[0] for row in conn.execute(text("SELECT name FROM station WHERE kind = 'automat' ORDER BY name"))]
    engine.dispose()
    if len(names) < n:
        raise SystemExit(f"the database has {len(names)} return-machine stations, {n} asked for")
    return names[:n]


def run_station(
    url: str,
    station: str,
    warmup: list[str],
    measured: list[str],
    barrier: Any,
    interval: float = 0.0,
    phase: float = 0.0,
) -> StationRun:
    """Check in `measured` after `warmup`. With `interval` (seconds) the scans are paced: scan i is due at start +
    phase + i × interval and its latency counts from when it was due, so a station that falls behind shows it."""
    engine = get_engine(url, background_checkpoint=os.environ.get("BENCH_CHECKPOINTER", "1") == "1")  # 0: A/B
    clock = SystemClock()
    kinds: dict[str, int] = {}
    with Session(engine, expire_on_commit=False) as session:
        for code in warmup:
            check_in(session, code, station, clock.now())
        if barrier is not None:
            barrier.wait()
        latencies = []
        cpu0, started = time.process_time(), time.perf_counter()
        for i, code in enumerate(measured):
            t0 = time.perf_counter()
            if interval > 0:
                due = started + phase + i * interval
                if due > t0:
                    time.sleep(due - t0)
                t0 = due
            decision = check_in(session, code, station, clock.now())
            latencies.append((time.perf_counter() - t0) * 1000)
            kinds[str(decision.kind)] = kinds.get(str(decision.kind), 0) + 1
        finished = time.perf_counter()
        cpu = time.process_time() - cpu0
    engine.dispose()
    return StationRun(station, latencies, started, finished, cpu, kinds)


def _child(args: tuple[str, str, list[str], list[str], Any, Any, float, float]) -> None:
    url, station, warmup, measured, barrier, results, interval, phase = args
    results.put(asdict(run_station(url, station, warmup, measured, barrier, interval, phase)))


def python_loop_ms() -> float:
    """A yardstick for the machine: a million additions in CPython (about 30-40 ms on an idle modern core)."""
    t0, x = time.perf_counter(), 0
    for i in range(1_000_000):
        x += i
    return round((time.perf_counter() - t0) * 1000, 1)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", required=True, help="database URL of a seeded city demo")
    parser.add_argument("--stations", type=int, default=1)
    parser.add_argument("--per-station", type=int, default=2000, help="measured check-ins per station")
    parser.add_argument("--warmup", type=int, default=50, help="check-ins per station before measuring")
    parser.add_argument("--offset", type=int, default=0, help="skip this many on-loan copies (to vary runs)")
    parser.add_argument("--station", help="check in at this station (one station), e.g. sortering-1")
    parser.add_argument(
        "--rate", type=float, default=0.0, help="paced: check-ins per second offered by all stations together "
        "(latency counted from when a scan was due); default: each station scans again as soon as answered",
    )  # fmt: skip
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    if args.station and args.stations != 1:
        raise SystemExit("--station names one station: use it with --stations 1")
    stations = [args.station] if args.station else return_stations(args.db, args.stations)
    postgres = get_engine(args.db).dialect.name == "postgresql"
    per = args.warmup + args.per_station
    codes = on_loan_barcodes(args.db, per * args.stations, args.offset)
    if len(codes) < per * args.stations:
        raise SystemExit(f"only {len(codes)} copies on loan; ask for fewer check-ins")
    chunks = [codes[i * per : (i + 1) * per] for i in range(args.stations)]
    interval = args.stations / args.rate if args.rate > 0 else 0.0
    load_before, yardstick = os.getloadavg()[0], python_loop_ms()
    server_before = postgres_cpu_s() if postgres else None
    if args.stations == 1:
        runs = [run_station(args.db, stations[0], chunks[0][: args.warmup], chunks[0][args.warmup :], None, interval)]
    else:
        ctx = mp.get_context("spawn")
        barrier, results = ctx.Barrier(args.stations), ctx.Queue()
        n = args.stations
        procs = [
            ctx.Process(
                target=_child,
                # Stations paced at the same rate scan in turn, not all at the same instant.
                args=((args.db, s, c[: args.warmup], c[args.warmup :], barrier, results, interval, k * interval / n),),
            )
            for k, (s, c) in enumerate(zip(stations, chunks, strict=True))
        ]
        for p in procs:
            p.start()
        runs = [StationRun(**results.get()) for _ in procs]
        for p in procs:
            p.join()
    server_after = postgres_cpu_s() if postgres else None
    latencies = [ms for run in runs for ms in run.latencies_ms]
    wall = max(r.finished for r in runs) - min(r.started for r in runs)
    kinds: dict[str, int] = {}
    for run in runs:
        for kind, n in run.kinds.items():
            kinds[kind] = kinds.get(kind, 0) + n
    report = {
        "database": get_engine(args.db).dialect.name,
        "stations": args.stations,
        "station": stations[0] if args.station else "automat-…",
        "offered_per_second": args.rate or None,
        "checkins": len(latencies),
        "per_second": round(len(latencies) / wall, 1),
        "p50_ms": round(statistics.median(latencies), 2),
        "p99_ms": round(percentile(latencies, 99), 2),
        "max_ms": round(max(latencies), 2),
        "cpu_ms_per_checkin": round(sum(r.cpu_s for r in runs) / len(latencies) * 1000, 2),
        # Warm-up check-ins included (the server's CPU cannot be split by phase): a slight over-estimate.
        "server_cpu_ms_per_checkin": None
        if server_before is None or server_after is None
        else round((server_after - server_before) / (len(latencies) + args.warmup * len(runs)) * 1000, 2),
        "load_average_before": round(load_before, 2),
        "cpus": os.cpu_count(),
        "python_loop_ms": yardstick,
        "decisions": kinds,
    }
    if args.json:
        print(json.dumps(report))
    else:
        for key, value in report.items():
            print(f"{key:>22}: {value}")


if __name__ == "__main__":
    main()
