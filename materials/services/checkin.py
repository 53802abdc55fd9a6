"""Check-in: a copy is scanned at a station, and the system says at once where it goes and why.

One scan is one transaction: the copy's row is locked (BEGIN IMMEDIATE on SQLite, SELECT … FOR UPDATE on
PostgreSQL), its loan closed, the route decided (materials.services.routing), the copy sent on its way with a task,
and the decision written to the event log before the commit. Problems with the scan itself (an unknown or
malformed barcode, a withdrawn copy, a set with several parts, a copy reported missing) are decisions too: kind
`exception`, an EXCEPTION task, and the scan in the log.
"""

from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlmodel import Session, col

from materials.domain.identifiers import InvalidIdentifier, normalise_barcode
from materials.domain.states import ItemStatus, ReservationState, RouteKind, TaskKind, TaskState
from materials.errors import MaterialsError
from materials.models import Event, Item, Loan, Task, Title
from materials.services.events import record_event
from materials.services.lookup import UnknownBarcode
from materials.services.routing import Route, RouteDecision, decide_route
from materials.services.routing_places import BranchInfo, Places, StationInfo, station_named
from materials.services.routing_rules import claim_display_place, claim_target_place
from materials.services.shelf_room import note_heading
from materials.services.tasks import close_task, open_task

DEFAULT_DUPLICATE_WINDOW_SECONDS = 10.0
# Tasks a new scan of the copy settles: the sorter scan is what a SORT task asks for; older plans are replaced.
_DONE_BY_SCAN = (TaskKind.SORT,)
_REPLACED_BY_SCAN = (TaskKind.SHELVE, TaskKind.DISPLAY, TaskKind.PACK, TaskKind.EXCEPTION)


def check_in(
    session: Session,
    barcode: str,
    station: str,
    at: datetime,
    *,
    actor: str = "",
    parts_checked: bool = False,
    duplicate_window_seconds: float = DEFAULT_DUPLICATE_WINDOW_SECONDS,
) -> RouteDecision:
    """Record the scan of `barcode` at `station` and decide where the copy goes. Commits.

    Raises UnknownStation for a station that does not exist (nothing is recorded then). A repeat scan of the same
    barcode at the same station within `duplicate_window_seconds` returns the first decision and records nothing.
    `parts_checked` says a person has seen that every part of a multi-part set is there.
    """
    try:
        places, here_station = station_named(session, station)
        here = places.branches[here_station.branch_id]
        try:
            code, malformed = normalise_barcode(barcode), False
        except InvalidIdentifier:
            code, malformed = barcode, True
        found = None if malformed else _lock_item(session, code)
        earlier = _recent_decision(session, station=station, barcode=code[:80], at=at, window=duplicate_window_seconds)
        if earlier is not None:
            session.rollback()
            return replace(earlier, duplicate=True)
        if malformed:
            reason = f"Ulæselig stregkode {barcode!r}: læg den i fejlkassen"
            decision = _exception(
                session, places, here_station, code, at, actor, "malformed_barcode", reason, raw=barcode
            )
        elif found is None:
            reason = f"Ukendt stregkode {code!r}: læg den i fejlkassen"
            decision = _exception(session, places, here_station, code, at, actor, "unknown_barcode", reason)
        else:
            decision = _check_in_item(session, places, here_station, here, *found, at, actor, parts_checked)
        session.commit()
        return decision
    except BaseException:
        session.rollback()
        raise


def barcode_error(decision: RouteDecision) -> MaterialsError | None:
    """The named error for a scan whose barcode was not understood, for callers that answer with an error."""
    if decision.exception == "unknown_barcode":
        return UnknownBarcode(f"unknown barcode {decision.barcode!r}")
    if decision.exception == "malformed_barcode":
        return InvalidIdentifier(f"malformed barcode {decision.barcode!r}")
    return None


