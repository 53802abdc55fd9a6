"""Planning's commands of the `materials` CLI: plan, moves, displays, events and weeding.

Registered through the entry point group `materials.commands` (pyproject.toml). Errors of the services
(`MaterialsError`) become a message naming the value and exit code 1.
"""

from dataclasses import asdict
from datetime import datetime
from pathlib import Path

import typer

from logistics.planning.config import PlanningConfig
from logistics.planning.display_fill import fill_display
from logistics.planning.display_suggest import suggest_titles
from logistics.planning.displays import create_display
from logistics.planning.events import import_events
from logistics.planning.export import export_display
from logistics.planning.move_decisions import accept_move, list_moves, pick_move, reject_move
from logistics.planning.overview import list_displays
from logistics.planning.plan import run_plan
from logistics.planning.weeding import weeding_candidates
from materials.cli.common import emit_json, emit_table, service_session
from materials.clock import SystemClock

moves_app = typer.Typer(help="Suggested copy moves: list, accept (a pick task), reject.", no_args_is_help=True)
displays_app = typer.Typer(help="Display areas: create, suggest titles, fill, export.", no_args_is_help=True)
events_app = typer.Typer(help="The library's event calendar.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("plan")(plan)
    app.command("weeding")(weeding)
    app.add_typer(moves_app, name="moves")
    app.add_typer(displays_app, name="displays")
    app.add_typer(events_app, name="events")


def _now() -> datetime:
    return SystemClock().now()


def plan(
    ctx: typer.Context,
    service_level: float = typer.Option(0.9, help="Probability that a branch's copies meet the horizon's demand."),
    horizon_weeks: int = typer.Option(4, help="Weeks of demand a branch's copies should cover."),
    idle_days: int = typer.Option(90, help="A copy stands still after this many days without a loan or move."),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Recompute shelf targets per title and branch, and suggest the day's copy moves."""
    config = PlanningConfig(service_level=service_level, horizon_weeks=horizon_weeks, idle_days=idle_days)
    with service_session(ctx) as session:
        result = run_plan(session, at=_now(), config=config, actor="cli")
    if json_out:
        emit_json(asdict(result))
        return
    t = result.targets
    typer.echo(f"demand from {result.demand_source}")
    typer.echo(f"targets: {t.rows:,} rows, {t.copies_wanted:,} copies wanted, {t.deficit_copies:,} short, "
               f"{t.surplus_copies:,} over")  # fmt: skip
    typer.echo(f"moves suggested: {result.moves:,}; displays ended: {result.displays_ended}")
    typer.echo("seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in result.seconds.items()))


@moves_app.command("list")
def moves_list(
    ctx: typer.Context,
    state: str = typer.Option("suggested", help="suggested, accepted, rejected, done or all."),
    branch: str | None = typer.Option(None, help="Only moves from or to this branch (ISIL)."),
    limit: int = typer.Option(50),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Suggested moves, best first, each with its reason."""
    with service_session(ctx) as session:
        moves = list_moves(session, state=None if state == "all" else state, branch_isil=branch, limit=limit)
    rows = [asdict(m) for m in moves]
    if json_out:
        emit_json(rows)
    else:
        emit_table([{k: r[k] for k in ("id", "barcode", "title", "from_name", "to_name", "reason")} for r in rows])


def _decide(ctx: typer.Context, ids: list[int], *, accept: bool, by: str, json_out: bool) -> None:
    done = []
    with service_session(ctx) as session:
        for move_id in ids:
            decide = accept_move if accept else reject_move
            move = decide(session, move_id, at=_now(), actor=by)
            done.append({"id": move.id, "state": move.state, "task_id": move.task_id})
    if json_out:
        emit_json(done)
    else:
        for row in done:
            typer.echo(f"move {row['id']}: {row['state']}" + (f" (task {row['task_id']})" if row["task_id"] else ""))


@moves_app.command("accept")
def moves_accept(
    ctx: typer.Context, ids: list[int], by: str = typer.Option("", help="Who decided."), json_out: bool = typer.Option(False, "--json")
) -> None:  # fmt: skip
    """Accept moves: each becomes a move task at the source branch's pick desk."""
    _decide(ctx, ids, accept=True, by=by, json_out=json_out)


@moves_app.command("reject")
def moves_reject(
    ctx: typer.Context, ids: list[int], by: str = typer.Option("", help="Who decided."), json_out: bool = typer.Option(False, "--json")
) -> None:  # fmt: skip
    """Reject moves: the copies stay and are not suggested again for a while."""
    _decide(ctx, ids, accept=False, by=by, json_out=json_out)


@moves_app.command("pick")
def moves_pick(
    ctx: typer.Context, barcode: str, station: str = typer.Option(..., help="The pick desk, e.g. pluk-710112."),
    json_out: bool = typer.Option(False, "--json"),
) -> None:  # fmt: skip
    """Take the copy of an accepted move from the shelf: it goes into the crate towards its new branch."""
    with service_session(ctx) as session:
        move = pick_move(session, barcode=barcode, station=station, at=_now(), actor="cli")
    if json_out:
        emit_json({"id": move.id, "state": move.state, "barcode": barcode})
    else:
        typer.echo(f"move {move.id}: {barcode} picked, on its way")


@displays_app.command("create")
def displays_create(
    ctx: typer.Context,
    branch: str = typer.Option(..., help="ISIL of the branch, e.g. DK-710115."),
    name: str = typer.Option(...),
    capacity: int = typer.Option(..., help="How many copies the display shows."),
    starts: datetime = typer.Option(..., "--from", formats=["%Y-%m-%d"]),
    ends: datetime = typer.Option(..., "--to", formats=["%Y-%m-%d"]),
    theme: str = typer.Option("", help="';'-separated subjects and keywords."),
    audience: str | None = typer.Option(None, help="adult or children."),
    event: int | None = typer.Option(None, help="Id of a calendar event inside the period."),
    location: str | None = typer.Option(None, help="Code of the display location (default: a free one)."),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Create a display area for a period, optionally tied to a calendar event."""
    with service_session(ctx) as session:
        display = create_display(
            session, branch_isil=branch, name=name, capacity=capacity, starts_on=starts.date(), ends_on=ends.date(),
            at=_now(), theme=theme, audience=audience, event_id=event, location_code=location, actor="cli",
        )  # fmt: skip
    if json_out:
        emit_json(display.model_dump())
    else:
        typer.echo(f"display {display.id} created: {display.name} ({display.starts_on} – {display.ends_on})")


@displays_app.command("list")
def displays_list(
    ctx: typer.Context,
    all_: bool = typer.Option(False, "--all", help="Include ended displays."),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Displays with their period, how many titles they want and how many copies are up."""
    with service_session(ctx) as session:
        rows = [asdict(d) for d in list_displays(session, include_ended=all_)]
    emit_json(rows) if json_out else emit_table(rows)


@displays_app.command("suggest")
def displays_suggest(
    ctx: typer.Context,
    display_id: int,
    dry_run: bool = typer.Option(False, "--dry-run", help="Show the titles without making them wanted."),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Rank titles for a display and make them its wanted titles (check-in sends returned copies there)."""
    with service_session(ctx) as session:
        titles = suggest_titles(session, display_id, config=PlanningConfig(), at=_now(), write=not dry_run)
    rows = [asdict(t) for t in titles]
    emit_json(rows) if json_out else emit_table(rows)


@displays_app.command("fill")
def displays_fill(ctx: typer.Context, display_id: int, json_out: bool = typer.Option(False, "--json")) -> None:
    """Open display tasks that fetch copies of the wanted titles from the shelves, due before the display opens."""
    with service_session(ctx) as session:
        result = fill_display(session, display_id, config=PlanningConfig(), at=_now(), actor="cli")
    if json_out:
        emit_json(asdict(result))
    else:
        typer.echo(f"{len(result.tasks)} display tasks: {result.local} from this branch, "
                   f"{result.from_elsewhere} from other branches; {len(result.unfilled)} titles without a copy")  # fmt: skip


@displays_app.command("export")
def displays_export(
    ctx: typer.Context, display_id: int, out: Path = typer.Option(Path("."), help="Folder for the HTML and JSON.")
) -> None:
    """Write the display as a digital book display (HTML and JSON) for the library's website."""
    with service_session(ctx) as session:
        json_path, html_path = export_display(session, display_id, out)
    typer.echo(f"wrote {json_path} and {html_path}")


@events_app.command("import")
def events_import(ctx: typer.Context, file: Path, json_out: bool = typer.Option(False, "--json")) -> None:
    """Import events from CSV (date, branch, name[, time, theme, id]) or iCalendar; a bad row imports nothing."""
    with service_session(ctx) as session:
        result = import_events(session, file, at=_now(), actor="cli")
    if json_out:
        emit_json(asdict(result))
    else:
        typer.echo(f"events: {result.created} new, {result.updated} updated")


def weeding(
    ctx: typer.Context,
    years: int = typer.Option(6, help="The period loans are counted over."),
    min_loans: int = typer.Option(2, help="Copies with fewer loans than this in the period are candidates."),
    allow_last_copy: bool = typer.Option(False, "--allow-last-copy", help="Also propose a title's last copy."),
    limit: int = typer.Option(200),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Weeding candidates: surplus copies nobody borrows (never a title's last copy unless allowed)."""
    config = PlanningConfig(weeding_years=years, weeding_min_loans=min_loans)
    with service_session(ctx) as session:
        found = weeding_candidates(session, config=config, at=_now(), allow_last_copy=allow_last_copy, limit=limit)
    rows = [asdict(c) for c in found]
    if json_out:
        emit_json(rows)
    else:
        emit_table([{k: r[k] for k in ("barcode", "title", "branch_name", "loans", "reason")} for r in rows])
