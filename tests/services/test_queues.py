"""Work queues: a station's open tasks, oldest first, served by the partial index on open tasks."""

from datetime import timedelta

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from materials.domain.states import TaskKind
from materials.services.lookup import UnknownStation
from materials.services.queues import station_queue
from materials.services.tasks import close_task, open_task
from tests.factories import T0, make_small_city


def test_a_station_queue_lists_its_open_tasks_oldest_first_across_kinds(session: Session) -> None:
    city = make_small_city(session)
    branch = city.sorting.id or 0
    newest = open_task(session, kind=TaskKind.SORT, station="sortering-1", branch_id=branch, at=T0, reason="ny")
    oldest = open_task(
        session, kind=TaskKind.EXCEPTION, station="sortering-1", branch_id=branch, at=T0 - timedelta(hours=2),
        reason="gammel",
    )  # fmt: skip
    done = open_task(session, kind=TaskKind.SORT, station="sortering-1", branch_id=branch, at=T0 - timedelta(hours=3),
                     reason="færdig")  # fmt: skip
    close_task(session, done, at=T0, actor="mette")
    open_task(session, kind=TaskKind.SORT, station="automat-710115", branch_id=branch, at=T0, reason="andetsteds")
    session.commit()

    queue = station_queue(session, "sortering-1")

    assert [t.id for t in queue] == [oldest.id, newest.id]
    assert queue[0].created_at == T0 - timedelta(hours=2)  # a datetime, on SQLite too
    assert [t.id for t in station_queue(session, "sortering-1", kind=TaskKind.SORT)] == [newest.id]


def test_the_queue_of_an_unknown_station_is_refused(session: Session) -> None:
    make_small_city(session)

    with pytest.raises(UnknownStation, match="sortering-42"):
        station_queue(session, "sortering-42")


def test_listing_a_queue_uses_the_partial_index_on_open_tasks(sqlite_engine: Engine) -> None:
    query = (
        "EXPLAIN QUERY PLAN SELECT * FROM task WHERE station = 'sortering-1' AND kind = 'sort' "
        "AND state = 'open' ORDER BY created_at LIMIT 200"
    )
    with sqlite_engine.connect() as conn:
        plan = " ".join(str(row[-1]) for row in conn.execute(text(query)))

    assert "ix_task_open_station_kind" in plan
    assert "TEMP B-TREE" not in plan  # the index gives the order: nothing is sorted
