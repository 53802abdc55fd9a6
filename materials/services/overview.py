"""What the screens show besides the manager's figures: stations and branches to choose from, a station's pace,
and planning's balance and displays. Plain reads over a Session; times are aware UTC.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import case, func, select
from sqlmodel import Session, col

from materials.clock import to_local
from materials.models import Branch, Display, Event, Station, Target
from materials.services.reports import CHECKIN


def station_names(session: Session, *, kind: str | None = None) -> list[str]:
    query = select(col(Station.name)).order_by(col(Station.name))
    if kind is not None:
        query = query.where(col(Station.kind) == kind)
    return list(session.execute(query).scalars())


def branch_names(session: Session) -> dict[str, str]:
    """ISIL → name of every branch, for screens that show names where services give codes."""
    return {isil: name for isil, name in session.execute(select(col(Branch.isil), col(Branch.name)))}


def lending_branches(session: Session) -> list[tuple[int, str]]:
    """(id, name) of the branches that lend, by name: the choices of a branch filter."""
    query = select(col(Branch.id), col(Branch.name)).where(col(Branch.kind).in_(["main", "branch"]))
    return [(int(i), str(n)) for i, n in session.execute(query.order_by(col(Branch.name)))]


def checkins_per_hour(session: Session, *, station: str, at: datetime) -> int:
    """Scans at one station in the hour before `at` (the scan station's own pace)."""
    query = select(func.count()).where(
        col(Event.station) == station,
        col(Event.at) > at - timedelta(hours=1),
        col(Event.at) <= at,
        col(Event.kind) == CHECKIN,
    )
    return int(session.execute(query).scalar_one())


def events_since(session: Session, *, kind: str, station: str, since: datetime) -> int:
    """How many events of one kind a station logged since a moment (picks done today, crates sealed, …)."""
    query = select(func.count()).where(col(Event.station) == station, col(Event.at) >= since, col(Event.kind) == kind)
    return int(session.execute(query).scalar_one())


def local_midnight(at: datetime) -> datetime:
    """The start of the Copenhagen day `at` falls in, as aware UTC."""
    local = to_local(at)
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


@dataclass(frozen=True)
class BranchBalance:
    """How far a branch's holdings are from its targets: copies it lacks and copies it has beyond them."""

    branch: str
    isil: str
    titles_short: int
    copies_short: float
    titles_over: int
    copies_over: float


def branch_balance(session: Session) -> list[BranchBalance]:
    """Deficits and surpluses per branch from the targets planning computed (deficit > 0: wants more)."""
    short = case((col(Target.deficit) > 0, col(Target.deficit)), else_=0.0)
    over = case((col(Target.deficit) < 0, -col(Target.deficit)), else_=0.0)
    rows = session.execute(
        select(
            col(Branch.name),
            col(Branch.isil),
            func.sum(case((col(Target.deficit) > 0, 1), else_=0)),
            func.sum(short),
            func.sum(case((col(Target.deficit) < 0, 1), else_=0)),
            func.sum(over),
        )
        .join(Branch, col(Branch.id) == col(Target.branch_id))
        .group_by(col(Branch.name), col(Branch.isil))
        .order_by(func.sum(short).desc())
    ).all()
    return [
        BranchBalance(n, i, int(ts), round(float(cs), 1), int(to), round(float(co), 1)) for n, i, ts, cs, to, co in rows
    ]


@dataclass(frozen=True)
class DisplayRow:
    id: int
    name: str
    branch: str
    capacity: int
    starts_on: str
    ends_on: str
    state: str
    theme: str


def open_displays(session: Session, *, at: datetime) -> list[DisplayRow]:
    """Displays that have not ended yet, soonest first."""
    today = to_local(at).date()
    rows = session.execute(
        select(Display, col(Branch.name))
        .join(Branch, col(Branch.id) == col(Display.branch_id))
        .where(col(Display.ends_on) >= today, col(Display.state) != "ended")
        .order_by(col(Display.starts_on), col(Display.id))
    ).all()
    return [
        DisplayRow(
            d.id or 0, d.name, branch, d.capacity, d.starts_on.isoformat(), d.ends_on.isoformat(), d.state, d.theme
        )
        for d, branch in rows
    ]
