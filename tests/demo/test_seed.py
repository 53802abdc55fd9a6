"""Seeding refuses to overwrite, replaces only when forced, and leaves the database as it was when it fails."""

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from materials.demo import bulk
from materials.demo.build import Library
from materials.demo.seed import seed_demo
from materials.errors import DatabaseNotEmpty
from materials.models import Branch, Event, Item, Loan, Title
from materials.services.info import library_counts


def _counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        return library_counts(session)


def _seed(engine: Engine, **kwargs: object) -> None:
    options: dict[str, object] = {
        "scale": "small",
        "seed": 7,
        "force": False,
        "progress": False,
        "parquet_dir": None,
        "patron_key": "test",
    }
    options.update(kwargs)
    seed_demo(engine, **options)  # type: ignore[arg-type]


def test_refuses_a_database_that_already_holds_a_library(engine: Engine, prebuilt: Library) -> None:
    with Session(engine) as session:
        session.add(Branch(isil="DK-710100", name="ALREADY-HERE"))
        session.commit()
    with pytest.raises(DatabaseNotEmpty, match="--force"):
        _seed(engine)
    with Session(engine) as session:
        assert [b.name for b in session.exec(select(Branch)).all()] == ["ALREADY-HERE"]


def test_a_failed_seed_leaves_an_empty_database_empty(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, prebuilt: Library
) -> None:
    before = _counts(engine)
    real_write = bulk.BulkWriter.write

    def failing_write(self: bulk.BulkWriter, name: str, frame: object) -> int:
        if name == "reservation":
            raise RuntimeError("disk full while loading reservations")
        return real_write(self, name, frame)  # type: ignore[arg-type]

    monkeypatch.setattr(bulk.BulkWriter, "write", failing_write)
    with pytest.raises(RuntimeError, match="disk full"):
        _seed(engine)
    assert _counts(engine) == before


def test_a_failed_forced_seed_keeps_the_old_library(
    small_engine: Engine, monkeypatch: pytest.MonkeyPatch, prebuilt: Library
) -> None:
    with Session(small_engine) as session:
        session.add(Title(title="MARKER-FROM-BEFORE-THE-FAILED-SEED", faust="99999998"))
        session.commit()
    before = _counts(small_engine)
    monkeypatch.setattr(bulk.BulkWriter, "reset_sequences", lambda self: (_ for _ in ()).throw(OSError("boom")))
    with pytest.raises(OSError, match="boom"):
        _seed(small_engine, force=True)
    assert _counts(small_engine) == before
    with Session(small_engine) as session:
        marker = session.exec(select(Title).where(Title.title == "MARKER-FROM-BEFORE-THE-FAILED-SEED")).one()
        assert marker.faust == "99999998"
        # The event log's append-only triggers were restored by the rollback.
        with pytest.raises(Exception, match="append-only"):
            session.delete(session.exec(select(Event)).first())
            session.commit()


def test_force_replaces_the_library_and_keeps_the_event_log_append_only(small_engine: Engine) -> None:
    with Session(small_engine) as session:
        old_barcode = session.get(Item, 1).barcode  # type: ignore[union-attr]
    _seed(small_engine, force=True, seed=99)  # a real build: another seed, other barcodes
    counts = _counts(small_engine)
    assert counts["branches"] == 22 and counts["events"] == 1
    with Session(small_engine) as session:
        assert session.get(Item, 1).barcode != old_barcode  # type: ignore[union-attr]
        with pytest.raises(Exception, match="append-only"):
            session.delete(session.exec(select(Event)).first())
            session.commit()


@pytest.mark.slow
def test_bulk_rows_read_back_through_sqlmodel_and_ids_continue(engine: Engine, prebuilt: Library) -> None:
    _seed(engine)
    items = _counts(engine)["items"]
    with Session(engine) as session:
        loan = session.get(Loan, 1)
        assert (
            loan is not None and loan.loaned_at.tzinfo is not None and loan.loaned_at.utcoffset().total_seconds() == 0
        )
        assert loan.due_at is not None and (loan.due_at - loan.loaned_at).days == 30
        item = session.get(Item, 1)
        assert item is not None and item.floating is True and item.added_on is not None
        highest = session.exec(select(Title.id).order_by(Title.id.desc())).first()  # type: ignore[union-attr]
        title = Title(title="NEW-AFTER-SEED", faust="99999999")
        session.add(title)
        session.commit()
        assert title.id == highest + 1
        event = session.exec(select(Event).where(Event.kind == "seed")).one()
        assert event.payload["scale"] == "small" and event.payload["counts"]["item"] == items
