"""Shared data for the data-side tests: the small demo library (seeded once) and its panel."""

from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine

from logistics.pipeline import History, build_panel, load_history
from materials.db import get_engine, migrate
from tests.logistics.synthetic import build_library

# Small enough for a test run, big enough for the model to learn: fitted on ≤ 30 k rows per horizon.
FAST_PARAMS = {"max_iter": 60, "max_rows": 30_000, "threads": 1}


@pytest.fixture(scope="session")
def small_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """`materials seed --scale small` into its own SQLite file, once per test session."""
    from materials.demo.seed import seed_demo

    path = tmp_path_factory.mktemp("small-demo") / "demo.db"
    engine = get_engine(f"sqlite:///{path}")
    migrate(engine)
    seed_demo(engine, scale="small", seed=2026, force=False, progress=False, parquet_dir=None)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def small_history(small_demo: Engine) -> History:
    return load_history(small_demo.url.render_as_string(hide_password=False))


@pytest.fixture(scope="session")
def small_panel(small_history: History) -> pl.DataFrame:
    return build_panel(small_history)


@pytest.fixture(scope="session")
def synthetic_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A small synthetic library (tests/logistics/synthetic.py) in a SQLite file, built once."""
    path = tmp_path_factory.mktemp("synthetic") / "library.db"
    engine = get_engine(f"sqlite:///{path}")
    migrate(engine)
    build_library(engine, titles=120, branches=3, weeks=80)
    engine.dispose()
    yield path
