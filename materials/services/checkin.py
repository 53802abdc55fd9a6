"""Check-in: a copy is scanned at a station, and the system says at once where it goes and why.

One scan is one transaction: the copy's row is locked (BEGIN IMMEDIATE on SQLite, SELECT … FOR UPDATE on
PostgreSQL), its loan closed, the route decided (materials.services.routing), the copy sent on its way with a task,
and the decision written to the event log before the commit. Problems with the scan itself (an unknown or
malformed barcode, a withdrawn copy, a set with several parts, a copy reported missing) are decisions too: kind
`exception`, an EXCEPTION task, and the scan in the log.

This is the hottest path of the system (a sorter gives it a fraction of a second per copy), so it is written in
SQLAlchemy Core: one prepared statement per step, rows read as plain values, no ORM objects, no flushes, and the
scan's events inserted together just before the commit. The reference data it needs (places, stations, bins) is
cached per session (materials.services.routing_places); opening and sealing crates are Core too. The one rare
branch left on the ORM services is re-allocating a shelf copy a returned copy took over from.
"""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, select, text, update
from sqlmodel import Session

# Loaded with the check-in, not at the first scan that needs it: a returned copy that takes over a reservation
# allocated to a shelf copy re-allocates that copy (materials.services.reservations imports the allocation lazily, a
# cycle), and importing it there (scipy, half a second; seconds with eight stations starting) stalled that scan.
import materials.services.allocation  # noqa: F401
from materials.domain.identifiers import InvalidIdentifier, normalise_barcode
from materials.domain.states import ItemStatus, ReservationState, RouteKind, TaskKind, TaskState
from materials.errors import MaterialsError
from materials.models import Event, Item, Loan, Reservation, Task, Title
from materials.services.crates import pack_copy
from materials.services.events import EventBuffer
from materials.services.lookup import UnknownBarcode
from materials.services.prepared import run
from materials.services.reservations import HeldReservation
from materials.services.routing import Copy, Route, RouteDecision, TitleFacts, decide_route
from materials.services.routing_places import BranchInfo, Places, StationInfo, station_named
from materials.services.routing_rules import claim_display_place, claim_target_place
from materials.services.shelf_room import note_heading
from materials.services.tasks import INSERT_TASK, OpenTaskRow, add_task, finish_task

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
        events = EventBuffer(session.connection())
        window = duplicate_window_seconds
        found = None if malformed else _lock_item(events.conn, code, station=station, at=at, window=window)
        earlier = _recent_decision(events.conn, station=station, barcode=code[:80], found=found, at=at, window=window)
        if earlier is not None:
            session.rollback()
            return replace(earlier, duplicate=True)
        if malformed:
            reason = f"Ulæselig stregkode {barcode!r}: læg den i fejlkassen"
            decision = _exception(
                events, places, here_station, code, at, actor, "malformed_barcode", reason, raw=barcode
            )
        elif found is None:
            reason = f"Ukendt stregkode {code!r}: læg den i fejlkassen"
            decision = _exception(events, places, here_station, code, at, actor, "unknown_barcode", reason)
        else:
            decision = _check_in_item(session, events, places, here_station, here, found, at, actor, parts_checked)
        events.write()
        session.commit()
        if session.identity_map:
            # Rows were changed behind the ORM's back: objects a caller holds are read again when next used.
            session.expire_all()
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


def last_decisions(session: Session, *, station: str, limit: int = 10) -> list[tuple[datetime, RouteDecision]]:
    """The station's latest check-in decisions from the event log, newest first (what its screen shows again
    after a reload). Events written before decisions were logged are passed over."""
    rows = session.connection().execute(
        select(_E.c.at, _E.c.payload)
        .where(_E.c.station == station, _E.c.kind == "checkin")
        .order_by(_E.c.at.desc(), _E.c.id.desc())
        .limit(limit)
    )
    decisions = []
    for at, payload in rows:
        try:
            decisions.append((at, RouteDecision.from_dict(payload["decision"])))
        except (KeyError, TypeError, ValueError):
            continue
    return decisions


