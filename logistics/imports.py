"""`materials import KIND FILE`: validate a whole export with polars, then write it in one transaction.

An import with any refused row changes nothing and raises `ImportRejected` naming file, row, column and reason.
With `skip_invalid`, the refused rows go to a report file (CSV, with a `reason` column) and the rest is imported.
Columns per kind: docs/import.md (and `import_checks.SPECS`).
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import bindparam, insert, select, update
from sqlmodel import Session, col

from logistics.import_checks import RowError, read_text, rejected_rows, validate
from materials.errors import MaterialsError
from materials.models import Branch, ImportedCount, Item, Loan, Patron, Reservation, Title

SHOWN_ERRORS = 20


class ImportRejected(MaterialsError):
    def __init__(self, errors: list[RowError]) -> None:
        shown = "\n".join(str(e) for e in errors[:SHOWN_ERRORS])
        more = f"\n… and {len(errors) - SHOWN_ERRORS} more" if len(errors) > SHOWN_ERRORS else ""
        super().__init__(f"{len(errors)} problem(s), nothing imported:\n{shown}{more}")
        self.errors = errors


@dataclass(frozen=True)
class ImportResult:
    imported: int
    rejected: int
    report_path: Path | None


def _lookup(session: Session, key: Any, value: Any) -> dict[str, int]:
    return {str(k): int(v) for k, v in session.execute(select(key, value)).all() if k is not None}


def _known(session: Session) -> dict[str, dict[str, int]]:
    return {
        "branch": _lookup(session, Branch.isil, Branch.id),
        "title": _lookup(session, Title.faust, Title.id),
        "item": _lookup(session, Item.barcode, Item.id),
    }


def _duplicates(good: pl.DataFrame, column: str, existing: set[str], file: str) -> list[RowError]:
    """Keys that the database already has, or that the file repeats."""
    repeated = good.filter(pl.col(column).is_in(list(existing)) | pl.col(column).is_duplicated())
    return [
        RowError(file, int(r["_row"]), column, f"already exists: {r[column]}") for r in repeated.iter_rows(named=True)
    ]


def _open_loans(
    session: Session, good: pl.DataFrame, ids: dict[str, int], file: str
) -> tuple[pl.DataFrame, list[RowError]]:
    open_loans: dict[int, int] = {
        int(i): int(n)
        for i, n in session.execute(select(col(Loan.item_id), col(Loan.id)).where(col(Loan.returned_at).is_(None)))
    }
    good = good.with_columns(
        pl.col("item_barcode").replace_strict(ids, default=None).alias("item_id"),
    ).with_columns(pl.col("item_id").replace_strict(open_loans, default=None, return_dtype=pl.Int64).alias("loan_id"))
    errors = [
        RowError(file, int(r["_row"]), "item_barcode", f"no open loan of item {r['item_barcode']}")
        for r in good.filter(pl.col("loan_id").is_null()).iter_rows(named=True)
    ]
    return good, errors


def _second_open_loans(session: Session, good: pl.DataFrame, ids: dict[str, int], file: str) -> list[RowError]:
    """A copy can be on one open loan only: in the database or earlier in the file."""
    on_loan = {
        int(i) for i in session.execute(select(col(Loan.item_id)).where(col(Loan.returned_at).is_(None))).scalars()
    }
    open_rows = good.filter(pl.col("returned_at").is_null()).with_columns(
        pl.col("item_barcode").replace_strict(ids, default=None, return_dtype=pl.Int64).alias("item_id")
    )
    clash = open_rows.filter(pl.col("item_id").is_in(list(on_loan)) | pl.col("item_id").is_duplicated())
    return [
        RowError(file, int(r["_row"]), "item_barcode", f"item {r['item_barcode']} is already on loan")
        for r in clash.iter_rows(named=True)
    ]


def _rows(good: pl.DataFrame, kind: str, known: dict[str, dict[str, int]], now: datetime, source: str) -> pl.DataFrame:
    branch, title, item = known["branch"], known["title"], known["item"]
    ids = {"branch": branch, "returned_branch": branch, "home_branch": branch, "title_faust": title}
    good = good.with_columns(
        pl.col(c).replace_strict(m, default=None, return_dtype=pl.Int64).alias(c)
        for c, m in ids.items()
        if c in good.columns
    )
    if kind == "loans":
        return good.select(
            pl.col("item_barcode").replace_strict(item, return_dtype=pl.Int64).alias("item_id"),
            pl.col("branch").alias("branch_id"),
            "loaned_at",
            "due_at",
            "returned_at",
            pl.col("returned_branch").alias("returned_branch_id"),
        )
    if kind == "items":
        return good.select(
            "barcode",
            pl.col("title_faust").alias("title_id"),
            pl.col("branch").alias("branch_id"),
            pl.coalesce("home_branch", "branch").alias("home_branch_id"),
            pl.col("status").fill_null("on_shelf"),
            pl.col("shelfmark").fill_null(""),
            "added_on",
        )
    if kind == "titles":
        return good.select(
            "faust",
            "title",
            pl.col("author").fill_null(""),
            "isbn13",
            pl.col("subjects").fill_null(""),
            pl.col("audience").fill_null("adult"),
            pl.col("material_type").fill_null("book"),
            "year",
            "added_on",
            pl.col("popularity").fill_null(0.0),
        )
    if kind == "counts":
        return good.select(
            pl.col("title_faust").alias("title_id"),
            pl.col("branch").alias("branch_id"),
            "period_start",
            pl.col("period_days").fill_null(7),
            "count",
            pl.lit(source).alias("source"),
            pl.lit(now).alias("imported_at"),
        )
    return good  # reservations: finished in _write, which needs patrons


def _write(session: Session, kind: str, rows: pl.DataFrame, known: dict[str, dict[str, int]]) -> None:
    if kind == "returns":
        statement = (
            update(Loan)
            .where(Loan.id == bindparam("loan_id_"))  # type: ignore[arg-type]
            .values(returned_at=bindparam("returned_at_"), returned_branch_id=bindparam("branch_"))
        )
        params = [
            {"loan_id_": r["loan_id"], "returned_at_": r["returned_at"], "branch_": r["branch"]}
            for r in rows.iter_rows(named=True)
        ]
        if params:
            session.connection().execute(statement, params)
        return
    if kind == "loans":
        titles: dict[int, int] = {int(i): int(t) for i, t in session.execute(select(col(Item.id), col(Item.title_id)))}
        rows = rows.with_columns(pl.col("item_id").replace_strict(titles, return_dtype=pl.Int64).alias("title_id"))
    if kind == "reservations":
        patrons = _lookup(session, Patron.pseudonym, Patron.id)
        new = sorted(set(rows["patron"].to_list()) - set(patrons))
        if new:
            session.execute(insert(Patron), [{"pseudonym": p} for p in new])
            patrons = _lookup(session, Patron.pseudonym, Patron.id)
        rows = rows.select(
            pl.col("title_faust").alias("title_id"),
            pl.col("branch").alias("pickup_branch_id"),
            "placed_at",
            pl.col("patron").replace_strict(patrons, return_dtype=pl.Int64).alias("patron_id"),
            pl.col("state").fill_null("waiting"),
            "external_id",
        )
    model = {"loans": Loan, "reservations": Reservation, "items": Item, "titles": Title, "counts": ImportedCount}[kind]
    records = rows.to_dicts()
    for start in range(0, len(records), 20_000):
        session.execute(insert(model), records[start : start + 20_000])


def import_file(
    session: Session, kind: str, path: Path, *, skip_invalid: bool = False, report_path: Path | None = None,
    now: datetime | None = None,
) -> ImportResult:  # fmt: skip
    """Validate all of `path`, then import it in one transaction (or nothing, if a row is refused)."""
    now = now or datetime.now(UTC)
    frame = read_text(Path(path))
    known = _known(session)
    keys = {k: set(v) for k, v in known.items()}
    good, errors = validate(frame, kind, path.name, keys, now)
    if errors and errors[0].row == 0:
        raise ImportRejected(errors)
    if kind == "items":
        errors += _duplicates(good, "barcode", keys["item"], path.name)
    if kind == "titles":
        errors += _duplicates(good, "faust", keys["title"], path.name)
    if kind == "returns":
        good, more = _open_loans(session, good, known["item"], path.name)
        errors += more
    if kind == "loans":
        errors += _second_open_loans(session, good, known["item"], path.name)
    if errors and not skip_invalid:
        raise ImportRejected(sorted(errors, key=lambda e: e.row))
    bad = {e.row for e in errors}
    good = good.filter(~pl.col("_row").is_in(list(bad)))
    report = None
    if errors:
        report = report_path or path.with_suffix(".rejected.csv")
        rejected_rows(frame, errors).write_csv(report)
    try:
        _write(session, kind, _rows(good, kind, known, now, path.name), known)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return ImportResult(imported=good.height, rejected=len(bad), report_path=report)