# The hot path's statements are built once: building a statement costs as much as running it on SQLite.
_ITEM_AND_TITLE = (
    select(Item, Title)
    .join(Title, col(Title.id) == Item.title_id)
    .where(col(Item.barcode) == bindparam("barcode"))
    .execution_options(populate_existing=True)
)
_ITEM_AND_TITLE_LOCKED = _ITEM_AND_TITLE.with_for_update(of=Item)
_RECENT_DECISION = (
    select(col(Event.payload))
    .where(
        col(Event.station) == bindparam("station"),
        col(Event.at) >= bindparam("since"),
        col(Event.at) <= bindparam("at"),
        col(Event.kind) == "checkin",
        col(Event.barcode) == bindparam("barcode"),
    )
    .order_by(col(Event.at).desc(), col(Event.id).desc())
    .limit(1)
)
_CLOSE_LOAN = (
    update(Loan)
    .where(col(Loan.item_id) == bindparam("item"), col(Loan.returned_at).is_(None))
    .values(returned_at=bindparam("at"), returned_branch_id=bindparam("branch"))
    .returning(col(Loan.id))
    .execution_options(synchronize_session=False)
)
_OPEN_TASKS = (
    select(Task)
    .where(col(Task.item_id) == bindparam("item"), col(Task.state) == TaskState.OPEN)
    .execution_options(populate_existing=True)
)


def _lock_item(session: Session, code: str) -> tuple[Item, Title] | None:
    postgres = session.get_bind().dialect.name == "postgresql"
    row = session.execute(_ITEM_AND_TITLE_LOCKED if postgres else _ITEM_AND_TITLE, {"barcode": code}).first()
    return None if row is None else (row[0], row[1])


def _recent_decision(
    session: Session, *, station: str, barcode: str, at: datetime, window: float
) -> RouteDecision | None:
    if window <= 0:
        return None
    since = at - timedelta(seconds=window)
    params = {"station": station, "since": since, "at": at, "barcode": barcode}
    payload = session.execute(_RECENT_DECISION, params).scalar()
    if not payload or "decision" not in payload:
        return None
    return RouteDecision.from_dict(payload["decision"])


def _exception(
    session: Session,
    places: Places,
    station: StationInfo,
    barcode: str,
    at: datetime,
    actor: str,
    problem: str,
    reason: str,
    *,
    item: Item | None = None,
    title: Title | None = None,
    raw: str | None = None,
) -> RouteDecision:
    task = open_task(
        session, kind=TaskKind.EXCEPTION, station=station.name, branch_id=station.branch_id, at=at, reason=reason,
        item_id=item.id if item else None, actor=actor,
    )  # fmt: skip
    decision = RouteDecision(
        barcode=barcode, kind=RouteKind.EXCEPTION, destination=None, destination_name=None, location=None,
        bin=places.exception_bin, reason=reason, task_id=task.id, item_id=item.id if item else None,
        title=title.title if title else None, rule="exception", exception=problem, station=station.name,
    )  # fmt: skip
    extra = {"raw": raw} if raw is not None else {}
    _record(session, decision, at=at, actor=actor, **extra)
    return decision


def _record(session: Session, decision: RouteDecision, *, at: datetime, actor: str, **extra: object) -> None:
    record_event(
        session, at=at, kind="checkin", station=decision.station, actor=actor, item_id=decision.item_id,
        barcode=decision.barcode, decision=decision.as_dict(), **extra,
    )  # fmt: skip


