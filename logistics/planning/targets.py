"""Shelf targets per title × branch: enough copies for the horizon's demand, never more than the shelves take.

A branch's target for a title is the Poisson quantile of its demand over the horizon at the configured service level
(the number of copies that meets every loan in that time with that probability: a base-stock level). Per branch and
shelf section the targets together never exceed the section's capacity: when they would, all are scaled down
(largest remainders first). A section the branch has no shelf for gets no targets; a shelf with capacity 0 has no
limit set. What a branch holds counts copies on its shelves and displays (damaged ones too: they lend until they are
repaired or weeded), copies heading there, and copies whose move there was accepted. The deficit (target − held;
> 0 wants more) is what check-in routing reads.
"""

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import polars as pl
from scipy.special import ndtri as ndtr_inverse
from scipy.special import pdtr
from sqlmodel import Session, col, delete

from logistics.planning.config import PlanningConfig
from logistics.planning.digest import title_digests
from logistics.planning.frames import insert_frame, stored_time
from logistics.planning.snapshot import Snapshot
from materials.models import Target

GROUP = ["branch_id", "section"]


def held_copies(items: pl.LazyFrame, moving: pl.LazyFrame) -> pl.LazyFrame:
    """Copies per title × branch: standing there, heading there, or accepted to be moved there."""
    return (
        items.join(moving, on="item_id", how="left")
        .with_columns(pl.coalesce("to_branch_id", "branch_id").alias("holder_id"))
        .group_by("title_id", "holder_id")
        .agg(pl.len().cast(pl.Int64).alias("held"))
        .rename({"holder_id": "branch_id"})
    )


def poisson_quantile(demand: np.ndarray, level: float) -> np.ndarray:
    """The smallest k with P(Poisson(demand) <= k) >= level, 0 without demand.

    Each distinct demand once (the loan fallback has a few dozen), starting from the Cornish-Fisher approximation and
    stepping to the exact answer with the Poisson CDF: scipy's `poisson.ppf` inverts the incomplete gamma function
    iteratively for every value and took a second of CPU for the city's 460,000 rows.
    """
    values, inverse = np.unique(demand, return_inverse=True)
    mean = np.where(values > 0, values, 0.0)
    z = float(ndtr_inverse(level))
    k = np.maximum(np.floor(mean + z * np.sqrt(mean) + (z * z - 1) / 6), 0.0)
    while (short := pdtr(k, mean) < level).any():
        k = np.where(short, k + 1, k)
    while (more := (k > 0) & (pdtr(np.maximum(k - 1, 0), mean) >= level)).any():
        k = np.where(more, k - 1, k)
    return np.where(values > 0, k, 0).astype(np.int64)[inverse.reshape(-1)]


def base_targets(demand: pl.LazyFrame, *, service_level: float) -> pl.LazyFrame:
    """Copies that meet the horizon's demand with probability `service_level`; 0 without demand."""
    return demand.with_columns(
        pl.col("demand")
        .map_batches(lambda s: pl.Series(poisson_quantile(s.to_numpy(), service_level)), return_dtype=pl.Int64)
        .alias("wanted")
    )


def fit_to_capacity(wanted: pl.LazyFrame, sections: pl.LazyFrame, capacities: pl.LazyFrame) -> pl.LazyFrame:
    """Scale each branch section's targets down to its capacity, handing out the remainder by largest fraction."""
    limit = (
        pl.when(pl.col("capacity").is_null())
        .then(pl.lit(0.0))  # no shelf for this section here
        .when(pl.col("capacity") == 0)
        .then(pl.lit(None, dtype=pl.Float64))  # a shelf without a limit set
        .otherwise(pl.col("capacity").cast(pl.Float64))
    )
    total = pl.col("wanted").sum().over(GROUP).cast(pl.Float64)
    return (
        wanted.join(sections, on="title_id", how="left")
        .join(capacities, on=GROUP, how="left")
        .with_columns(limit.alias("limit"), total.alias("total"))
        .with_columns(
            pl.when(pl.col("limit").is_null() | (pl.col("total") <= pl.col("limit")))
            .then(pl.lit(1.0))
            .otherwise(pl.col("limit") / pl.col("total"))
            .alias("ratio")
        )
        .with_columns((pl.col("wanted") * pl.col("ratio")).alias("exact"))
        .with_columns(pl.col("exact").floor().alias("base"))
        .with_columns(
            (pl.col("exact") - pl.col("base")).alias("fraction"),
            pl.when(pl.col("ratio") < 1)
            .then(pl.col("limit") - pl.col("base").sum().over(GROUP))
            .otherwise(pl.lit(0.0))
            .alias("leftover"),
        )
        .with_columns(pl.col("fraction").rank("ordinal", descending=True).over(GROUP).alias("fraction_rank"))
        .with_columns(
            (
                pl.col("base")
                + ((pl.col("fraction") > 0) & (pl.col("fraction_rank") <= pl.col("leftover"))).cast(pl.Float64)
            )
            .cast(pl.Int64)
            .alias("target")
        )
        .select("title_id", "branch_id", "target", "demand")
    )


