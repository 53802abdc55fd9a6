"""Giving waiting reservations a shelf copy: an assignment problem per title, solved as Koha does.

For each title, the oldest waiting reservations (as many as there are free shelf copies) are matched to copies so
that the total cost is least: the transport cost from the copy's branch to the pickup branch, plus a penalty when
taking the copy leaves its branch short of its own demand (below its Target, or without targets: its last copy).
A copy that failed a pick is not chosen again until it has been seen (its status changed since).
Rows are claimed with FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite writers already hold the write lock.
"""

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment
from sqlalchemy import and_, exc, func
from sqlmodel import Session, col, select

from materials.domain.states import HOLDING_RESERVATION_STATES, ItemStatus, ReservationState, TaskKind
from materials.models import Branch, Item, Reservation, Station, Target, Task, TransportCost
from materials.services.events import record_event
from materials.services.reservations import transition
from materials.services.tasks import open_task

# Van minutes when the cost table has no row for a pair of different branches.
DEFAULT_TRANSPORT_COST = 60.0
# What it costs to leave a branch short of its own demand, in the same units as transport.
SHORTAGE_PENALTY = 45.0
FAILED_PICK_OUTCOMES = ("not_found", "timeout")
PICK_REASON = "Pluk til reservering: afhentes på {pickup}"


@dataclass(frozen=True)
class Allocation:
    reservation_id: int
    item_id: int
    barcode: str
    from_branch: str
    pickup_branch: str
    cost: float
    task_id: int
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def allocate(
    session: Session, *, at: datetime, title_ids: list[int] | None = None, actor: str = "", pick_days: int | None = None
) -> list[Allocation]:
    """Allocate copies to every title with waiting reservations (or the titles given). Commits per title, so
    check-ins are never held behind a long run of allocations (SQLite has one writer at a time)."""
    if title_ids is None:
        title_ids = list(
            session.exec(select(Reservation.title_id).where(Reservation.state == ReservationState.WAITING).distinct())
        )
    done: list[Allocation] = []
    for title_id in sorted(title_ids):
        done += allocate_title(session, title_id=title_id, at=at, actor=actor, pick_days=pick_days)
        session.commit()
    session.commit()
    return done


