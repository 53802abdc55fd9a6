"""Weeding candidates: copies the city has more of than it needs, that nobody borrows.

Copenhagen's rule for floating copies: fewer than 2 loans in 6 years (both configurable). A damaged copy of a title
the city has too many of is a candidate however often it was lent: its loans argue for the title, not for this copy.
A title keeps at least as many copies as its targets add up to across the branches, and never loses its last copy
unless the caller says so (`allow_last_copy`). Only copies standing on a shelf are proposed: copies on loan, on
display, reserved, in transit or with an open task are not. Within a title the damaged copies go first, then the worn
ones, then those lent least and untouched longest: the city keeps its copies in the best condition.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import polars as pl
from sqlmodel import Session

from logistics.planning.config import PlanningConfig
from logistics.planning.frames import engine_of, read_frame, reader, sql_time, text_time
from logistics.planning.move_decisions import since_text
from logistics.planning.snapshot import WEAR, load_branches, load_busy, wear_sql
from materials.domain.states import ItemCondition

GONE = "'withdrawn', 'missing'"
WEAR_TEXT = {WEAR[ItemCondition.WORN]: "slidt; ", WEAR[ItemCondition.DAMAGED]: "beskadiget; "}


@dataclass(frozen=True)
class WeedingCandidate:
    item_id: int
    barcode: str
    title_id: int
    title: str
    branch_isil: str
    branch_name: str
    loans: int
    copies: int
    keep: int
    last_copy: bool
    reason: str


def weeding_frame(
    shelf: pl.LazyFrame, loans: pl.LazyFrame, copies: pl.LazyFrame, needed: pl.LazyFrame, *, min_loans: int,
    allow_last_copy: bool,
) -> pl.LazyFrame:  # fmt: skip
    """Shelf copies with fewer than `min_loans` loans or damaged, at most `copies - keep` per title, most worn and
    least used first. `shelf` carries `wear` (WEAR codes)."""
    floor = 0 if allow_last_copy else 1
    return (
        shelf.join(loans, on="item_id", how="left")
        .with_columns(pl.col("loans").fill_null(0).alias("loans"))
        .filter((pl.col("loans") < min_loans) | (pl.col("wear") == WEAR[ItemCondition.DAMAGED]))
        .join(copies, on="title_id")
        .join(needed, on="title_id", how="left")
        .with_columns(pl.max_horizontal(pl.col("needed").fill_null(0), pl.lit(floor)).alias("keep"))
        .sort(["title_id", "wear", "loans", "last_activity", "item_id"], descending=[False, True, False, False, False])
        .with_columns(pl.int_range(pl.len(), dtype=pl.Int64).over("title_id").alias("order"))
        .filter(pl.col("order") < pl.col("copies") - pl.col("keep"))
        .with_columns((pl.col("copies") - pl.col("order") == 1).alias("last_copy"))
    )


def weeding_candidates(
    session: Session, *, config: PlanningConfig, at: datetime, allow_last_copy: bool = False, limit: int | None = None
) -> list[WeedingCandidate]:
    with reader(session):
        return _weeding_candidates(session, config=config, at=at, allow_last_copy=allow_last_copy, limit=limit)


def _weeding_candidates(
    session: Session, *, config: PlanningConfig, at: datetime, allow_last_copy: bool, limit: int | None
) -> list[WeedingCandidate]:
    since = at - timedelta(days=round(365.25 * config.weeding_years))
    shelf = read_frame(
        session,
        f"SELECT id AS item_id, title_id, branch_id, {text_time(session, 'COALESCE(last_loan_at, status_changed_at)')} "
        f"AS last_activity, {wear_sql()} AS wear FROM item WHERE status = 'on_shelf'",
        {
            "item_id": pl.Int64,
            "title_id": pl.Int64,
            "branch_id": pl.Int64,
            "last_activity": pl.String,
            "wear": pl.Int64,
        },
    ).join(load_busy(session), on="item_id", how="anti")
    # A period of years covers most of the loan log: one sequential scan beats SQLite's choice of walking the
    # item index and looking up every loan's date (40 s of CPU against 9 on the city demo).
    scan = "loan NOT INDEXED" if engine_of(session).dialect.name == "sqlite" else "loan"
    loans = read_frame(
        session,
        f"SELECT item_id, COUNT(*) AS loans FROM {scan} WHERE loaned_at >= {sql_time(session, since)} GROUP BY item_id",
        {"item_id": pl.Int64, "loans": pl.Int64},
    )
    copies = read_frame(
        session,
        f"SELECT title_id, COUNT(*) AS copies FROM item WHERE status NOT IN ({GONE}) GROUP BY title_id",
        {"title_id": pl.Int64, "copies": pl.Int64},
    )
    needed = read_frame(
        session,
        "SELECT title_id, SUM(target) AS needed FROM target GROUP BY title_id",
        {"title_id": pl.Int64, "needed": pl.Int64},
    )
    frame = weeding_frame(
        shelf.lazy(), loans.lazy(), copies.lazy(), needed.lazy(), min_loans=config.weeding_min_loans,
        allow_last_copy=allow_last_copy,
    ).sort(["wear", "loans", "last_activity", "item_id"], descending=[True, False, False, False])  # fmt: skip
    if limit is not None:
        frame = frame.head(limit)
    return _describe(session, frame.collect(), config=config)


def _describe(session: Session, frame: pl.DataFrame, *, config: PlanningConfig) -> list[WeedingCandidate]:
    if frame.height == 0:
        return []
    branches = load_branches(session)
    ids = ", ".join(str(i) for i in frame["item_id"].to_list())
    names = read_frame(
        session,
        f"SELECT i.id AS item_id, i.barcode, t.title FROM item i JOIN title t ON t.id = i.title_id WHERE i.id IN ({ids})",
        {"item_id": pl.Int64, "barcode": pl.String, "title": pl.String},
    )
    result = []
    ordered = frame.join(names, on="item_id").sort(
        ["wear", "loans", "last_activity", "item_id"], descending=[True, False, False, False]
    )
    for row in ordered.iter_rows(named=True):
        branch = branches[row["branch_id"]]
        reason = (
            f"{WEAR_TEXT.get(row['wear'], '')}{row['loans']} udlån på {config.weeding_years} år "
            f"({since_text(row['last_activity'])}); titlen har {row['copies']} eks., behov for {row['keep']}"
        )
        if row["last_copy"]:
            reason += "; OBS: sidste eksemplar"
        result.append(
            WeedingCandidate(
                row["item_id"],
                row["barcode"],
                row["title_id"],
                row["title"],
                branch.isil,
                branch.name,
                row["loans"],
                row["copies"],
                row["keep"],
                row["last_copy"],
                reason,
            )
        )
    return result