def target_rows(fitted: pl.LazyFrame, held: pl.LazyFrame, lending_ids: list[int]) -> pl.LazyFrame:
    """One row per title × lending branch that wants or holds copies, with its deficit (> 0: wants more)."""
    return (
        fitted.join(held, on=["title_id", "branch_id"], how="full", coalesce=True)
        .filter(pl.col("branch_id").is_in(lending_ids))
        .with_columns(
            pl.col("target").fill_null(0).alias("target"),
            pl.col("held").fill_null(0).alias("held"),
            pl.col("demand").fill_null(0.0).alias("demand"),
        )
        .filter((pl.col("target") > 0) | (pl.col("held") > 0))
        .with_columns((pl.col("target") - pl.col("held")).cast(pl.Float64).alias("deficit"))
        .select("title_id", "branch_id", "target", "held", "deficit", "demand")
    )


def compute_targets(snapshot: Snapshot, *, config: PlanningConfig) -> pl.DataFrame:
    wanted = base_targets(snapshot.demand.frame.lazy(), service_level=config.service_level)
    fitted = fit_to_capacity(wanted, snapshot.sections.lazy(), snapshot.capacities.lazy())
    held = held_copies(snapshot.items.lazy(), snapshot.moving.lazy())
    return target_rows(fitted, held, snapshot.lending_ids).collect()


@dataclass(frozen=True)
class TargetSummary:
    rows: int
    copies_wanted: int
    deficit_copies: int
    surplus_copies: int
    rows_written: int


KEY = ["title_id", "branch_id"]
# Above this share of changed rows, replacing the whole table is cheaper than deleting title by title.
REPLACE_ALL = 0.5
DELETE_CHUNK = 5_000


def target_changes(stored: pl.LazyFrame, fresh: pl.LazyFrame) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """(stored titles whose rows are gone or changed: title_id, row_count; fresh rows of new or changed titles).

    `stored`: per title its row count and digest (DIGEST_SCHEMA). The deficit is not compared: it is target − held,
    and check-in's claims keep it so.
    """
    joined = stored.join(title_digests(fresh), on="title_id", how="full", coalesce=True, suffix="_new")
    differs = pl.col("row_count").ne_missing(pl.col("row_count_new")) | pl.col("digest").ne_missing(
        pl.col("digest_new")
    )
    changed = joined.filter(differs)
    stale = changed.filter(pl.col("row_count").is_not_null()).select("title_id", "row_count")
    new = fresh.join(changed.filter(pl.col("row_count_new").is_not_null()).select("title_id"), on="title_id")
    return stale, new


def write_targets(session: Session, targets: pl.DataFrame, stored: pl.DataFrame, *, at: datetime) -> TargetSummary:
    """Bring the Target table to `targets` in the caller's transaction (the caller commits).

    Only the titles whose rows changed are rewritten (a night's plan changes a few per cent of them), so the write
    lock that check-in waits for is short; `computed_at` is the plan that last changed a title's rows.
    """
    fresh = targets.with_columns(pl.col("demand").round(4).alias("demand"))
    stale_lazy, new_lazy = target_changes(stored.lazy(), fresh.lazy())
    stale, new = stale_lazy.collect(), new_lazy.collect()
    if stale["row_count"].sum() > REPLACE_ALL * max(int(stored["row_count"].sum() or 0), 1):
        session.exec(delete(Target))
        new = fresh
    else:
        titles = stale["title_id"].to_list()
        for first in range(0, len(titles), DELETE_CHUNK):
            chunk = titles[first : first + DELETE_CHUNK]
            session.exec(delete(Target).where(col(Target.title_id).in_(chunk)))
    # Inserting in key order keeps the B-tree appends local: three times faster on SQLite than random order.
    frame = new.sort(KEY).with_columns(pl.lit(stored_time(session, at)).alias("computed_at"))
    insert_frame(session, "target", frame, trusted=True)
    deficit = targets["deficit"]
    return TargetSummary(
        rows=targets.height,
        copies_wanted=int(targets["target"].sum() or 0),
        deficit_copies=int(deficit.clip(lower_bound=0).sum() or 0),
        surplus_copies=int((-deficit).clip(lower_bound=0).sum() or 0),
        rows_written=frame.height,
    )