def allocate_title(
    session: Session,
    *,
    title_id: int,
    at: datetime,
    actor: str = "",
    pick_days: int | None = None,
    shortage_penalty: float = SHORTAGE_PENALTY,
    reasons: dict[int, str] | None = None,
) -> list[Allocation]:
    """Match the title's waiting reservations to free shelf copies and open their pick tasks. Does not commit.

    `reasons` gives some reservations their own reason, a format string with {pickup} and {source}.
    """
    waiting = list(
        session.exec(
            select(Reservation)
            .where(Reservation.title_id == title_id, Reservation.state == ReservationState.WAITING)
            .order_by(col(Reservation.placed_at), col(Reservation.id))
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
    )
    if not waiting:
        return []
    copies = free_shelf_copies(session, title_id=title_id)
    if not copies:
        return []
    waiting = waiting[: len(copies)]  # first come, first served decides who gets a copy; cost decides which
    cost = cost_matrix(session, title_id=title_id, reservations=waiting, copies=copies, penalty=shortage_penalty)
    rows, cols = linear_sum_assignment(cost)
    if pick_days is None:
        from materials.settings import Settings

        pick_days = Settings().pick_timeout_days
    branches = {b.id: b for b in session.exec(select(Branch))}
    done = []
    # Claim copies in id order, so two allocators never wait on each other's copies in a cycle.
    for r, c in sorted(zip(rows, cols, strict=True), key=lambda rc: copies[rc[1]].id or 0):
        reservation, item = waiting[r], copies[c]
        try:
            with session.begin_nested():
                claimed = transition(
                    session,
                    reservation,
                    to=ReservationState.ALLOCATED,
                    from_states=[ReservationState.WAITING],
                    item_id=item.id,
                    allocated_at=at,
                )
        except exc.IntegrityError:  # the copy went to another reservation at the same moment; next run retries
            continue
        if not claimed:
            continue
        pickup, source = branches[reservation.pickup_branch_id], branches[item.branch_id]
        template = (reasons or {}).get(reservation.id or 0, PICK_REASON)
        reason = template.format(pickup=pickup.name, source=source.name)
        task = open_task(
            session,
            kind=TaskKind.PICK,
            station=pick_station_for(session, branch=source),
            branch_id=item.branch_id,
            at=at,
            reason=reason,
            item_id=item.id,
            reservation_id=reservation.id,
            destination_branch_id=pickup.id,
            due_at=at + timedelta(days=pick_days),
            actor=actor,
        )
        record_event(
            session,
            at=at,
            kind="reservation_allocated",
            station=task.station,
            actor=actor,
            item_id=item.id,
            barcode=item.barcode,
            reservation_id=reservation.id,
            from_branch=source.isil,
            pickup=pickup.isil,
            cost=float(cost[r, c]),
            reason=reason,
        )
        done.append(
            Allocation(
                reservation_id=reservation.id,
                item_id=item.id,
                barcode=item.barcode,
                from_branch=source.isil,
                pickup_branch=pickup.isil,
                cost=float(cost[r, c]),
                task_id=task.id,  # type: ignore[arg-type]
                reason=reason,
            )
        )
    return done


def free_shelf_copies(session: Session, *, title_id: int) -> list[Item]:
    """Copies on a shelf that serve no reservation and have not failed a pick since they were last seen."""
    live = select(Reservation.id).where(
        Reservation.item_id == Item.id,
        col(Reservation.state).in_([str(s) for s in HOLDING_RESERVATION_STATES]),
    )
    failed = select(Task.id).where(
        Task.item_id == Item.id,
        Task.kind == TaskKind.PICK,
        col(Task.outcome).in_(FAILED_PICK_OUTCOMES),
        and_(col(Task.done_at).is_not(None), func.coalesce(Item.status_changed_at, Task.done_at) <= Task.done_at),
    )
    return list(
        session.exec(
            select(Item)
            .where(
                Item.title_id == title_id,
                Item.status == ItemStatus.ON_SHELF,
                ~live.exists(),
                ~failed.exists(),
            )
            .order_by(col(Item.id))
            .with_for_update(skip_locked=True, of=Item)
            .execution_options(populate_existing=True)
        ).all()
    )


def cost_matrix(
    session: Session, *, title_id: int, reservations: list[Reservation], copies: list[Item], penalty: float
) -> np.ndarray:
    """Rows: reservations; columns: copies. Transport cost plus a penalty for copies a branch cannot spare."""
    pickups = {r.pickup_branch_id for r in reservations}
    sources = {i.branch_id for i in copies}
    transport = {
        (t.from_branch_id, t.to_branch_id): t.cost
        for t in session.exec(
            select(TransportCost).where(
                col(TransportCost.from_branch_id).in_(sources), col(TransportCost.to_branch_id).in_(pickups)
            )
        )
    }
    targets = {t.branch_id: t.target for t in session.exec(select(Target).where(Target.title_id == title_id))}
    spare = spare_copies(copies, targets)
    matrix = np.zeros((len(reservations), len(copies)))
    for c, item in enumerate(copies):
        extra = 0.0 if item.id in spare else penalty
        for r, reservation in enumerate(reservations):
            same = item.branch_id == reservation.pickup_branch_id
            move = transport.get(
                (item.branch_id, reservation.pickup_branch_id), 0.0 if same else DEFAULT_TRANSPORT_COST
            )
            matrix[r, c] = move + extra
    return matrix


def spare_copies(copies: list[Item], targets: dict[int, int]) -> set[int]:
    """Ids of the copies a branch can give away and still hold its target (without targets: keep one)."""
    by_branch: dict[int, list[Item]] = defaultdict(list)
    for item in copies:
        by_branch[item.branch_id].append(item)
    spare: set[int] = set()
    for branch_id, items in by_branch.items():
        keep = targets.get(branch_id, 0) if targets else 1
        spare.update(i.id for i in items[: max(0, len(items) - keep)] if i.id is not None)
    return spare


def pick_station_for(session: Session, *, branch: Branch) -> str:
    """The branch's pick desk: a station of kind 'pick', else its first station, else a name made from its ISIL."""
    stations = list(session.exec(select(Station).where(Station.branch_id == branch.id).order_by(col(Station.name))))
    for station in stations:
        if station.kind == "pick":
            return station.name
    return stations[0].name if stations else f"pick-{branch.isil}"