# The hot path's statements are built once: building a statement costs as much as running it on SQLite.
_I, _T, _E = Item.__table__, Title.__table__, Event.__table__  # type: ignore[attr-defined]
_L, _K, _R = Loan.__table__, Task.__table__, Reservation.__table__  # type: ignore[attr-defined]
# The same scan again, by the copy's own events (ix_event_item_at, a handful of rows). The station is compared
# through coalesce() so that SQLite does not pick ix_event_station_at and read a busy station's whole window.
_RECENT_OF_ITEM = (
    select(_E.c.payload)
    .where(
        _E.c.item_id == _I.c.id,
        _E.c.at >= bindparam("since"),
        _E.c.at <= bindparam("at"),
        _E.c.kind == "checkin",
        func.coalesce(_E.c.station, "") == bindparam("station"),
        _E.c.barcode == bindparam("barcode"),
    )
    .order_by(_E.c.at.desc(), _E.c.id.desc())
    .limit(1)
    .scalar_subquery()
)
# Whether anyone waits for the title (ix_reservation_queue): most returned copies are of titles nobody waits for,
# and then the queue is not read at all.
_QUEUE = _R.alias("queue")
_QUEUED = (
    select(_QUEUE.c.id)
    .where(_QUEUE.c.title_id == _I.c.title_id, text("queue.state IN ('waiting', 'allocated')"))
    .correlate(_I)
    .exists()
)
# One statement for the copy, its title, the reservation it already serves (at most one: uq_reservation_item_live,
# the states written out so SQLite uses that partial index), whether the title has a queue and the decision of a
# repeat scan.
_ITEM_AND_TITLE = (
    select(
        _I.c.id, _I.c.barcode, _I.c.title_id, _I.c.home_branch_id, _I.c.branch_id, _I.c.location_id, _I.c.status,
        _I.c.shelfmark, _I.c.parts, _I.c.floating, _I.c.destination_branch_id, _I.c.destination_location_id,
        _T.c.title, _T.c.audience, _T.c.material_type, _T.c.classification,
        _R.c.id.label("own_id"), _R.c.pickup_branch_id.label("own_pickup"), _R.c.placed_at.label("own_placed_at"),
        _R.c.state.label("own_state"), _R.c.shelf_code.label("own_shelf_code"), _RECENT_OF_ITEM.label("recent"),
        _QUEUED.label("queued"),
    )
    .join(_T, _T.c.id == _I.c.title_id)
    .outerjoin(_R, and_(_R.c.item_id == _I.c.id, text("reservation.state IN ('allocated', 'in_transit', 'ready')")))
    .where(_I.c.barcode == bindparam("barcode"))
)  # fmt: skip
_ITEM_AND_TITLE_LOCKED = _ITEM_AND_TITLE.with_for_update(of=_I)
# A barcode that is no copy has only the station's events to go by (ix_event_station_at).
_RECENT_BY_STATION = (
    select(_E.c.payload)
    .where(
        _E.c.station == bindparam("station"),
        _E.c.at >= bindparam("since"),
        _E.c.at <= bindparam("at"),
        _E.c.kind == "checkin",
        _E.c.barcode == bindparam("barcode"),
    )
    .order_by(_E.c.at.desc(), _E.c.id.desc())
    .limit(1)
)
_CLOSE_LOAN = (
    update(_L)
    .where(_L.c.item_id == bindparam("item"), _L.c.returned_at.is_(None))
    .values(returned_at=bindparam("at"), returned_branch_id=bindparam("branch"))
    .returning(_L.c.id)
)
_OPEN_TASKS = select(_K.c.id, _K.c.kind, _K.c.station, _K.c.item_id).where(
    _K.c.item_id == bindparam("item"), text("task.state = 'open'")
)
_SEND_ITEM = (
    update(_I)
    .where(_I.c.id == bindparam("item"))
    .values(
        status=bindparam("status"),
        status_changed_at=bindparam("at"),
        branch_id=bindparam("branch"),
        location_id=None,
        destination_branch_id=bindparam("destination"),
        destination_location_id=bindparam("destination_location"),
    )
)
# On PostgreSQL the copy is sent on its way by the statement that opens its task (one round trip less).
_SEND_ITEM_AND_ADD_TASK = INSERT_TASK.add_cte(_SEND_ITEM.cte("sent"))


