"""The check-in's statements on the driver's cursor behave as they would through SQLAlchemy's own execution."""

from typing import Any

import pytest
from sqlalchemy import Engine, bindparam, event, exc, select, text
from sqlmodel import Session

from materials.models import Event, Item, Reservation
from materials.services.events import EventBuffer
from materials.services.prepared import run
from tests.factories import T0, make_item, make_reservation, make_small_city, make_title

_I, _R, _E = Item.__table__, Reservation.__table__, Event.__table__  # type: ignore[attr-defined]


def test_rows_are_what_sqlalchemy_gives_for_the_same_statement(session: Session) -> None:
    """Dates, JSON, booleans and labels come back as SQLAlchemy's own execution returns them, on both databases."""
    city = make_small_city(session)
    title = make_title(session)
    make_item(session, title, city.sundby, "COPY-1")
    reservation = make_reservation(session, title, city.valby, placed_at=T0)
    events = EventBuffer(session.connection())
    events.add(at=T0, kind="checkin", station="automat-710112", barcode="COPY-1", decision={"kind": "stay", "n": 2})
    events.write()
    queries = [
        (select(_R.c.id, _R.c.placed_at, _R.c.state.label("now")).where(_R.c.id == bindparam("id")), {"id": reservation.id}),
        (select(_I.c.barcode, _I.c.floating, _I.c.parts).where(_I.c.barcode == bindparam("code")), {"code": "COPY-1"}),
        (select(_E.c.at, _E.c.payload).where(_E.c.barcode == "COPY-1", _E.c.kind == "checkin"), {}),
    ]  # fmt: skip
    conn = session.connection()
    for query, params in queries:
        expected = [tuple(row) for row in conn.execute(query, params)]
        got = run(conn, query, params).all()

        assert [tuple(row) for row in got] == expected
        assert got and got[0]._fields == tuple(query.selected_columns.keys())
    assert run(conn, queries[2][0]).first().payload == {"decision": {"kind": "stay", "n": 2}}


def test_a_violated_unique_index_is_sqlalchemys_integrity_error_and_the_transaction_goes_on(session: Session) -> None:
    city = make_small_city(session)
    copy = make_item(session, make_title(session), city.sundby, "TWICE")
    conn = session.connection()
    values = {"barcode": "TWICE", "title_id": copy.title_id, "home_branch_id": city.sundby.id,
              "branch_id": city.sundby.id, "status": "on_shelf", "parts": 1, "floating": True}  # fmt: skip

    savepoint = conn.begin_nested()
    with pytest.raises(exc.IntegrityError):
        run(conn, _I.insert(), values)
    savepoint.rollback()

    assert run(conn, select(_I.c.id).where(_I.c.barcode == "TWICE")).scalar() == copy.id


def test_cursor_listeners_see_each_statement_with_its_parameters(engine: Engine) -> None:
    seen: list[tuple[str, Any]] = []

    def listen(_conn: object, _cursor: object, statement: str, parameters: Any, *_: object) -> None:
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", listen)
    try:
        with engine.connect() as conn:
            row = run(conn, select(_I.c.id).where(_I.c.barcode == bindparam("code")), {"code": "NOT-A-COPY"}).first()
    finally:
        event.remove(engine, "before_cursor_execute", listen)

    assert row is None
    assert len(seen) == 1 and seen[0][0].startswith("SELECT item.id")
    assert "NOT-A-COPY" in (seen[0][1].values() if isinstance(seen[0][1], dict) else seen[0][1])


def test_a_statement_with_an_expanding_parameter_is_refused(engine: Engine) -> None:
    query = select(_I.c.id).where(_I.c.barcode.in_(bindparam("codes", expanding=True)))
    with engine.connect() as conn, pytest.raises(ValueError, match="expanding"):
        run(conn, query, {"codes": ["A", "B"]})


def test_a_connection_the_server_dropped_is_invalidated_and_the_next_statement_reconnects(
    postgres_engine: Engine,
) -> None:
    query = select(_I.c.id).where(_I.c.barcode == bindparam("code"))
    with postgres_engine.connect() as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        conn.commit()
        with postgres_engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

        with pytest.raises(exc.DBAPIError) as raised:
            run(conn, query, {"code": "X"})

        assert raised.value.connection_invalidated
        conn.rollback()
        assert run(conn, query, {"code": "X"}).first() is None
        assert conn.execute(text("SELECT pg_backend_pid()")).scalar() != pid
