"""The database side of the server: check-ins through the real service, sessions kept per worker thread."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, text

from materials.sip2 import backend
from tests.sip2.conftest import ACCOUNT, PASSWORD, Library


def test_a_check_in_leaves_the_worker_session_outside_any_transaction(engine: Engine, library: Library) -> None:
    terminal = backend.login(engine, name=ACCOUNT, password=PASSWORD)
    sessions = backend.WorkerSessions(engine)
    at = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    for barcode in ("ON-LOAN-FROM-MAIN", "NOT-A-COPY", "ON-LOAN-FROM-MAIN"):
        outcome = backend.checkin(sessions, terminal=terminal, barcode=barcode, at=at)
        assert outcome.barcode == barcode
        assert not sessions.current().in_transaction()
    sessions.close_all()


def test_a_check_in_outcome_carries_the_home_branch_and_the_sorter_bin(engine: Engine, library: Library) -> None:
    terminal = backend.login(engine, name=ACCOUNT, password=PASSWORD)
    sessions = backend.WorkerSessions(engine)
    outcome = backend.checkin(
        sessions, terminal=terminal, barcode="RESERVED-FOR-VALBY", at=datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    )
    sessions.close_all()
    assert (outcome.known, outcome.kind, outcome.destination) == (True, "hold", library.valby.isil)
    assert (outcome.sort_bin, outcome.permanent_location) == ("B18", library.main.isil)


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_check_ins_go_on_after_the_database_drops_every_connection(engine: Engine, library: Library) -> None:
    terminal = backend.login(engine, name=ACCOUNT, password=PASSWORD)
    sessions = backend.WorkerSessions(engine)
    first = backend.checkin(sessions, terminal=terminal, barcode="ON-LOAN-FROM-MAIN", at=datetime.now(UTC))
    assert first.permanent_location == library.main.isil
    with engine.connect() as admin:  # what a database restart does to the server's connections
        admin.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    second = backend.checkin(sessions, terminal=terminal, barcode="RESERVED-FOR-VALBY", at=datetime.now(UTC))
    sessions.close_all()
    assert (second.known, second.kind, second.permanent_location) == (True, "hold", library.main.isil)
