"""reservations place|cancel|list, allocate, picklist, pick and holdshelf expire|collect.

The crate, bin and transit commands live in materials.cli.crates and are registered from here.
"""

from typing import Any

import typer
from sqlmodel import Session

from materials.cli import crates as crate_commands
from materials.cli.common import cli_actor, emit_json, emit_table, fail, now, service_session, state
from materials.domain.states import ReservationState
from materials.models import Branch, Item, Reservation
from materials.services.allocation import allocate as allocate_copies
from materials.services.holdshelf import collect, expire_overdue
from materials.services.picking import pick as pick_copy
from materials.services.picking import pick_list, reallocate_overdue_picks
from materials.services.reservations import cancel_reservation, list_reservations, place_reservation

reservations_app = typer.Typer(help="Title-level reservations.", no_args_is_help=True)
holdshelf_app = typer.Typer(help="The hold shelf: collect and expire.", no_args_is_help=True)

JSON = typer.Option(False, "--json", help="Print JSON for programs.")


def register(app: typer.Typer) -> None:
    app.add_typer(reservations_app, name="reservations")
    app.add_typer(holdshelf_app, name="holdshelf")
    app.command("allocate")(allocate)
    app.command("picklist")(picklist)
    app.command("pick")(pick)
    crate_commands.register(app)


def reservation_row(session: Session, reservation: Reservation) -> dict[str, Any]:
    branch = session.get(Branch, reservation.pickup_branch_id)
    item = session.get(Item, reservation.item_id) if reservation.item_id else None
    return {
        "id": reservation.id,
        "title_id": reservation.title_id,
        "pickup": branch.isil if branch else None,
        "state": str(reservation.state),
        "barcode": item.barcode if item else None,
        "placed_at": reservation.placed_at,
        "pickup_deadline": reservation.pickup_deadline,
        "shelf_code": reservation.shelf_code,
    }


@reservations_app.command("place")
def place(
    ctx: typer.Context,
    title: int = typer.Option(..., "--title", help="Title id."),
    pickup: str = typer.Option(..., "--pickup", help="ISIL of the pickup branch, e.g. DK-710100."),
    patron: str = typer.Option(..., "--patron", help="The library system's patron id (stored only as a keyed hash)."),
    json_out: bool = JSON,
) -> None:
    """Reserve any copy of a title for pickup at a branch; a shelf copy is allocated at once if there is one."""
    key = state(ctx).settings.patron_key
    with service_session(ctx) as session:
        reservation = place_reservation(
            session, title_id=title, pickup_isil=pickup, patron=patron, at=now(), patron_key=key, actor=cli_actor()
        )
        row = reservation_row(session, reservation)
    if json_out:
        emit_json(row)
    else:
        typer.echo(f"reservation {row['id']}: {row['state']}" + (f", copy {row['barcode']}" if row["barcode"] else ""))


@reservations_app.command("cancel")
def cancel(ctx: typer.Context, reservation_id: int = typer.Argument(..., metavar="ID"), json_out: bool = JSON) -> None:
    """Cancel a reservation; a chosen shelf copy is freed, a copy on the hold shelf is routed on."""
    with service_session(ctx) as session:
        row = reservation_row(
            session, cancel_reservation(session, reservation_id=reservation_id, at=now(), actor=cli_actor())
        )
    if json_out:
        emit_json(row)
    else:
        typer.echo(f"reservation {reservation_id} cancelled")


@reservations_app.command("list")
def list_command(
    ctx: typer.Context,
    title: int | None = typer.Option(None, "--title", help="Only this title id."),
    state_name: str | None = typer.Option(None, "--state", help="Only this state (waiting, allocated, ...)."),
    limit: int = typer.Option(500, "--limit"),
    json_out: bool = JSON,
) -> None:
    """Reservations, oldest first."""
    states = None
    if state_name is not None:
        try:
            states = [ReservationState(state_name)]
        except ValueError:
            fail(f"unknown state {state_name!r}: choose one of {', '.join(s.value for s in ReservationState)}")
    with service_session(ctx) as session:
        rows = [
            reservation_row(session, r) for r in list_reservations(session, title_id=title, states=states, limit=limit)
        ]
    emit_json(rows) if json_out else emit_table(rows, title="Reserveringer")


def allocate(
    ctx: typer.Context,
    overdue: bool = typer.Option(False, "--overdue", help="First move picks not done in time to other copies."),
    json_out: bool = JSON,
) -> None:
    """Give waiting reservations a shelf copy (least transport cost per title) and open pick tasks."""
    at = now()
    with service_session(ctx) as session:
        moved = reallocate_overdue_picks(session, at, actor=cli_actor()) if overdue else []
        done = [a.as_dict() for a in allocate_copies(session, at=at, actor=cli_actor())]
    if json_out:
        emit_json({"allocated": done, "moved": moved})
        return
    typer.echo(f"{len(done)} allocated" + (f", {len(moved)} overdue picks moved" if overdue else ""))
    emit_table(
        [{k: a[k] for k in ("reservation_id", "barcode", "from_branch", "pickup_branch", "reason")} for a in done]
    )


def picklist(
    ctx: typer.Context, isil: str = typer.Argument(..., help="The branch's ISIL."), json_out: bool = JSON
) -> None:
    """The branch's pick list in walking order."""
    with service_session(ctx) as session:
        lines = [line.as_dict() for line in pick_list(session, isil=isil)]
    if json_out:
        emit_json(lines)
        return
    keys = ("location_name", "shelfmark", "barcode", "title", "pickup_name")
    emit_table([{k: line[k] for k in keys} for line in lines], title=f"Plukliste {isil}")


def pick(
    ctx: typer.Context,
    barcode: str = typer.Argument(...),
    station: str = typer.Option(..., "--station", help="The station scanning."),
    not_found: bool = typer.Option(False, "--not-found", help="The copy is not on the shelf."),
    json_out: bool = JSON,
) -> None:
    """Confirm a pick by its barcode, or report the copy not found (another copy is then chosen)."""
    with service_session(ctx) as session:
        result = pick_copy(session, barcode=barcode, station=station, at=now(), actor=cli_actor(), not_found=not_found)
    if json_out:
        emit_json(result.as_dict())
    else:
        typer.echo(f"{result.barcode}: {result.reason}")


@holdshelf_app.command("expire")
def expire(ctx: typer.Context, json_out: bool = JSON) -> None:
    """Expire reservations past their pickup deadline and route their copies on."""
    with service_session(ctx) as session:
        expired = expire_overdue(session, now(), actor=cli_actor())
    if json_out:
        emit_json(expired)
    else:
        typer.echo(f"{len(expired)} reservations expired")


@holdshelf_app.command("collect")
def collect_command(
    ctx: typer.Context,
    barcode: str = typer.Argument(...),
    station: str = typer.Option("", "--station"),
    json_out: bool = JSON,
) -> None:
    """The patron collects the copy: the reservation becomes a loan."""
    with service_session(ctx) as session:
        loan = collect(session, barcode=barcode, at=now(), station=station, actor=cli_actor())
        row = {"barcode": barcode, "loan_id": loan.id, "due_at": loan.due_at}
    emit_json(row) if json_out else typer.echo(f"{barcode}: udlånt til {row['due_at']:%Y-%m-%d}")
