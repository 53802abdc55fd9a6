"""The places check-in routes between, read once per session and kept while they do not change.

Branches, shelf sections, hold shelves, stations, sorter bins and transport costs are a few hundred rows that every
check-in needs, and the titles displays still want a few thousand. Reading them per scan would cost more than the decision itself, so a session keeps them in
`session.info`; any flush that touches one of these tables, or half a minute passing, reads them again. (So a display planned in
another process is seen by running stations within half a minute.)
"""

import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, select
from sqlmodel import Session, col

from materials.domain.states import BranchKind, LocationKind
from materials.models import Branch, Display, DisplayWant, Location, SortBin, Station, TransportCost
from materials.services.lookup import UnknownStation

CACHE_KEY = "materials.routing_places"
MAX_AGE_SECONDS = 30.0
REFERENCE_TYPES = (Branch, Location, Station, SortBin, TransportCost, Display, DisplayWant)
LENDING_KINDS = (BranchKind.BRANCH, BranchKind.MAIN)


@dataclass(frozen=True)
class BranchInfo:
    id: int
    isil: str
    name: str
    kind: str
    size: float

    @property
    def lends(self) -> bool:
        return self.kind in LENDING_KINDS


@dataclass(frozen=True)
class PlaceInfo:
    id: int
    branch_id: int
    kind: str
    code: str
    section: str | None
    shelfmark_from: str | None
    shelfmark_to: str | None
    capacity: int


@dataclass(frozen=True)
class StationInfo:
    id: int
    name: str
    branch_id: int
    kind: str


@dataclass
class Places:
    branches: dict[int, BranchInfo] = field(default_factory=dict)
    locations: dict[int, PlaceInfo] = field(default_factory=dict)
    shelves: dict[tuple[int, str], list[PlaceInfo]] = field(default_factory=dict)
    hold_shelves: dict[int, PlaceInfo] = field(default_factory=dict)
    stations: dict[str, StationInfo] = field(default_factory=dict)
    bins: dict[int, str] = field(default_factory=dict)
    exception_bin: str | None = None
    costs: dict[tuple[int, int], float] = field(default_factory=dict)
    # Titles some display still wants: most returns skip the display question without asking the database.
    display_titles: frozenset[int] = frozenset()
    loaded_at: float = 0.0

    @property
    def lending_branches(self) -> list[BranchInfo]:
        return [b for b in self.branches.values() if b.lends]

    @property
    def sorting_room(self) -> BranchInfo | None:
        return next((b for b in self.branches.values() if b.kind == BranchKind.SORTING), None)

    @property
    def storage(self) -> BranchInfo | None:
        return next((b for b in self.branches.values() if b.kind == BranchKind.STORAGE), None)

    def cost(self, from_id: int, to_id: int) -> float:
        return 0.0 if from_id == to_id else self.costs.get((from_id, to_id), 0.0)


def _load(session: Session) -> Places:
    places = Places(loaded_at=time.monotonic())
    for b in session.execute(
        select(col(Branch.id), col(Branch.isil), col(Branch.name), col(Branch.kind), col(Branch.size))
    ):
        places.branches[b.id] = BranchInfo(b.id, b.isil, b.name, str(b.kind), float(b.size))
    shelves: dict[tuple[int, str], list[PlaceInfo]] = defaultdict(list)
    columns = [col(c) for c in (Location.id, Location.branch_id, Location.kind, Location.code, Location.section)] + [
        col(Location.shelfmark_from),
        col(Location.shelfmark_to),
        col(Location.capacity),
    ]
    for row in session.execute(select(*columns).order_by(col(Location.walk_order), col(Location.id))):
        place = PlaceInfo(
            row.id,
            row.branch_id,
            str(row.kind),
            row.code,
            row.section,
            row.shelfmark_from,
            row.shelfmark_to,
            row.capacity,
        )
        places.locations[place.id] = place
        if place.kind == LocationKind.SHELF and place.section:
            shelves[(place.branch_id, place.section)].append(place)
        elif place.kind == LocationKind.HOLD_SHELF:
            places.hold_shelves.setdefault(place.branch_id, place)
    places.shelves = dict(shelves)
    for s in session.execute(select(col(Station.id), col(Station.name), col(Station.branch_id), col(Station.kind))):
        places.stations[s.name] = StationInfo(s.id, s.name, s.branch_id, s.kind)
    for sort_bin in session.execute(
        select(col(SortBin.code), col(SortBin.destination_branch_id), col(SortBin.purpose))
    ):
        if sort_bin.destination_branch_id is not None:
            places.bins[sort_bin.destination_branch_id] = sort_bin.code
        elif sort_bin.purpose == "exception":
            places.exception_bin = sort_bin.code
    for c in session.execute(
        select(col(TransportCost.from_branch_id), col(TransportCost.to_branch_id), col(TransportCost.cost))
    ):
        places.costs[(c.from_branch_id, c.to_branch_id)] = float(c.cost)
    wanted = (
        select(col(DisplayWant.title_id))
        .join(Display, col(Display.id) == DisplayWant.display_id)
        .where(col(DisplayWant.filled) < DisplayWant.wanted, col(Display.state) != "ended")
        .distinct()
    )
    places.display_titles = frozenset(session.execute(wanted).scalars())
    return places


def _forget_on_reference_change(session: Session, _flush_context: Any) -> None:
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(obj, REFERENCE_TYPES) for obj in changed):
        session.info.pop(CACHE_KEY, None)


def places_for(session: Session, *, refresh: bool = False) -> Places:
    """The session's places, read again when stale or when this session changed one of them."""
    places: Places | None = session.info.get(CACHE_KEY)
    if refresh or places is None or time.monotonic() - places.loaded_at > MAX_AGE_SECONDS:
        if not event.contains(session, "after_flush", _forget_on_reference_change):
            event.listen(session, "after_flush", _forget_on_reference_change)
        places = _load(session)
        session.info[CACHE_KEY] = places
    return places


def forget_places(session: Session) -> None:
    session.info.pop(CACHE_KEY, None)


def station_named(session: Session, name: str) -> tuple[Places, StationInfo]:
    """The station and the places around it; a station added a moment ago by another session is found too."""
    places = places_for(session)
    station = places.stations.get(name)
    if station is None:
        places = places_for(session, refresh=True)
        station = places.stations.get(name)
    if station is None:
        raise UnknownStation(f"unknown station {name!r}")
    return places, station