@dataclass(frozen=True, slots=True)
class _Found:
    copy: Copy
    title: TitleFacts
    own: HeldReservation | None  # the live reservation the copy already serves
    recent: dict[str, Any] | None  # the payload of this scan's earlier check-in inside the window
    queued: bool  # whether reservations of the title wait for a copy


def _lock_item(conn: Connection, code: str, *, station: str, at: datetime, window: float) -> _Found | None:
    postgres = conn.dialect.name == "postgresql"
    since = at - timedelta(seconds=max(window, 0.0))
    params = {"barcode": code, "station": station[:40], "since": since, "at": at}
    row = run(conn, _ITEM_AND_TITLE_LOCKED if postgres else _ITEM_AND_TITLE, params).first()
    if row is None:
        return None
    copy = Copy(
        row.id, row.barcode, row.title_id, row.home_branch_id, row.branch_id, row.location_id, row.status,
        row.shelfmark, row.parts, bool(row.floating), row.destination_branch_id, row.destination_location_id,
    )  # fmt: skip
    title = TitleFacts(row.title_id, row.title, row.audience, row.material_type, row.classification)
    own = None
    if row.own_id is not None:
        state = ReservationState(row.own_state)
        own = HeldReservation(row.own_id, row.own_pickup, row.own_placed_at, state, row.own_shelf_code)
    return _Found(copy, title, own, row.recent if window > 0 else None, bool(row.queued))


def _recent_decision(
    conn: Connection, *, station: str, barcode: str, found: _Found | None, at: datetime, window: float
) -> RouteDecision | None:
    if window <= 0:
        return None
    if found is not None:
        payload = found.recent
    else:
        params = {"station": station[:40], "since": at - timedelta(seconds=window), "at": at, "barcode": barcode}
        payload = run(conn, _RECENT_BY_STATION, params).scalar()
    if not payload or "decision" not in payload:
        return None
    return RouteDecision.from_dict(payload["decision"])


def _exception(
    events: EventBuffer,
    places: Places,
    station: StationInfo,
    barcode: str,
    at: datetime,
    actor: str,
    problem: str,
    reason: str,
    *,
    item: Copy | None = None,
    title: TitleFacts | None = None,
    raw: str | None = None,
) -> RouteDecision:
    task_id = add_task(
        events, kind=TaskKind.EXCEPTION, station=station.name, branch_id=station.branch_id, at=at,
        reason=reason, item_id=item.id if item else None, actor=actor,
    )  # fmt: skip
    decision = RouteDecision(
        barcode=barcode, kind=RouteKind.EXCEPTION, destination=None, destination_name=None, location=None,
        bin=places.exception_bin, reason=reason, task_id=task_id, item_id=item.id if item else None,
        title=title.title if title else None, rule="exception", exception=problem, station=station.name,
        home=places.branches[item.home_branch_id].isil if item else None,
    )  # fmt: skip
    extra = {"raw": raw} if raw is not None else {}
    _record(events, decision, at=at, actor=actor, **extra)
    return decision


def _record(events: EventBuffer, decision: RouteDecision, *, at: datetime, actor: str, **extra: object) -> None:
    events.add(
        at=at, kind="checkin", station=decision.station, actor=actor, item_id=decision.item_id,
        barcode=decision.barcode, decision=decision.as_dict(), **extra,
    )  # fmt: skip


