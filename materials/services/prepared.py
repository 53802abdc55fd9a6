"""The check-in's statements run straight on the driver's cursor, compiled once per database.

A check-in sends about ten small statements; through SQLAlchemy's `Connection.execute` each costs 40 µs of
Python on SQLite and 110–140 µs with psycopg before the database sees it (execution context, parameter and result
set-up), three to ten times what the driver itself spends. On a sorter's hot path that is most of the CPU a scan
costs. So the hot path keeps writing its statements as SQLAlchemy Core (built once at import, with `bindparam`), and
`run` compiles each one once per dialect and set of keys, with SQLAlchemy's own compiler, bind processors and
result processors, then hands the SQL and the processed parameters to the DBAPI cursor of the unit of work's
connection. The statement runs in that connection's transaction like any other; savepoints, commit and rollback
stay with SQLAlchemy.

What is kept from SQLAlchemy's execution: driver errors are raised as SQLAlchemy's exceptions
(`sqlalchemy.exc.IntegrityError`, …), a lost connection invalidates the pooled connection as SQLAlchemy would, and
`before_cursor_execute` / `after_cursor_execute` listeners are called when there are any (tracing, the tests that
look at query plans). What is not: statements with expanding `IN` parameters or literal-execute parameters (the
hot path has none; `run` refuses them), and SQLAlchemy's own logging of statements (`echo`).
"""

from collections import namedtuple
from collections.abc import Callable, Iterator, Mapping
from typing import Any, cast

from sqlalchemy import Connection, exc
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler


class _Prepared:
    """A statement compiled for one dialect and one set of parameter keys."""

    __slots__ = ("columns", "defaults", "names", "processors", "results", "row", "sql")

    def __init__(
        self,
        sql: str,
        names: tuple[str, ...] | None,
        defaults: dict[str, Any],
        processors: dict[str, Callable[[Any], Any]],
        columns: list[Any],
        keys: list[str],
    ) -> None:
        self.sql = sql
        self.names = names  # the order of positional parameters (SQLite); None for named ones (psycopg)
        self.defaults = defaults  # values bound in the statement itself, processed
        self.processors = processors
        self.columns = columns  # what a row holds: a query's columns, or what RETURNING gives back
        self.row: Any = _row_class(keys) if columns else None
        # The result processors, set at the first run: some depend on the type the driver reports.
        self.results: list[Callable[[Any], Any] | None] | None = None


def _row_class(keys: list[str]) -> Any:
    return namedtuple("Row", keys, rename=True)


_compiled: dict[tuple[int, str, tuple[str, ...]], tuple[ClauseElement, _Prepared]] = {}


def _compile(statement: ClauseElement, dialect: Dialect, keys: tuple[str, ...]) -> _Prepared:
    compiled = cast(SQLCompiler, statement.compile(dialect=dialect, column_keys=list(keys)))
    binds = {name: bind for bind, name in compiled.bind_names.items()}
    if any(bind.expanding or bind.literal_execute for bind in binds.values()):
        raise ValueError("prepared.run takes no expanding or literal-execute parameters")
    processors: dict[str, Callable[[Any], Any]] = {}
    defaults: dict[str, Any] = {}
    for name, bind in binds.items():
        processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            processors[name] = processor
        if not bind.required:
            value = bind.effective_value
            defaults[name] = processor(value) if processor is not None and value is not None else value
    exported = getattr(statement, "exported_columns", None)  # a query's columns, or what RETURNING gives back
    columns = list(exported or ())
    row_keys = [str(key) for key in exported.keys()] if exported else []  # noqa: SIM118  (iterating gives columns)
    names = tuple(compiled.positiontup) if compiled.positional and compiled.positiontup is not None else None
    return _Prepared(compiled.string, names, defaults, processors, columns, row_keys)


def _for(statement: ClauseElement, dialect: Dialect, keys: Mapping[str, Any]) -> _Prepared:
    cache_key = (id(statement), dialect.name, tuple(sorted(keys)))
    cached = _compiled.get(cache_key)
    if cached is None or cached[0] is not statement:
        cached = (statement, _compile(statement, dialect, cache_key[2]))
        _compiled[cache_key] = cached
    return cached[1]


def _parameters(compiled: _Prepared, params: Mapping[str, Any]) -> Any:
    values = dict(compiled.defaults)
    processors = compiled.processors
    for name, value in params.items():
        processor = processors.get(name)
        values[name] = processor(value) if processor is not None and value is not None else value
    if compiled.names is None:
        return values
    return tuple(values[name] for name in compiled.names)


class Result:
    """The rows a statement returned (all read at once) and the count of rows it changed."""

    __slots__ = ("rowcount", "rows")

    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self.rows, self.rowcount = rows, rowcount

    def __iter__(self) -> Iterator[Any]:
        return iter(self.rows)

    def all(self) -> list[Any]:
        return self.rows

    def first(self) -> Any:
        return self.rows[0] if self.rows else None

    def one(self) -> Any:
        if len(self.rows) != 1:
            raise exc.NoResultFound("no row") if not self.rows else exc.MultipleResultsFound("several rows")
        return self.rows[0]

    def scalar(self) -> Any:
        return self.rows[0][0] if self.rows else None

    def scalar_one(self) -> Any:
        return self.one()[0]


def _cursor(conn: Connection) -> Any:
    dbapi_connection = conn.connection.dbapi_connection
    cursor = conn.connection.info.get("materials.cursor")
    if cursor is None or cursor.connection is not dbapi_connection:
        cursor = dbapi_connection.cursor()  # type: ignore[union-attr]
        conn.connection.info["materials.cursor"] = cursor
    return cursor


def _send(conn: Connection, compiled: _Prepared, parameters: Any) -> Any:
    cursor = _cursor(conn)
    listened = bool(conn.dispatch.before_cursor_execute) or bool(conn.dispatch.after_cursor_execute)
    if listened:
        conn.dispatch.before_cursor_execute(conn, cursor, compiled.sql, parameters, None, False)
    try:
        cursor.execute(compiled.sql, parameters)
    except conn.dialect.loaded_dbapi.Error as error:
        gone = conn.dialect.is_disconnect(error, conn.connection.dbapi_connection, cursor)
        wrapped = exc.DBAPIError.instance(
            compiled.sql, parameters, error, conn.dialect.loaded_dbapi.Error, connection_invalidated=gone,
            dialect=conn.dialect,
        )  # fmt: skip
        if gone:
            conn.invalidate(error)
        raise wrapped from error
    if listened:
        conn.dispatch.after_cursor_execute(conn, cursor, compiled.sql, parameters, None, False)
    return cursor


def run(conn: Connection, statement: ClauseElement, params: Mapping[str, Any] | None = None) -> Result:
    """Run a Core statement on `conn`'s cursor, in its transaction, and read what it returns."""
    params = params or {}
    compiled = _for(statement, conn.dialect, params)
    cursor = _send(conn, compiled, _parameters(compiled, params))
    rows: list[Any] = []
    if compiled.row is not None:
        if compiled.results is None:
            compiled.results = [
                column.type.dialect_impl(conn.dialect).result_processor(conn.dialect, described[1])
                for column, described in zip(compiled.columns, cursor.description, strict=True)
            ]
        make, processors = compiled.row._make, compiled.results
        fetched = cursor.fetchall()
        if any(processors):
            rows = [
                make(
                    value if p is None or value is None else p(value) for p, value in zip(processors, raw, strict=True)
                )
                for raw in fetched
            ]
        else:
            rows = [make(raw) for raw in fetched]
    return Result(rows, cursor.rowcount)