def _check_in_item(
    session: Session,
    places: Places,
    station: StationInfo,
    here: BranchInfo,
    item: Item,
    title: Title,
    at: datetime,
    actor: str,
    parts_checked: bool,
) -> RouteDecision:
    if item.status == ItemStatus.WITHDRAWN:
        reason = "Udgået: skal ikke på hylden, læg den i fejlkassen"
        return _exception(
            session, places, station, item.barcode, at, actor, "withdrawn", reason, item=item, title=title
        )
    if item.status == ItemStatus.MISSING:
        item.status, item.status_changed_at, item.branch_id = ItemStatus.IN_SORTING, at, here.id
        item.location_id = item.destination_branch_id = item.destination_location_id = None
        session.add(item)
        reason = "Meldt savnet, nu fundet: se den efter og scan den igen"
        return _exception(session, places, station, item.barcode, at, actor, "found", reason, item=item, title=title)
    if item.parts > 1 and not parts_checked:
        reason = f"Tjek at alle {item.parts} dele er der, og scan igen med 'alle dele'"
        return _exception(
            session, places, station, item.barcode, at, actor, "multi_part", reason, item=item, title=title
        )
    loan_id = None
    if item.status == ItemStatus.ON_LOAN:
        loan_id = session.execute(_CLOSE_LOAN, {"item": item.id, "at": at, "branch": here.id}).scalar()
    if item.status != ItemStatus.ON_LOAN or item.parts > 1:
        # A copy on loan has no work waiting on it (but a set checked for its parts has its exception task);
        # any other may: a SORT task at the hub, the plan of an earlier scan.
        _settle_open_tasks(session, item, at=at, actor=actor)
    route = decide_route(session, places, item=item, title=title, here=here, at=at, station=station.name, actor=actor)
    return _send(session, places, station, here, item, title, route, at=at, actor=actor, loan_id=loan_id)


def _settle_open_tasks(session: Session, item: Item, *, at: datetime, actor: str) -> None:
    for task in session.execute(_OPEN_TASKS, {"item": item.id}).scalars():
        if task.kind in _DONE_BY_SCAN:
            close_task(session, task, at=at, actor=actor, outcome="scanned")
        elif task.kind in _REPLACED_BY_SCAN:
            close_task(session, task, at=at, actor=actor, state=TaskState.CANCELLED, outcome="scanned_again")


def _send(
    session: Session,
    places: Places,
    station: StationInfo,
    here: BranchInfo,
    item: Item,
    title: Title,
    route: Route,
    *,
    at: datetime,
    actor: str,
    loan_id: int | None,
) -> RouteDecision:
    for claim, row_id in route.claims:
        if claim == "display":
            claim_display_place(session, want_id=row_id)
        elif claim == "target":
            claim_target_place(session, target_id=row_id)
    destination = places.branches[route.branch_id]
    item.status, item.status_changed_at, item.branch_id, item.location_id = ItemStatus.IN_SORTING, at, here.id, None
    item.destination_branch_id, item.destination_location_id = destination.id, route.location_id
    note_heading(session, route.location_id)
    session.add(item)
    reservation = route.reservation
    crate_id, bin_code = None, None
    if destination.id == here.id:
        kind = TaskKind.DISPLAY if route.kind == RouteKind.DISPLAY else TaskKind.SHELVE
    else:
        from materials.services.crates import put_in_crate

        kind = TaskKind.PACK
        hub = places.sorting_room
        leg_to = hub.id if hub is not None and here.lends and destination.id != hub.id else destination.id
        crate = put_in_crate(
            session, item=item, from_branch_id=here.id, to_branch_id=leg_to, at=at, station=station.name, actor=actor
        )
        crate_id = crate.id
        bin_code = places.bins.get(destination.id) if not here.lends else None
        bin_code = bin_code or crate.code
    task = open_task(
        session, kind=kind, station=station.name, branch_id=here.id, at=at, reason=route.reason, item_id=item.id,
        reservation_id=reservation.id if reservation else None, crate_id=crate_id,
        destination_branch_id=destination.id, actor=actor,
    )  # fmt: skip
    location = places.locations.get(route.location_id) if route.location_id else None
    decision = RouteDecision(
        barcode=item.barcode, kind=route.kind, destination=destination.isil, destination_name=destination.name,
        location=location.code if location else None, bin=bin_code, reason=route.reason, task_id=task.id,
        item_id=item.id, title=title.title, reservation_id=reservation.id if reservation else None,
        shelf_code=reservation.shelf_code if reservation else None, rule=route.rule, station=station.name,
    )  # fmt: skip
    extra: dict[str, object] = {"loan_id": loan_id} if loan_id is not None else {}
    if reservation is not None and reservation.state != ReservationState.IN_TRANSIT:
        extra["reservation_state"] = str(reservation.state)
    _record(session, decision, at=at, actor=actor, **extra)
    return decision
