"""Suggested moves as rows people decide on: written with a reason, listed, accepted (a pick task) or rejected."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlmodel import Session, col, delete, select

from logistics.planning.frames import insert_frame, stored_time
from logistics.planning.snapshot import BranchRow
from materials.clock import danish_date, to_local
from materials.domain.states import ItemCondition, ItemStatus, TaskKind, TaskState
from materials.errors import MaterialsError, NotFound
from materials.models import Branch, Item, MoveSuggestion, Task, Title
from materials.services.allocation import pick_station_for
from materials.services.crates import crate_leg_to, put_in_crate
from materials.services.events import record_event
from materials.services.lookup import branch_by_isil, require_item, station_by_name
from materials.services.tasks import close_task, open_task

MOVE_STATES = ("suggested", "accepted", "rejected", "done")


class UnknownMove(NotFound):
    pass


class MoveNotOpen(MaterialsError):
    """The move was already accepted or rejected."""


class MoveNoLongerPossible(MaterialsError):
    """The copy has left its shelf since the move was suggested."""


def since_text(last_activity: str) -> str:
    if not last_activity:
        return "aldrig udlånt"
    at = datetime.strptime(last_activity[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    return f"urørt siden {danish_date(at)} {to_local(at).year}"


CONDITION_TEXT: dict[str, str] = {
    ItemCondition.GOOD: "god stand",
    # Chosen only when the source has no copy of the title in better condition to spare.
    ItemCondition.WORN: "slidt, men det bedste ledige eksemplar",
}


def move_reason(row: dict[str, Any], branches: dict[int, BranchRow]) -> str:
    """One Danish line: why this copy, from here, to there."""
    to, source = branches[int(row["to_branch_id"])], branches[int(row["from_branch_id"])]
    need = f"{to.name} mangler {row['deficit']} (mål {row['to_target']}, har {row['to_held']})"
    if source.lends:
        extra = int(row["from_held"] or 0) - int(row["from_target"] or 0)
        have = f"{source.name} har {extra} for mange"
    else:
        have = f"står i {source.name}"
    copy = since_text(str(row["last_activity"]))
    condition = CONDITION_TEXT.get(row.get("condition") or "")  # not assessed: nothing to say
    if condition:
        copy = f"{copy}, {condition}"
    return f"{need}; {have}, {copy}"[:300]


def write_moves(session: Session, chosen: pl.DataFrame, branches: dict[int, BranchRow], *, at: datetime) -> int:
    """Replace the open suggestions with these (decided ones stay as history); the caller commits."""
    session.exec(delete(MoveSuggestion).where(col(MoveSuggestion.state) == "suggested"))
    if chosen.height == 0:
        return 0
    reasons = [move_reason(row, branches) for row in chosen.iter_rows(named=True)]
    frame = chosen.select(
        "item_id",
        "from_branch_id",
        "to_branch_id",
        pl.Series("reason", reasons, dtype=pl.String),
        pl.col("score").round(3).alias("score"),
        pl.lit("suggested").alias("state"),
        pl.lit(stored_time(session, at)).alias("created_at"),
    )
    return insert_frame(session, "movesuggestion", frame)


def quiet_items(session: Session, *, at: datetime, days: int) -> pl.DataFrame:
    """Copies whose move someone rejected lately: not suggested again for a while."""
    rows = session.exec(
        select(MoveSuggestion.item_id).where(
            MoveSuggestion.state == "rejected", col(MoveSuggestion.decided_at) >= at - timedelta(days=days)
        )
    )
    return pl.DataFrame({"item_id": list(rows)}, schema={"item_id": pl.Int64})


@dataclass(frozen=True)
class MoveView:
    id: int
    barcode: str
    title: str
    author: str
    from_isil: str
    from_name: str
    to_isil: str
    to_name: str
    reason: str
    score: float
    state: str
    task_id: int | None


def list_moves(
    session: Session, *, state: str | None = "suggested", branch_isil: str | None = None, limit: int = 200
) -> list[MoveView]:
    """Moves, best first; `branch_isil` keeps those from or to that branch."""
    source, sink = Branch.__table__.alias("source"), Branch.__table__.alias("sink")  # type: ignore[attr-defined]
    query = (
        sa.select(
            MoveSuggestion,
            col(Item.barcode),
            col(Title.title),
            col(Title.author),
            source.c.isil,
            source.c.name,
            sink.c.isil,
            sink.c.name,
        )
        .join(Item, col(Item.id) == MoveSuggestion.item_id)
        .join(Title, col(Title.id) == Item.title_id)
        .join(source, source.c.id == MoveSuggestion.from_branch_id)
        .join(sink, sink.c.id == MoveSuggestion.to_branch_id)
    )
    if state is not None:
        query = query.where(col(MoveSuggestion.state) == state)
    if branch_isil is not None:
        branch = branch_by_isil(session=session, isil=branch_isil)
        query = query.where(
            (col(MoveSuggestion.from_branch_id) == branch.id) | (col(MoveSuggestion.to_branch_id) == branch.id)
        )
    query = query.order_by(col(MoveSuggestion.score).desc(), col(MoveSuggestion.id)).limit(limit)
    return [
        MoveView(m.id or 0, barcode, title, author, fi, fn, ti, tn, m.reason, m.score, m.state, m.task_id)
        for m, barcode, title, author, fi, fn, ti, tn in session.execute(query)
    ]


def _open_move(session: Session, move_id: int) -> MoveSuggestion:
    move = session.get(MoveSuggestion, move_id, with_for_update=True)
    if move is None:
        raise UnknownMove(f"unknown move {move_id!r}")
    if move.state != "suggested":
        raise MoveNotOpen(f"move {move_id} is already {move.state}")
    return move


def accept_move(session: Session, move_id: int, *, at: datetime, actor: str = "") -> MoveSuggestion:
    """Accept: a move task at the source's pick desk, and the copy counted at its new branch. Commits."""
    move = _open_move(session, move_id)
    item = session.get(Item, move.item_id)
    if item is None or item.status != ItemStatus.ON_SHELF or item.branch_id != move.from_branch_id:
        raise MoveNoLongerPossible(f"move {move_id}: copy {item.barcode if item else move.item_id!r} left its shelf")
    source, sink = session.get(Branch, move.from_branch_id), session.get(Branch, move.to_branch_id)
    assert source is not None and sink is not None  # foreign keys
    task = open_task(
        session, kind=TaskKind.MOVE, station=pick_station_for(session, branch=source), branch_id=source.id or 0,
        at=at, reason=f"Flyt til {sink.name}: {move.reason}", item_id=item.id, destination_branch_id=sink.id,
        due_at=at + timedelta(days=1), actor=actor,
    )  # fmt: skip
    # Heading for the new branch from now on: routing sends it there when it is scanned at the sorter.
    item.destination_branch_id = sink.id
    move.state, move.decided_at, move.decided_by, move.task_id = "accepted", at, actor[:60] or None, task.id
    session.add_all([item, move])
    record_event(session, at=at, kind="move_accepted", actor=actor, item_id=item.id, move_id=move.id, task_id=task.id)
    session.commit()
    return move


