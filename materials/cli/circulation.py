"""`materials checkin|shelve|item|items|queue|condition`: the check-in side of circulation at the command line."""

import typer

from materials.cli.common import cli_actor, emit_json, emit_table, fail, service_session, state
from materials.clock import SystemClock, to_local
from materials.domain.states import TaskKind
from materials.services.checkin import barcode_error, check_in
from materials.services.items import item_details, list_items, record_condition
from materials.services.queues import station_queue
from materials.services.shelving import shelve as shelve_copy

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    app.command("checkin")(checkin)
    app.command("shelve")(shelve)
    app.command("item")(item)
    app.command("items")(items)
    app.command("queue")(queue)
    app.command("condition")(condition)


def checkin(
    ctx: typer.Context,
    barcode: str = typer.Argument(..., help="The copy's barcode, as scanned."),
    station: str = typer.Option(..., "--station", help="The station scanning it, e.g. sortering-1."),
    actor: str = typer.Option("", "--actor", help="Who scans (default: cli:<user>)."),
    parts_checked: bool = typer.Option(False, "--parts-checked", help="All parts of a multi-part set are there."),
    json_out: bool = typer.Option(False, "--json", help="Print the decision as JSON."),
) -> None:
    """Check a copy in: where it goes now, and why."""
    window = state(ctx).settings.duplicate_scan_seconds
    with service_session(ctx) as session:
        decision = check_in(
            session, barcode, station, SystemClock().now(), actor=cli_actor(actor), parts_checked=parts_checked,
            duplicate_window_seconds=window,
        )  # fmt: skip
    if json_out:
        emit_json(decision.as_dict())
    else:
        where = decision.destination_name or "fejlkassen"
        typer.echo(f"{decision.barcode}: {decision.kind} → {where} (bakke {decision.bin or '-'})")
        typer.echo(f"  {decision.reason}")
    error = barcode_error(decision)
    if error is not None:
        fail(f"{error} (the scan is recorded as task {decision.task_id})")


def shelve(
    ctx: typer.Context,
    barcode: str = typer.Argument(..., help="The copy's barcode."),
    station: str = typer.Option(..., "--station", help="The station at the branch where it is shelved."),
    actor: str = typer.Option("", "--actor", help="Who shelves (default: cli:<user>)."),
    json_out: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Put a copy on its shelf, display or hold shelf, closing its task."""
    with service_session(ctx) as session:
        result = shelve_copy(session, barcode=barcode, station=station, at=SystemClock().now(), actor=cli_actor(actor))
    if json_out:
        emit_json(result.as_dict())
    else:
        typer.echo(f"{result.barcode}: {result.status} at {result.branch} {result.location or ''}".rstrip())


def item(
    ctx: typer.Context,
    barcode: str = typer.Argument(..., help="The copy's barcode."),
    history: int = typer.Option(50, "--history", help="How many events to show."),
    json_out: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """A copy's title, status, place and event history."""
    with service_session(ctx) as session:
        view = item_details(session, barcode=barcode, history_limit=history)
    if json_out:
        emit_json(view.as_dict())
        return
    typer.echo(f"{view.barcode}: {view.title} ({view.author}), title id {view.title_id}")
    if view.condition:
        typer.echo(f"  condition {view.condition}")
    typer.echo(f"  status {view.status} at {view.branch_name} ({view.branch}) {view.location or ''}".rstrip())
    if view.destination:
        typer.echo(f"  heading for {view.destination} {view.destination_location or ''}".rstrip())
    rows = [
        {"at": to_local(h.at).strftime("%Y-%m-%d %H:%M:%S"), "kind": h.kind, "station": h.station, "what": h.what}
        for h in view.history
    ]
    emit_table(rows, title="history")


def items(
    ctx: typer.Context,
    status: str | None = typer.Option(None, "--status", help="Only copies with this status, e.g. in_transit."),
    branch: str | None = typer.Option(None, "--branch", help="Only copies at this branch (ISIL)."),
    limit: int = typer.Option(50, "--limit", help="At most this many."),
    json_out: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """Copies with barcode, title id, branch and status."""
    with service_session(ctx) as session:
        rows = list_items(session, status=status, branch_isil=branch, limit=limit)
    if json_out:
        emit_json(rows)
    else:
        emit_table(rows)


def queue(
    ctx: typer.Context,
    station: str = typer.Argument(..., help="The station, e.g. sortering-1 or pluk-710115."),
    kind: str | None = typer.Option(None, "--kind", help="Only tasks of this kind (sort, pick, pack, shelve, …)."),
    limit: int = typer.Option(200, "--limit", help="At most this many."),
    json_out: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """A station's open tasks, oldest first."""
    task_kind = None
    if kind is not None:
        try:
            task_kind = TaskKind(kind)
        except ValueError:
            fail(f"unknown task kind {kind!r}: choose one of {', '.join(k.value for k in TaskKind)}")
    with service_session(ctx) as session:
        tasks = station_queue(session, station, kind=task_kind, limit=limit)
    rows = [
        {"task_id": t.id, "kind": str(t.kind), "item_id": t.item_id, "created_at": t.created_at, "reason": t.reason}
        for t in tasks
    ]
    if json_out:
        emit_json(rows)
    else:
        emit_table(rows, title=f"queue {station}")


def condition(
    ctx: typer.Context,
    barcode: str = typer.Argument(..., help="The copy's barcode."),
    value: str = typer.Argument(..., help="good, worn or damaged."),
    station: str = typer.Option("", "--station", help="Where the copy was looked at."),
    actor: str = typer.Option("", "--actor", help="Who looked (default: cli:<user>)."),
    json_out: bool = typer.Option(False, "--json", help="Print the copy as JSON."),
) -> None:
    """Record a copy's condition (planning sends good copies first and offers damaged ones for weeding)."""
    with service_session(ctx) as session:
        view = record_condition(
            session, barcode=barcode, condition=value, at=SystemClock().now(), station=station, actor=cli_actor(actor)
        )
    if json_out:
        emit_json(view.as_dict())
    else:
        typer.echo(f"{view.barcode}: {view.condition}")
