"""Bulk loading in one transaction: sqlite3 `executemany` on SQLite, `COPY` on PostgreSQL.

Both go through the engine's own DBAPI connection, so the seed (and clearing the old data with --force) commits
or rolls back as one. Values are written as SQLAlchemy itself would store them, so rows read back through SQLModel:
on SQLite datetimes are 'YYYY-MM-DD HH:MM:SS.ffffff' text in UTC and booleans 0/1; on PostgreSQL timestamptz
with an explicit +00.
"""

import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any, cast

import adbc_driver_sqlite.dbapi as adbc_sqlite
import polars as pl
from sqlalchemy import Boolean, Date, DateTime, Engine, Table
from sqlmodel import SQLModel

import materials.models  # noqa: F401  (registers the tables)

SQLITE_CHUNK = 500_000
COPY_CHUNK = 500_000
INDEX_REBUILD_ROWS = 50_000
# Tables the seed leaves alone when it replaces a library: accounts are configuration, not demo data.
KEPT_TABLES = ("user", "apiclient", "sip2account", "idempotencykey")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S%.6f"


def _table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


def _prepared(table: Table, frame: pl.DataFrame, *, sqlite: bool) -> pl.DataFrame:
    """The frame's columns in the table's order, typed as the database stores them."""
    exprs = []
    for column in table.columns:
        if column.name not in frame.columns:
            continue
        expr = pl.col(column.name)
        if isinstance(column.type, DateTime) or isinstance(getattr(column.type, "impl", None), DateTime):
            expr = expr.dt.strftime(TIME_FORMAT if sqlite else TIME_FORMAT + "+00")
        elif isinstance(column.type, Date):
            expr = expr.dt.strftime("%Y-%m-%d")
        elif isinstance(column.type, Boolean) and sqlite:
            expr = expr.cast(pl.Int8)
        exprs.append(expr.alias(column.name))
    return frame.select(exprs)


class BulkWriter:
    """Writes frames into tables inside one open transaction on a raw DBAPI connection."""

    def __init__(self, engine: Engine, cursor: Any, *, adbc: bool = False) -> None:
        self.sqlite = engine.dialect.name == "sqlite"
        self.adbc = adbc
        self.dialect = engine.dialect
        self.cursor = cursor

    def write(self, name: str, frame: pl.DataFrame) -> int:
        """Insert the frame's rows; a big table's secondary indexes are dropped first and rebuilt after, which
        is several times faster than maintaining them row by row (and still checks the unique ones)."""
        table = _table(name)
        if frame.height < INDEX_REBUILD_ROWS:
            return self._insert(table, frame)
        # The indexes the database has (not the models' idea of them: a model may be ahead of its migration).
        indexes = self._secondary_indexes(name)
        for index, _ in indexes:
            self.execute(f'DROP INDEX "{index}"')
        count = self._insert(table, frame)
        for _, definition in indexes:
            self.execute(definition)
        return count

    def _secondary_indexes(self, table: str) -> list[tuple[str, str]]:
        if self.sqlite:
            return [
                (str(n), str(d))
                for n, d in self.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
                    (table,),
                )
            ]
        return [
            (str(n), str(d))
            for n, d in self.execute(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
                "JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace ns ON ns.oid = t.relnamespace "
                "WHERE t.relname = ? AND ns.nspname = current_schema() "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)",
                (table,),
            )
        ]

    def _insert(self, table: Table, frame: pl.DataFrame) -> int:
        """Chunk by chunk, so the text form of millions of timestamps never exists all at once."""
        chunk_rows = COPY_CHUNK if not self.sqlite else SQLITE_CHUNK
        for part in frame.iter_slices(chunk_rows):
            chunk = _prepared(table, part, sqlite=self.sqlite)
            if self.sqlite and self.adbc:
                # ADBC binds Arrow columns in C: about three times less CPU than sqlite3's executemany.
                self.cursor.adbc_ingest(table.name, chunk.to_arrow(), mode="append")
            elif self.sqlite:
                marks = ", ".join("?" * chunk.width)
                self.cursor.executemany(
                    f'INSERT INTO "{table.name}" ({", ".join(chunk.columns)}) VALUES ({marks})', chunk.iter_rows()
                )
            else:
                buffer = io.BytesIO()
                chunk.write_csv(buffer, include_header=False)
                cols = ", ".join(f'"{c}"' for c in chunk.columns)
                with self.cursor.copy(f'COPY "{table.name}" ({cols}) FROM STDIN (FORMAT csv)') as copy:
                    copy.write(buffer.getvalue())
        return frame.height

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self.sqlite:
            self.cursor.execute(sql, params or None)
        else:
            self.cursor.execute(sql.replace("?", "%s"), params)
        return list(self.cursor.fetchall()) if self.cursor.description else []

    def add_event(self, *, at: datetime, kind: str, payload: dict[str, Any]) -> None:
        stamp = at.strftime("%Y-%m-%d %H:%M:%S.%f") + ("" if self.sqlite else "+00")
        self.execute(
            'INSERT INTO "event" (at, station, actor, kind, payload) VALUES (?, ?, ?, ?, ?)',
            (stamp, "", "seed", kind, json.dumps(payload, default=_json_default)),
        )

    def has_library(self) -> bool:
        for name in ("branch", "title", "item", "patron", "loan", "reservation"):
            if self.execute(f'SELECT 1 FROM "{name}" LIMIT 1'):
                return True
        return False

    def clear(self) -> None:
        """Empty every table but the accounts. The event log refuses DELETE by trigger, so on SQLite the
        triggers are dropped and recreated inside this transaction; PostgreSQL's TRUNCATE fires no row triggers."""
        names = [t.name for t in reversed(SQLModel.metadata.sorted_tables) if t.name not in KEPT_TABLES]
        if not self.sqlite:
            self.execute("TRUNCATE " + ", ".join(f'"{n}"' for n in names) + " RESTART IDENTITY")
            return
        triggers = self.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'event'")
        for trigger, _ in triggers:
            self.execute(f'DROP TRIGGER "{trigger}"')
        for name in names:
            self.execute(f'DELETE FROM "{name}"')
        for _, sql in triggers:
            self.execute(sql)

    def skip_foreign_key_triggers(self) -> None:
        """On PostgreSQL every inserted row's foreign keys are checked by a trigger that locks the referenced row
        (FOR KEY SHARE): millions of loans on the same items make that the slowest part of the load. A superuser
        may skip those triggers for this transaction; anyone else keeps them, just slower."""
        self.execute("SAVEPOINT replica")
        try:
            self.execute("SET LOCAL session_replication_role = replica")
        except Exception:
            self.execute("ROLLBACK TO SAVEPOINT replica")
        self.execute("RELEASE SAVEPOINT replica")

    def reset_sequences(self) -> None:
        """After explicit ids, PostgreSQL's id sequences must continue above them."""
        if self.sqlite:
            return
        for table in SQLModel.metadata.sorted_tables:
            if "id" in table.columns and table.columns["id"].autoincrement is not False:
                self.execute(
                    f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                    f'COALESCE((SELECT MAX(id) FROM "{table.name}"), 0) + 1, false)'
                )


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


