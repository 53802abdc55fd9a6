"""The manager's figures: throughput, backlog, lead times, transit, display fill and staff time.

Pure reads over a Session, each for a period [start, end). Counting happens in the database; what comes back is
small (hourly buckets, one row per kind or branch), so the screens stay fast on the city's event log. Times are
aware UTC; screens convert to Copenhagen time. Staff time is priced with configurable minutes per task and shown
in hours and in årsværk (1,924 working hours a year) against a configurable baseline.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from statistics import median, quantiles
from typing import Any

from sqlalchemy import case, func, literal_column, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from materials.clock import to_local
from materials.domain.states import ItemStatus, TaskState
from materials.models import Branch, Crate, Display, Event, Item, Reservation, Station, Task

HOURS_PER_FTE = 1924.0  # a Danish årsværk
DAYS_PER_YEAR = 365.0
CHECKIN = "checkin"
TASK_DONE = "task_done"
# Minutes of a person's time per unit of work (estimates; the manager's screen lets them be changed).
# A check-in at the sorter is sorting by hand: about 350 items per person-hour.
DEFAULT_MINUTES: dict[str, float] = {
    "checkin": 60 / 350,
    "pick": 3.0,
    "pack": 0.3,
    "shelve": 1.0,
    "display": 2.0,
    "move": 3.0,
    "exception": 4.0,
    "sort": 0.0,  # closed by the sorter scan, already counted as a check-in
}
AGE_BUCKETS_H = ((24, "< 1 dag"), (72, "1–3 dage"), (168, "3–7 dage"))
OLDEST_BUCKET = "> 7 dage"


def _hour_bucket(session: Session, column: Any) -> ColumnElement[str]:
    """'YYYY-MM-DD HH' of a UTC timestamp, in each database's own words."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD HH24")
    return func.strftime("%Y-%m-%d %H", column)


