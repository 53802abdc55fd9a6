"""The database work behind each SIP2 message: plain blocking functions, one session per request.

The server runs them in a thread pool so the event loop never waits on the database. They return frozen values,
never rows, so nothing lazy crosses back to the loop.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from materials.db import read_session, session_scope
from materials.domain.identifiers import InvalidIdentifier, normalise_barcode
from materials.domain.states import ItemStatus, ReservationState, RouteKind
from materials.models import Branch, Item, Loan, Reservation, SortBin, Title
from materials.services.auth import authenticate_sip2
from materials.services.lookup import item_by_barcode, require_branch, station_by_name


@dataclass(frozen=True)
class Terminal:
    """A logged-in machine: its account (the actor of its writes) and the station it scans at."""

    account: str
    station: str
    branch_id: int
    isil: str
    library_name: str


@dataclass(frozen=True)
class CheckinOutcome:
    barcode: str
    known: bool
    kind: str
    destination: str | None
    sort_bin: str | None
    reason: str
    title: str
    shelf_code: str | None
    permanent_location: str | None


@dataclass(frozen=True)
class ItemInfo:
    barcode: str
    known: bool
    status: str = ""
    title: str = ""
    permanent_location: str | None = None
    current_location: str | None = None
    destination: str | None = None
    due_at: datetime | None = None
    hold_pickup_deadline: datetime | None = None
    holds_waiting: int = 0


def login(engine: Engine, *, name: str, password: str) -> Terminal:
    """Check the account's password; its location code names the station it scans at."""
    with read_session(engine) as session:
        account = authenticate_sip2(session, name=name, password=password)
        station = station_by_name(session=session, name=account.location_code)
        branch = require_branch(session=session, branch_id=station.branch_id)
        return Terminal(
            account=account.name, station=station.name, branch_id=station.branch_id, isil=branch.isil, library_name=branch.name
        )


def checkin(engine: Engine, *, terminal: Terminal, barcode: str, at: datetime) -> CheckinOutcome:
    """Check the copy in through the same service as the screens (it commits), then read what the answer needs."""
    from materials.services.checkin import check_in

    with session_scope(engine) as session:
        decision = check_in(session, barcode, terminal.station, at, actor=terminal.account)
        known = decision.item_id is not None
        return CheckinOutcome(
            barcode=decision.barcode,
            known=known,
            kind=str(decision.kind),
            destination=decision.destination,
            sort_bin=decision.bin or _sort_bin(session, kind=str(decision.kind), destination=decision.destination),
            reason=decision.reason,
            title=decision.title or "",
            shelf_code=decision.shelf_code if decision.kind == RouteKind.HOLD else None,
            permanent_location=_home_isil(session, decision.item_id) if known else None,
        )


def item_information(engine: Engine, *, barcode: str) -> ItemInfo:
    try:
        code = normalise_barcode(barcode)
    except InvalidIdentifier:
        return ItemInfo(barcode=barcode, known=False)
    with read_session(engine) as session:
        item = item_by_barcode(session=session, barcode=code)
        if item is None:
            return ItemInfo(barcode=barcode, known=False)
        title = session.get(Title, item.title_id)
        return ItemInfo(
            barcode=item.barcode,
            known=True,
            status=str(item.status),
            title=title.title if title else "",
            permanent_location=_isil(session, item.home_branch_id),
            current_location=_isil(session, item.branch_id),
            destination=_isil(session, item.destination_branch_id),
            due_at=_due_at(session, item) if item.status == ItemStatus.ON_LOAN else None,
            hold_pickup_deadline=_pickup_deadline(session, item) if item.status == ItemStatus.ON_HOLD_SHELF else None,
            holds_waiting=_holds_waiting(session, item.title_id),
        )


def _isil(session: Session, branch_id: int | None) -> str | None:
    if branch_id is None:
        return None
    branch = session.get(Branch, branch_id)
    return branch.isil if branch else None


def _home_isil(session: Session, item_id: int | None) -> str | None:
    item = session.get(Item, item_id) if item_id is not None else None
    return _isil(session, item.home_branch_id) if item else None


def _sort_bin(session: Session, *, kind: str, destination: str | None) -> str | None:
    """The configured sorter bin of the destination, or the exception bin, when the decision names none."""
    if kind == RouteKind.EXCEPTION:
        query = select(SortBin.code).where(SortBin.purpose == "exception")
    elif destination is not None:
        query = select(SortBin.code).join(Branch, col(SortBin.destination_branch_id) == Branch.id)
        query = query.where(Branch.isil == destination)
    else:
        return None
    return session.exec(query.limit(1)).first()


def _due_at(session: Session, item: Item) -> datetime | None:
    loan = session.exec(select(Loan).where(Loan.item_id == item.id, col(Loan.returned_at).is_(None))).first()
    return loan.due_at if loan else None


def _pickup_deadline(session: Session, item: Item) -> datetime | None:
    query = select(Reservation.pickup_deadline).where(
        Reservation.item_id == item.id, Reservation.state == ReservationState.READY
    )
    return session.exec(query).first()


def _holds_waiting(session: Session, title_id: int) -> int:
    query = select(func.count()).where(
        Reservation.title_id == title_id, Reservation.state == ReservationState.WAITING
    )
    return int(session.exec(query).one())
