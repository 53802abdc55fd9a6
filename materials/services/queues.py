"""A station's work queue, read fast enough for a wall screen with 200,000 open tasks in the database.

The partial index ix_task_open_station_kind (station, kind, created_at WHERE state = 'open') gives each kind's
open tasks oldest first without sorting; the whole queue is those few ordered runs merged, so listing never sorts
a station's whole backlog (one query over all kinds would, when one station holds many thousands).
"""

import heapq
from datetime import datetime

from sqlmodel import Session, col, select

from materials.domain.states import TaskKind, TaskState
from materials.models import Task
from materials.services.routing_places import station_named


def station_queue(session: Session, station: str, *, kind: TaskKind | None = None, limit: int = 200) -> list[Task]:
    """Open tasks of one station (of one kind, or of all), oldest first. Unknown station: UnknownStation."""
    station_named(session, station)
    kinds = [kind] if kind is not None else list(TaskKind)
    runs = [
        session.exec(
            select(Task)
            .where(Task.station == station, Task.kind == k, Task.state == TaskState.OPEN)
            .order_by(col(Task.created_at))
            .limit(limit)
        ).all()
        for k in kinds
    ]
    return list(heapq.merge(*runs, key=lambda t: (t.created_at, t.id or 0)))[:limit]


def oldest_open(tasks: list[Task]) -> datetime | None:
    return min((t.created_at for t in tasks), default=None)
