"""Where a returned copy goes, and why: the decision as a value, and the rules in their order of need.

(a) a waiting reservation, (b) a display that wants the title, (c) the branch that lacks it most against its
target net of transport cost (or, without targets, a count-based float), (d) stay where returned if the section
has room, (e) home, (f) remote storage. `decide_route` finds the route; `check_in` applies it.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlmodel import Session

from materials.clock import danish_date, to_local
from materials.domain.sections import SECTION_NAMES_DA, section_for
from materials.domain.states import RouteKind
from materials.models import Event
from materials.services import routing_rules as rules
from materials.services.events import EventBuffer
from materials.services.prepared import run
from materials.services.reservations import HeldReservation, fill_from_returned_copy
from materials.services.routing_places import BranchInfo, Places
from materials.services.shelf_room import shelf_with_room


@dataclass(frozen=True)
class RouteDecision:
    """What the sorting room, the SIP2 answer and the screens are told about one scan."""

    barcode: str
    kind: RouteKind
    destination: str | None  # ISIL of the destination branch
    destination_name: str | None
    location: str | None  # location code at the destination (shelf, display, hold shelf)
    bin: str | None  # sorter bin at the sorting room, else the crate code
    reason: str  # one Danish line for the person at the sorter
    task_id: int | None
    item_id: int | None = None
    title: str | None = None
    reservation_id: int | None = None
    shelf_code: str | None = None
    rule: str = ""  # which rule decided: reservation, display, target, float-count, float-room, home, storage, …
    exception: str | None = None  # unknown_barcode, malformed_barcode, withdrawn, multi_part, found
    station: str = ""
    duplicate: bool = False  # a repeat scan inside the window: nothing new was recorded
    home: str | None = None  # ISIL of the copy's home branch (SIP2's permanent location, AQ)

    def as_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)  # every field is a plain value: no deep copy needed (asdict costs 10x more)
        data["kind"] = str(self.kind)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "RouteDecision":
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["kind"] = RouteKind(known["kind"])
        return cls(**known)


@dataclass(slots=True)
class Copy:
    """The copy in hand, as check-in reads it (one row, no ORM object)."""

    id: int
    barcode: str
    title_id: int
    home_branch_id: int
    branch_id: int
    location_id: int | None
    status: str
    shelfmark: str
    parts: int
    floating: bool
    destination_branch_id: int | None
    destination_location_id: int | None


@dataclass(frozen=True, slots=True)
class TitleFacts:
    id: int
    title: str
    audience: str
    material_type: str
    classification: str


@dataclass(frozen=True)
class Route:
    kind: RouteKind
    rule: str
    branch_id: int
    location_id: int | None
    reason: str
    reservation: HeldReservation | None = None
    claims: tuple[tuple[str, int], ...] = field(default=())


def hold_reason(pickup: BranchInfo, placed_at: datetime) -> str:
    return f"Reserveret: afhentes på {pickup.name}, venter siden {danish_date(placed_at)}"


def _copies(n: int) -> str:
    return f"{n} eksemplar" if n == 1 else f"{n} eksemplarer"


def _hold(places: Places, reservation: HeldReservation, rule: str) -> Route:
    pickup = places.branches[reservation.pickup_branch_id]
    hold_shelf = places.hold_shelves.get(pickup.id)
    return Route(
        RouteKind.HOLD,
        rule,
        pickup.id,
        hold_shelf.id if hold_shelf else None,
        hold_reason(pickup, reservation.placed_at),
        reservation,
    )


def float_origin(places: Places, item: Copy, here: BranchInfo) -> BranchInfo:
    """Where the copy counts as returned: this branch, or at the sorting room the branch it was heading for."""
    if here.lends:
        return here
    for branch_id in (item.destination_branch_id, item.branch_id, item.home_branch_id):
        branch = places.branches.get(branch_id) if branch_id is not None else None
        if branch is not None and branch.lends:
            return branch
    return here


_E = Event.__table__  # type: ignore[attr-defined]
_LAST_CHECKIN = (
    select(_E.c.payload)
    .where(_E.c.item_id == bindparam("item"), _E.c.kind == "checkin")
    .order_by(_E.c.at.desc(), _E.c.id.desc())
    .limit(1)
)


def _prior_route(events: EventBuffer, places: Places, item: Copy) -> Route | None:
    """At the sorting room a copy already on its way keeps the destination decided where it was returned."""
    payload = (run(events.conn, _LAST_CHECKIN, {"item": item.id}).scalar() or {}).get("decision")
    if not payload or payload.get("kind") in (None, RouteKind.EXCEPTION, RouteKind.HOLD):
        return None
    destination = places.branches.get(item.destination_branch_id or -1)
    if destination is None or payload.get("destination") != destination.isil:
        return None
    return Route(
        RouteKind(payload["kind"]),
        str(payload.get("rule", "")),
        destination.id,
        item.destination_location_id,
        str(payload.get("reason", "")),
    )


def decide_route(
    session: Session,
    events: EventBuffer,
    places: Places,
    *,
    item: Copy,
    title: TitleFacts,
    here: BranchInfo,
    at: datetime,
    station: str,
    actor: str,
    own: HeldReservation | None,
    queued: bool = True,
) -> Route:
    """The route in the order of need; `own` is the live reservation the copy serves, read with the copy, and
    `queued` whether any reservation of the title waits (False: the queue is not read)."""
    # (a) A copy that already serves a reservation keeps it; otherwise the first in line gets it.
    reservation = fill_from_returned_copy(
        session, events, places, item_id=item.id, title_id=item.title_id, barcode=item.barcode, at=at,
        station=station, actor=actor, own=own, own_read=True, queued=queued,
    )  # fmt: skip
    if reservation is not None:
        return _hold(places, reservation, "reservation")
    if not here.lends and item.destination_branch_id is not None:
        prior = _prior_route(events, places, item)
        if prior is not None:
            return prior
    display = None
    if title.id in places.display_titles:
        display = rules.display_wanting(session, title_id=title.id, here_id=here.id, today=to_local(at).date())
    if display is not None:
        branch = places.branches[display.branch_id]
        reason = f"Udstilling '{display.name}' på {branch.name} mangler den"
        return Route(
            RouteKind.DISPLAY, "display", branch.id, display.location_id, reason, claims=(("display", display.want_id),)
        )
    origin = float_origin(places, item, here)
    section = section_for(
        audience=title.audience, material_type=title.material_type, classification=title.classification
    )
    if item.floating and origin.lends:
        demand = _demand_route(session, places, item=item, title=title, origin=origin, section=section)
        if demand is not None:
            return demand
        shelf = shelf_with_room(session, places, branch_id=origin.id, section=section, shelfmark=item.shelfmark)
        if shelf is not None:
            section_name = SECTION_NAMES_DA.get(section, section)
            stays = "bliver på" if origin.id == here.id else "tilbage til"
            reason = f"Flydende: {stays} {origin.name} (plads i {section_name})"
            return Route(RouteKind.STAY, "float-room", origin.id, shelf.id, reason)
    return _home_or_storage(session, places, item=item, origin=origin, section=section)


def _demand_route(
    session: Session, places: Places, *, item: Copy, title: TitleFacts, origin: BranchInfo, section: str
) -> Route | None:
    demand = rules.demand_for(session, places, title_id=title.id, item_id=item.id, origin_id=origin.id)
    if demand.has_targets:
        gap = demand.gap
        if gap is None:
            return None
        branch = places.branches[gap.branch_id]
        shelf = shelf_with_room(session, places, branch_id=branch.id, section=section, shelfmark=item.shelfmark)
        missing = max(1, round(gap.deficit))
        reason = f"{branch.name} mangler {_copies(missing)} i forhold til efterspørgslen"
        kind = RouteKind.STAY if branch.id == origin.id else RouteKind.REBALANCE
        return Route(
            kind, "target", branch.id, shelf.id if shelf else None, reason, claims=(("target", gap.target_id),)
        )
    spread = demand.spread
    if spread is None:
        return None
    branch = places.branches[spread.branch_id]
    shelf = shelf_with_room(session, places, branch_id=branch.id, section=section, shelfmark=item.shelfmark)
    if shelf is None:
        return None
    reason = (
        f"Fordeling: {branch.name} har færrest af titlen for sin størrelse "
        f"({spread.there} mod {spread.here} på {origin.name})"
    )
    return Route(RouteKind.REBALANCE, "float-count", branch.id, shelf.id, reason)


def _home_or_storage(session: Session, places: Places, *, item: Copy, origin: BranchInfo, section: str) -> Route:
    home = places.branches[item.home_branch_id]
    section_name = SECTION_NAMES_DA.get(section, section)
    if not item.floating:
        shelf = shelf_with_room(session, places, branch_id=home.id, section=section, shelfmark=item.shelfmark)
        return Route(
            RouteKind.HOME, "home", home.id, shelf.id if shelf else None, f"Hjem til {home.name}: fast placering"
        )
    if home.id != origin.id:
        shelf = shelf_with_room(session, places, branch_id=home.id, section=section, shelfmark=item.shelfmark)
        if shelf is not None:
            reason = f"Hjem til {home.name}: {origin.name} har ikke plads i {section_name}"
            return Route(RouteKind.HOME, "home", home.id, shelf.id, reason)
    storage = places.storage
    if storage is None:
        reason = f"Hjem til {home.name}: ingen filial har plads i {section_name}, og der er intet fjernmagasin"
        return Route(RouteKind.HOME, "home", home.id, None, reason)
    return Route(
        RouteKind.STORAGE, "storage", storage.id, None, f"Fjernmagasin: ingen filial har plads i {section_name}"
    )
