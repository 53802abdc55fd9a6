from datetime import UTC, datetime

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session, SQLModel

from materials.db import current_revision, downgrade, head_revision, migrate, schema_is_current
from materials.models import Branch, Event, Item, Loan, Title

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def test_migrations_create_every_table_on_an_empty_database(empty_engine):
    assert not schema_is_current(empty_engine)
    migrate(empty_engine)
    assert current_revision(empty_engine) == head_revision()
    tables = set(inspect(empty_engine).get_table_names())
    assert set(SQLModel.metadata.tables) <= tables


def test_migrations_go_down_to_nothing_and_up_again(empty_engine):
    migrate(empty_engine)
    downgrade(empty_engine, "base")
    assert set(inspect(empty_engine).get_table_names()) <= {"alembic_version"}
    migrate(empty_engine)
    assert schema_is_current(empty_engine)


def test_the_schema_from_migrations_matches_the_models(empty_engine):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    migrate(empty_engine)
    with empty_engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


def test_the_event_log_refuses_updates_and_deletes(engine):
    with Session(engine) as session:
        session.add(Event(at=NOW, kind="checkin", station="sortering-1", barcode="APPEND-ONLY", payload={}))
        session.commit()
    for statement in ("UPDATE event SET kind = 'forged'", "DELETE FROM event"):
        with Session(engine) as session, pytest.raises(DBAPIError, match="append-only"):
            session.exec(text(statement))  # type: ignore[call-overload]
            session.commit()
    with Session(engine) as session:
        assert session.exec(text("SELECT kind FROM event")).all() == [("checkin",)]  # type: ignore[call-overload]


def test_a_copy_cannot_have_two_open_loans(engine):
    with Session(engine) as session:
        branch = Branch(isil="DK-710100", name="Hovedbiblioteket")
        title = Title(title="Ternet Ninja", author="Anders Matthesen")
        session.add_all([branch, title])
        session.flush()
        item = Item(barcode="TWO-LOANS", title_id=title.id, home_branch_id=branch.id, branch_id=branch.id)
        session.add(item)
        session.flush()
        session.add(Loan(item_id=item.id, title_id=title.id, branch_id=branch.id, loaned_at=NOW))
        session.commit()
        session.add(Loan(item_id=item.id, title_id=title.id, branch_id=branch.id, loaned_at=NOW))
        with pytest.raises(IntegrityError):
            session.commit()
