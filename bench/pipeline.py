"""Benchmark: the demo's history to the weekly title × branch panel.

    .venv/bin/python bench/pipeline.py --source /tmp/city_pq [--batches 8] [--compare 16]

1. The whole panel with polars (`logistics.pipeline.write_panel`, title batches written to Parquet), in a child
   process so that its peak memory (max RSS) is measured alone. Targets: ≤ 60 s and ≤ 2 GB.
2. The same panel for one title batch (`title_id % compare == 0`) with polars and with the straightforward pandas
   reference (bench/pandas_panel.py), on the same data in the same run; the outputs must be equal, and polars must
   be ≥ 5× faster. (The reference on the whole city demo would need well over 10 GB in pandas.)

`--source` is a folder as written by `materials seed --parquet DIR`, or a database URL for step 1.
"""

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl
from polars.testing import assert_frame_equal

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from logistics.pipeline import last_complete_week, load_history, panel_frame, prepare, write_panel


def polars_full(source: str, batches: int) -> dict[str, float]:
    """Run in a child process: load, clean, build and write the whole panel."""
    started = time.perf_counter()
    history = load_history(source)
    loaded = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_panel(history, Path(tmp) / "panel", batches=batches)
        rows = pl.scan_parquet(folder / "*.parquet").select(pl.len()).collect().item()
        size = sum(p.stat().st_size for p in folder.glob("*.parquet"))
    return {"seconds": time.perf_counter() - started, "load_seconds": loaded, "rows": rows, "parquet_mb": size / 1e6}


def polars_batch(source: str, compare: int) -> tuple[pl.DataFrame, float]:
    started = time.perf_counter()
    # Same data, same steps as the reference: the whole history is loaded and cleaned, one title batch is built.
    history = load_history(source)
    prepared = prepare(history, last_complete_week(history.loans))
    frame = panel_frame(history, prepared, batch=(0, compare)).sort("title_id", "branch_id", "week").collect()
    return frame, time.perf_counter() - started


def pandas_batch(source: str, compare: int) -> tuple[pl.DataFrame, float]:
    from bench.pandas_panel import pandas_panel

    started = time.perf_counter()
    frame = pandas_panel(source, compare)
    seconds = time.perf_counter() - started
    return pl.from_pandas(frame), seconds


def assert_same(fast: pl.DataFrame, slow: pl.DataFrame) -> None:
    slow = slow.select(fast.columns).cast(dict(fast.schema), strict=False)  # type: ignore[arg-type]
    assert_frame_equal(fast, slow, check_exact=False, rel_tol=1e-5, abs_tol=1e-4)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", required=True)
    parser.add_argument("--batches", type=int, default=8)
    parser.add_argument("--compare", type=int, default=16, help="Compare with pandas on 1/N of the titles.")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(polars_full(args.source, args.batches)))
        return
    child = subprocess.run(
        [sys.executable, __file__, "--child", "--source", args.source, "--batches", str(args.batches)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    full = json.loads(child.stdout.strip().splitlines()[-1])
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    full["peak_rss_mb"] = usage.ru_maxrss / 1024
    full["cpu_seconds"] = usage.ru_utime + usage.ru_stime
    print(f"polars, whole panel: {full['seconds']:.1f} s wall, {full['cpu_seconds']:.1f} s CPU "
          f"(loading {full['load_seconds']:.1f} s), {full['rows']:,} rows, peak RSS {full['peak_rss_mb']:.0f} MB")  # fmt: skip
    result = {"full": full}
    if not args.source.startswith(("sqlite", "postgres")):
        fast, fast_s = polars_batch(args.source, args.compare)
        slow, slow_s = pandas_batch(args.source, args.compare)
        assert_same(fast, slow)
        print(f"1/{args.compare} of the titles ({fast.height:,} rows): polars {fast_s:.1f} s, pandas {slow_s:.1f} s, "
              f"{slow_s / fast_s:.1f}× faster; outputs equal")  # fmt: skip
        result["compare"] = {"rows": fast.height, "polars_s": fast_s, "pandas_s": slow_s, "speedup": slow_s / fast_s}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
