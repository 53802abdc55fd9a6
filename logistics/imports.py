"""`materials import KIND FILE`: validate a whole export with polars, then write it in one transaction.

An import with any refused row changes nothing and raises `ImportRejected` naming file, row, column and reason.
With `skip_invalid`, the refused rows go to a report file (CSV, with a `reason` column) and the rest is imported.
Columns per kind: docs/import.md (and `import_checks.SPECS`).

Every write is in the event log, named with its actor (docs/import.md, "What the event log records"): one
`import_batch` event per batch of rows written, and one event per row whose copy changes state (a copy added, a
copy going out on an open loan, a copy's loan closed by a return). Patron ids are stored as the same keyed hash
the API uses (`patron_pseudonym`), never as given.
"""

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import bindparam, insert, select, update
from sqlmodel import Session, col

from logistics.import_checks import RowError, read_text, rejected_rows, validate
from materials.domain.privacy import patron_pseudonym
from materials.errors import MaterialsError
from materials.models import Branch, Event, ImportedCount, Item, Loan, Patron, Reservation, Title

SHOWN_ERRORS = 20
BATCH_ROWS = 20_000


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


@dataclass(frozen=True)
class Audit:
    """What the event log says about one import: who, when, which file (by name and content digest)."""

    actor: str
    kind: str
    file: str
    sha256: str
    at: datetime
    rejected: int


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
    """The rows as the table's columns; columns starting with `_` (file row, barcode) are for the event log only."""
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
            "_row",
            pl.col("item_barcode").alias("_barcode"),
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
            "_row",
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
            "_row",
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
            "_row",
        )
    return good  # returns and reservations: finished in _prepare, which needs the database


def _prepare(session: Session, kind: str, rows: pl.DataFrame, patron_key: str) -> pl.DataFrame:
    if kind == "loans":
        titles: dict[int, int] = {int(i): int(t) for i, t in session.execute(select(col(Item.id), col(Item.title_id)))}
        return rows.with_columns(pl.col("item_id").replace_strict(titles, return_dtype=pl.Int64).alias("title_id"))
    if kind != "reservations":
        return rows
    # The file carries the library system's patron ids; only their keyed hash is kept, as the API does.
    raw = rows["patron"].unique().to_list()
    hashed = {r: patron_pseudonym(r, patron_key) for r in raw}
    patrons = _lookup(session, Patron.pseudonym, Patron.id)
    new = sorted(set(hashed.values()) - set(patrons))
    if new:
        session.execute(insert(Patron), [{"pseudonym": p} for p in new])
        patrons = _lookup(session, Patron.pseudonym, Patron.id)
    patron_ids = {r: patrons[h] for r, h in hashed.items()}
    return rows.select(
        pl.col("title_faust").alias("title_id"),
        pl.col("branch").alias("pickup_branch_id"),
        "placed_at",
        pl.col("patron").replace_strict(patron_ids, return_dtype=pl.Int64).alias("patron_id"),
        pl.col("state").fill_null("waiting"),
        "external_id",
        "_row",
    )


MODELS: dict[str, Any] = {
    "loans": Loan, "reservations": Reservation, "items": Item, "titles": Title, "counts": ImportedCount,
}  # fmt: skip


# What a batch's INSERT returns besides the id, to find the rows that need an event of their own. Not in the order
# of the rows: ordered RETURNING makes SQLAlchemy insert one row per statement on SQLite (50x slower).
RETURNED = {"items": ("barcode",), "loans": ("item_id", "returned_at")}


def _write_batch(session: Session, kind: str, batch: pl.DataFrame) -> pl.DataFrame:
    """Write one batch; the ids written (for returns: of the loans closed) in `_id`, with the `RETURNED` columns."""
    if kind == "returns":
        statement = (
            update(Loan)
            .where(Loan.id == bindparam("loan_id_"))  # type: ignore[arg-type]
            .values(returned_at=bindparam("returned_at_"), returned_branch_id=bindparam("branch_"))
        )
        params = [
            {"loan_id_": r["loan_id"], "returned_at_": r["returned_at"], "branch_": r["branch"]}
            for r in batch.iter_rows(named=True)
        ]
        session.connection().execute(statement, params)
        return batch.select(pl.col("loan_id").alias("_id"))
    model = MODELS[kind]
    extra = RETURNED.get(kind, ())
    records = batch.select(pl.exclude("^_.*$")).to_dicts()
    rows = session.execute(insert(model).returning(model.id, *[getattr(model, c) for c in extra]), records).all()
    return pl.DataFrame([tuple(r) for r in rows], schema=["_id", *extra], orient="row").with_columns(
        pl.col("_id").cast(pl.Int64)
    )


