"""crates list|seal|dispatch|receive, bins list|set and transit stuck (registered by materials.cli.reservations)."""

from collections.abc import Callable

import typer

from materials.cli.common import cli_actor, emit_json, emit_table, fail, now, service_session
from materials.domain.states import CrateState
from materials.models import Crate
from materials.services.crates import list_sort_bins, seal_crate, set_sort_bin
from materials.services.transit import dispatch_crate, list_crates, receive_crate, stuck_in_transit

crates_app = typer.Typer(help="Crates on the van route: list, seal, dispatch, receive.", no_args_is_help=True)
bins_app = typer.Typer(help="The sorter's bins per destination.", no_args_is_help=True)
transit_app = typer.Typer(help="Copies in transit.", no_args_is_help=True)

JSON = typer.Option(False, "--json", help="Print JSON for programs.")


def register(app: typer.Typer) -> None:
    app.add_typer(crates_app, name="crates")
    app.add_typer(bins_app, name="bins")
    app.add_typer(transit_app, name="transit")


@crates_app.command("list")
def crates_list(
    ctx: typer.Context,
    state_name: str | None = typer.Option(None, "--state", help="open, sealed, dispatched or received."),
    branch: str | None = typer.Option(None, "--branch", help="Only crates from or to this ISIL."),
    json_out: bool = JSON,
) -> None:
    """Crates with their leg, state and how full they are."""
    states = None
    if state_name is not None:
        try:
            states = [CrateState(state_name)]
        except ValueError:
            fail(f"unknown crate state {state_name!r}: choose one of {', '.join(s.value for s in CrateState)}")
    with service_session(ctx) as session:
        rows = list_crates(session, states=states, isil=branch)
    emit_json(rows) if json_out else emit_table(rows, title="Kasser")


def _move_crate(
    ctx: typer.Context, step: Callable[..., Crate], code: str, station: str, done: str, json_out: bool
) -> None:
    with service_session(ctx) as session:
        crate = step(session, code=code, at=now(), station=station, actor=cli_actor())
    emit_json({"code": crate.code, "state": str(crate.state)}) if json_out else typer.echo(f"{code}: {done}")


@crates_app.command("seal")
def crates_seal(
    ctx: typer.Context,
    code: str = typer.Argument(...),
    station: str = typer.Option("", "--station"),
    json_out: bool = JSON,
) -> None:
    """Seal an open crate for the van."""
    _move_crate(ctx, seal_crate, code, station, "forseglet", json_out)


@crates_app.command("dispatch")
def crates_dispatch(
    ctx: typer.Context,
    code: str = typer.Argument(...),
    station: str = typer.Option("", "--station"),
    json_out: bool = JSON,
) -> None:
    """A sealed crate leaves on the van; its copies are in transit."""
    _move_crate(ctx, dispatch_crate, code, station, "afsendt", json_out)


@crates_app.command("receive")
def crates_receive(
    ctx: typer.Context,
    code: str = typer.Argument(...),
    station: str = typer.Option(..., "--station", help="A station at the crate's destination."),
    json_out: bool = JSON,
) -> None:
    """Unpack a crate at its destination; each copy gets its sort or shelve task."""
    with service_session(ctx) as session:
        lines = receive_crate(session, code=code, station=station, at=now(), actor=cli_actor())
    emit_json(lines) if json_out else emit_table(lines, title=f"Modtaget {code}")


@bins_app.command("list")
def bins_list(ctx: typer.Context, json_out: bool = JSON) -> None:
    """Which sorter bin serves which destination."""
    with service_session(ctx) as session:
        rows = list_sort_bins(session)
    emit_json(rows) if json_out else emit_table(rows, title="Sorteringsbåse")


@bins_app.command("set")
def bins_set(
    ctx: typer.Context,
    isil: str = typer.Argument(..., help="The destination branch."),
    code: str = typer.Argument(..., help="The bin code, e.g. B07."),
    json_out: bool = JSON,
) -> None:
    """Map a destination to a sorter bin."""
    with service_session(ctx) as session:
        row = set_sort_bin(session, isil=isil, code=code, at=now(), actor=cli_actor())
    emit_json({"bin": row.code, "destination": isil}) if json_out else typer.echo(f"{isil} -> {row.code}")


@transit_app.command("stuck")
def transit_stuck(
    ctx: typer.Context,
    days: int | None = typer.Option(None, "--days", help="Alert threshold (default: the setting transit_alert_days)."),
    json_out: bool = JSON,
) -> None:
    """Copies in transit for longer than the threshold: the exception queue."""
    with service_session(ctx) as session:
        rows = [s.as_dict() for s in stuck_in_transit(session, now(), alert_days=days)]
    emit_json(rows) if json_out else emit_table(rows, title="Fast i transit")
