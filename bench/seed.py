"""Benchmark: `materials seed --scale city` on SQLite and PostgreSQL — wall time and peak memory.

Each seed runs as its own child process (after `materials init` in another), so its peak resident memory is read
from that child's rusage alone. Targets (issue 2): at most 5 minutes and 4 GB on the 2-core machine.

    .venv/bin/python bench/seed.py [--postgres URL] [--scale city] [--skip-sqlite] [--out results.json]

The PostgreSQL URL comes from --postgres or MATERIALS_BENCH_POSTGRES_URL; the benchmark creates (and drops
afterwards) a database of its own on that server.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import make_url, text

from materials.db import get_engine

LIMIT_SECONDS = 300
LIMIT_BYTES = 4 * 1024**3
CLI = [sys.executable, "-c", "from materials.cli import main; main()"]


def run_child(args: list[str]) -> tuple[float, float, int, str]:
    """Run the CLI in a child process: (wall seconds, CPU seconds, peak RSS bytes of that child, stdout)."""
    started = time.perf_counter()
    child = subprocess.Popen([*CLI, *args], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    out = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed with exit code {child.returncode}")
    cpu = usage.ru_utime + usage.ru_stime
    return wall, cpu, usage.ru_maxrss * 1024, out  # ru_maxrss is in kilobytes on Linux


def bench(label: str, url: str, scale: str) -> dict[str, Any]:
    run_child(["--db", url, "init"])
    load_before = os.getloadavg()[0]
    wall, cpu, peak, out = run_child(["--db", url, "seed", "--scale", scale, "--json"])
    load_after = os.getloadavg()[0]
    result = {
        "database": label,
        "scale": scale,
        "seconds": round(wall, 1),
        "cpu_seconds": round(cpu, 1),
        "peak_mb": round(peak / 1024**2),
        "load_average": [round(load_before, 1), round(load_after, 1)],
        "counts": json.loads(out),
        "within_limits": wall <= LIMIT_SECONDS and peak <= LIMIT_BYTES,
    }
    print(
        f"{label:<11} {wall:8.1f} s wall {cpu:8.1f} s CPU {peak / 1024**2:8.0f} MB peak  "
        f"load {load_before:.1f}->{load_after:.1f}  {result['counts']}",
        flush=True,
    )
    return result


def postgres_database(admin_url: str, name: str, *, create: bool) -> str:
    admin = get_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if create:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", default=os.environ.get("MATERIALS_BENCH_POSTGRES_URL"))
    parser.add_argument("--scale", default="city")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--out", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args()
    results = []
    print(f"seed --scale {args.scale} on {platform.node()} ({os.cpu_count()} cores)", flush=True)
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            results.append(bench("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}", args.scale))
    if args.postgres:
        url = postgres_database(args.postgres, "materials_bench_seed", create=True)
        try:
            results.append(bench("PostgreSQL", url, args.scale))
        finally:
            postgres_database(args.postgres, "materials_bench_seed", create=False)
    else:
        print("PostgreSQL skipped: give --postgres URL or MATERIALS_BENCH_POSTGRES_URL", flush=True)
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
