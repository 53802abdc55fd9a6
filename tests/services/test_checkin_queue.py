"""First come, first served reaches past any batch: a returned copy never misses an older waiting reservation.

Check-in reads a title's queue oldest first in batches of `CANDIDATE_BATCH` rows (on PostgreSQL skipping rows
another station holds locked). Whatever the batch holds that can no longer be taken, the copy goes on to the next
reservation in line instead of giving up at the end of the batch.
"""

from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, event, text
from sqlmodel import Session

from materials.domain.states import ReservationState, RouteKind
from materials.models import Reservation
from materials.services.checkin import check_in
from materials.services.reservations import CANDIDATE_BATCH
from tests.factories import T0, make_item, make_loan, make_reservation, make_small_city, make_title

NOV_10 = T0 + timedelta(days=7)


def queue_of(session: Session, n: int) -> tuple[Any, list[Reservation]]:
    city = make_small_city(session)
    title = make_title(session, "Lang kø")
    copy = make_item(session, title, city.sundby, "RETURNED")
    make_loan(session, copy, city.sundby)
    queue = [make_reservation(session, title, city.valby, placed_at=T0 + timedelta(minutes=i)) for i in range(n)]
    return city, queue


def test_a_copy_goes_past_a_whole_batch_that_was_taken_meanwhile(engine: Engine) -> None:
    """The first batch is cancelled between reading it and taking one (as another desk would): the copy fills the
    next in line, beyond the batch, instead of nobody."""
    with Session(engine) as session:
        _city, queue = queue_of(session, CANDIDATE_BATCH + 2)
        gone = [r.id for r in queue[:CANDIDATE_BATCH]]
        first_in_line = queue[CANDIDATE_BATCH]
        done = []

        def cancel_first_batch(_conn: object, cursor: Any, statement: str, *_: object) -> None:
            if not done and statement.startswith("UPDATE reservation SET state"):
                done.append(True)
                cursor.connection.execute(
                    f"UPDATE reservation SET state = 'cancelled' WHERE id IN ({', '.join(map(str, gone))})"
                )

        event.listen(engine, "before_cursor_execute", cancel_first_batch)
        try:
            decision = check_in(session, "RETURNED", "automat-710112", NOV_10)
        finally:
            event.remove(engine, "before_cursor_execute", cancel_first_batch)

        assert done
        assert decision.kind == RouteKind.HOLD
        assert decision.reservation_id == first_in_line.id
        filled = session.get(Reservation, first_in_line.id)
        assert filled is not None and filled.state == ReservationState.IN_TRANSIT
        assert queue[CANDIDATE_BATCH + 1].id != decision.reservation_id


def test_rows_another_station_holds_are_skipped_not_the_rest_of_the_queue(postgres_engine: Engine) -> None:
    """On PostgreSQL more than a batch of the oldest reservations are locked by another transaction (a station
    filling them right now): the copy takes the oldest one nobody holds."""
    with Session(postgres_engine) as session:
        _city, queue = queue_of(session, CANDIDATE_BATCH + 5)
        held = [r.id for r in queue[: CANDIDATE_BATCH + 3]]
        expected = queue[CANDIDATE_BATCH + 3].id
    with postgres_engine.connect() as other:
        other.execute(text(f"SELECT id FROM reservation WHERE id IN ({', '.join(map(str, held))}) FOR UPDATE"))
        with Session(postgres_engine) as session:
            decision = check_in(session, "RETURNED", "automat-710112", NOV_10)
        other.rollback()
    assert decision.kind == RouteKind.HOLD
    assert decision.reservation_id == expected


def test_the_oldest_of_a_long_queue_is_served_first(engine: Engine) -> None:
    """Placed out of id order: the queue is by time placed, then id, across more than one batch."""
    with Session(engine) as session:
        city = make_small_city(session)
        title = make_title(session, "Lang kø")
        copy = make_item(session, title, city.sundby, "RETURNED")
        make_loan(session, copy, city.sundby)
        for i in range(CANDIDATE_BATCH + 10):
            make_reservation(session, title, city.valby, placed_at=T0 + timedelta(hours=1, minutes=i))
        oldest = make_reservation(session, title, city.osterbro, placed_at=T0)
        decision = check_in(session, "RETURNED", "automat-710112", NOV_10)
        assert decision.reservation_id == oldest.id
        assert decision.destination == city.osterbro.isil
