"""Filling a display: DISPLAY tasks that fetch copies of its wanted titles from the shelves, due before it opens.

Copies on the display's own branch come first: the task is at that branch's pick desk, the copy is marked for the
display location and counts as filled at once. Other branches' shelf copies are asked for only when there is time
to bring them (`display_transit_days`), cheapest transport first; their want stays open, so that when the copy is
scanned in, check-in step (b) sends it to the display. Returned copies of wanted titles go there the same way.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from logistics.planning.config import PlanningConfig
from logistics.planning.displays import opening_time, require_display
from materials.clock import danish_date
from materials.domain.states import HOLDING_RESERVATION_STATES, ItemStatus, TaskKind, TaskState
from materials.errors import MaterialsError
from materials.models import Branch, CalendarEvent, Display, DisplayWant, Item, Reservation, Task, TransportCost
from materials.services.allocation import pick_station_for
from materials.services.tasks import open_task


class DisplayEnded(MaterialsError):
    pass


@dataclass
class FillResult:
    display_id: int
    tasks: list[int] = field(default_factory=list)
    local: int = 0
    from_elsewhere: int = 0
    unfilled: list[int] = field(default_factory=list)  # title ids with no copy to be had


def _free_copies(session: Session, *, title_id: int) -> list[Item]:
    holding = select(Reservation.id).where(
        Reservation.item_id == Item.id, col(Reservation.state).in_([str(s) for s in HOLDING_RESERVATION_STATES])
    )
    open_task = select(Task.id).where(Task.item_id == Item.id, Task.state == TaskState.OPEN)
    query = select(Item).where(
        Item.title_id == title_id, Item.status == ItemStatus.ON_SHELF, ~holding.exists(), ~open_task.exists()
    )
    return list(session.exec(query.order_by(col(Item.id))))


def _pending_elsewhere(session: Session, display: Display, *, title_id: int) -> int:
    """Copies already asked for from other branches and not yet arrived."""
    query = (
        select(Task.id)
        .join(Item, col(Item.id) == Task.item_id)
        .where(
            Task.kind == TaskKind.DISPLAY,
            Task.state == TaskState.OPEN,
            Task.destination_branch_id == display.branch_id,
            Task.branch_id != display.branch_id,
            Item.title_id == title_id,
        )
    )
    return len(session.exec(query).all())


def fill_display(
    session: Session, display_id: int, *, config: PlanningConfig, at: datetime, actor: str = ""
) -> FillResult:
    """Open DISPLAY tasks for the display's unfilled wanted titles. Commits."""
    display = require_display(session, display_id)
    if display.state == "ended":
        raise DisplayEnded(f"display {display.name!r} has ended ({display.ends_on})")
    event = session.get(CalendarEvent, display.calendar_event_id) if display.calendar_event_id else None
    opens = opening_time(display, event)
    branch = session.get(Branch, display.branch_id)
    assert branch is not None  # a foreign key
    costs = {
        c.from_branch_id: c.cost
        for c in session.exec(select(TransportCost).where(TransportCost.to_branch_id == display.branch_id))
    }
    time_to_bring = opens - at >= timedelta(days=config.display_transit_days)
    result = FillResult(display_id=display.id or 0)
    wants = session.exec(
        select(DisplayWant)
        .where(DisplayWant.display_id == display.id, DisplayWant.filled < DisplayWant.wanted)
        .order_by(col(DisplayWant.score).desc(), col(DisplayWant.id))
    ).all()
    opening = f"åbner {danish_date(opens)}"
    for want in wants:
        missing = want.wanted - want.filled - _pending_elsewhere(session, display, title_id=want.title_id)
        copies = _free_copies(session, title_id=want.title_id)
        here = [c for c in copies if c.branch_id == display.branch_id]
        there = sorted((c for c in copies if c.branch_id != display.branch_id and c.branch_id in costs),
                       key=lambda c: (costs[c.branch_id], c.id or 0)) if time_to_bring else []  # fmt: skip
        chosen = (here + there)[: max(missing, 0)]
        if missing > 0 and not chosen:
            result.unfilled.append(want.title_id)
        for item in chosen:
            local = item.branch_id == display.branch_id
            source = branch if local else session.get(Branch, item.branch_id)
            assert source is not None
            due = opens - (timedelta(days=1) if local else timedelta(days=config.display_transit_days))
            reason = (
                f"Til udstillingen '{display.name}' ({opening})"
                if local
                else f"Send til udstillingen '{display.name}' på {branch.name} ({opening}): scan den ind"
            )
            task = open_task(
                session, kind=TaskKind.DISPLAY, station=pick_station_for(session, branch=source),
                branch_id=source.id or 0, at=at, reason=reason, item_id=item.id,
                destination_branch_id=display.branch_id, due_at=max(due, at), actor=actor,
            )  # fmt: skip
            result.tasks.append(task.id or 0)
            if local:
                item.destination_branch_id, item.destination_location_id = display.branch_id, display.location_id
                want.filled += 1
                result.local += 1
                session.add_all([item, want])
            else:
                result.from_elsewhere += 1
    session.commit()
    return result