def _row_events(audit: Audit, batch: pl.DataFrame, written: pl.DataFrame) -> list[dict[str, Any]]:
    """One event per row whose copy changes state: a copy added, lent (an open loan), or its loan closed."""
    kind = audit.kind
    if kind == "items":
        frame = batch.join(written, on="barcode")
    elif kind == "loans":  # a copy has one open loan at most (checked), so its id finds the open loan's row
        opened = written.filter(pl.col("returned_at").is_null()).select("_id", "item_id")
        frame = batch.filter(pl.col("returned_at").is_null()).join(opened, on="item_id")
    elif kind == "returns":
        frame = batch.with_columns(pl.col("loan_id").alias("_id"))
    else:
        return []
    events = []
    for r in frame.sort("_row").iter_rows(named=True):
        if kind == "items":
            name, item_id, barcode, extra = "item_imported", r["_id"], r["barcode"], {"status": r["status"]}
        elif kind == "loans":
            name, item_id, barcode = "loan_imported", r["item_id"], r["_barcode"]
            extra = {"loan_id": r["_id"], "loaned_at": r["loaned_at"].isoformat()}
        else:
            name, item_id, barcode = "return_imported", r["item_id"], r["item_barcode"]
            extra = {"loan_id": r["_id"], "returned_at": r["returned_at"].isoformat()}
        events.append(_event(audit, name, item_id=item_id, barcode=barcode, row=r["_row"], **extra))
    return events


def _event(audit: Audit, kind: str, *, item_id: int | None, barcode: str | None, **payload: Any) -> dict[str, Any]:
    payload = {"file": audit.file, **payload}
    return {"at": audit.at, "station": "", "actor": audit.actor[:60], "kind": kind, "item_id": item_id,
            "barcode": barcode[:80] if barcode else None, "payload": payload}  # fmt: skip


def _write(session: Session, rows: pl.DataFrame, audit: Audit) -> None:
    """All rows in batches; each batch with its summary event and the events of the copies it changes."""
    batches = max(1, -(-rows.height // BATCH_ROWS))
    for number in range(batches):
        batch = rows.slice(number * BATCH_ROWS, BATCH_ROWS)
        written = _write_batch(session, audit.kind, batch) if batch.height else pl.DataFrame({"_id": []})
        ids = written["_id"].to_list()
        summary = _event(
            audit, "import_batch", item_id=None, barcode=None, sha256=audit.sha256, import_kind=audit.kind,
            batch=number + 1, batches=batches, count=batch.height,
            rows=[int(batch["_row"].min()), int(batch["_row"].max())] if batch.height else [],  # type: ignore[arg-type]
            ids=[min(ids), max(ids)] if ids else [], rejected=audit.rejected,
        )  # fmt: skip
        session.execute(insert(Event), [summary, *_row_events(audit, batch, written)])


def import_file(
    session: Session, kind: str, path: Path, *, actor: str, patron_key: str = "", skip_invalid: bool = False,
    report_path: Path | None = None, now: datetime | None = None,
) -> ImportResult:  # fmt: skip
    """Validate all of `path`, then import it in one transaction (or nothing, if a row is refused).

    `actor` is who imports (the event log names it); `patron_key` hashes the patron ids of a reservations file.
    """
    if kind == "reservations" and not patron_key:
        raise MaterialsError("importing reservations needs the patron key (MATERIALS_PATRON_KEY) to hash patron ids")
    now = now or datetime.now(UTC)
    path = Path(path)
    frame = read_text(path)
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
    with path.open("rb") as handle:
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
    audit = Audit(actor=actor, kind=kind, file=path.name, sha256=digest, at=now, rejected=len(bad))
    try:
        rows = _prepare(session, kind, _rows(good, kind, known, now, path.name), patron_key)
        _write(session, rows, audit)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return ImportResult(imported=good.height, rejected=len(bad), report_path=report)
