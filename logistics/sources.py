"""Loaders: the backend's history as polars LazyFrames, from the database or from exported files.

A source is either a database URL (SQLite or PostgreSQL, read with ADBC straight into Arrow) or a folder holding
`loans`, `reservations`, `items`, `titles` and `branches` as Parquet or CSV files with the table's own column names
(what `materials seed --parquet DIR` writes).
Timestamps leave every loader as `Datetime("us", "UTC")`, whatever the database stored: SQLite keeps text
('YYYY-MM-DD HH:MM:SS.ffffff'), PostgreSQL a timestamp with or without time zone.
"""

import sqlite3
from pathlib import Path

import polars as pl
from sqlalchemy.engine import make_url

UTC = pl.Datetime("us", "UTC")
Source = str | Path

LOAN_COLUMNS = ["id", "item_id", "title_id", "branch_id", "loaned_at", "returned_at", "returned_branch_id"]
RESERVATION_COLUMNS = [
    "id", "title_id", "pickup_branch_id", "placed_at", "state", "allocated_at", "ready_at", "closed_at",
]  # fmt: skip
ITEM_COLUMNS = ["id", "barcode", "title_id", "branch_id", "home_branch_id", "status", "added_on"]
TITLE_COLUMNS = [
    "id", "title", "author", "subjects", "audience", "material_type", "year", "added_on", "popularity",
]  # fmt: skip
TIMESTAMPS = {"loaned_at", "returned_at", "placed_at", "allocated_at", "ready_at", "closed_at"}
DATES = {"added_on"}
# Text columns that may be NULL: ADBC's SQLite driver guesses a column's type from its first rows, so a column
# that starts with NULLs is read as text through COALESCE and turned back into NULL here.
NULLABLE_TEXT = TIMESTAMPS | DATES
# Columns that hold text whatever they look like: an empty table reads every column as Null, and a CSV export of
# numeric barcodes as integers, either of which breaks the string operations downstream.
TEXT = {
    "barcode",
    "status",
    "state",
    "title",
    "author",
    "subjects",
    "audience",
    "material_type",
    "isil",
    "name",
    "kind",
}


def adbc_uri(url: str) -> str:
    """The URI ADBC understands for a SQLAlchemy URL (drops '+psycopg' and similar driver names)."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return f"sqlite:///{parsed.database}"
    return parsed.set(drivername=backend).render_as_string(hide_password=False)


def is_database(source: Source) -> bool:
    return isinstance(source, str) and "://" in source


def _select(table: str, columns: list[str], where: str, sqlite: bool) -> str:
    parts = [f"COALESCE({c}, '') AS {c}" if sqlite and c in NULLABLE_TEXT else c for c in columns]
    return f"SELECT {', '.join(parts)} FROM {table} {where}".strip()


def _normalise_time(frame: pl.DataFrame) -> pl.DataFrame:
    """Every timestamp to UTC microseconds and every date to a Date, from text or native types."""
    exprs = []
    for name, dtype in frame.schema.items():
        column = pl.col(name)
        if name in TIMESTAMPS:
            if dtype == pl.String:
                text = pl.when(column.str.len_chars() > 0).then(column.str.slice(0, 26))
                expr = text.str.to_datetime("%Y-%m-%d %H:%M:%S%.f", time_zone="UTC", strict=False)
            elif isinstance(dtype, pl.Datetime) and dtype.time_zone is None:
                expr = column.cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
            else:
                expr = column.cast(UTC)
            exprs.append(expr.cast(UTC).alias(name))
        elif name in DATES:
            if dtype == pl.String:
                expr = pl.when(column.str.len_chars() > 0).then(column.str.slice(0, 10)).str.to_date(strict=False)
            else:
                expr = column.cast(pl.Date)
            exprs.append(expr.alias(name))
    return frame.with_columns(exprs)


def _read_adbc(query: str, uri: str) -> pl.DataFrame:
    return pl.read_database_uri(query, uri, engine="adbc")


def _read_sqlite(query: str, uri: str) -> pl.DataFrame:
    """Read a SQLite database through Python's own sqlite3 module, never ADBC's.

    ADBC carries its own SQLite library. Two SQLite libraries in one process do not see each other's POSIX locks,
    so when ADBC's connection closes it may take itself for the last one, checkpoint and delete the WAL under this
    process's other connections: committed rows vanish and the next query fails. For large histories, read the
    Parquet export instead (`materials seed --parquet DIR`, a folder as the source).
    """
    path = uri.removeprefix("sqlite:///")
    connection = sqlite3.connect(path)
    try:
        return pl.read_database(query, connection, infer_schema_length=None)
    finally:
        connection.close()


def read_table(source: Source, table: str, columns: list[str], where: str = "") -> pl.LazyFrame:
    """One table's columns as a LazyFrame, from a database URL or a folder of Parquet/CSV files."""
    if is_database(source):
        uri = adbc_uri(str(source))
        query = _select(table, columns, where, uri.startswith("sqlite"))
        frame = _read_sqlite(query, uri) if uri.startswith("sqlite") else _read_adbc(query, uri)
        return _normalise_time(_text_as_text(frame)).lazy()
    folder = Path(source)
    names = (table, "branches" if table == "branch" else f"{table}s")
    text = {c: pl.String for c in columns if c in TEXT}
    for name in names:
        if (folder / f"{name}.parquet").exists():
            return _lazy_time(pl.scan_parquet(folder / f"{name}.parquet").select(columns))
        if (folder / f"{name}.csv").exists():
            frame = pl.scan_csv(folder / f"{name}.csv", schema_overrides=text).select(columns).collect()
            return _normalise_time(frame).lazy()
    raise FileNotFoundError(f"no {names[1]}.parquet or .csv (or {table}.*) in {folder}")


