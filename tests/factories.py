"""Small factories for test data: each adds one row with values that tell the case, commits and returns it.

Shared by the check-in and the reservation/crate tests; append new factories at the end.
"""

import itertools
from datetime import UTC, datetime

from sqlmodel import Session

from materials.domain.states import BranchKind, ItemStatus, LocationKind, ReservationState
from materials.models import Branch, Item, Location, Patron, Reservation, Station, Title, TransportCost

T0 = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)

_numbers = itertools.count(1)


def _next() -> int:
    return next(_numbers)


def make_branch(
    session: Session,
    name: str = "",
    *,
    isil: str | None = None,
    kind: BranchKind = BranchKind.BRANCH,
    closed_days: str = "",
    size: float = 1.0,
) -> Branch:
    n = _next()
    branch = Branch(
        isil=isil or f"DK-7{n % 100000:05d}",
        name=name or f"Filial {n}",
        kind=kind,
        closed_days=closed_days,
        size=size,
    )
    session.add(branch)
    session.commit()
    return branch


def make_location(
    session: Session,
    branch: Branch,
    *,
    kind: LocationKind = LocationKind.SHELF,
    code: str | None = None,
    name: str = "",
    section: str | None = "adult-fiction",
    walk_order: int = 0,
    capacity: int = 100,
    shelfmark_from: str | None = None,
    shelfmark_to: str | None = None,
) -> Location:
    n = _next()
    location = Location(
        branch_id=branch.id,
        kind=kind,
        code=code or f"L{n}",
        name=name or f"Reol {n}",
        section=section,
        walk_order=walk_order,
        capacity=capacity,
        shelfmark_from=shelfmark_from,
        shelfmark_to=shelfmark_to,
    )
    session.add(location)
    session.commit()
    return location


def make_station(session: Session, branch: Branch, name: str | None = None, *, kind: str = "scan") -> Station:
    station = Station(name=name or f"station-{_next()}", branch_id=branch.id, kind=kind)
    session.add(station)
    session.commit()
    return station


def make_title(session: Session, title: str = "", *, author: str = "", faust: str | None = None, **fields: object) -> Title:
    n = _next()
    row = Title(title=title or f"Titel {n}", author=author or f"Forfatter {n}", faust=faust, **fields)  # type: ignore[arg-type]
    session.add(row)
    session.commit()
    return row


def make_item(
    session: Session,
    title: Title,
    branch: Branch,
    barcode: str | None = None,
    *,
    status: ItemStatus = ItemStatus.ON_SHELF,
    location: Location | None = None,
    home: Branch | None = None,
    shelfmark: str = "sk Test",
    status_changed_at: datetime | None = T0,
    **fields: object,
) -> Item:
    item = Item(
        barcode=barcode or f"ITEM-{_next()}",
        title_id=title.id,  # type: ignore[arg-type]
        home_branch_id=(home or branch).id,  # type: ignore[arg-type]
        branch_id=branch.id,  # type: ignore[arg-type]
        location_id=location.id if location else None,
        status=status,
        shelfmark=shelfmark,
        status_changed_at=status_changed_at,
        **fields,  # type: ignore[arg-type]
    )
    session.add(item)
    session.commit()
    return item


def make_patron(session: Session, pseudonym: str | None = None) -> Patron:
    patron = Patron(pseudonym=pseudonym or f"{_next():064x}")
    session.add(patron)
    session.commit()
    return patron


def make_reservation(
    session: Session,
    title: Title,
    pickup: Branch,
    *,
    patron: Patron | None = None,
    placed_at: datetime = T0,
    state: ReservationState = ReservationState.WAITING,
    item: Item | None = None,
) -> Reservation:
    reservation = Reservation(
        title_id=title.id,  # type: ignore[arg-type]
        patron_id=(patron or make_patron(session)).id,  # type: ignore[arg-type]
        pickup_branch_id=pickup.id,  # type: ignore[arg-type]
        placed_at=placed_at,
        state=state,
        item_id=item.id if item else None,
    )
    session.add(reservation)
    session.commit()
    return reservation


def make_transport_cost(session: Session, from_branch: Branch, to_branch: Branch, cost: float) -> TransportCost:
    row = TransportCost(from_branch_id=from_branch.id, to_branch_id=to_branch.id, cost=cost)  # type: ignore[arg-type]
    session.add(row)
    session.commit()
    return row
