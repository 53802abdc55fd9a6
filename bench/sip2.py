"""Benchmark the SIP2 server: check-ins per second and p50/p99 latency over loopback with 1, 8 and 32 clients.

The server runs as its own process (`materials sip2 serve`), exactly as in production; the clients are asyncio
connections in this process that log in and then check in copies that are on loan, one after the other, each
waiting for its answer (a sorter does the same). Every check-in goes through the real check-in service and commits.

    .venv/bin/python bench/sip2.py --db sqlite:////tmp/sip2_city.db
    .venv/bin/python bench/sip2.py --db postgresql://materials:materials@localhost/sip2_city --clients 1,8,32

The database must hold a seeded library (`materials seed --scale city`); the run changes it (copies are checked
in), so each run takes copies still on loan. Loopback only.
"""

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from sqlmodel import Session, col, select

from materials.db import get_engine
from materials.domain.states import ItemStatus
from materials.models import Item, Sip2Account
from materials.services.auth import add_sip2_account
from materials.services.checkin import check_in
from materials.sip2.codec import format_frame, parse_frame

HOST = "127.0.0.1"
PASSWORD = "bench-password"
STATIONS = ("sortering-1", "sortering-2", "sortering-3", "sortering-4")
DATE = "20261127    101500"


@dataclass
class Result:
    message: str
    database: str
    clients: int
    offered_per_second: float | None  # paced runs (--rate); None: each client asks again as soon as answered
    checkins: int
    failed: int
    seconds: float
    per_second: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    # CPU of the process doing the work (the server; for "direct" this process) per request, and the load average
    # (1 min) when the level ended: on a shared machine the wall figures mean little without them.
    cpu_ms_per_request: float
    load: float


