"""Small factories for test data: each adds one row with values that tell the case, commits and returns it.

Shared by the check-in and the reservation/crate tests; append new factories at the end.
"""

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session

from materials.domain.states import BranchKind, ItemStatus, LocationKind, ReservationState
from materials.models import (
    Branch,
    Display,
    DisplayWant,
    Item,
    Loan,
    Location,
    Patron,
    Reservation,
    SortBin,
    Station,
    Target,
    Title,
    TransportCost,
)

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
        branch_id=branch.id,  # type: ignore[arg-type]
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
    station = Station(name=name or f"station-{_next()}", branch_id=branch.id, kind=kind)  # type: ignore[arg-type]
    session.add(station)
    session.commit()
    return station


def make_title(
    session: Session, title: str = "", *, author: str = "", faust: str | None = None, **fields: object
) -> Title:
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


# -- appended for the check-in tests ---------------------------------------------------------------------------


def make_sort_bin(
    session: Session, code: str, destination: Branch | None = None, *, purpose: str = "branch"
) -> SortBin:
    row = SortBin(code=code, destination_branch_id=destination.id if destination else None, purpose=purpose)
    session.add(row)
    session.commit()
    return row


def make_loan(session: Session, item: Item, branch: Branch, *, loaned_at: datetime = T0) -> Loan:
    """An open loan of the copy; the copy is marked ON_LOAN."""
    loan = Loan(item_id=item.id, title_id=item.title_id, branch_id=branch.id, loaned_at=loaned_at)  # type: ignore[arg-type]
    item.status = ItemStatus.ON_LOAN
    item.location_id = None
    session.add_all([loan, item])
    session.commit()
    return loan


def make_target(
    session: Session, title: Title, branch: Branch, *, target: int, held: int, computed_at: datetime = T0
) -> Target:
    row = Target(
        title_id=title.id,  # type: ignore[arg-type]
        branch_id=branch.id,  # type: ignore[arg-type]
        target=target,
        held=held,
        deficit=float(target - held),
        computed_at=computed_at,
    )
    session.add(row)
    session.commit()
    return row


def make_display(
    session: Session,
    branch: Branch,
    name: str = "Krimiugen",
    *,
    location: Location | None = None,
    starts_on: date | None = None,
    ends_on: date | None = None,
    capacity: int = 30,
) -> Display:
    starts = starts_on or T0.date()
    display = Display(
        branch_id=branch.id,  # type: ignore[arg-type]
        location_id=location.id if location else None,
        name=name,
        capacity=capacity,
        starts_on=starts,
        ends_on=ends_on or starts + timedelta(days=14),
        state="active",
    )
    session.add(display)
    session.commit()
    return display


def make_display_want(
    session: Session, display: Display, title: Title, *, wanted: int = 1, filled: int = 0
) -> DisplayWant:
    row = DisplayWant(display_id=display.id, title_id=title.id, wanted=wanted, filled=filled)  # type: ignore[arg-type]
    session.add(row)
    session.commit()
    return row


@dataclass
class SmallCity:
    """Three branches with one shelf each for adult fiction, a sorting room, remote storage, stations and bins."""

    valby: Branch
    sundby: Branch
    osterbro: Branch
    sorting: Branch
    storage: Branch
    shelves: dict[str, Location]
    hold_shelves: dict[str, Location]
    sorter: Station  # "sortering-1" in the sorting room
    automat: dict[str, Station]  # the return machine of each branch, by branch name


def make_small_city(session: Session, *, shelf_capacity: int = 100) -> SmallCity:
    valby = make_branch(session, "Valby", isil="DK-710115", size=1.5)
    sundby = make_branch(session, "Sundby", isil="DK-710112", size=1.3)
    osterbro = make_branch(session, "Østerbro", isil="DK-710109", size=1.5)
    sorting = make_branch(session, "Centralsorteringen", isil="DK-710198", kind=BranchKind.SORTING, size=0.0)
    storage = make_branch(session, "Fjernmagasinet", isil="DK-710199", kind=BranchKind.STORAGE, size=0.0)
    lending = {"Valby": valby, "Sundby": sundby, "Østerbro": osterbro}
    shelves = {
        name: make_location(session, b, code="adult-fiction", section="adult-fiction", capacity=shelf_capacity)
        for name, b in lending.items()
    }
    holds = {
        name: make_location(session, b, kind=LocationKind.HOLD_SHELF, code="hold", section=None, capacity=100)
        for name, b in lending.items()
    }
    for n, b in enumerate((*lending.values(), storage), start=1):
        make_sort_bin(session, f"S{n:02d}", b, purpose="storage" if b is storage else "branch")
    make_sort_bin(session, "S99", None, purpose="exception")
    sorter = make_station(session, sorting, "sortering-1")
    automat = {name: make_station(session, b, f"automat-{b.isil[3:]}", kind="automat") for name, b in lending.items()}
    return SmallCity(valby, sundby, osterbro, sorting, storage, shelves, holds, sorter, automat)


# --- planning (issue 5) ---

from materials.models import CalendarEvent  # noqa: E402


def make_past_loans(
    session: Session, item: Item, branch: Branch, *, count: int, last: datetime = T0, every_days: int = 7
) -> list[Loan]:
    """`count` finished loans of the copy at `branch`, the last starting at `last`, one every `every_days` days.

    The copy's own status is left as it is; its last loan and loan count follow the history.
    """
    loans = [
        Loan(
            item_id=item.id,  # type: ignore[arg-type]
            title_id=item.title_id,
            branch_id=branch.id,  # type: ignore[arg-type]
            loaned_at=last - timedelta(days=every_days * k),
            returned_at=last - timedelta(days=every_days * k) + timedelta(days=5),
            returned_branch_id=branch.id,
        )
        for k in range(count)
    ]
    item.last_loan_at = max([last, *([item.last_loan_at] if item.last_loan_at else [])])
    item.loan_count += count
    session.add_all([*loans, item])
    session.commit()
    return loans


def make_calendar_event(
    session: Session, branch: Branch, name: str = "Forfattermøde", *, starts_at: datetime = T0, theme: str = ""
) -> CalendarEvent:
    event = CalendarEvent(branch_id=branch.id, name=name, starts_at=starts_at, theme=theme)  # type: ignore[arg-type]
    session.add(event)
    session.commit()
    return event
