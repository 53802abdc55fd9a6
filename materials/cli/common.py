"""What every CLI command shares: the database from --db or the settings, output as text or JSON, errors."""

import getpass
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine
from sqlmodel import Session

from materials.clock import SystemClock
from materials.db import get_engine, schema_is_current, session_scope
from materials.errors import MaterialsError, SchemaNotCurrent
from materials.settings import Settings

console = Console()
err_console = Console(stderr=True)


class State:
    def __init__(self) -> None:
        self.db_url: str | None = None
        self._settings: Settings | None = None
        self._engine: Engine | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = Settings()
            if self.db_url:
                self._settings.database_url = self.db_url
        return self._settings

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = get_engine(self.settings.database_url)
        return self._engine


def state(ctx: typer.Context) -> State:
    root = ctx.find_root()
    if not isinstance(root.obj, State):
        root.obj = State()
    return root.obj


def fail(message: str, code: int = 1) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


@contextmanager
def service_session(ctx: typer.Context, *, require_schema: bool = True) -> Iterator[Session]:
    """A session on the chosen database; service errors become a message and exit code 1."""
    st = state(ctx)
    try:
        if require_schema and not schema_is_current(st.engine):
            raise SchemaNotCurrent("the database schema is missing or old: run 'materials init' first")
        with session_scope(st.engine) as session:
            yield session
    except MaterialsError as exc:
        fail(str(exc))


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, default=_default, ensure_ascii=False, indent=2) + "\n")


def emit_table(rows: list[dict[str, Any]], title: str | None = None) -> None:
    if not rows:
        console.print("(none)")
        return
    table = Table(title=title)
    for column in rows[0]:
        table.add_column(str(column))
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row.values()))
    console.print(table)


def now() -> datetime:
    return SystemClock().now()


def cli_actor(given: str = "") -> str:
    """Who did it: the --actor given, else the operating-system user ("every write records who did it")."""
    return given or f"cli:{getpass.getuser()}"