@contextmanager
def bulk_transaction(engine: Engine) -> Iterator[BulkWriter]:
    """One transaction around everything written; rolled back if anything fails."""
    if engine.dialect.name == "sqlite":
        with _sqlite_transaction(engine) as writer:
            yield writer
        return
    raw = engine.raw_connection()
    try:
        connection: Any = raw.driver_connection
        with connection.cursor() as cursor:
            writer = BulkWriter(engine, cursor)
            writer.skip_foreign_key_triggers()
            try:
                yield writer
            except BaseException:
                connection.rollback()
                raise
            connection.commit()
    finally:
        raw.close()


@contextmanager
def _sqlite_transaction(engine: Engine) -> Iterator[BulkWriter]:
    """One BEGIN IMMEDIATE ... COMMIT on the file; through ADBC when that is safe, else through sqlite3.

    ADBC links its own copy of SQLite. Two copies in one process must never have the same file open at once
    (closing a file in one drops the other's POSIX locks: the database can be corrupted), so ADBC is used only
    when the engine has no connection checked out, after closing its idle ones. The caller must not hold other
    connections to the file in this process while seeding.
    """
    path = engine.url.database
    checked_out = getattr(engine.pool, "checkedout", lambda: 1)()
    use_adbc = bool(path) and path != ":memory:" and checked_out == 0
    if use_adbc:
        engine.dispose()
        connection: Any = adbc_sqlite.connect(path, autocommit=True)
        cursor = connection.cursor()
    else:
        raw = engine.raw_connection()
        connection, cursor = raw, cast(Any, raw.driver_connection).cursor()
    try:
        # Foreign keys are not checked row by row: the seed's ids are consistent by construction (the tests run
        # PRAGMA foreign_key_check). The pragma only takes effect outside a transaction, hence before BEGIN.
        for pragma in ("foreign_keys=OFF", "busy_timeout=30000", "cache_size=-262144"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.execute("BEGIN IMMEDIATE")
        writer = BulkWriter(engine, cursor, adbc=use_adbc)
        try:
            yield writer
        except BaseException:
            cursor.execute("ROLLBACK")
            raise
        cursor.execute("COMMIT")
    finally:
        if not use_adbc:
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA cache_size=-2000")
        cursor.close()
        connection.close()
