"""What an import file must hold, and the reasons a row is refused — checked with polars, before anything is written.

Every file is read as text, so a wrong type is a reason on a row rather than a crash of the reader. Rows are
numbered from 1 for the first data row (in a CSV file that is line 2, after the header).
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl

from materials.domain.states import Audience, ItemStatus, MaterialType, ReservationState

EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # text, int, float, timestamp, date, branch, title, item, choice
    required: bool = True
    choices: tuple[str, ...] = ()


def _choice(name: str, values: list[str], required: bool = False) -> Column:
    return Column(name, "choice", required, tuple(values))


SPECS: dict[str, list[Column]] = {
    "loans": [
        Column("item_barcode", "item"), Column("branch", "branch"), Column("loaned_at", "timestamp"),
        Column("due_at", "timestamp", False), Column("returned_at", "timestamp", False),
        Column("returned_branch", "branch", False),
    ],
    "returns": [Column("item_barcode", "item"), Column("branch", "branch"), Column("returned_at", "timestamp")],
    "reservations": [
        Column("title_faust", "title"), Column("branch", "branch"), Column("placed_at", "timestamp"),
        Column("patron", "text"), _choice("state", [s.value for s in ReservationState]),
        Column("external_id", "text", False),
    ],
    "items": [
        Column("barcode", "text"), Column("title_faust", "title"), Column("branch", "branch"),
        Column("home_branch", "branch", False), _choice("status", [s.value for s in ItemStatus]),
        Column("shelfmark", "text", False), Column("added_on", "date", False),
    ],
    "titles": [
        Column("faust", "text"), Column("title", "text"), Column("author", "text", False),
        Column("isbn13", "text", False), Column("subjects", "text", False),
        _choice("audience", [a.value for a in Audience]), _choice("material_type", [m.value for m in MaterialType]),
        Column("year", "int", False), Column("added_on", "date", False), Column("popularity", "float", False),
    ],
    "counts": [
        Column("title_faust", "title"), Column("branch", "branch"), Column("period_start", "date"),
        Column("count", "int"), Column("period_days", "int", False),
    ],
}  # fmt: skip


@dataclass(frozen=True)
class RowError:
    file: str
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: row {self.row}, column {self.column!r}: {self.reason}"


def read_text(path: Path) -> pl.DataFrame:
    """The file with every column as text and its 1-based row number in `_row`."""
    if path.suffix.lower() == ".parquet":
        frame = pl.read_parquet(path)
        frame = frame.select(pl.all().cast(pl.String))
    else:
        frame = pl.read_csv(path, infer_schema=False)
    return frame.with_row_index("_row", offset=1)


def parse(column: Column) -> pl.Expr:
    """The column's value in its type (null where it does not parse)."""
    text = pl.col(column.name).str.strip_chars()
    if column.kind == "int":
        return text.cast(pl.Int64, strict=False)
    if column.kind == "float":
        return text.cast(pl.Float64, strict=False)
    if column.kind == "timestamp":
        return text.str.to_datetime(time_zone="UTC", strict=False, time_unit="us")
    if column.kind == "date":
        return text.str.slice(0, 10).str.to_date(strict=False)
    return text


def problems(column: Column, known: set[str] | None, now: datetime) -> pl.Expr:
    """The first reason to refuse the column on each row, or null where it is fine."""
    raw = pl.col(column.name)
    present = raw.is_not_null() & (raw.str.strip_chars() != "")
    value = parse(column)
    checks: list[tuple[pl.Expr, pl.Expr]] = [(~present & column.required, pl.lit("missing value"))]
    if column.kind in ("int", "float", "timestamp", "date"):
        checks.append((present & value.is_null(), pl.lit(f"not a valid {column.kind}: ") + raw))
    if column.kind == "timestamp":
        out_of_range = (value < EARLIEST) | (value > now + timedelta(days=1))
        checks.append((present & out_of_range, pl.lit("timestamp out of range: ") + raw))
    if column.kind == "int" and column.name in ("count", "period_days"):
        checks.append((present & (value < 0), pl.lit("negative: ") + raw))
    if column.kind == "choice":
        checks.append(
            (present & ~value.is_in(list(column.choices)), pl.lit(f"not one of {', '.join(column.choices)}: ") + raw)
        )
    if known is not None:
        checks.append((present & ~value.is_in(list(known)), pl.lit(f"unknown {column.kind}: ") + raw))
    return pl.coalesce([pl.when(condition).then(reason) for condition, reason in checks]).alias(column.name)


def validate(
    frame: pl.DataFrame, kind: str, file: str, known: dict[str, set[str]], now: datetime
) -> tuple[pl.DataFrame, list[RowError]]:
    """The rows with no problem, parsed; and every problem of the others (row, column, reason)."""
    spec = SPECS[kind]
    missing = [c.name for c in spec if c.required and c.name not in frame.columns]
    if missing:
        return frame.clear(), [RowError(file, 0, name, "missing column") for name in missing]
    frame = frame.with_columns(pl.lit(None, pl.String).alias(c.name) for c in spec if c.name not in frame.columns)
    checks = frame.select("_row", *[problems(c, known.get(c.kind) if c.kind in known else None, now) for c in spec])
    errors = [
        RowError(file, int(row["_row"]), name, str(reason))
        for row in checks.filter(pl.any_horizontal(pl.exclude("_row").is_not_null())).iter_rows(named=True)
        for name, reason in row.items()
        if name != "_row" and reason is not None
    ]
    bad = {e.row for e in errors}
    good = frame.filter(~pl.col("_row").is_in(list(bad))).select("_row", *[parse(c).alias(c.name) for c in spec])
    return good, errors


def rejected_rows(frame: pl.DataFrame, errors: list[RowError]) -> pl.DataFrame:
    """The refused rows as they were in the file, with their reasons, for the report file."""
    reasons = pl.DataFrame(
        {"_row": [e.row for e in errors], "reason": [f"{e.column}: {e.reason}" for e in errors]},
        schema={"_row": pl.UInt32, "reason": pl.String},
    )
    grouped = reasons.group_by("_row").agg(pl.col("reason").str.join("; "))
    return frame.join(grouped, on="_row").sort("_row").rename({"_row": "row"})
