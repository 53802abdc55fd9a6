"""One small demo library per test session, copied for each test that changes it."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from materials.db import get_engine
from materials.demo import seed as seed_module
from materials.demo.build import DEFAULT_TODAY, SCALES, Library, build_library
from materials.demo.seed import seed_demo

SEED = 2026


@pytest.fixture(scope="session")
def seeded_small(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("seeded") / "small.db"
    shutil.copy(sqlite_template, path)
    engine = get_engine(f"sqlite:///{path}")
    seed_demo(engine, scale="small", seed=SEED, force=False, progress=False, parquet_dir=None, patron_key="test")
    engine.dispose()  # closing the last connection checkpoints the WAL into the file that is copied
    return path


@pytest.fixture
def small_engine(seeded_small: Path, tmp_path: Path) -> Iterator[Engine]:
    """A private copy of the seeded small library."""
    path = tmp_path / "small.db"
    shutil.copy(seeded_small, path)
    engine = get_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def small_read(seeded_small: Path) -> Iterator[Engine]:
    """The shared seeded library, for tests that only read."""
    engine = get_engine(f"sqlite:///{seeded_small}")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def small_library() -> Library:
    """The small library built once in memory (seed 2026, patron key "test")."""
    return build_library(SCALES["small"], seed=SEED, today=DEFAULT_TODAY, patron_key="test")


@pytest.fixture
def prebuilt(small_library: Library, monkeypatch: pytest.MonkeyPatch) -> Library:
    """Seeding loads the prebuilt library instead of building one: for tests about loading, not building."""
    monkeypatch.setattr(seed_module, "build_library", lambda *args, **kwargs: small_library)
    return small_library
