"""`materials sip2 serve` and `materials sip2 account add`: the SIP2 server for sorters and return machines."""

import asyncio
import logging

import typer

from materials.cli.common import emit_json, fail, service_session, state
from materials.db import get_engine, schema_is_current
from materials.services.auth import add_sip2_account
from materials.services.lookup import station_by_name

sip2_app = typer.Typer(help="SIP2 server for sorters and return machines.", no_args_is_help=True)
account_app = typer.Typer(help="SIP2 accounts (one per machine; the password is stored hashed).", no_args_is_help=True)
sip2_app.add_typer(account_app, name="account")


def register(app: typer.Typer) -> None:
    app.add_typer(sip2_app, name="sip2")


@sip2_app.command("serve")
def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(6001, help="TCP port."),
    idle_timeout: float = typer.Option(300.0, help="Close a connection silent for this many seconds."),
    workers: int = typer.Option(8, help="Threads doing database work."),
    log_level: str = typer.Option("INFO", help="DEBUG logs every message; INFO logins and refusals."),
) -> None:
    """Serve SIP 2.00 (login, SC status, checkin, item information, resend) until SIGINT or SIGTERM."""
    from materials.sip2.server import serve as run

    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    engine = get_engine(state(ctx).settings.database_url, background_checkpoint=True)
    if not schema_is_current(engine):
        fail("the database schema is missing or old: run 'materials init' first")
    asyncio.run(run(engine, host=host, port=port, idle_timeout=idle_timeout, workers=workers))


@account_app.command("add")
def account_add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The machine's login user id (CN)."),
    password: str = typer.Option(..., "--password", help="The machine's login password (CO)."),
    location: str = typer.Option(..., "--location", help="The station the machine scans at, e.g. sortering-1."),
    json_out: bool = typer.Option(False, "--json", help="Print the account as JSON."),
) -> None:
    """Add a SIP2 account; its check-ins are recorded at the station named by --location, by this account."""
    with service_session(ctx) as session:
        station = station_by_name(session=session, name=location)
        account = add_sip2_account(session, name=name, password=password, location_code=station.name)
    if json_out:
        emit_json({"name": account.name, "location": account.location_code, "id": account.id})
    else:
        typer.echo(f"SIP2 account {account.name!r} added at station {account.location_code}")