def _parse_hour(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%d %H").replace(tzinfo=UTC)


def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


@dataclass(frozen=True)
class Throughput:
    """Check-ins and completed tasks per UTC hour and station."""

    hour: datetime
    station: str
    branch: str
    what: str  # checkin / task_done
    count: int


def throughput(session: Session, *, start: datetime, end: datetime) -> list[Throughput]:
    bucket = _hour_bucket(session, col(Event.at)).label("hour")
    rows = session.execute(
        select(bucket, col(Event.station), col(Event.kind), func.count())
        .where(col(Event.at) >= start, col(Event.at) < end, col(Event.kind).in_([CHECKIN, TASK_DONE]))
        .group_by(bucket, col(Event.station), col(Event.kind))
    ).all()
    branches = dict(
        session.execute(
            select(col(Station.name), col(Branch.name)).join(Branch, col(Branch.id) == col(Station.branch_id))
        ).all()
    )
    return [Throughput(_parse_hour(h), s or "(ingen)", branches.get(s, "(ukendt)"), k, int(n)) for h, s, k, n in rows]


def throughput_by(rows: list[Throughput], by: str) -> list[dict[str, Any]]:
    """Roll hourly rows up by 'hour' or 'day' (Copenhagen time), 'branch' or 'station'."""
    totals: dict[tuple[Any, str], int] = defaultdict(int)
    for row in rows:
        local = to_local(row.hour)
        key = {
            "hour": local,
            "day": local.date(),
            "branch": row.branch,
            "station": row.station,
        }[by]
        totals[(key, row.what)] += row.count
    return [{by: key, "what": what, "count": n} for (key, what), n in sorted(totals.items(), key=lambda kv: kv[0])]


@dataclass(frozen=True)
class Backlog:
    kind: str
    open: int
    oldest_hours: float
    by_age: dict[str, int] = field(default_factory=dict)


def backlog(session: Session, *, at: datetime) -> list[Backlog]:
    """Open tasks per kind, the oldest one's age, and how many fall in each age bucket."""
    age_case = case(
        *[(col(Task.created_at) > at - timedelta(hours=h), literal_column(f"'{label}'")) for h, label in AGE_BUCKETS_H],
        else_=literal_column(f"'{OLDEST_BUCKET}'"),
    ).label("age")
    rows = session.execute(
        select(col(Task.kind), age_case, func.count(), func.min(col(Task.created_at)))
        .where(col(Task.state) == TaskState.OPEN)
        .group_by(col(Task.kind), age_case)
    ).all()
    per_kind: dict[str, dict[str, Any]] = {}
    for kind, age, n, oldest in rows:
        entry = per_kind.setdefault(str(kind), {"open": 0, "oldest": oldest, "by_age": {}})
        entry["open"] += int(n)
        entry["oldest"] = min(entry["oldest"], oldest)
        entry["by_age"][str(age)] = int(n)
    return [
        Backlog(kind, e["open"], round(_hours(at - e["oldest"]), 1), e["by_age"])
        for kind, e in sorted(per_kind.items())
    ]


@dataclass(frozen=True)
class Spread:
    """How long something took, in hours: count, median, 90th percentile and the longest."""

    group: str
    count: int
    median_h: float
    p90_h: float
    max_h: float


def _spread(group: str, hours: list[float]) -> Spread:
    ordered = sorted(hours)
    p90 = quantiles(ordered, n=10)[-1] if len(ordered) >= 2 else ordered[0]
    return Spread(group, len(ordered), round(median(ordered), 1), round(p90, 1), round(ordered[-1], 1))


def reservation_lead_times(session: Session, *, start: datetime, end: datetime) -> list[float]:
    """Hours from placed to ready on the hold shelf, for reservations that became ready in the period."""
    rows = session.execute(
        select(col(Reservation.placed_at), col(Reservation.ready_at)).where(
            col(Reservation.ready_at) >= start, col(Reservation.ready_at) < end
        )
    ).all()
    return [round(_hours(ready - placed), 2) for placed, ready in rows if ready is not None]


@dataclass(frozen=True)
class Bucket:
    """One bar of a distribution: how many values fell in [low, high)."""

    low: float
    high: float
    count: int


def distribution(values: list[float], *, bins: int = 30) -> list[Bucket]:
    """Values counted in equal-width buckets from 0 (hours are never negative) to the largest value."""
    if not values:
        return []
    top = max(max(values), 1e-9)
    width = top / bins
    counts = [0] * bins
    for value in values:
        counts[min(bins - 1, int(max(value, 0.0) / width))] += 1
    return [Bucket(round(i * width, 2), round((i + 1) * width, 2), n) for i, n in enumerate(counts)]


def lead_time_summary(values: list[float]) -> Spread | None:
    return _spread("placeret → klar", values) if values else None


def time_to_shelf(session: Session, *, start: datetime, end: datetime) -> list[Spread]:
    """Hours from the task's creation (the check-in or the unpacking) to the copy standing on its shelf."""
    rows = session.execute(
        select(col(Task.kind), col(Task.created_at), col(Task.done_at)).where(
            col(Task.kind).in_(["shelve", "display"]),
            col(Task.state) == TaskState.DONE,
            col(Task.done_at) >= start,
            col(Task.done_at) < end,
        )
    ).all()
    by_kind: dict[str, list[float]] = defaultdict(list)
    for kind, created, done in rows:
        by_kind[str(kind)].append(_hours(done - created))
    return [_spread(kind, hours) for kind, hours in sorted(by_kind.items())]


def transit_times(session: Session, *, start: datetime, end: datetime) -> list[Spread]:
    """Hours from dispatch to receipt of crates received in the period, per destination branch."""
    rows = session.execute(
        select(col(Branch.name), col(Crate.dispatched_at), col(Crate.received_at))
        .join(Branch, col(Branch.id) == col(Crate.to_branch_id))
        .where(col(Crate.received_at) >= start, col(Crate.received_at) < end, col(Crate.dispatched_at).is_not(None))
    ).all()
    by_branch: dict[str, list[float]] = defaultdict(list)
    for name, dispatched, received in rows:
        by_branch[name].append(_hours(received - dispatched))
    return [_spread(name, hours) for name, hours in sorted(by_branch.items())]


@dataclass(frozen=True)
class DisplayFill:
    display: str
    branch: str
    capacity: int
    on_display: int
    fill_pct: float
    ends_on: str


def display_fill(session: Session, *, at: datetime) -> list[DisplayFill]:
    """Displays running on the day of `at`: how many copies stand on them against their capacity."""
    today = to_local(at).date()
    counts = (
        select(col(Item.location_id), func.count().label("n"))
        .where(col(Item.status) == ItemStatus.ON_DISPLAY)
        .group_by(col(Item.location_id))
        .subquery()
    )
    rows = session.execute(
        select(
            col(Display.name),
            col(Branch.name),
            col(Display.capacity),
            func.coalesce(counts.c.n, 0),
            col(Display.ends_on),
        )
        .join(Branch, col(Branch.id) == col(Display.branch_id))
        .outerjoin(counts, counts.c.location_id == col(Display.location_id))
        .where(col(Display.starts_on) <= today, col(Display.ends_on) >= today)
        .order_by(col(Branch.name), col(Display.name))
    ).all()
    return [
        DisplayFill(name, branch, cap, int(n), round(100 * int(n) / cap, 1) if cap else 0.0, ends.isoformat())
        for name, branch, cap, n, ends in rows
    ]


@dataclass(frozen=True)
class StaffTime:
    kind: str
    count: int
    minutes_each: float
    hours: float
    fte: float  # årsværk, scaled from the period to a whole year


@dataclass(frozen=True)
class StaffSummary:
    lines: list[StaffTime]
    hours: float
    fte: float
    baseline_fte: float
    saved_fte: float  # baseline minus what the period's work costs, as a yearly figure


def staff_time(
    session: Session,
    *,
    start: datetime,
    end: datetime,
    minutes_per_task: dict[str, float] | None = None,
    baseline_fte: float = 0.0,
) -> StaffSummary:
    """Work done in the period (check-ins and completed tasks) priced in hours and in årsværk per year."""
    minutes = {**DEFAULT_MINUTES, **(minutes_per_task or {})}
    counts: dict[str, int] = {
        CHECKIN: int(
            session.execute(
                select(func.count()).where(col(Event.kind) == CHECKIN, col(Event.at) >= start, col(Event.at) < end)
            ).scalar_one()
        )
    }
    done = session.execute(
        select(col(Task.kind), func.count())
        .where(col(Task.state) == TaskState.DONE, col(Task.done_at) >= start, col(Task.done_at) < end)
        .group_by(col(Task.kind))
    ).all()
    counts.update({str(kind): int(n) for kind, n in done})
    per_year = DAYS_PER_YEAR / max(_hours(end - start) / 24, 1 / 24)
    lines = []
    for kind, n in sorted(counts.items()):
        hours = n * minutes.get(kind, 0.0) / 60
        lines.append(StaffTime(kind, n, round(minutes.get(kind, 0.0), 2), round(hours, 1),
                               round(hours * per_year / HOURS_PER_FTE, 2)))  # fmt: skip
    total_hours = sum(line.hours for line in lines)
    fte = round(total_hours * per_year / HOURS_PER_FTE, 2)
    return StaffSummary(lines, round(total_hours, 1), fte, baseline_fte, round(baseline_fte - fte, 2))
