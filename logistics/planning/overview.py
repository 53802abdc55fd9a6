"""What the planning screen shows: each branch's balance against its targets, a title's targets, the displays."""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, col, select

from materials.domain.states import ItemStatus
from materials.models import Branch, CalendarEvent, Display, DisplayWant, Item, Target


@dataclass(frozen=True)
class BranchBalance:
    isil: str
    name: str
    titles: int
    target: int
    held: int
    copies_short: int  # sum of positive deficits
    copies_over: int  # sum of surpluses
    titles_short: int


def branch_balances(session: Session) -> list[BranchBalance]:
    """Per branch with targets: copies wanted and held, and how many are short or over, most short first."""
    short = sa.case((col(Target.deficit) > 0, Target.deficit), else_=0)
    over = sa.case((col(Target.deficit) < 0, -col(Target.deficit)), else_=0)
    query = (
        sa.select(
            col(Branch.isil),
            col(Branch.name),
            sa.func.count(),
            sa.func.sum(Target.target),
            sa.func.sum(Target.held),
            sa.func.sum(short),
            sa.func.sum(over),
            sa.func.sum(sa.case((col(Target.deficit) >= 1, 1), else_=0)),
        )
        .join(Branch, col(Branch.id) == Target.branch_id)
        .group_by(col(Branch.isil), col(Branch.name))
    )
    rows = [
        BranchBalance(isil, name, int(n), int(t or 0), int(h or 0), round(s or 0), round(o or 0), int(ts or 0))
        for isil, name, n, t, h, s, o, ts in session.execute(query)
    ]
    return sorted(rows, key=lambda b: (-b.copies_short, b.isil))


@dataclass(frozen=True)
class TargetView:
    isil: str
    name: str
    target: int
    held: int
    deficit: float
    demand: float


def title_targets(session: Session, title_id: int) -> list[TargetView]:
    """One title's target, holding and deficit at every branch that has a row, largest deficit first."""
    query = (
        sa.select(
            col(Branch.isil),
            col(Branch.name),
            col(Target.target),
            col(Target.held),
            col(Target.deficit),
            col(Target.demand),
        )
        .join(Branch, col(Branch.id) == Target.branch_id)
        .where(col(Target.title_id) == title_id)
        .order_by(col(Target.deficit).desc(), col(Branch.isil))
    )
    return [TargetView(i, n, t, h, float(d), float(m)) for i, n, t, h, d, m in session.execute(query)]


@dataclass(frozen=True)
class DisplayView:
    id: int
    name: str
    branch_isil: str
    branch_name: str
    starts_on: date
    ends_on: date
    state: str
    capacity: int
    wanted: int
    filled: int
    on_display: int
    event: str | None


def list_displays(session: Session, *, include_ended: bool = False) -> list[DisplayView]:
    """Displays in order of their first day, with how many titles they want and how many copies are up."""
    query = select(Display, Branch).join(Branch, col(Branch.id) == Display.branch_id)
    if not include_ended:
        query = query.where(col(Display.state) != "ended")
    views = []
    for display, branch in session.exec(query.order_by(col(Display.starts_on), col(Display.id))):
        wanted, filled = session.execute(
            sa.select(sa.func.coalesce(sa.func.sum(DisplayWant.wanted), 0), sa.func.coalesce(sa.func.sum(DisplayWant.filled), 0))
            .where(col(DisplayWant.display_id) == display.id)
        ).one()  # fmt: skip
        up = 0
        if display.location_id is not None:
            up = session.execute(
                sa.select(sa.func.count()).where(
                    col(Item.location_id) == display.location_id, col(Item.status) == ItemStatus.ON_DISPLAY
                )
            ).scalar_one()
        event = session.get(CalendarEvent, display.calendar_event_id) if display.calendar_event_id else None
        views.append(
            DisplayView(
                display.id or 0,
                display.name,
                branch.isil,
                branch.name,
                display.starts_on,
                display.ends_on,
                display.state,
                display.capacity,
                int(wanted),
                int(filled),
                int(up),
                event.name if event else None,
            )
        )
    return views
