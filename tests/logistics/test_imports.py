"""`materials import`: a file with a bad row changes nothing; --skip-invalid imports the rest and reports."""

from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from sqlmodel import Session, func, select
from typer.testing import CliRunner

import logistics.imports
from logistics.imports import ImportRejected, import_file
from materials.domain.privacy import patron_pseudonym
from materials.errors import MaterialsError
from materials.models import Event, ImportedCount, Item, Loan, Patron, Reservation, Title
from tests.factories import make_branch, make_item, make_title

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
ACTOR = "cli:importer"
KEY = "test-installation-key"


@pytest.fixture
def library(session: Session) -> Session:
    valby = make_branch(session, "Valby", isil="DK-710118")
    title = make_title(session, "Kongens Fald", faust="12345678")
    make_item(session, title, valby, barcode="3000000001")
    make_item(session, title, valby, barcode="3000000002")
    return session


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def count(session: Session, model: type) -> int:
    return int(session.exec(select(func.count()).select_from(model)).one())


def test_a_loans_file_with_one_unknown_branch_imports_nothing_and_names_row_and_column(library, tmp_path):
    path = write(tmp_path, "loans.csv", "item_barcode,branch,loaned_at\n"
                 "3000000001,DK-710118,2026-11-02T10:00:00Z\n3000000002,DK-999999,2026-11-03T10:00:00Z\n")  # fmt: skip
    with pytest.raises(ImportRejected) as error:
        import_file(library, "loans", path, actor=ACTOR, now=NOW)
    assert "loans.csv: row 2, column 'branch': unknown branch: DK-999999" in str(error.value)
    assert count(library, Loan) == 0 and count(library, Event) == 0


def test_missing_columns_wrong_types_and_timestamps_out_of_range_are_each_reported(library, tmp_path):
    missing = write(tmp_path, "no_branch.csv", "item_barcode,loaned_at\n3000000001,2026-11-02T10:00:00Z\n")
    with pytest.raises(ImportRejected, match="column 'branch': missing column"):
        import_file(library, "loans", missing, actor=ACTOR, now=NOW)
    bad = write(tmp_path, "counts.csv", "title_faust,branch,period_start,count\n"
                "12345678,DK-710118,2026-11-02,many\n12345678,DK-710118,1890-01-01,3\n99999999,DK-710118,2026-11-09,1\n")  # fmt: skip
    with pytest.raises(ImportRejected) as error:
        import_file(library, "counts", bad, actor=ACTOR, now=NOW)
    text = str(error.value)
    assert "row 1, column 'count': not a valid int: many" in text
    assert "row 3, column 'title_faust': unknown title: 99999999" in text
    late = write(tmp_path, "late.csv", "item_barcode,branch,loaned_at\n3000000001,DK-710118,2031-01-01T00:00:00Z\n")
    with pytest.raises(ImportRejected, match="timestamp out of range"):
        import_file(library, "loans", late, actor=ACTOR, now=NOW)
    assert count(library, ImportedCount) == 0 and count(library, Loan) == 0


def test_skip_invalid_imports_the_good_rows_and_writes_the_rejected_ones_to_a_report(library, tmp_path):
    path = write(tmp_path, "loans.csv", "item_barcode,branch,loaned_at\n"
                 "3000000001,DK-710118,2026-11-02T10:00:00Z\nNO-SUCH-COPY,DK-710118,2026-11-03T10:00:00Z\n")  # fmt: skip
    result = import_file(library, "loans", path, actor=ACTOR, skip_invalid=True, now=NOW)
    assert (result.imported, result.rejected) == (1, 1)
    report = pl.read_csv(result.report_path)
    assert report["row"].to_list() == [2] and "unknown item" in report["reason"][0]
    assert count(library, Loan) == 1


def test_a_return_closes_the_open_loan_of_the_copy(library, tmp_path):
    loans = write(tmp_path, "loans.csv", "item_barcode,branch,loaned_at\n3000000001,DK-710118,2026-11-02T10:00:00Z\n")
    import_file(library, "loans", loans, actor=ACTOR, now=NOW)
    returns = write(
        tmp_path, "returns.csv", "item_barcode,branch,returned_at\n3000000001,DK-710118,2026-11-09T10:00:00Z\n"
    )
    import_file(library, "returns", returns, actor=ACTOR, now=NOW)
    loan = library.exec(select(Loan)).one()
    library.refresh(loan)
    assert loan.returned_at is not None and loan.returned_branch_id is not None
    with pytest.raises(ImportRejected, match="no open loan"):
        import_file(library, "returns", returns, actor=ACTOR, now=NOW)


def test_aggregated_counts_and_titles_import_from_parquet(library, tmp_path):
    path = tmp_path / "counts.parquet"
    pl.DataFrame({"title_faust": ["12345678"], "branch": ["DK-710118"], "period_start": ["2026-11-02"],
                  "count": [4]}).write_parquet(path)  # fmt: skip
    assert import_file(library, "counts", path, actor=ACTOR, now=NOW).imported == 1
    titles = tmp_path / "titles.csv"
    titles.write_text("faust,title,audience\n87654321,Min kamp,adult\n12345678,Kongens Fald,adult\n")
    with pytest.raises(ImportRejected, match="already exists: 12345678"):
        import_file(library, "titles", titles, actor=ACTOR, now=NOW)
    assert count(library, Title) == 1


