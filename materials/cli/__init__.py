"""`materials`: the command line of the materials team's system.

The backend's own commands live here; the data side and the screens add theirs through the entry-point group
`materials.commands` (see pyproject.toml), so `materials/` never imports `logistics/` or `dashboard/`.
"""

from importlib.metadata import entry_points

import typer

from materials.cli import api, circulation, core, reservations, sip2, users

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


BUILTIN = [core.register, users.register, sip2.register, api.register, circulation.register, reservations.register]


def _register_all() -> None:
    for register in BUILTIN:
        register(app)
    for entry in sorted(entry_points(group="materials.commands"), key=lambda e: e.name):
        entry.load()(app)


_register_all()


def main() -> None:
    app()
