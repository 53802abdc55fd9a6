"""init, seed and info."""

import typer

from materials.cli.common import emit_json, fail, service_session, state
from materials.db import migrate
from materials.errors import MaterialsError
from materials.services.info import library_counts

__all__ = ["register", "state"]


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("seed")(seed)
    app.command("info")(info)


def init(ctx: typer.Context) -> None:
    """Create or upgrade the database schema (Alembic migrations)."""
    st = state(ctx)
    migrate(st.engine)
    typer.echo(f"schema up to date on {st.engine.url.render_as_string(hide_password=True)}")


def seed(
    ctx: typer.Context,
    scale: str = typer.Option("small", help="small (seconds, for tests and the demo) or city (1 M items)."),
    seed: int = typer.Option(2026, "--seed", help="Random seed: the same seed builds the same library."),
    force: bool = typer.Option(False, "--force", help="Replace what the database holds."),
    parquet: str | None = typer.Option(None, "--parquet", help="Also write the history as Parquet to this folder."),
    json_out: bool = typer.Option(False, "--json", help="Print the counts as JSON."),
    today: str | None = typer.Option(
        None, "--today", help="The demo's today, YYYY-MM-DD (default 2026-11-23): the history ends here."
    ),
) -> None:
    """Build the demo library: Copenhagen's branches, real and generated titles, copies and a history."""
    from datetime import date

    from materials.demo.seed import DEFAULT_TODAY, SCALES, seed_demo

    if scale not in SCALES:
        fail(f"unknown scale {scale!r}: choose one of {', '.join(SCALES)}")
    try:
        end = date.fromisoformat(today) if today else DEFAULT_TODAY
    except ValueError:
        fail(f"malformed --today {today!r}: expected YYYY-MM-DD")
    st = state(ctx)
    migrate(st.engine)
    try:
        seed_demo(st.engine, scale=scale, seed=seed, force=force, progress=not json_out, parquet_dir=parquet, today=end)
    except MaterialsError as exc:
        fail(str(exc))
    with service_session(ctx) as session:
        counts = library_counts(session)
    if json_out:
        emit_json(counts)
    else:
        typer.echo("demo library built: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))


def info(ctx: typer.Context, json_out: bool = typer.Option(False, "--json", help="Print the counts as JSON.")) -> None:
    """Counts of what the database holds."""
    with service_session(ctx) as session:
        counts = library_counts(session)
    if json_out:
        emit_json(counts)
        return
    st = state(ctx)
    typer.echo(f"database: {st.engine.url.render_as_string(hide_password=True)}")
    for key, value in counts.items():
        typer.echo(f"  {key:<14}{value:>12,}")