def events(session: Session, kind: str) -> list[Event]:
    return list(session.exec(select(Event).where(Event.kind == kind).order_by(Event.id)))  # type: ignore[arg-type]


def test_an_import_logs_each_batch_and_each_copy_it_puts_on_loan_naming_who_imported(library, tmp_path, monkeypatch):
    monkeypatch.setattr(logistics.imports, "BATCH_ROWS", 2)
    path = write(tmp_path, "loans.csv", "item_barcode,branch,loaned_at,returned_at\n"
                 "3000000001,DK-710118,2026-10-01T10:00:00Z,2026-10-20T10:00:00Z\n"
                 "3000000002,DK-710118,2026-10-02T10:00:00Z,2026-10-21T10:00:00Z\n"
                 "3000000001,DK-710118,2026-11-02T10:00:00Z,\n")  # fmt: skip
    import_file(library, "loans", path, actor=ACTOR, now=NOW)
    batches = events(library, "import_batch")
    assert [(e.actor, e.payload["batch"], e.payload["rows"], e.payload["count"]) for e in batches] == [
        (ACTOR, 1, [1, 2], 2),
        (ACTOR, 2, [3, 3], 1),
    ]
    assert batches[0].payload["file"] == "loans.csv" and len(batches[0].payload["sha256"]) == 64
    # Only the open loan changes a copy's state now; the two closed ones are history, told by their batch.
    lent = events(library, "loan_imported")
    open_loan = library.exec(select(Loan).where(Loan.returned_at == None)).one()  # noqa: E711
    assert [(e.barcode, e.actor, e.payload["loan_id"], e.payload["row"]) for e in lent] == [
        ("3000000001", ACTOR, open_loan.id, 3)
    ]
    assert lent[0].item_id == open_loan.item_id and lent[0].at == NOW


def test_imported_copies_and_returns_each_get_an_event(library, tmp_path):
    items = write(tmp_path, "items.csv", "barcode,title_faust,branch\n3000000003,12345678,DK-710118\n")
    import_file(library, "items", items, actor=ACTOR, now=NOW)
    added = events(library, "item_imported")
    copy = library.exec(select(Item).where(Item.barcode == "3000000003")).one()
    assert [(e.item_id, e.barcode, e.actor) for e in added] == [(copy.id, "3000000003", ACTOR)]
    loans = write(tmp_path, "loans.csv", "item_barcode,branch,loaned_at\n3000000003,DK-710118,2026-11-02T10:00:00Z\n")
    import_file(library, "loans", loans, actor=ACTOR, now=NOW)
    returns = write(
        tmp_path, "returns.csv", "item_barcode,branch,returned_at\n3000000003,DK-710118,2026-11-09T10:00:00Z\n"
    )
    import_file(library, "returns", returns, actor="cli:someone-else", now=NOW)
    [back] = events(library, "return_imported")
    assert (back.item_id, back.actor, back.payload["returned_at"]) == (
        copy.id,
        "cli:someone-else",
        "2026-11-09T10:00:00+00:00",
    )
    assert len(events(library, "import_batch")) == 3


def test_reservation_patron_ids_are_stored_only_as_the_apis_keyed_hash(library, tmp_path):
    path = write(tmp_path, "reservations.csv", "title_faust,branch,placed_at,patron\n"
                 "12345678,DK-710118,2026-11-02T10:00:00Z,0101901234\n"
                 "12345678,DK-710118,2026-11-03T10:00:00Z, 0101901234 \n")  # fmt: skip
    import_file(library, "reservations", path, actor=ACTOR, patron_key=KEY, now=NOW)
    [patron] = library.exec(select(Patron)).all()
    assert patron.pseudonym == patron_pseudonym("0101901234", KEY)
    reservations = library.exec(select(Reservation)).all()
    assert {r.patron_id for r in reservations} == {patron.id}
    assert "0101901234" not in str([e.payload for e in library.exec(select(Event))])


def test_a_reservations_file_with_a_bad_row_adds_no_patron_reservation_or_event(library, tmp_path):
    path = write(tmp_path, "reservations.csv", "title_faust,branch,placed_at,patron\n"
                 "12345678,DK-710118,2026-11-02T10:00:00Z,0101901234\n12345678,DK-710118,yesterday,0202905678\n")  # fmt: skip
    with pytest.raises(ImportRejected, match="row 2, column 'placed_at': not a valid timestamp"):
        import_file(library, "reservations", path, actor=ACTOR, patron_key=KEY, now=NOW)
    assert (count(library, Patron), count(library, Reservation), count(library, Event)) == (0, 0, 0)
    with pytest.raises(MaterialsError, match="patron key"):
        import_file(library, "reservations", path, actor=ACTOR, now=NOW)


def test_the_import_command_exits_with_the_reason(sqlite_engine, tmp_path):
    from materials.cli import app

    path = write(tmp_path, "items.csv", "barcode,title_faust,branch\n3999,00000000,DK-000000\n")
    url = sqlite_engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(app, ["--db", url, "import", "items", str(path)])
    assert result.exit_code == 1
    assert "unknown title: 00000000" in result.output
    good = write(tmp_path, "titles.csv", "faust,title\n55555555,Kongens Fald\n")
    result = CliRunner().invoke(app, ["--db", url, "import", "titles", str(good)])
    assert result.exit_code == 0, result.output
    with Session(sqlite_engine) as session:
        [batch] = events(session, "import_batch")
    assert batch.actor.startswith("cli:") and batch.payload["count"] == 1
