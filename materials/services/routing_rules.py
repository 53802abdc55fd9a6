"""The questions check-in asks the database, one per rule, each answered by one indexed query.

Every function here only reads, except `claim_display_place` and `claim_target_place`, which count the copy as
on its way (so the next returned copy of the title sees the gap as filled) with one guarded UPDATE.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import CompoundSelect, bindparam, func, literal_column, select, text, union_all, update
from sqlmodel import Session, col

from materials.domain.states import ItemStatus
from materials.models import Display, DisplayWant, Item, Reservation, Target
from materials.services.prepared import run
from materials.services.routing_places import Places

# A display starting within this many days may already collect copies.
DISPLAY_LEAD_DAYS = 14
# How many transport-cost units weigh as much as one copy of deficit (cost is van minutes, weighted).
COST_PER_COPY = 30.0
# A reservation holds its copy in these states; written out so SQLite can use the partial unique index.
_HOLDING = text("reservation.state IN ('allocated', 'in_transit', 'ready')")
_HELD_BY_BRANCH = (
    ItemStatus.ON_SHELF,
    ItemStatus.ON_DISPLAY,
    ItemStatus.IN_SORTING,
    ItemStatus.IN_TRANSIT,
    ItemStatus.ON_HOLD_SHELF,
)


def held_reservation(session: Session, *, item_id: int) -> Reservation | None:
    """The live reservation this copy already serves, if any: it must not be given to a second one."""
    query = select(Reservation).where(col(Reservation.item_id) == item_id, _HOLDING)
    return session.execute(query).scalars().first()


@dataclass(frozen=True)
class DisplayPlace:
    want_id: int
    display_id: int
    name: str
    branch_id: int
    location_id: int | None
    missing: int


def display_wanting(session: Session, *, title_id: int, here_id: int, today: date) -> DisplayPlace | None:
    """A display, current or opening soon, that lacks this title: one at this branch first, then the best scored."""
    query = (
        select(col(DisplayWant.id), col(DisplayWant.wanted), col(DisplayWant.filled), col(DisplayWant.score), Display)
        .join(Display, col(Display.id) == DisplayWant.display_id)
        .where(
            col(DisplayWant.title_id) == title_id,
            col(DisplayWant.filled) < DisplayWant.wanted,
            col(Display.ends_on) >= today,
            col(Display.starts_on) <= today + timedelta(days=DISPLAY_LEAD_DAYS),
            col(Display.state) != "ended",
        )
    )
    rows = list(session.execute(query))
    if not rows:
        return None
    best = max(rows, key=lambda r: (r.Display.branch_id == here_id, r.score, -r.Display.starts_on.toordinal()))
    d = best.Display
    return DisplayPlace(best.id, d.id, d.name, d.branch_id, d.location_id, best.wanted - best.filled)


def claim_display_place(session: Session, *, want_id: int) -> bool:
    guarded = update(DisplayWant).where(col(DisplayWant.id) == want_id, col(DisplayWant.filled) < DisplayWant.wanted)
    result = session.execute(guarded.values(filled=col(DisplayWant.filled) + 1))
    return bool(getattr(result, "rowcount", 0))


@dataclass(frozen=True)
class TargetGap:
    target_id: int
    branch_id: int
    deficit: float
    score: float


_TARGETS = select(col(Target.id), col(Target.branch_id), col(Target.deficit)).where(
    col(Target.title_id) == bindparam("title")
)


def target_gap(session: Session, places: Places, *, title_id: int, origin_id: int) -> tuple[bool, TargetGap | None]:
    """(whether the title has targets at all, the branch whose deficit net of transport cost is largest)."""
    rows = run(session.connection(), _TARGETS, {"title": title_id}).all()
    return bool(rows), _best_gap(places, [(r.id, r.branch_id, float(r.deficit)) for r in rows], origin_id)


def _best_gap(places: Places, rows: list[tuple[int, int, float]], origin_id: int) -> TargetGap | None:
    best: TargetGap | None = None
    for target_id, branch_id, deficit in rows:
        branch = places.branches.get(branch_id)
        if branch is None or not branch.lends or deficit < 1:
            continue
        score = deficit - places.cost(origin_id, branch_id) / COST_PER_COPY
        if score > 0 and (best is None or score > best.score):
            best = TargetGap(target_id, branch_id, deficit, score)
    return best


def claim_target_place(session: Session, *, target_id: int) -> None:
    claim = update(Target).where(col(Target.id) == target_id)
    session.execute(claim.values(deficit=col(Target.deficit) - 1, held=col(Target.held) + 1))


@dataclass(frozen=True)
class CountFloat:
    branch_id: int
    there: int
    here: int


_HELD_BY = func.coalesce(col(Item.destination_branch_id), col(Item.branch_id))
# The statuses are written out (not bound): one statement text, compiled once.
_COUNTS_BY_BRANCH = (
    select(_HELD_BY.label("branch_id"), func.count().label("n"))
    .where(
        col(Item.title_id) == bindparam("title"),
        col(Item.status).in_([literal_column(f"'{s.value}'") for s in _HELD_BY_BRANCH]),
        col(Item.id) != bindparam("item"),
    )
    .group_by(_HELD_BY)
)


def count_float(session: Session, places: Places, *, title_id: int, item_id: int, origin_id: int) -> CountFloat | None:
    """Koha-style float: the branch with the fewest copies of the title for its size, if clearly fewer than here.

    Clearly fewer: after the move that branch still holds no more per size than this one, so copies never bounce.
    """
    rows = run(session.connection(), _COUNTS_BY_BRANCH, {"title": title_id, "item": item_id})
    return _count_float(places, {row.branch_id: int(row.n) for row in rows}, origin_id)


def _count_float(places: Places, counts: dict[int, int], origin_id: int) -> CountFloat | None:
    origin = places.branches.get(origin_id)
    if origin is None or not origin.lends:
        return None
    here = counts.get(origin_id, 0) + 1  # this copy is here now
    candidates = [b for b in places.lending_branches if b.id != origin_id and b.size > 0]
    if not candidates:
        return None
    best = min(candidates, key=lambda b: (counts.get(b.id, 0) / b.size, places.cost(origin_id, b.id), b.id))
    there = counts.get(best.id, 0)
    if (there + 1) / best.size <= (here - 1) / max(origin.size, 1e-9):
        return CountFloat(best.id, there, here)
    return None


# Both demand questions in one round trip: the title's targets, and its copies per branch (for the count rule,
# used while the title has no targets). Each half is answered from its own index.
_DEMAND: CompoundSelect = union_all(
    select(
        literal_column("1").label("is_target"), col(Target.id).label("target_id"), col(Target.branch_id),
        col(Target.deficit).label("n"),
    ).where(col(Target.title_id) == bindparam("title")),
    select(
        literal_column("0"), literal_column("0"), _HELD_BY, func.count()
    ).where(
        col(Item.title_id) == bindparam("title"),
        col(Item.status).in_([literal_column(f"'{s.value}'") for s in _HELD_BY_BRANCH]),
        col(Item.id) != bindparam("item"),
    ).group_by(_HELD_BY),
)  # fmt: skip


@dataclass(frozen=True)
class Demand:
    has_targets: bool
    gap: TargetGap | None  # with targets: the branch lacking the copy most, net of transport cost
    spread: CountFloat | None  # without targets: the count-based float


def demand_for(session: Session, places: Places, *, title_id: int, item_id: int, origin_id: int) -> Demand:
    """`target_gap` and `count_float` together, with one statement (the check-in hot path asks both)."""
    targets: list[tuple[int, int, float]] = []
    counts: dict[int, int] = {}
    for row in run(session.connection(), _DEMAND, {"title": title_id, "item": item_id}):
        if row.is_target:
            targets.append((int(row.target_id), int(row.branch_id), float(row.n)))
        elif row.branch_id is not None:
            counts[int(row.branch_id)] = int(row.n)
    if targets:
        return Demand(True, _best_gap(places, targets, origin_id), None)
    return Demand(False, None, _count_float(places, counts, origin_id))


__all__ = [
    "CountFloat",
    "Demand",
    "DisplayPlace",
    "TargetGap",
    "claim_display_place",
    "claim_target_place",
    "count_float",
    "demand_for",
    "display_wanting",
    "held_reservation",
    "target_gap",
]
