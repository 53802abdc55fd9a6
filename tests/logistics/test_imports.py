"""`materials import`: a file with a bad row changes nothing; --skip-invalid imports the rest and reports."""

from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from sqlmodel import Session, func, select
from typer.testing import CliRunner

from logistics.imports import ImportRejected, import_file
from materials.models import ImportedCount, Loan, Title
from tests.factories import make_branch, make_item, make_title

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


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
        import_file(library, "loans", path, now=NOW)
    assert "loans.csv: row 2, column 'branch': unknown branch: DK-999999" in str(error.value)
    assert count(library, Loan) == 0


def test_missing_columns_wrong_types_and_timestamps_out_of_range_are_each_reported(library, tmp_path):
    missing = write(tmp_path, "no_branch.csv", "item_barcode,loaned_at\n3000000001,2026-11-02T10:00:00Z\n")
    with pytest.raises(ImportRejected, match="column 'branch': missing column"):
        import_file(library, "loans", missing, now=NOW)
    bad = write(tmp_path, "counts.csv", "title_faust,branch,period_start,count\n"
                "12345678,DK-710118,2026-11-02,many\n12345678,DK-710118,1890-01-01,3\n99999999,DK-710118,2026-11-09,1\n")  # fmt: skip
    with pytest.raises(ImportRejected) as error:
        import_file(library, "counts", bad, now=NOW)
    text = str(error.value)
    assert "row 1, column 'count': not a valid int: many" in text
    assert "row 3, column 'title_faust': unknown title: 99999999" in text
    late = write(tmp_path, "late.csv", "item_barcode,branch,loaned_at\n3000000001,DK-710118,2031-01-01T00:00:00Z\n")
    with pytest.raises(ImportRejected, match="timestamp out of range"):
        import_file(library, "loans", late, now=NOW)
    assert count(library, ImportedCount) == 0 and count(library, Loan) == 0


def test_skip_invalid_imports_the_good_rows_and_writes_the_rejected_ones_to_a_report(library, tmp_path):
    path = write(tmp_path, "loans.csv", "item_barcode,branch,loaned_at\n"
                 "3000000001,DK-710118,2026-11-02T10:00:00Z\nNO-SUCH-COPY,DK-710118,2026-11-03T10:00:00Z\n")  # fmt: skip
    result = import_file(library, "loans", path, skip_invalid=True, now=NOW)
    assert (result.imported, result.rejected) == (1, 1)
    report = pl.read_csv(result.report_path)
    assert report["row"].to_list() == [2] and "unknown item" in report["reason"][0]
    assert count(library, Loan) == 1


def test_a_return_closes_the_open_loan_of_the_copy(library, tmp_path):
    loans = write(tmp_path, "loans.csv", "item_barcode,branch,loaned_at\n3000000001,DK-710118,2026-11-02T10:00:00Z\n")
    import_file(library, "loans", loans, now=NOW)
    returns = write(
        tmp_path, "returns.csv", "item_barcode,branch,returned_at\n3000000001,DK-710118,2026-11-09T10:00:00Z\n"
    )
    import_file(library, "returns", returns, now=NOW)
    loan = library.exec(select(Loan)).one()
    library.refresh(loan)
    assert loan.returned_at is not None and loan.returned_branch_id is not None
    with pytest.raises(ImportRejected, match="no open loan"):
        import_file(library, "returns", returns, now=NOW)


def test_aggregated_counts_and_titles_import_from_parquet(library, tmp_path):
    path = tmp_path / "counts.parquet"
    pl.DataFrame({"title_faust": ["12345678"], "branch": ["DK-710118"], "period_start": ["2026-11-02"],
                  "count": [4]}).write_parquet(path)  # fmt: skip
    assert import_file(library, "counts", path, now=NOW).imported == 1
    titles = tmp_path / "titles.csv"
    titles.write_text("faust,title,audience\n87654321,Min kamp,adult\n12345678,Kongens Fald,adult\n")
    with pytest.raises(ImportRejected, match="already exists: 12345678"):
        import_file(library, "titles", titles, now=NOW)
    assert count(library, Title) == 1


def test_the_import_command_exits_with_the_reason(sqlite_engine, tmp_path):
    from materials.cli import app

    path = write(tmp_path, "items.csv", "barcode,title_faust,branch\n3999,00000000,DK-000000\n")
    url = sqlite_engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(app, ["--db", url, "import", "items", str(path)])
    assert result.exit_code == 1
    assert "unknown title: 00000000" in result.output
