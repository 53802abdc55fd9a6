"""Reading the tables planning needs as polars frames, and writing its results back in bulk.

Reads see committed data only, on a connection of their own. On PostgreSQL they go through ADBC straight into
Arrow. On SQLite they go through Python's own sqlite3 (a read-only, deferred transaction, so check-in is not
blocked): a second SQLite library in the same process (ADBC's or connectorx's bundled copy) does not share
sqlite3's POSIX locks, and closing its connection deletes the WAL file under the other library's feet — committed
rows vanish from its view and sqlite3 then fails with "disk I/O error" (SQLite's "How to corrupt", §2.2).
Writes go through the caller's session, so replacing the targets is one transaction: check-in never sees a
half-written table.
"""

import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

import polars as pl
from sqlalchemy import Engine
from sqlmodel import Session

from materials.db import is_sqlite

Schema = dict[str, Any]


def adbc_uri(engine: Engine) -> str:
    url = engine.url
    if url.get_backend_name() == "sqlite":
        return f"sqlite:///{url.database}"
    return url.set(drivername=url.get_backend_name()).render_as_string(hide_password=False)


def engine_of(session: Session) -> Engine:
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    return engine


class Reader:
    """One connection for a batch of reads (a connection costs more than a small query)."""

    def __init__(self, connection: Any, *, sqlite: bool) -> None:
        self.connection = connection
        self.sqlite = sqlite

    def frame(self, sql: str, schema: Schema) -> pl.DataFrame:
        """The rows of `sql` with the given column types (SQLite types values row by row; this makes them firm)."""
        if self.sqlite:
            # Straight from the sqlite3 cursor: SQLAlchemy's row processing would double the time for a million rows.
            cursor = self.connection.cursor()
            try:
                cursor.execute(sql)
                names = [d[0] for d in cursor.description]
                rows = cursor.fetchall()
            finally:
                cursor.close()
            frame = pl.DataFrame(rows, schema=[(n, schema.get(n)) for n in names], orient="row", strict=False)
        else:
            frame = pl.read_database(sql, self.connection)
        if frame.height == 0:
            return pl.DataFrame(schema=schema)
        return frame.select([pl.col(name).cast(dtype).alias(name) for name, dtype in schema.items()])


_local = threading.local()


@contextmanager
def reader(session: Session) -> Iterator[Reader]:
    """A connection for reads, shared by every `read_frame` of this thread inside the block."""
    active: Reader | None = getattr(_local, "reader", None)
    if active is not None:
        yield active
        return
    engine = engine_of(session)
    with _connect(engine) as connection:
        _local.reader = Reader(connection, sqlite=is_sqlite(engine))
        try:
            yield _local.reader
        finally:
            _local.reader = None


@contextmanager
def _connect(engine: Engine) -> Iterator[Any]:
    if is_sqlite(engine):
        # The pooled sqlite3 connection runs in autocommit mode: a deferred BEGIN gives all reads one snapshot
        # without taking the write lock.
        raw = engine.raw_connection()
        try:
            raw.driver_connection.execute("BEGIN")  # type: ignore[union-attr]
            yield raw.driver_connection
        finally:
            raw.driver_connection.execute("ROLLBACK")  # type: ignore[union-attr]
            raw.close()
        return
    from adbc_driver_postgresql import dbapi

    with dbapi.connect(adbc_uri(engine)) as connection:
        yield connection


def read_frame(session: Session, sql: str, schema: Schema) -> pl.DataFrame:
    with reader(session) as read:
        return read.frame(sql, schema)


def sql_time(session: Session, at: datetime) -> str:
    """A timestamp literal that compares correctly with stored timestamps (SQLite keeps them as UTC text)."""
    text = at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    return f"'{text}'" if is_sqlite(engine_of(session)) else f"TIMESTAMPTZ '{text}+00'"


def sql_date(day: date) -> str:
    return f"'{day.isoformat()}'"


def text_time(session: Session, column: str) -> str:
    """A nullable timestamp column as sortable UTC text ('' when NULL), the same on both databases."""
    if is_sqlite(engine_of(session)):
        return f"COALESCE(substr({column}, 1, 19), '')"
    return f"COALESCE(to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), '')"


def stored_time(session: Session, at: datetime) -> str:
    """How a timestamp is written in bulk: SQLite's text form, or ISO with offset for PostgreSQL's COPY."""
    utc = at.astimezone(UTC)
    return utc.strftime("%Y-%m-%d %H:%M:%S.%f") if is_sqlite(engine_of(session)) else utc.isoformat()


# Below this many rows the foreign-key checks cost nothing worth skipping.
TRUSTED_ROWS = 10_000


def insert_frame(session: Session, table: str, frame: pl.DataFrame, *, trusted: bool = False) -> int:
    """Append the frame's rows to `table` inside the session's transaction (COPY on PostgreSQL).

    `trusted`: every foreign key in the rows was just read from the same database, so on PostgreSQL a large COPY
    may skip the per-row foreign-key triggers (a superuser only; a first night's 800,000 targets take a third of
    the time). SQLite checks foreign keys without triggers and needs nothing.
    """
    if frame.height == 0:
        return 0
    columns = ", ".join(frame.columns)
    connection = session.connection()
    if is_sqlite(engine_of(session)):
        marks = ", ".join("?" for _ in frame.columns)
        connection.exec_driver_sql(f"INSERT INTO {table} ({columns}) VALUES ({marks})", frame.rows())
        return frame.height
    buffer = io.BytesIO()
    frame.write_csv(buffer, include_header=False, null_value="")
    if trusted and frame.height >= TRUSTED_ROWS:
        _replica_role(connection, "replica")
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)") as copy:  # type: ignore[union-attr]
        copy.write(buffer.getvalue())
    if trusted and frame.height >= TRUSTED_ROWS:
        _replica_role(connection, "origin")
    return frame.height


def _replica_role(connection: Any, role: str) -> None:
    """Skip (or again run) the per-row foreign-key triggers, as a superuser may; anyone else keeps them."""
    connection.exec_driver_sql("SAVEPOINT planning_role")
    try:
        connection.exec_driver_sql(f"SET LOCAL session_replication_role = {role}")
    except Exception:
        connection.exec_driver_sql("ROLLBACK TO SAVEPOINT planning_role")
    connection.exec_driver_sql("RELEASE SAVEPOINT planning_role")