def prepare(url: str, total: int) -> list[str]:
    """One SIP2 account per sorting-room station, and `total` barcodes of copies on loan."""
    engine = get_engine(url)
    with Session(engine) as session:
        for station in STATIONS:
            name = f"bench-{station}"
            if session.exec(select(Sip2Account).where(Sip2Account.name == name)).first() is None:
                add_sip2_account(session, name=name, password=PASSWORD, location_code=station)
        query = select(Item.barcode).where(Item.status == ItemStatus.ON_LOAN).order_by(col(Item.id)).limit(total)
        barcodes = list(session.exec(query))
    engine.dispose()
    if len(barcodes) < total:
        raise SystemExit(f"only {len(barcodes)} copies on loan; seed a fresh database")
    return barcodes


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def start_server(url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    entry = "from materials.cli import main; main()"
    command = [sys.executable, "-c", entry, "--db", url, "sip2", "serve", "--host", HOST, "--port", str(port)]
    command += ["--workers", str(workers), "--log-level", "WARNING"]
    process = subprocess.Popen(command)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection((HOST, port), timeout=1).close()
            return process
        except OSError:
            if process.poll() is not None:
                raise SystemExit("the SIP2 server did not start") from None
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the SIP2 server did not open its port within 60 s")


async def machine(
    port: int,
    station: str,
    barcodes: list[str],
    latencies: list[float],
    message: str,
    pace: tuple[float, float] | None = None,
) -> int:
    """One sorter: log in, then check in each copy and wait for the answer. Returns the number not answered well.

    With message "17" it asks for item information instead: the protocol and the server without the check-in.
    With `pace` = (interval, phase) in seconds, copy i is due at start + phase + i × interval (the sorter's belt
    brings it then) and its latency counts from then, so answers that fall behind are counted in full.
    """
    reader, writer = await asyncio.open_connection(HOST, port)
    sequence = 0

    async def ask(command: str, fixed: str, fields: list[tuple[str, object]]) -> bytes:
        nonlocal sequence
        sequence = (sequence + 1) % 10
        writer.write(format_frame(command, fixed, fields, sequence=str(sequence)))
        await writer.drain()
        return await reader.readuntil(b"\r")

    login = parse_frame(await ask("93", "00", [("CN", f"bench-{station}"), ("CO", PASSWORD)]))
    if login.fixed != "1":
        raise SystemExit(f"login as bench-{station} refused")
    failed = 0
    start = time.perf_counter()
    for i, barcode in enumerate(barcodes):
        started = time.perf_counter()
        if pace is not None:
            due = start + pace[1] + i * pace[0]
            if due > started:
                await asyncio.sleep(due - started)
            started = due
        if message == "09":
            reply = await ask("09", "N" + DATE + DATE, [("AP", station), ("AO", ""), ("AB", barcode)])
            failed += parse_frame(reply).fixed[:1] != "1"
        else:
            reply = await ask("17", DATE, [("AO", ""), ("AB", barcode)])
            failed += parse_frame(reply).fixed[:2] != "04"
        latencies.append(time.perf_counter() - started)
    writer.close()
    await writer.wait_closed()
    return failed


async def run_level(
    port: int, clients: int, barcodes: list[str], message: str, rate: float = 0.0
) -> tuple[list[float], int, float]:
    """All clients at once; with `rate` (requests a second from all clients together) each client is paced, the
    clients taking turns, instead of asking again as soon as it is answered."""
    latencies: list[float] = []
    shares = [barcodes[n::clients] for n in range(clients)]
    interval = clients / rate if rate > 0 else 0.0
    started = time.perf_counter()
    failures = await asyncio.gather(
        *(
            machine(
                port, STATIONS[n % len(STATIONS)], shares[n], latencies, message,
                (interval, n * interval / clients) if rate > 0 else None,
            )
            for n in range(clients)
        )
    )  # fmt: skip
    return latencies, sum(failures), time.perf_counter() - started


def direct(url: str, warmup: list[str], barcodes: list[str]) -> tuple[list[float], int, float, float]:
    """The same check-ins called in this process, without SIP2: what the protocol and the server add is the rest."""
    engine = get_engine(url)
    latencies: list[float] = []
    failed = 0
    with Session(engine, expire_on_commit=False) as session:
        for barcode in warmup:
            check_in(session, barcode, STATIONS[0], datetime.now(UTC), actor="bench-direct")
        started, cpu = time.perf_counter(), time.process_time()
        for barcode in barcodes:
            began = time.perf_counter()
            decision = check_in(session, barcode, STATIONS[0], datetime.now(UTC), actor="bench-direct")
            latencies.append(time.perf_counter() - began)
            failed += decision.item_id is None
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    engine.dispose()
    return latencies, failed, seconds, cpu


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_average() -> float:
    return os.getloadavg()[0]


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="database URL of a seeded library (it is changed)")
    parser.add_argument("--clients", default="1,8,32", help="comma list of concurrent connections")
    parser.add_argument("--checkins", type=int, default=2000, help="check-ins per level")
    parser.add_argument(
        "--warmup", type=int, default=100,
        help="check-ins before each level, by as many clients as it has (every server thread's caches warm), not measured",
    )  # fmt: skip
    parser.add_argument("--workers", type=int, default=8, help="server threads doing database work")
    parser.add_argument("--direct", action="store_true", help="first the same check-ins in process, no SIP2")
    parser.add_argument("--message", choices=["09", "17"], default="09", help="09 checkin, or 17 item information")
    parser.add_argument(
        "--rate", type=float, default=0.0, help="paced: requests a second offered by all clients together "
        "(latency counted from when a copy was due); default: each client asks again as soon as answered",
    )  # fmt: skip
    args = parser.parse_args()
    levels = [int(n) for n in args.clients.split(",")]
    runs: list[tuple[str, int]] = [("direct", 1)] if args.direct and args.message == "09" else []
    runs += [(args.message, clients) for clients in levels]
    barcodes = prepare(args.db, (args.warmup + args.checkins) * len(runs))
    port = free_port()
    server = start_server(args.db, port, args.workers)
    database = args.db.split(":", 1)[0].split("+")[0]
    results: list[Result] = []
    try:
        offset = 0
        for message, clients in runs:
            warm = barcodes[offset : offset + args.warmup]
            chunk = barcodes[offset + args.warmup : offset + args.warmup + args.checkins]
            offset += args.warmup + args.checkins
            if message == "direct":
                latencies, failed, seconds, cpu = direct(args.db, warm, chunk)
            else:
                asyncio.run(run_level(port, clients, warm, message))
                cpu_before = cpu_seconds(server.pid)
                latencies, failed, seconds = asyncio.run(run_level(port, clients, chunk, message, args.rate))
                cpu = cpu_seconds(server.pid) - cpu_before
            ms = [x * 1000 for x in latencies]
            result = Result(
                message=message,
                database=database, clients=clients, offered_per_second=(args.rate or None) if message != "direct" else None,
                checkins=len(ms), failed=failed, seconds=round(seconds, 2),
                per_second=round(len(ms) / seconds, 1), p50_ms=round(percentile(ms, 50), 2),
                p99_ms=round(percentile(ms, 99), 2), max_ms=round(max(ms), 2),
                cpu_ms_per_request=round(cpu * 1000 / len(ms), 2), load=round(load_average(), 2),
            )  # fmt: skip
            results.append(result)
            print(json.dumps(asdict(result)), flush=True)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)
    cpus = os.cpu_count()
    header = (
        "| message | database | clients | offered / s | requests | failed | per s | p50 ms | p99 ms | max ms "
        "| CPU ms / req | load |"
    )
    print(f"\n{header}  (cpus: {cpus})")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        offered = r.offered_per_second or "as fast as answered"
        row = [r.message, r.database, r.clients, offered, r.checkins, r.failed, r.per_second, r.p50_ms, r.p99_ms]
        row += [r.max_ms]
        row += [r.cpu_ms_per_request, r.load]
        print("| " + " | ".join(str(v) for v in row) + " |")


if __name__ == "__main__":
    main()