def _check_in_item(
    session: Session,
    events: EventBuffer,
    places: Places,
    station: StationInfo,
    here: BranchInfo,
    found: _Found,
    at: datetime,
    actor: str,
    parts_checked: bool,
) -> RouteDecision:
    conn, item, title = events.conn, found.copy, found.title
    if item.status == ItemStatus.WITHDRAWN:
        reason = "Udgået: skal ikke på hylden, læg den i fejlkassen"
        return _exception(events, places, station, item.barcode, at, actor, "withdrawn", reason, item=item, title=title)
    if item.status == ItemStatus.MISSING:
        back = {
            "item": item.id, "status": ItemStatus.IN_SORTING.value, "at": at, "branch": here.id, "destination": None,
            "destination_location": None,
        }  # fmt: skip
        run(conn, _SEND_ITEM, back)
        reason = "Meldt savnet, nu fundet: se den efter og scan den igen"
        return _exception(events, places, station, item.barcode, at, actor, "found", reason, item=item, title=title)
    if item.parts > 1 and not parts_checked:
        reason = f"Tjek at alle {item.parts} dele er der, og scan igen med 'alle dele'"
        return _exception(
            events, places, station, item.barcode, at, actor, "multi_part", reason, item=item, title=title
        )
    loan_id = None
    if item.status == ItemStatus.ON_LOAN:
        loan_id = run(conn, _CLOSE_LOAN, {"item": item.id, "at": at, "branch": here.id}).scalar()
    if item.status != ItemStatus.ON_LOAN or item.parts > 1:
        # A copy on loan has no work waiting on it (but a set checked for its parts has its exception task);
        # any other may: a SORT task at the hub, the plan of an earlier scan.
        _settle_open_tasks(events, item, at=at, actor=actor)
    route = decide_route(
        session, events, places, item=item, title=title, here=here, at=at, station=station.name, actor=actor,
        own=found.own, queued=found.queued,
    )  # fmt: skip
    return _send(session, events, places, station, here, item, title, route, at=at, actor=actor, loan_id=loan_id)


def _settle_open_tasks(events: EventBuffer, item: Copy, *, at: datetime, actor: str) -> None:
    for row in run(events.conn, _OPEN_TASKS, {"item": item.id}).all():
        task = OpenTaskRow(row.id, row.kind, row.station, row.item_id)
        if task.kind in _DONE_BY_SCAN:
            finish_task(events, task, at=at, actor=actor, outcome="scanned")
        elif task.kind in _REPLACED_BY_SCAN:
            finish_task(events, task, at=at, actor=actor, state=TaskState.CANCELLED, outcome="scanned_again")


def _send(
    session: Session,
    events: EventBuffer,
    places: Places,
    station: StationInfo,
    here: BranchInfo,
    item: Copy,
    title: TitleFacts,
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
    sent = {
        "item": item.id, "status": ItemStatus.IN_SORTING.value, "at": at, "branch": here.id,
        "destination": destination.id, "destination_location": route.location_id,
    }  # fmt: skip
    merged = events.conn.dialect.name == "postgresql"
    if not merged:
        run(events.conn, _SEND_ITEM, sent)
    note_heading(session, route.location_id)
    reservation = route.reservation
    crate_id, bin_code = None, None
    if destination.id == here.id:
        kind = TaskKind.DISPLAY if route.kind == RouteKind.DISPLAY else TaskKind.SHELVE
    else:
        kind = TaskKind.PACK
        hub = places.sorting_room
        leg_to = hub.id if hub is not None and here.lends and destination.id != hub.id else destination.id
        crate_id, crate_code = pack_copy(
            events, item_id=item.id, barcode=item.barcode, from_branch_id=here.id, to_branch_id=leg_to,
            at=at, station=station.name, actor=actor,
        )  # fmt: skip
        bin_code = places.bins.get(destination.id) if not here.lends else None
        bin_code = bin_code or crate_code
    task_id = add_task(
        events, kind=kind, station=station.name, branch_id=here.id, at=at, reason=route.reason,
        item_id=item.id, reservation_id=reservation.id if reservation else None, crate_id=crate_id,
        destination_branch_id=destination.id, actor=actor, statement=_SEND_ITEM_AND_ADD_TASK if merged else None,
        params=sent if merged else None,
    )  # fmt: skip
    location = places.locations.get(route.location_id) if route.location_id else None
    decision = RouteDecision(
        barcode=item.barcode, kind=route.kind, destination=destination.isil, destination_name=destination.name,
        location=location.code if location else None, bin=bin_code, reason=route.reason, task_id=task_id,
        item_id=item.id, title=title.title, reservation_id=reservation.id if reservation else None,
        shelf_code=reservation.shelf_code if reservation else None, rule=route.rule, station=station.name,
        home=places.branches[item.home_branch_id].isil,
    )  # fmt: skip
    extra: dict[str, object] = {"loan_id": loan_id} if loan_id is not None else {}
    if reservation is not None and reservation.state != ReservationState.IN_TRANSIT:
        extra["reservation_state"] = str(reservation.state)
    _record(events, decision, at=at, actor=actor, **extra)
    return decision
