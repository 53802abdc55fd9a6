"""Which titles a display should show: expected loans on display, copies to be had, and variety.

Candidates match the display's audience and any of its theme words in their subjects or title. A title's expected
loans on display are its demand at the branch (or its average over the branches, when higher) over the display's
period, times the display uplift; titles with a waiting reservation, or without a copy on a shelf or in the return
stream that serves no reservation, are left out. Picking best first, each further title by the same author counts
half and each further one of the same material a little less, so a display is not one author's shelf.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import polars as pl
import sqlalchemy as sa
from sqlmodel import Session, col, delete, or_, select

from logistics.planning.config import PlanningConfig
from logistics.planning.displays import require_display
from logistics.planning.frames import read_frame, reader, sql_time
from logistics.planning.snapshot import LENDING
from materials.models import Branch, DisplayWant, Title

MAX_CANDIDATES = 20_000
SAME_AUTHOR = 0.5
SAME_MATERIAL = 0.85


@dataclass(frozen=True)
class DisplaySuggestion:
    title_id: int
    title: str
    author: str
    material_type: str
    expected_loans: float
    available: int
    score: float


def theme_words(theme: str) -> list[str]:
    return [w.strip().lower() for w in theme.replace(",", ";").split(";") if w.strip()]


def _id_list(ids: list[int]) -> str:
    return ", ".join(str(i) for i in ids) or "NULL"


def _candidates(session: Session, *, words: list[str], audience: str | None) -> pl.DataFrame:
    query = sa.select(
        col(Title.id), col(Title.title), col(Title.author), col(Title.material_type), col(Title.popularity)
    )
    if audience:
        query = query.where(col(Title.audience) == audience)
    if words:
        query = query.where(
            or_(*[col(Title.subjects).ilike(f"%{w}%") | col(Title.title).ilike(f"%{w}%") for w in words])
        )
    rows = list(session.execute(query.order_by(col(Title.popularity).desc(), col(Title.id)).limit(MAX_CANDIDATES)))
    schema = {"title_id": pl.Int64, "title": pl.String, "author": pl.String, "material_type": pl.String,
              "popularity": pl.Float64}  # fmt: skip
    return pl.DataFrame([tuple(str(v) if i == 3 else v for i, v in enumerate(r)) for r in rows], schema=schema,
                        orient="row")  # fmt: skip


def _availability(session: Session, ids: str) -> pl.DataFrame:
    sql = (
        f"SELECT i.title_id, COUNT(*) AS available FROM item i WHERE i.title_id IN ({ids}) "
        "AND i.status IN ('on_shelf', 'in_sorting') AND NOT EXISTS (SELECT 1 FROM reservation r WHERE "
        "r.item_id = i.id AND r.state IN ('allocated', 'in_transit', 'ready')) AND NOT EXISTS (SELECT 1 FROM "
        "reservation w WHERE w.title_id = i.title_id AND w.state = 'waiting') GROUP BY i.title_id"
    )
    return read_frame(session, sql, {"title_id": pl.Int64, "available": pl.Int64})


def _demand(session: Session, ids: str, *, branch_id: int, config: PlanningConfig, at: datetime) -> pl.DataFrame:
    """Per title: (demand here, demand summed over branches) per horizon, from the targets or recent loans."""
    schema = {"title_id": pl.Int64, "here": pl.Float64, "total": pl.Float64}
    sql = (
        f"SELECT title_id, SUM(CASE WHEN branch_id = {branch_id} THEN demand ELSE 0 END) AS here, "
        f"SUM(demand) AS total FROM target WHERE title_id IN ({ids}) GROUP BY title_id"
    )
    frame = read_frame(session, sql, schema)
    if frame.height > 0:
        return frame
    since = at - timedelta(weeks=config.demand_window_weeks)
    sql = (
        f"SELECT title_id, SUM(CASE WHEN branch_id = {branch_id} THEN 1 ELSE 0 END) AS here, COUNT(*) AS total "
        f"FROM loan WHERE title_id IN ({ids}) AND loaned_at >= {sql_time(session, since)} GROUP BY title_id"
    )
    scale = config.horizon_weeks / config.demand_window_weeks
    return read_frame(session, sql, schema).with_columns(pl.col("here") * scale, pl.col("total") * scale)


def rank_with_variety(scored: pl.DataFrame, *, slots: int) -> pl.DataFrame:
    """Best first; each title by an author (or of a material) already chosen weighs less."""
    pool = scored.sort(["score", "title_id"], descending=[True, False]).head(max(slots * 10, 50)).to_dicts()
    authors: dict[str, int] = {}
    materials: dict[str, int] = {}
    chosen: list[dict[str, object]] = []
    while pool and len(chosen) < slots:

        def weight(row: dict[str, object]) -> float:
            score = row["score"]
            assert isinstance(score, float)
            same_author = authors.get(str(row["author"]), 0)
            return score * SAME_AUTHOR**same_author * SAME_MATERIAL ** materials.get(str(row["material_type"]), 0)

        best = max(pool, key=weight)
        pool.remove(best)
        authors[str(best["author"])] = authors.get(str(best["author"]), 0) + 1
        materials[str(best["material_type"])] = materials.get(str(best["material_type"]), 0) + 1
        chosen.append(best)
    return pl.DataFrame(chosen, schema=scored.schema) if chosen else scored.clear()


def suggest_titles(
    session: Session, display_id: int, *, config: PlanningConfig, at: datetime, write: bool = True
) -> list[DisplaySuggestion]:
    """Rank titles for the display; with `write`, they become its wanted titles (kept: those already filled)."""
    display = require_display(session, display_id)
    kept = list(session.exec(select(DisplayWant).where(DisplayWant.display_id == display.id, DisplayWant.filled > 0)))
    slots = display.capacity - sum(w.wanted for w in kept)
    candidates = _candidates(session, words=theme_words(display.theme), audience=display.audience)
    candidates = candidates.filter(~pl.col("title_id").is_in([w.title_id for w in kept]))
    ids = _id_list(candidates["title_id"].to_list())
    lending = session.exec(select(Branch.id).where(col(Branch.kind).in_([str(k) for k in LENDING]))).all()
    weeks = ((display.ends_on - display.starts_on).days + 1) / 7
    per_week = 1 / config.horizon_weeks
    with reader(session):
        available = _availability(session, ids)
        demand = _demand(session, ids, branch_id=display.branch_id, config=config, at=at)
    scored = (
        candidates.join(available, on="title_id")
        .join(demand, on="title_id", how="left")
        .with_columns(
            (
                pl.max_horizontal(pl.col("here").fill_null(0), pl.col("total").fill_null(0) / max(len(lending), 1))
                * per_week
                * weeks
                * config.display_uplift
            ).alias("expected_loans")
        )
        .with_columns(
            (
                (pl.col("expected_loans") + 0.01 * pl.col("popularity").fill_null(0).log1p())
                * pl.col("available")
                / (pl.col("available") + 1)
            ).alias("score")
        )
    )
    chosen = rank_with_variety(scored, slots=max(slots, 0))
    result = [
        DisplaySuggestion(
            r["title_id"],
            r["title"],
            r["author"],
            r["material_type"],
            round(r["expected_loans"], 2),
            r["available"],
            round(r["score"], 4),
        )
        for r in chosen.iter_rows(named=True)
    ]
    if write:
        session.exec(delete(DisplayWant).where(col(DisplayWant.display_id) == display.id, col(DisplayWant.filled) == 0))
        session.add_all(DisplayWant(display_id=display.id or 0, title_id=s.title_id, score=s.score) for s in result)
        session.commit()
    return result


__all__ = ["DisplaySuggestion", "rank_with_variety", "suggest_titles", "theme_words"]
