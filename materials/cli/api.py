"""`materials api`: serve the REST API, and manage its clients (tokens are shown once, stored only hashed)."""

import typer
from sqlmodel import col, select

from materials.cli.common import emit_json, emit_table, fail, service_session, state
from materials.models import ApiClient

api_app = typer.Typer(help="The REST API for the library system.", no_args_is_help=True)
client_app = typer.Typer(help="API clients: one token per client, with scopes.", no_args_is_help=True)
api_app.add_typer(client_app, name="client")


def register(app: typer.Typer) -> None:
    app.add_typer(api_app, name="api")


@api_app.command("serve")
def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    idempotency_hours: float = typer.Option(
        24.0, envvar="MATERIALS_IDEMPOTENCY_HOURS", min=0.01, help="How long an Idempotency-Key is remembered."
    ),
) -> None:
    """Serve the API with uvicorn (OpenAPI schema at /openapi.json, docs at /docs)."""
    from datetime import timedelta

    import uvicorn

    from materials.api import create_app
    from materials.db import get_engine, schema_is_current

    st = state(ctx)
    engine = get_engine(st.settings.database_url, background_checkpoint=True)
    if not schema_is_current(engine):
        fail("the database schema is missing or old: run 'materials init' first")
    app = create_app(engine, patron_key=st.settings.patron_key, key_ttl=timedelta(hours=idempotency_hours))
    uvicorn.run(app, host=host, port=port)


@api_app.command("prune-keys")
def prune_keys(
    ctx: typer.Context,
    older_than_hours: float = typer.Option(
        24.0, envvar="MATERIALS_IDEMPOTENCY_HOURS", min=0.0, help="Forget keys older than this."
    ),
) -> None:
    """Forget expired idempotency keys (the API also does this itself every few minutes)."""
    from datetime import timedelta

    from materials.api.idempotency import prune_expired_keys
    from materials.cli.common import now

    with service_session(ctx) as session:
        gone = prune_expired_keys(session, before=now() - timedelta(hours=older_than_hours))
    typer.echo(f"forgot {gone} idempotency key(s) older than {older_than_hours:g} h")


@client_app.command("add")
def add_client(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The client's name (it is the actor of its writes)."),
    scopes: str = typer.Option(..., "--scopes", help="Comma list of: read, circulation, catalogue."),
    json_out: bool = typer.Option(False, "--json", help="Print the client and token as JSON."),
) -> None:
    """Add an API client and print its token once; only a hash of it is kept."""
    from materials.api.deps import SCOPES
    from materials.services.auth import add_api_client

    wanted = [s.strip() for s in scopes.split(",") if s.strip()]
    unknown = [s for s in wanted if s not in SCOPES]
    if not wanted or unknown:
        fail(f"unknown scopes {unknown!r}: choose from {', '.join(SCOPES)}" if unknown else "give at least one scope")
    if not name.strip() or len(name) > 60:
        fail(f"client name {name!r}: 1-60 characters")
    with service_session(ctx) as session:
        issued = add_api_client(session, name=name, scopes=wanted)
    if json_out:
        emit_json({"name": issued.client.name, "scopes": issued.client.scopes.split(), "token": issued.token})
        return
    typer.echo(f"API client {issued.client.name!r} with scopes {issued.client.scopes}; its token (shown only now):")
    typer.echo(issued.token)


@client_app.command("list")
def list_clients(
    ctx: typer.Context, json_out: bool = typer.Option(False, "--json", help="Print the clients as JSON.")
) -> None:
    """The API clients with their scopes (never their tokens)."""
    with service_session(ctx) as session:
        clients = session.exec(select(ApiClient).order_by(col(ApiClient.name))).all()
        rows = [{"name": c.name, "scopes": c.scopes, "active": c.active} for c in clients]
    if json_out:
        emit_json(rows)
    else:
        emit_table(rows, title="API clients")
