"""The one database layer: engines for SQLite (WAL) and PostgreSQL, sessions, and migrations.

Nothing is built at import time; entry points call `get_engine(url)` and pass the engine down.
"""

import atexit
import os
import sqlite3
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, event, inspect
from sqlalchemy.engine import URL, make_url
from sqlmodel import Session, create_engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def normalise_url(url: str) -> str:
    """Accept plain postgresql:// URLs and use psycopg 3 for them."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def get_engine(url: str, *, background_checkpoint: bool = False, **kwargs: Any) -> Engine:
    """An engine for `url`. `background_checkpoint=True` is for long-running writers (servers, scan stations): on a
    SQLite file a thread checkpoints the WAL, not their commits (see `start_checkpointer`); elsewhere it is ignored."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)
        _configure_sqlite(engine)
        if background_checkpoint:
            start_checkpointer(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=40, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below decide how transactions start.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the write lock up front, so two stations never both read a copy as free and then
        # collide at commit; readers that say so start a plain deferred transaction.
        if conn.get_execution_options().get("readonly"):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


class Checkpointer:
    """A daemon thread that copies a SQLite WAL back into the database file every `every_seconds`, from its own
    connection, so that the commits of the engine it serves need not (see `start_checkpointer`)."""

    def __init__(self, database: str, *, every_seconds: float) -> None:
        self.database = database
        self.every_seconds = every_seconds
        self.checkpoints = 0  # ticks that ran a checkpoint (complete or not)
        self.failures = 0  # ticks that could not (database missing, I/O error): the next tick tries again
        self.last: tuple[int, int, int] | None = None  # the last (busy, WAL frames, frames checkpointed)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"wal-checkpoint {database}", daemon=True)

    @property
    def running(self) -> bool:
        return self._thread.is_alive() and not self._stop.is_set()

    def start(self) -> None:
        self._thread.start()
        atexit.register(self.stop)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the checkpoint in progress, if any; closing the thread's connection may checkpoint once more."""
        self._stop.set()
        atexit.unregister(self.stop)
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _connect(self) -> sqlite3.Connection:
        # mode=rw: never create the file (the engine's first connection does, in WAL mode).
        uri = f"file:{quote(self.database)}?mode=rw"
        return sqlite3.connect(uri, uri=True, timeout=0, isolation_level=None, check_same_thread=False)

    def _run(self) -> None:
        connection: sqlite3.Connection | None = None
        try:
            while not self._stop.wait(self.every_seconds):
                try:
                    connection = connection or self._connect()
                    # PASSIVE never waits for readers or writers and never calls the busy handler: it copies what
                    # it can. Another checkpoint running shows as busy=1 in the row, not as an error.
                    busy, log, done = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                    self.last = (busy, log, done)
                    self.checkpoints += 1
                except sqlite3.Error:
                    self.failures += 1
                    if connection is not None:
                        connection.close()
                        connection = None
        finally:
            if connection is not None:
                connection.close()


# A commit of an engine with a checkpointer checkpoints only when the WAL holds this many pages (SQLite's default is
# 1000): the backstop for a writer that never pauses. The WAL starts over from its beginning only when a write begins
# with every frame checkpointed, which a thread checkpointing beside back-to-back writes almost never sees; so under
# sustained load the WAL would grow without end. Here it grows to about 40 MB, then one commit copies what the thread
# has not copied yet and the next write starts the WAL over. A check-in writes about 30 pages on the city demo: under
# sustained load one in about 300 pays 20-40 ms, instead of one in 30-70 paying 6-10 ms with SQLite's default.
BACKSTOP_WAL_PAGES = 10_000
# How often the thread checkpoints. An idle tick costs microseconds; the backstop's commit copies what came since the
# thread's last tick (20-40 ms with a quarter second, 20-60 ms with a whole one, in bench/checkin.py).
CHECKPOINT_EVERY_SECONDS = 0.25

# The engine's checkpointer, held only as long as the engine lives.
_CHECKPOINTERS: weakref.WeakKeyDictionary[Engine, Checkpointer] = weakref.WeakKeyDictionary()


def sqlite_file(url: URL) -> str | None:
    """The database file of a SQLite URL; None for PostgreSQL and for in-memory databases."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    if url.query.get("mode") == "memory" or str(url.database).startswith("file:"):
        return None  # URI filenames (shared memory and the like) are not what the servers use
    return os.path.abspath(url.database)


def start_checkpointer(engine: Engine, *, every_seconds: float = CHECKPOINT_EVERY_SECONDS) -> Checkpointer | None:
    """Checkpoint a SQLite file's WAL off the hot path. By default the commit that takes the WAL past 1000 pages
    writes them back to the database file and syncs it, inside the commit: that commit set the p99 of a check-in.
    Here a daemon thread with its own connection runs `PRAGMA wal_checkpoint(PASSIVE)` every `every_seconds`, and the
    engine's connections checkpoint themselves only past `BACKSTOP_WAL_PAGES`, finishing what the thread left.

    Call it before the engine's first connection (`get_engine(url, background_checkpoint=True)` does; connections
    made earlier keep SQLite's default). It logs nothing, shrugs off a busy or missing database until the next tick,
    and stops on `engine.dispose()`, at process exit or when the engine is collected; connections made after that
    keep SQLite's default. Other processes on the same file keep their own auto-checkpoint. Returns None (and changes
    nothing) for PostgreSQL and in-memory SQLite.
    """
    database = sqlite_file(engine.url)
    if database is None:
        return None
    existing = _CHECKPOINTERS.get(engine)
    if existing is not None and existing.running:
        return existing
    checkpointer = Checkpointer(database, every_seconds=every_seconds)

    @event.listens_for(engine, "connect")
    def _late_autocheckpoint(dbapi_connection: Any, _record: Any) -> None:
        if checkpointer.running:
            dbapi_connection.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_WAL_PAGES}")

    @event.listens_for(engine, "engine_disposed")
    def _stop(_engine: Engine) -> None:
        checkpointer.stop()

    _CHECKPOINTERS[engine] = checkpointer
    weakref.finalize(engine, checkpointer.stop)
    checkpointer.start()
    return checkpointer


def checkpointer_of(engine: Engine) -> Checkpointer | None:
    """The running checkpointer of an engine, if it has one."""
    found = _CHECKPOINTERS.get(engine)
    return found if found is not None and found.running else None


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session for one unit of work; services own their commits, this only closes."""
    with Session(engine, expire_on_commit=False) as session:
        yield session


def read_session(engine: Engine) -> Session:
    """A session for screens and reports that only read."""
    return Session(engine.execution_options(readonly=True), expire_on_commit=False)


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Create or upgrade the schema to `revision`."""
    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    command.downgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


def schema_is_current(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()


def has_tables(engine: Engine) -> bool:
    return bool(inspect(engine).get_table_names())
