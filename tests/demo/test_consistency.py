"""The seeded state is one the circulation services can work on: every status agrees with loans and reservations."""

from sqlalchemy import Engine, text
from sqlmodel import Session, select

from materials.domain.identifiers import normalise_faust, normalise_isbn13, normalise_isil
from materials.models import Branch, Item, Loan, Location, Reservation, SortBin, Station, Title


def _scalar(engine: Engine, sql: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar_one())


def test_foreign_keys_hold_although_the_load_skipped_checking_them(small_read: Engine) -> None:
    with small_read.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []


def test_every_item_on_loan_has_exactly_one_open_loan_and_no_other_item_has_one(small_read: Engine) -> None:
    assert (
        _scalar(
            small_read,
            """SELECT COUNT(*) FROM item i WHERE i.status = 'on_loan' AND
        (SELECT COUNT(*) FROM loan l WHERE l.item_id = i.id AND l.returned_at IS NULL) != 1""",
        )
        == 0
    )
    assert (
        _scalar(
            small_read,
            """SELECT COUNT(*) FROM loan l JOIN item i ON i.id = l.item_id
        WHERE l.returned_at IS NULL AND i.status != 'on_loan'""",
        )
        == 0
    )
    assert _scalar(small_read, "SELECT COUNT(*) FROM item WHERE status = 'on_loan'") > 0


def test_loans_never_overlap_on_one_copy(small_read: Engine) -> None:
    assert (
        _scalar(
            small_read,
            """SELECT COUNT(*) FROM (SELECT item_id, returned_at,
        LEAD(loaned_at) OVER (PARTITION BY item_id ORDER BY loaned_at) AS next_out FROM loan)
        WHERE next_out IS NOT NULL AND (returned_at IS NULL OR next_out < returned_at)""",
        )
        == 0
    )


def test_items_remember_their_last_loan(small_read: Engine) -> None:
    assert (
        _scalar(
            small_read,
            """SELECT COUNT(*) FROM item i WHERE i.loan_count !=
        (SELECT COUNT(*) FROM loan l WHERE l.item_id = i.id) OR COALESCE(i.last_loan_at, '') !=
        COALESCE((SELECT MAX(loaned_at) FROM loan l WHERE l.item_id = i.id), '')""",
        )
        == 0
    )


def test_live_reservations_hold_distinct_copies_in_matching_states(small_read: Engine) -> None:
    with Session(small_read) as session:
        live = session.exec(
            select(Reservation).where(Reservation.state.in_(["allocated", "in_transit", "ready"]))
        ).all()
        waiting = session.exec(select(Reservation).where(Reservation.state == "waiting")).all()
        assert live and waiting
        assert len({r.item_id for r in live}) == len(live)
        assert all(r.item_id is None for r in waiting)
        for r in live:
            item = session.get(Item, r.item_id)
            assert item is not None and item.title_id == r.title_id
            if r.state == "ready":
                location = session.get(Location, item.location_id)
                assert item.status == "on_hold_shelf" and item.branch_id == r.pickup_branch_id
                assert location is not None and location.kind == "hold_shelf"
                assert r.pickup_deadline is not None and r.shelf_code
            elif r.state == "in_transit":
                assert item.status == "in_transit" and item.destination_branch_id == r.pickup_branch_id
            else:
                assert item.status == "on_shelf"


def test_identifiers_are_valid(small_read: Engine) -> None:
    with Session(small_read) as session:
        for branch in session.exec(select(Branch)).all():
            assert normalise_isil(branch.isil) == branch.isil
        titles = session.exec(select(Title)).all()
        for title in titles:
            assert title.faust is not None and normalise_faust(title.faust) == title.faust
            if title.isbn13 is not None:
                assert normalise_isbn13(title.isbn13) == title.isbn13
        assert sum(t.isbn13 is not None for t in titles) > len(titles) * 0.7
        barcodes = session.exec(select(Item.barcode)).all()
        assert len(set(barcodes)) == len(barcodes) and all(len(b) == 10 and b.isdigit() for b in barcodes)


def test_shelves_have_room_except_a_few_nearly_full_sections(small_read: Engine) -> None:
    rows = []
    with small_read.connect() as conn:
        rows = conn.execute(
            text("""SELECT l.capacity, COUNT(i.id) FROM location l
            LEFT JOIN item i ON i.location_id = l.id WHERE l.kind = 'shelf' GROUP BY l.id""")
        ).all()
    assert all(capacity >= held for capacity, held in rows)
    nearly_full = [1 for capacity, held in rows if held and capacity < held * 1.06]
    assert 1 <= len(nearly_full) < len(rows) / 2


def test_the_sorting_room_has_stations_and_a_bin_per_destination(small_read: Engine) -> None:
    with Session(small_read) as session:
        stations = {s.name: s.kind for s in session.exec(select(Station)).all()}
        assert {f"sortering-{n}" for n in range(1, 5)} <= set(stations)
        assert stations["pluk-710100"] == "pick" and stations["automat-710115"] == "automat"
        bins = session.exec(select(SortBin)).all()
        assert sorted(b.purpose for b in bins).count("branch") == 20
        assert {b.purpose for b in bins} == {"branch", "storage", "exception"}
        assert session.get(Loan, 1) is not None


def test_transport_costs_cover_every_pair_with_zero_on_the_diagonal(small_read: Engine) -> None:
    assert _scalar(small_read, "SELECT COUNT(*) FROM transportcost") == 22 * 22
    assert (
        _scalar(small_read, "SELECT COUNT(*) FROM transportcost WHERE from_branch_id = to_branch_id AND cost != 0") == 0
    )
    assert _scalar(small_read, "SELECT MIN(cost) FROM transportcost WHERE from_branch_id != to_branch_id") > 0
