"""`materials seed`: build the demo library and load it in one transaction.

The library is built in memory first (nothing touches the database), then written in a single transaction that
also clears the old data when forced; a failure anywhere leaves the database as it was.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from pathlib import Path

import polars as pl
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import Engine

from materials.db import schema_is_current
from materials.demo.build import DEFAULT_TODAY, SCALES, TABLE_ORDER, Library, Scale, build_library
from materials.demo.bulk import bulk_transaction
from materials.errors import DatabaseNotEmpty, SchemaNotCurrent
from materials.settings import Settings

__all__ = ["DEFAULT_TODAY", "SCALES", "Scale", "seed_demo"]

PARQUET_TABLES = ("branch", "title", "item", "loan", "reservation")


def seed_demo(
    engine: Engine,
    *,
    scale: str,
    seed: int,
    force: bool,
    progress: bool,
    parquet_dir: str | None,
    today: date = DEFAULT_TODAY,
    patron_key: str | None = None,
) -> dict[str, int]:
    """Build the demo library at `scale` into `engine`'s (migrated) database; returns rows written per table.

    Raises DatabaseNotEmpty if the database already holds a library and `force` is not set.
    """
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}: choose one of {', '.join(SCALES)}")
    if not schema_is_current(engine):
        raise SchemaNotCurrent("the database schema is missing or old: run 'materials init' first")
    key = patron_key if patron_key is not None else Settings().patron_key
    with _progress(progress, scale) as (step, tick, days):
        # Refuse before spending minutes on a city build; checked again inside the writing transaction.
        with bulk_transaction(engine) as writer:
            if writer.has_library() and not force:
                raise DatabaseNotEmpty(_not_empty_message(engine))
        days(SCALES[scale].years * 365 + 1)
        library = build_library(SCALES[scale], seed=seed, today=today, patron_key=key, step=step, tick=tick)
        counts = load_library(engine, library, force=force, step=step, scale=scale, seed=seed)
        if parquet_dir:
            step("parquet")
            write_parquet(library, Path(parquet_dir))
        step("done")
    return counts


def load_library(
    engine: Engine, library: Library, *, force: bool, step: Callable[[str], None], scale: str, seed: int
) -> dict[str, int]:
    counts: dict[str, int] = {}
    with bulk_transaction(engine) as writer:
        if writer.has_library():
            if not force:
                raise DatabaseNotEmpty(_not_empty_message(engine))
            step("clearing the old library")
            writer.clear()
        for name in TABLE_ORDER:
            step(f"loading {name}")
            counts[name] = writer.write(name, library.frames[name])
        writer.reset_sequences()
        writer.add_event(
            at=datetime.combine(library.today, time(23, 0), tzinfo=UTC),
            kind="seed",
            payload={
                "scale": scale,
                "seed": seed,
                "today": library.today.isoformat(),
                "history_from": library.start.isoformat(),
                "counts": counts,
            },
        )
    return counts


def write_parquet(library: Library, directory: Path) -> None:
    """The history for the data side, with timestamps typed as UTC."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in PARQUET_TABLES:
        frame = library.frames[name]
        frame = frame.select([c for c in frame.columns if not c.startswith("_")]).with_columns(
            pl.col(pl.Datetime).dt.replace_time_zone("UTC")
        )
        frame.write_parquet(directory / f"{name}s.parquet" if name != "branch" else directory / "branches.parquet")


def _not_empty_message(engine: Engine) -> str:
    url = engine.url.render_as_string(hide_password=True)
    return f"the database {url} already holds a library: seed with --force to replace it"


@contextmanager
def _progress(
    show: bool, scale: str
) -> Iterator[tuple[Callable[[str], None], Callable[[int], None], Callable[[int], None]]]:
    """Callbacks for the build: a step name, a simulated day, the number of days; a rich bar when shown."""
    if not show:
        yield (lambda _: None), (lambda _: None), (lambda _: None)
        return
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, transient=False) as bar:
        steps = bar.add_task(f"seed {scale}: starting", total=len(TABLE_ORDER) + 6)
        history = bar.add_task("history (days)", total=None, visible=False)

        def step(name: str) -> None:
            bar.update(steps, description=f"seed {scale}: {name}", advance=1)

        def tick(day: int) -> None:
            if day >= 0:
                bar.update(history, completed=day + 1)

        def days(total: int) -> None:
            bar.update(history, total=total, visible=True)

        yield step, tick, days