def _text_as_text(frame: pl.DataFrame) -> pl.DataFrame:
    """Text columns as String even when the rows gave no type (none at all) or another one."""
    return frame.with_columns(
        pl.col(n).cast(pl.String) for n, t in frame.schema.items() if n in TEXT and t != pl.String
    )


def _lazy_time(lazy: pl.LazyFrame) -> pl.LazyFrame:
    """Parquet keeps types; only naive timestamps need their zone."""
    schema = lazy.collect_schema()
    return lazy.with_columns(
        [
            (
                pl.col(n).dt.replace_time_zone("UTC")
                if isinstance(t, pl.Datetime) and t.time_zone is None
                else pl.col(n).cast(UTC)
            ).alias(n)
            for n, t in schema.items()
            if n in TIMESTAMPS
        ]
    )


def _since(column: str, since: str | None) -> str:
    return f"WHERE {column} >= '{since}'" if since else ""


def scan_loans(source: Source, *, since: str | None = None) -> pl.LazyFrame:
    """Loans (each also a return once `returned_at` is set), with compact integer ids."""
    return (
        read_table(source, "loan", LOAN_COLUMNS, _since("loaned_at", since))
        .rename({"id": "loan_id"})
        .with_columns(
            pl.col("item_id").cast(pl.Int32).alias("item_id"),
            pl.col("title_id").cast(pl.Int32).alias("title_id"),
            pl.col("branch_id").cast(pl.Int16).alias("branch_id"),
            pl.col("returned_branch_id").cast(pl.Int16).alias("returned_branch_id"),
        )
    )


def scan_reservations(source: Source, *, since: str | None = None) -> pl.LazyFrame:
    """Reservations with the moment each stopped waiting (a copy allocated, or closed without one)."""
    return (
        read_table(source, "reservation", RESERVATION_COLUMNS, _since("placed_at", since))
        .rename({"id": "reservation_id", "pickup_branch_id": "branch_id"})
        .with_columns(
            pl.col("title_id").cast(pl.Int32).alias("title_id"),
            pl.col("branch_id").cast(pl.Int16).alias("branch_id"),
            pl.coalesce("allocated_at", "ready_at", "closed_at").alias("left_waiting_at"),
        )
        .select("reservation_id", "title_id", "branch_id", "placed_at", "left_waiting_at", "state")
    )


def scan_items(source: Source) -> pl.LazyFrame:
    return (
        read_table(source, "item", ITEM_COLUMNS)
        .rename({"id": "item_id"})
        .with_columns(
            pl.col("item_id").cast(pl.Int32).alias("item_id"),
            pl.col("title_id").cast(pl.Int32).alias("title_id"),
            pl.col("branch_id").cast(pl.Int16).alias("branch_id"),
            pl.col("home_branch_id").cast(pl.Int16).alias("home_branch_id"),
        )
    )


def scan_titles(source: Source) -> pl.LazyFrame:
    return (
        read_table(source, "title", TITLE_COLUMNS)
        .rename({"id": "title_id"})
        .with_columns(
            pl.col("title_id").cast(pl.Int32).alias("title_id"),
            pl.col("popularity").cast(pl.Float32).alias("popularity"),
            pl.col("year").cast(pl.Int16).alias("year"),
        )
    )


def scan_branches(source: Source) -> pl.LazyFrame:
    return (
        read_table(source, "branch", ["id", "isil", "name", "kind", "size"])
        .rename({"id": "branch_id"})
        .with_columns(pl.col("branch_id").cast(pl.Int16).alias("branch_id"))
    )
