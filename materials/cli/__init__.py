"""`materials`: the command line of the materials team's system."""

import typer

from materials.cli import core

app = typer.Typer(
    name="materials",
    help="Materials handling and logistics for a city library service.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(
    ctx: typer.Context,
    db: str | None = typer.Option(
        None, "--db", help="Database URL (default: MATERIALS_DATABASE_URL or sqlite:///materials.db)."
    ),
) -> None:
    core.state(ctx).db_url = db


core.register(app)


def main() -> None:
    app()
