"""The check-in hot path reads the big tables only through indexes: a full scan of one would undo the benchmark.

Every statement a check-in sends is captured and explained with its own parameters on SQLite; reference tables
(branches, locations, stations, bins, costs), read once per session, may be scanned.
"""

from datetime import timedelta

from sqlalchemy import Engine, event
from sqlmodel import Session

from materials.services.checkin import check_in
from tests.factories import T0, make_item, make_loan, make_reservation, make_small_city, make_target, make_title

NOV_10 = T0 + timedelta(days=7)
BIG_TABLES = ("item", "loan", "reservation", "event", "task", "crate", "crateitem", "target", "title")


def test_a_check_in_never_scans_a_big_table(sqlite_engine: Engine) -> None:
    with Session(sqlite_engine, expire_on_commit=False) as session:
        city = make_small_city(session)
        held = make_title(session, "Reserveret")
        make_reservation(session, held, city.valby)
        planned = make_title(session, "Med mål")
        make_target(session, planned, city.valby, target=2, held=0)
        copies = [
            make_item(session, held, city.sundby, "FOR-A-RESERVATION"),
            make_item(session, planned, city.sundby, "FOR-A-TARGET"),
            make_item(session, make_title(session), city.sundby, "FLOATS"),
        ]
        for copy in copies:
            make_loan(session, copy, city.sundby)
        captured: list[tuple[str, object]] = []

        def capture(_conn: object, _cursor: object, statement: str, parameters: object, *_: object) -> None:
            if statement.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE", "WITH")):
                captured.append((statement, parameters))

        event.listen(sqlite_engine, "before_cursor_execute", capture)
        try:
            for copy in copies:
                check_in(session, copy.barcode, "automat-710112", NOV_10)
            check_in(session, "FOR-A-TARGET", "sortering-1", NOV_10 + timedelta(hours=2))
            check_in(session, "NOT-A-COPY", "sortering-1", NOV_10)
        finally:
            event.remove(sqlite_engine, "before_cursor_execute", capture)

    assert captured
    scans = []
    with sqlite_engine.connect() as conn:
        for statement, parameters in captured:
            plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()  # type: ignore[arg-type]
            for row in plan:
                detail = str(row[-1])
                if detail.startswith("SCAN ") and detail.split()[1] in BIG_TABLES:
                    scans.append((detail, statement))
    assert scans == [], "\n".join(f"{d}: {s}" for d, s in scans)
