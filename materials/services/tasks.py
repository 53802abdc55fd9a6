"""Work queues: tasks per station and kind, opened by the flows and closed by the people doing them."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Insert, bindparam, func, update
from sqlmodel import Session, select

from materials.domain.states import TaskKind, TaskState
from materials.errors import MaterialsError, NotFound
from materials.models import Task
from materials.services.events import EventBuffer, record_event
from materials.services.prepared import run


class TaskNotOpen(MaterialsError):
    pass


def open_task(
    session: Session,
    *,
    kind: TaskKind,
    station: str,
    branch_id: int,
    at: datetime,
    reason: str,
    item_id: int | None = None,
    reservation_id: int | None = None,
    crate_id: int | None = None,
    destination_branch_id: int | None = None,
    due_at: datetime | None = None,
    actor: str = "",
) -> Task:
    """Add a task to the caller's unit of work (flushed, so it has an id) and log it."""
    task = Task(
        kind=kind,
        station=station,
        branch_id=branch_id,
        item_id=item_id,
        reservation_id=reservation_id,
        crate_id=crate_id,
        destination_branch_id=destination_branch_id,
        reason=reason[:300],
        created_at=at,
        due_at=due_at,
    )
    session.add(task)
    session.flush()
    record_event(
        session,
        at=at,
        kind="task_opened",
        station=station,
        actor=actor,
        item_id=item_id,
        task_id=task.id,
        task_kind=str(kind),
        reason=task.reason,
    )
    return task


def close_task(
    session: Session, task: Task, *, at: datetime, actor: str, state: TaskState = TaskState.DONE, outcome: str = ""
) -> Task:
    if task.state != TaskState.OPEN:
        raise TaskNotOpen(f"task {task.id} is {task.state}, not open")
    task.state = state
    task.done_at = at
    task.done_by = actor[:60] or None
    task.outcome = (outcome or str(state))[:40]
    session.add(task)
    record_event(
        session,
        at=at,
        kind=f"task_{state}",
        station=task.station,
        actor=actor,
        item_id=task.item_id,
        task_id=task.id,
        task_kind=str(task.kind),
        outcome=task.outcome,
    )
    return task


_TASKS = Task.__table__  # type: ignore[attr-defined]
INSERT_TASK = _TASKS.insert().returning(_TASKS.c.id)
_CLOSE_TASK = (
    update(_TASKS)
    .where(_TASKS.c.id == bindparam("task"), _TASKS.c.state == TaskState.OPEN.value)
    .values(state=bindparam("to"), done_at=bindparam("at"), done_by=bindparam("by"), outcome=bindparam("outcome"))
)


@dataclass(frozen=True)
class OpenTaskRow:
    """An open task as the hot path reads it: no ORM object."""

    id: int
    kind: str
    station: str
    item_id: int | None


def add_task(
    events: EventBuffer,
    *,
    kind: TaskKind,
    station: str,
    branch_id: int,
    at: datetime,
    reason: str,
    item_id: int | None = None,
    reservation_id: int | None = None,
    crate_id: int | None = None,
    destination_branch_id: int | None = None,
    actor: str = "",
    statement: Insert | None = None,
    params: dict[str, Any] | None = None,
) -> int:
    """`open_task` for the hot path: one INSERT … RETURNING, the event buffered. Returns the task's id.

    `statement` (with its extra `params`) replaces `INSERT_TASK` by the same insert with more work attached, such
    as a data-modifying CTE on PostgreSQL, so that the task costs no round trip of its own.
    """
    reason = reason[:300]
    values = {
        "kind": str(kind), "state": TaskState.OPEN.value, "station": station, "branch_id": branch_id,
        "item_id": item_id, "reservation_id": reservation_id, "crate_id": crate_id,
        "destination_branch_id": destination_branch_id, "reason": reason, "created_at": at, "due_at": None,
        "done_at": None, "done_by": None, "outcome": None,
    }  # fmt: skip
    if params:
        values.update(params)
    task_id = int(run(events.conn, INSERT_TASK if statement is None else statement, values).scalar_one())
    events.add(
        at=at, kind="task_opened", station=station, actor=actor, item_id=item_id, task_id=task_id,
        task_kind=str(kind), reason=reason,
    )  # fmt: skip
    return task_id


def finish_task(
    events: EventBuffer,
    task: OpenTaskRow,
    *,
    at: datetime,
    actor: str,
    state: TaskState = TaskState.DONE,
    outcome: str = "",
) -> bool:
    """`close_task` for the hot path; False (and nothing logged) when the task was no longer open."""
    outcome = (outcome or str(state))[:40]
    params = {"task": task.id, "to": str(state), "at": at, "by": actor[:60] or None, "outcome": outcome}
    if run(events.conn, _CLOSE_TASK, params).rowcount != 1:
        return False
    events.add(
        at=at, kind=f"task_{state}", station=task.station, actor=actor, item_id=task.item_id, task_id=task.id,
        task_kind=task.kind, outcome=outcome,
    )  # fmt: skip
    return True


def require_task(session: Session, task_id: int) -> Task:
    task = session.get(Task, task_id)
    if task is None:
        raise NotFound(f"unknown task {task_id!r}")
    return task


def open_tasks_for_item(session: Session, item_id: int, kind: TaskKind | None = None) -> list[Task]:
    query = select(Task).where(Task.item_id == item_id, Task.state == TaskState.OPEN)
    if kind is not None:
        query = query.where(Task.kind == kind)
    return list(session.exec(query))


@dataclass(frozen=True)
class QueueLine:
    station: str
    kind: str
    open: int
    oldest: datetime


def queue_summary(session: Session) -> list[QueueLine]:
    """Open tasks per station and kind with the oldest one's creation time: the queue wall."""
    rows = session.exec(
        select(Task.station, Task.kind, func.count(), func.min(Task.created_at))
        .where(Task.state == TaskState.OPEN)
        .group_by(Task.station, Task.kind)
        .order_by(Task.station, Task.kind)
    )
    return [QueueLine(station=s, kind=str(k), open=int(n), oldest=o) for s, k, n, o in rows]
