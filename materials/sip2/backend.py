"""The database work behind each SIP2 message: plain blocking functions, one session per request.

The server runs them in a thread pool so the event loop never waits on the database. They return frozen values,
never rows, so nothing lazy crosses back to the loop.
"""

import hashlib
import hmac
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from materials.db import read_session
from materials.domain.identifiers import InvalidIdentifier, normalise_barcode
from materials.domain.states import ItemStatus, ReservationState, RouteKind
from materials.models import Branch, Item, Loan, Reservation, Sip2Account, Title
from materials.services.auth import authenticate_sip2
from materials.services.checkin import check_in
from materials.services.lookup import item_by_barcode, require_branch, station_by_name


@dataclass(frozen=True)
class Terminal:
    """A logged-in machine: its account (the actor of its writes) and the station it scans at."""

    account: str
    station: str
    branch_id: int
    isil: str
    library_name: str
    # Every branch's ISIL, read at login, so the answer to a check-in needs no second transaction.
    isils: Mapping[int, str] = field(default_factory=dict)


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


class VerifiedLogins:
    """Logins argon2 has already accepted in this process, so a machine that reconnects does not pay again.

    Only a keyed digest of the password is kept (the key lives in memory), and only together with the account's
    stored hash: a changed password or a deactivated account needs the full check again.
    """

    MAX_ENTRIES = 1000

    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)
        self._seen: dict[bytes, str] = {}
        self._lock = threading.Lock()

    def _digest(self, name: str, password: str) -> bytes:
        return hmac.new(self._key, f"{name}\0{password}".encode(), hashlib.sha256).digest()

    def knows(self, *, name: str, password: str, password_hash: str) -> bool:
        with self._lock:
            stored = self._seen.get(self._digest(name, password))
        return stored is not None and hmac.compare_digest(stored, password_hash)

    def remember(self, *, name: str, password: str, password_hash: str) -> None:
        with self._lock:
            if len(self._seen) >= self.MAX_ENTRIES:
                self._seen.clear()
            self._seen[self._digest(name, password)] = password_hash


def login(engine: Engine, *, name: str, password: str, verified: VerifiedLogins | None = None) -> Terminal:
    """Check the account's password; its location code names the station it scans at."""
    with read_session(engine) as session:
        query = select(Sip2Account).where(Sip2Account.name == name, col(Sip2Account.active).is_(True))
        account = session.exec(query).first()
        if (
            account is None
            or verified is None
            or not verified.knows(name=name, password=password, password_hash=account.password_hash)
        ):
            account = authenticate_sip2(session, name=name, password=password)
            if verified is not None:
                verified.remember(name=name, password=password, password_hash=account.password_hash)
        station = station_by_name(session=session, name=account.location_code)
        branch = require_branch(session=session, branch_id=station.branch_id)
        return Terminal(
            account=account.name,
            station=station.name,
            branch_id=station.branch_id,
            isil=branch.isil,
            library_name=branch.name,
            isils={b.id: b.isil for b in session.exec(select(Branch)) if b.id is not None},
        )


class WorkerSessions:
    """One session per worker thread, used for one check-in after another.

    Each check-in is still its own transaction (the service forgets what the session remembers, then commits or
    rolls back), but the places it keeps in the session (branches, shelves, bins: a few hundred rows) stay read
    between scans instead of being read again for every copy.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._local = threading.local()
        self._sessions: list[Session] = []
        self._lock = threading.Lock()

    def current(self) -> Session:
        session: Session | None = getattr(self._local, "session", None)
        if session is None:
            session = Session(self.engine, expire_on_commit=False)
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session

    def close_all(self) -> None:
        """After the worker threads have stopped."""
        with self._lock:
            for session in self._sessions:
                session.close()
            self._sessions.clear()


def checkin(sessions: WorkerSessions, *, terminal: Terminal, barcode: str, at: datetime) -> CheckinOutcome:
    """Check the copy in through the same service as the screens (it commits), as the account at its station."""
    session = sessions.current()
    try:
        decision = check_in(session, barcode, terminal.station, at, actor=terminal.account)
        # The service loaded the copy and the session keeps it after the commit: usually no further query here.
        item = session.get(Item, decision.item_id) if decision.item_id is not None else None
        home_branch_id = item.home_branch_id if item is not None else None
    finally:
        # Never leave this long-lived session inside a transaction: on SQLite that would hold the write lock.
        if session.in_transaction():
            session.rollback()
    return CheckinOutcome(
        barcode=decision.barcode,
        known=home_branch_id is not None,
        kind=str(decision.kind),
        destination=decision.destination,
        sort_bin=decision.bin,
        reason=decision.reason,
        title=decision.title or "",
        shelf_code=decision.shelf_code if decision.kind == RouteKind.HOLD else None,
        permanent_location=terminal.isils.get(home_branch_id) if home_branch_id is not None else None,
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


def _due_at(session: Session, item: Item) -> datetime | None:
    loan = session.exec(select(Loan).where(Loan.item_id == item.id, col(Loan.returned_at).is_(None))).first()
    return loan.due_at if loan else None


def _pickup_deadline(session: Session, item: Item) -> datetime | None:
    query = select(Reservation.pickup_deadline).where(
        Reservation.item_id == item.id, Reservation.state == ReservationState.READY
    )
    return session.exec(query).first()


def _holds_waiting(session: Session, title_id: int) -> int:
    query = select(func.count()).where(Reservation.title_id == title_id, Reservation.state == ReservationState.WAITING)
    return int(session.exec(query).one())
