"""WAL checkpoints off the commit: a thread with its own connection checkpoints a SQLite file for long-running writers.

Each test uses its own SQLite file with one table of page-sized rows, so that a commit adds a known number of WAL
frames; the checkpointer ticks every 50 ms where the test waits for it, and once a minute where it must stay out.
"""

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from materials import db
from materials.db import Checkpointer, checkpointer_of, get_engine, start_checkpointer

PAGE = 4096
FRAME = PAGE + 24  # a WAL frame: a 24-byte header and the page
ROW = b"x" * 3000  # one row fills most of a page: a commit writes a few frames


def wal_frames(path: Path) -> int:
    """Frames the WAL file has room for (it grows, and is reused from the start after a checkpoint, never shrunk)."""
    wal = Path(f"{path}-wal")
    return max(0, (wal.stat().st_size - 32) // FRAME) if wal.exists() else 0


def write_rows(engine: Engine, commits: int, rows_per_commit: int = 4) -> None:
    for _ in range(commits):
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO shelf_row (payload) VALUES " + ", ".join(["(:p)"] * rows_per_commit)),
                         {"p": ROW})  # fmt: skip


def wait_for(condition: Callable[[], bool], seconds: float = 3.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def checkpoint_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("wal-checkpoint")]


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    path = tmp_path / "station.db"
    engine = get_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE shelf_row (id INTEGER PRIMARY KEY, payload BLOB)"))
    engine.dispose()
    return path


@pytest.fixture
def engines() -> Iterator[list[Engine]]:
    made: list[Engine] = []
    yield made
    for engine in made:
        engine.dispose()


def station_engine(path: Path, engines: list[Engine], every_seconds: float) -> tuple[Engine, Checkpointer]:
    engine = get_engine(f"sqlite:///{path}")
    engines.append(engine)
    checkpointer = start_checkpointer(engine, every_seconds=every_seconds)
    assert checkpointer is not None
    return engine, checkpointer


def autocheckpoint(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one())


def test_the_commits_of_a_station_with_a_checkpointer_no_longer_checkpoint_at_a_thousand_pages(
    db_file: Path, engines: list[Engine]
) -> None:
    engine, _ = station_engine(db_file, engines, every_seconds=60)  # the thread stays out of this test
    write_rows(engine, commits=350)  # about 1400 pages: SQLite's own commits would checkpoint at 1000

    assert autocheckpoint(engine) == db.BACKSTOP_WAL_PAGES
    assert wal_frames(db_file) > 1200


def test_the_thread_checkpoints_the_whole_wal_and_the_next_write_starts_it_over(
    db_file: Path, engines: list[Engine]
) -> None:
    engine, checkpointer = station_engine(db_file, engines, every_seconds=0.05)
    write_rows(engine, commits=100)
    written = wal_frames(db_file)

    assert wait_for(lambda: checkpointer.last is not None and checkpointer.last[1] == checkpointer.last[2] >= written)
    write_rows(engine, commits=5)
    assert wal_frames(db_file) == written  # written over the start of the WAL, not appended
    assert checkpointer.failures == 0


def test_a_reader_holding_an_old_snapshot_only_delays_the_thread(db_file: Path, engines: list[Engine]) -> None:
    engine, checkpointer = station_engine(db_file, engines, every_seconds=0.05)
    reader = sqlite3.connect(db_file, isolation_level=None)
    reader.execute("BEGIN")
    assert reader.execute("SELECT count(*) FROM shelf_row").fetchone() == (0,)
    write_rows(engine, commits=20)
    ticks = checkpointer.checkpoints

    assert wait_for(lambda: checkpointer.checkpoints >= ticks + 2)
    assert checkpointer.last is not None and checkpointer.last[2] < checkpointer.last[1]  # stopped at the reader
    reader.execute("COMMIT")
    reader.close()
    assert wait_for(lambda: checkpointer.last is not None and checkpointer.last[1] == checkpointer.last[2] > 0)
    assert checkpointer.failures == 0


def test_a_writer_that_never_pauses_still_keeps_the_wal_bounded(
    db_file: Path, engines: list[Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The thread cannot finish a checkpoint between back-to-back commits; the backstop in the commit does.
    monkeypatch.setattr(db, "BACKSTOP_WAL_PAGES", 200)
    engine, _ = station_engine(db_file, engines, every_seconds=60)
    write_rows(engine, commits=200)  # about 800 pages

    assert wal_frames(db_file) <= 200 + 10


def test_a_database_not_there_yet_is_tried_again_and_never_created(tmp_path: Path, engines: list[Engine]) -> None:
    path = tmp_path / "later.db"
    engine, checkpointer = station_engine(path, engines, every_seconds=0.05)

    assert wait_for(lambda: checkpointer.failures >= 2)
    assert not path.exists()
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE shelf_row (id INTEGER PRIMARY KEY, payload BLOB)"))
    assert wait_for(lambda: checkpointer.checkpoints >= 1)
    assert checkpointer.running


def test_dispose_stops_the_thread_and_later_connections_checkpoint_by_themselves(
    db_file: Path, engines: list[Engine]
) -> None:
    engine = get_engine(f"sqlite:///{db_file}", background_checkpoint=True)
    engines.append(engine)
    checkpointer = checkpointer_of(engine)
    assert checkpointer is not None and checkpointer.every_seconds == db.CHECKPOINT_EVERY_SECONDS
    write_rows(engine, commits=3)

    engine.dispose()

    assert not checkpointer.running
    assert checkpointer.database not in [t.name.split(" ", 1)[1] for t in checkpoint_threads()]
    assert checkpointer_of(engine) is None
    assert not Path(f"{db_file}-wal").exists()  # the last connection closed checkpointed and removed it
    assert autocheckpoint(engine) == 1000


def test_other_engines_on_the_same_file_keep_sqlites_own_checkpoint(db_file: Path, engines: list[Engine]) -> None:
    station = get_engine(f"sqlite:///{db_file}", background_checkpoint=True)
    report = get_engine(f"sqlite:///{db_file}")
    engines.extend([station, report])

    assert autocheckpoint(station) == db.BACKSTOP_WAL_PAGES
    assert autocheckpoint(report) == 1000
    assert checkpointer_of(report) is None


def test_memory_databases_and_postgresql_get_no_checkpointer() -> None:
    before = len(checkpoint_threads())
    memory = get_engine("sqlite://", background_checkpoint=True)
    named_memory = get_engine("sqlite:///:memory:", background_checkpoint=True)
    postgres = get_engine("postgresql://materials:materials@127.0.0.1:5432/never_opened", background_checkpoint=True)

    for engine in (memory, named_memory, postgres):
        assert checkpointer_of(engine) is None
        assert start_checkpointer(engine) is None
    assert len(checkpoint_threads()) == before
    with memory.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one() == 1000
