"""Benchmark: the demo's history to the weekly title × branch panel.

    .venv/bin/python bench/pipeline.py --source /tmp/city_pq [--batches 16] [--compare 16]

1. The whole panel with polars (`logistics.pipeline.write_panel`, title batches written to Parquet), in a child
   process so that its peak memory (max RSS) is measured alone. Targets: ≤ 60 s and ≤ 2 GB.
2. The same panel for one title batch (`title_id % compare == 0`) with polars and with the straightforward pandas
   reference (bench/pandas_panel.py), on the same data in the same run; the outputs must be equal, and polars must
   be ≥ 5× faster. (The reference on the whole city demo would need well over 10 GB in pandas.)

`--source` is a folder as written by `materials seed --parquet DIR`, or a database URL for step 1.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl
from polars.testing import assert_frame_equal

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from logistics.pipeline import IN_MEMORY, last_complete_week, load_history, panel_frame, prepare, write_panel


def polars_full(source: str, batches: int) -> dict[str, float]:
    """Run in a child process: load, clean, build and write the whole panel (stage times are wall seconds)."""
    started = time.perf_counter()
    history = load_history(source)
    loaded = time.perf_counter()
    prepared = prepare(history, last_complete_week(history.loans))
    cells = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_panel(history, Path(tmp) / "panel", batches=batches, prepared=prepared)
        done = time.perf_counter()
        panel = pl.scan_parquet(folder / "*.parquet")
        rows = panel.select(pl.len()).collect().item()
        columns = len(panel.collect_schema())
        size = sum(p.stat().st_size for p in folder.glob("*.parquet"))
    return {
        "seconds": done - started, "load_seconds": loaded - started, "cells_seconds": cells - loaded,
        "batches_seconds": done - cells, "rows": rows, "columns": columns, "parquet_mb": size / 1e6,
    }  # fmt: skip


def polars_batch(source: str, compare: int) -> tuple[pl.DataFrame, float, float]:
    started, cpu = time.perf_counter(), time.process_time()
    # Same data, same steps as the reference: the whole history is loaded and cleaned, one title batch is built.
    history = load_history(source)
    prepared = prepare(history, last_complete_week(history.loans))
    frame = panel_frame(history, prepared, batch=(0, compare)).collect(engine=IN_MEMORY)
    return frame, time.perf_counter() - started, time.process_time() - cpu


def pandas_batch(source: str, compare: int) -> tuple[pl.DataFrame, float, float]:
    from bench.pandas_panel import pandas_panel

    started, cpu = time.perf_counter(), time.process_time()
    frame = pandas_panel(source, compare)
    return pl.from_pandas(frame), time.perf_counter() - started, time.process_time() - cpu


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def assert_same(fast: pl.DataFrame, slow: pl.DataFrame) -> None:
    slow = slow.select(fast.columns).cast(dict(fast.schema), strict=False)  # type: ignore[arg-type]
    assert_frame_equal(fast, slow, check_exact=False, rel_tol=1e-5, abs_tol=1e-4)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", required=True)
    parser.add_argument("--batches", type=int, default=16)
    parser.add_argument("--compare", type=int, default=16, help="Compare with pandas on 1/N of the titles (0: skip).")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(polars_full(args.source, args.batches)))
        return
    loads = {"before": load_average()}
    child = subprocess.run(
        [sys.executable, __file__, "--child", "--source", args.source, "--batches", str(args.batches)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    full = json.loads(child.stdout.strip().splitlines()[-1])
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    full["peak_rss_mb"] = usage.ru_maxrss / 1024
    full["cpu_seconds"] = usage.ru_utime + usage.ru_stime
    print(f"polars, whole panel: {full['seconds']:.1f} s wall, {full['cpu_seconds']:.1f} s CPU (loading "
          f"{full['load_seconds']:.1f} s, cells {full['cells_seconds']:.1f} s, batches {full['batches_seconds']:.1f} s), "
          f"{full['rows']:,} rows × {full['columns']}, peak RSS {full['peak_rss_mb']:.0f} MB")  # fmt: skip
    loads["after_full"] = load_average()
    result: dict[str, object] = {"full": full, "load_average": loads}
    if args.compare and not args.source.startswith(("sqlite", "postgres")):
        fast, fast_s, fast_cpu = polars_batch(args.source, args.compare)
        slow, slow_s, slow_cpu = pandas_batch(args.source, args.compare)
        assert_same(fast, slow)
        print(f"1/{args.compare} of the titles ({fast.height:,} rows): polars {fast_s:.1f} s ({fast_cpu:.1f} s CPU), "
              f"pandas {slow_s:.1f} s ({slow_cpu:.1f} s CPU), {slow_s / fast_s:.1f}× faster; outputs equal")  # fmt: skip
        result["compare"] = {
            "rows": fast.height, "polars_s": fast_s, "polars_cpu_s": fast_cpu, "pandas_s": slow_s,
            "pandas_cpu_s": slow_cpu, "speedup": slow_s / fast_s,
        }  # fmt: skip
        loads["after_compare"] = load_average()
    print(f"load average {loads}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