def reject_move(session: Session, move_id: int, *, at: datetime, actor: str = "") -> MoveSuggestion:
    """Reject: the copy stays, and is not suggested again for a while. Commits."""
    move = _open_move(session, move_id)
    move.state, move.decided_at, move.decided_by = "rejected", at, actor[:60] or None
    session.add(move)
    record_event(session, at=at, kind="move_rejected", actor=actor, item_id=move.item_id, move_id=move.id)
    session.commit()
    return move


class NotAMove(MaterialsError):
    """The copy has no open move task at this station's branch."""


def pick_move(session: Session, *, barcode: str, station: str, at: datetime, actor: str = "") -> MoveSuggestion:
    """The copy of an accepted move is taken from the shelf: into the crate towards its new branch. Commits.

    The move task is done, the copy is IN_SORTING and heading for the new branch, a PACK task records the crate,
    and the move is `done`; from here the crate and transit flow carries it like any other copy.
    """
    desk = station_by_name(session=session, name=station)
    item = require_item(session=session, barcode=barcode)
    task = session.exec(
        select(Task).where(
            Task.item_id == item.id,
            Task.kind == TaskKind.MOVE,
            Task.state == TaskState.OPEN,
            Task.branch_id == desk.branch_id,
        )
    ).first()
    move = session.exec(select(MoveSuggestion).where(MoveSuggestion.task_id == task.id)).first() if task else None
    if task is None or move is None:
        raise NotAMove(f"{barcode!r} has no open move at station {station!r}")
    sink = session.get(Branch, move.to_branch_id)
    assert sink is not None  # a foreign key
    close_task(session, task, at=at, actor=actor, outcome="picked")
    item.status, item.status_changed_at, item.location_id = ItemStatus.IN_SORTING, at, None
    item.destination_branch_id, item.destination_location_id = sink.id, None
    leg = crate_leg_to(session, from_branch_id=desk.branch_id, destination_branch_id=sink.id or 0)
    crate = put_in_crate(
        session, item=item, from_branch_id=desk.branch_id, to_branch_id=leg, at=at, station=station, actor=actor
    )
    reason = f"Flyttes til {sink.name}, kasse {crate.code}"
    open_task(
        session, kind=TaskKind.PACK, station=station, branch_id=desk.branch_id, at=at, reason=reason,
        item_id=item.id, crate_id=crate.id, destination_branch_id=sink.id, actor=actor,
    )  # fmt: skip
    move.state = "done"
    session.add_all([item, move])
    record_event(session, at=at, kind="move_picked", station=station, actor=actor, item_id=item.id,
                 barcode=item.barcode, move_id=move.id, crate=crate.code)  # fmt: skip
    session.commit()
    return move
