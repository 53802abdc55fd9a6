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
from typing import Any

import polars as pl
from sqlalchemy import Boolean, Date, DateTime, Engine, Table
from sqlalchemy.schema import CreateIndex, DropIndex
from sqlmodel import SQLModel

import materials.models  # noqa: F401  (registers the tables)

SQLITE_CHUNK = 200_000
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

    def __init__(self, engine: Engine, dbapi: Any) -> None:
        self.sqlite = engine.dialect.name == "sqlite"
        self.dialect = engine.dialect
        self.dbapi = dbapi

    def write(self, name: str, frame: pl.DataFrame) -> int:
        """Insert the frame's rows; a big table's secondary indexes are dropped first and rebuilt after, which
        is several times faster than maintaining them row by row (and still checks the unique ones)."""
        table = _table(name)
        if frame.height < INDEX_REBUILD_ROWS:
            return self._insert(table, frame)
        for index in table.indexes:
            self.execute(str(DropIndex(index).compile(dialect=self.dialect)))
        count = self._insert(table, frame)
        for index in table.indexes:
            self.execute(str(CreateIndex(index).compile(dialect=self.dialect)))
        return count

    def _insert(self, table: Table, frame: pl.DataFrame) -> int:
        name = table.name
        data = _prepared(table, frame, sqlite=self.sqlite)
        cols = ", ".join(f'"{c}"' for c in data.columns)
        if self.sqlite:
            sql = f'INSERT INTO "{name}" ({cols}) VALUES ({", ".join("?" * data.width)})'
            for chunk in data.iter_slices(SQLITE_CHUNK):
                self.dbapi.executemany(sql, zip(*(chunk[c].to_list() for c in chunk.columns), strict=True)).close()
        else:
            with self.dbapi.cursor() as cur:
                for chunk in data.iter_slices(COPY_CHUNK):
                    buffer = io.BytesIO()
                    chunk.write_csv(buffer, include_header=False)
                    with cur.copy(f'COPY "{name}" ({cols}) FROM STDIN (FORMAT csv)') as copy:
                        copy.write(buffer.getvalue())
        return data.height

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self.sqlite:
            cursor = self.dbapi.execute(sql, params)
            try:
                return list(cursor.fetchall())
            finally:
                cursor.close()
        with self.dbapi.cursor() as cur:
            cur.execute(sql.replace("?", "%s"), params)
            return list(cur.fetchall()) if cur.description else []

    def add_event(self, *, at: datetime, kind: str, payload: dict[str, Any]) -> None:
        stamp = at.strftime("%Y-%m-%d %H:%M:%S.%f") + ("" if self.sqlite else "+00")
        self.execute('INSERT INTO "event" (at, station, actor, kind, payload) VALUES (?, ?, ?, ?, ?)',
                     (stamp, "", "seed", kind, json.dumps(payload, default=_json_default)))

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
    raw = engine.raw_connection()
    sqlite = engine.dialect.name == "sqlite"
    dbapi = raw.driver_connection
    try:
        if sqlite:
            # Checked foreign keys cost a lookup per row; the seed's ids are consistent by construction (the
            # tests run PRAGMA foreign_key_check). WAL is already on; a bigger cache speeds index building.
            dbapi.execute("PRAGMA foreign_keys=OFF")
            dbapi.execute("PRAGMA cache_size=-262144")
            dbapi.execute("BEGIN IMMEDIATE")
        writer = BulkWriter(engine, dbapi)
        if not sqlite:
            writer.skip_foreign_key_triggers()
        try:
            yield writer
        except BaseException:
            dbapi.rollback() if not sqlite else dbapi.execute("ROLLBACK")
            raise
        dbapi.execute("COMMIT") if sqlite else dbapi.commit()
    finally:
        if sqlite:
            dbapi.execute("PRAGMA foreign_keys=ON")
            dbapi.execute("PRAGMA cache_size=-2000")
        raw.close()
