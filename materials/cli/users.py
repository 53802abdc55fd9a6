"""`materials users add|list|demo`: the logins of the screens."""

import typer
from sqlmodel import col, select

from materials.cli.common import emit_json, emit_table, fail, service_session
from materials.domain.states import Role
from materials.models import User
from materials.services.auth import add_user

users_app = typer.Typer(help="Logins for the screens (passwords are stored as argon2 hashes).", no_args_is_help=True)

ROLES = ", ".join(r.value for r in Role)


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")


@users_app.command("add")
def add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="User name."),
    role: str = typer.Option(..., "--role", help=f"One of: {ROLES}."),
    password: str = typer.Option(..., "--password", prompt=True, hide_input=True, help="The password."),
    station: str | None = typer.Option(None, "--station", help="Station name (required for --role station)."),
    json_out: bool = typer.Option(False, "--json", help="Print the new user as JSON."),
) -> None:
    """Add a screen login."""
    try:
        parsed = Role(role)
    except ValueError:
        fail(f"unknown role {role!r}: choose one of {ROLES}")
    if not password:
        fail(f"user {name!r}: the password must not be empty")
    with service_session(ctx) as session:
        user = add_user(session, username=name, password=password, role=parsed, station=station)
    row = {"username": user.username, "role": str(user.role), "station": user.station}
    if json_out:
        emit_json(row)
    else:
        typer.echo(f"user {user.username!r} added ({user.role}{', ' + user.station if user.station else ''})")


@users_app.command("list")
def list_users(ctx: typer.Context, json_out: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
    """The screen logins (never their passwords)."""
    with service_session(ctx) as session:
        users = list(session.exec(select(User).order_by(col(User.username))))
    rows = [{"username": u.username, "role": str(u.role), "station": u.station, "active": u.active} for u in users]
    if json_out:
        emit_json(rows)
    else:
        emit_table(rows, title="Brugere")


@users_app.command("demo")
def demo(ctx: typer.Context) -> None:
    """Create the demo logins listed in the README (for the demo library only)."""
    from materials.demo.users import ensure_demo_users

    with service_session(ctx) as session:
        created = ensure_demo_users(session)
    typer.echo(f"demo logins: {len(created)} created" + (f" ({', '.join(created)})" if created else ""))
