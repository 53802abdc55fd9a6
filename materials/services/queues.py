"""A station's work queue, read fast enough for a wall screen with 200,000 open tasks in the database.

The partial index ix_task_open_station_kind (station, kind, created_at WHERE state = 'open') gives each kind's
open tasks oldest first without sorting. Listing all kinds reads each kind's first (created_at, id) pairs from
the index alone, merges them, and only then reads the chosen rows, as plain values rather than ORM objects: a
plain query over all kinds would sort the station's whole backlog, and building ORM objects costs more than the
query.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import TextualSelect, text
from sqlmodel import Session

from materials.domain.states import TaskKind
from materials.models import Task
from materials.services.routing_places import station_named


@dataclass(frozen=True)
class QueuedTask:
    id: int
    kind: str
    station: str
    branch_id: int
    item_id: int | None
    reservation_id: int | None
    crate_id: int | None
    destination_branch_id: int | None
    reason: str
    created_at: datetime
    due_at: datetime | None


_COLUMNS = (
    "id",
    "kind",
    "station",
    "branch_id",
    "item_id",
    "reservation_id",
    "crate_id",
    "destination_branch_id",
    "reason",
    "created_at",
    "due_at",
)


def _queue_sql(kinds: list[TaskKind]) -> TextualSelect:
    # Each kind's run comes ordered from the index; the outer query merges at most limit × kinds (created_at, id)
    # pairs and reads only the chosen rows. Kinds are our own enum values, safe to write into the statement.
    runs = " UNION ALL ".join(
        f"SELECT * FROM (SELECT created_at, id FROM task WHERE station = :station AND kind = '{kind.value}' "
        f"AND state = 'open' ORDER BY created_at LIMIT :limit) AS run_{n}"
        for n, kind in enumerate(kinds)
    )
    chosen = f"SELECT id FROM ({runs}) AS runs ORDER BY created_at, id LIMIT :limit"
    columns = ", ".join(_COLUMNS)
    statement = text(f"SELECT {columns} FROM task WHERE id IN ({chosen}) ORDER BY created_at, id")
    # Typed like the table's columns, so times come back as datetimes on SQLite too.
    table = Task.__table__  # type: ignore[attr-defined]
    return statement.columns(*(table.c[name] for name in _COLUMNS))


_ALL_KINDS = _queue_sql(list(TaskKind))
_ONE_KIND = {kind: _queue_sql([kind]) for kind in TaskKind}


def station_queue(
    session: Session, station: str, *, kind: TaskKind | None = None, limit: int = 200
) -> list[QueuedTask]:
    """Open tasks of one station (of one kind, or of all), oldest first. Unknown station: UnknownStation."""
    station_named(session, station)
    query = _ALL_KINDS if kind is None else _ONE_KIND[TaskKind(kind)]
    rows = session.execute(query, {"station": station, "limit": limit})
    return [QueuedTask(*row) for row in rows]


def oldest_open(tasks: list[QueuedTask]) -> datetime | None:
    return min((t.created_at for t in tasks), default=None)
