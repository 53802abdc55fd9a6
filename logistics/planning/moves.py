"""Suggested moves: which copies, standing still where there are too many, should go where there are too few.

Sources are lending branches holding more than their target and the remote store (target 0). Only copies on a
shelf that have stood still (no loan or status change for `idle_days`), are not damaged, serve no reservation and have
no open task can move; copies on display never do. Per title the largest surpluses meet the largest deficits; a pair
is worth a move when its deficit outweighs the transport cost (the same weighing as check-in routing). A day's moves
are bounded by the crates a branch sends and the crates the van takes.

Which copies: the branch that is short gets the copy with the most loans left in it, so copies in good condition (or
not assessed) go before worn ones, and among those the copy that stood still longest. A worn copy stays at the
surplus branch, where it is the first the weeding list offers; a damaged one never travels (repair or withdraw it).
"""

from collections.abc import Callable
from typing import Any

import polars as pl

from logistics.planning.config import PlanningConfig
from logistics.planning.snapshot import ON_SHELF, Snapshot
from materials.domain.states import BranchKind

PAIRS_PER_TITLE = 5


def idle_copies(
    items: pl.LazyFrame, busy: pl.LazyFrame, moving: pl.LazyFrame, *, source_ids: list[int]
) -> pl.LazyFrame:
    """Shelf copies at a source branch that stood still, are not damaged, serve nothing and go nowhere."""
    return (
        items.filter((pl.col("state") == ON_SHELF) & pl.col("movable") & pl.col("branch_id").is_in(source_ids))
        .join(busy, on="item_id", how="anti")
        .join(moving, on="item_id", how="anti")
        .select("item_id", "title_id", "branch_id")
    )


def surpluses(idle: pl.LazyFrame, targets: pl.LazyFrame) -> pl.LazyFrame:
    """Per title × source branch: how many idle copies it can give and still hold its target."""
    return (
        idle.group_by("title_id", "branch_id")
        .agg(pl.len().cast(pl.Int64).alias("idle"))
        .join(targets.select("title_id", "branch_id", "target", "held"), on=["title_id", "branch_id"], how="left")
        .with_columns(
            pl.min_horizontal(pl.col("idle"), (pl.col("held") - pl.col("target")).fill_null(pl.col("idle"))).alias(
                "surplus"
            )
        )
        .filter(pl.col("surplus") > 0)
        .rename({"branch_id": "from_branch_id", "target": "from_target", "held": "from_held"})
    )


def move_pairs(
    surplus: pl.LazyFrame, targets: pl.LazyFrame, costs: pl.LazyFrame, *, cost_per_copy: float
) -> pl.LazyFrame:
    """Candidate (title, from, to) pairs worth a move, best first."""
    top_surplus = surplus.filter(pl.col("surplus").rank("ordinal", descending=True).over("title_id") <= PAIRS_PER_TITLE)
    deficits = (
        targets.filter(pl.col("deficit") >= 1)
        .filter(pl.col("deficit").rank("ordinal", descending=True).over("title_id") <= PAIRS_PER_TITLE)
        .select(
            "title_id",
            pl.col("branch_id").alias("to_branch_id"),
            pl.col("deficit").cast(pl.Int64).alias("deficit"),
            pl.col("target").alias("to_target"),
            pl.col("held").alias("to_held"),
        )
    )
    return (
        top_surplus.join(deficits, on="title_id")
        .filter(pl.col("from_branch_id") != pl.col("to_branch_id"))
        .join(costs, on=["from_branch_id", "to_branch_id"], how="left")
        .with_columns(pl.col("cost").fill_null(0.0).alias("cost"))
        .with_columns((pl.col("deficit") - pl.col("cost") / cost_per_copy + 0.1 * pl.col("surplus")).alias("score"))
        .filter(pl.col("score") > 0)
        .sort(
            ["score", "cost", "title_id", "from_branch_id", "to_branch_id"],
            descending=[True, False, False, False, False],
        )
    )


def allocate_moves(pairs: pl.DataFrame, *, per_branch: int, per_day: int) -> pl.DataFrame:
    """Greedy over the pairs, best first, within surpluses, deficits and the day's crate capacities.

    Each chosen move gets `seq`, its number among the moves out of the same title × source (0, 1, ...).
    """
    surplus_left: dict[tuple[int, int], int] = {}
    deficit_left: dict[tuple[int, int], int] = {}
    branch_left: dict[int, int] = {}
    used: dict[tuple[int, int], int] = {}
    total_left = per_day
    chosen: list[dict[str, object]] = []
    for row in pairs.iter_rows(named=True):
        if total_left <= 0:
            break
        source, sink = (row["title_id"], row["from_branch_id"]), (row["title_id"], row["to_branch_id"])
        n = min(
            surplus_left.setdefault(source, row["surplus"]),
            deficit_left.setdefault(sink, row["deficit"]),
            branch_left.setdefault(row["from_branch_id"], per_branch),
            total_left,
        )
        if n <= 0:
            continue
        surplus_left[source] -= n
        deficit_left[sink] -= n
        branch_left[row["from_branch_id"]] -= n
        total_left -= n
        start = used.get(source, 0)
        used[source] = start + n
        chosen.extend({**row, "seq": start + k} for k in range(n))
    schema: dict[str, Any] = {**pairs.schema, "seq": pl.Int64}
    return pl.DataFrame(chosen, schema=schema) if chosen else pl.DataFrame(schema=schema)


def choose_copies(allocated: pl.DataFrame, idle: pl.LazyFrame, activity: pl.LazyFrame) -> pl.DataFrame:
    """Which copies, one per chosen move: at each source the best condition first, then the ones that stood still
    longest (never lent first)."""
    ranked = (
        idle.join(
            allocated.lazy().select("title_id", pl.col("from_branch_id").alias("branch_id")).unique(),
            on=["title_id", "branch_id"],
        )
        .join(activity, on="item_id", how="left")
        .with_columns(pl.col("last_activity").fill_null("").alias("last_activity"), pl.col("wear").fill_null(0))
        .sort(["title_id", "branch_id", "wear", "last_activity", "item_id"])
        .with_columns(pl.int_range(pl.len(), dtype=pl.Int64).over(["title_id", "branch_id"]).alias("seq"))
        .rename({"branch_id": "from_branch_id"})
    )
    return allocated.lazy().join(ranked, on=["title_id", "from_branch_id", "seq"]).collect()


def suggest_moves(
    snapshot: Snapshot,
    targets: pl.DataFrame,
    *,
    config: PlanningConfig,
    quiet: pl.DataFrame,
    activity: Callable[[list[int]], pl.DataFrame],
) -> pl.DataFrame:
    """The day's moves: one row per copy, with what the reason needs.

    `quiet`: item_id of copies not to move; `activity(title_ids)`: item_id, last_activity, condition and wear of
    their shelf copies.
    """
    sources = [b.id for b in snapshot.branches.values() if b.lends or b.kind == BranchKind.STORAGE]
    idle = (
        idle_copies(snapshot.items.lazy(), snapshot.busy.lazy(), snapshot.moving.lazy(), source_ids=sources)
        .join(quiet.lazy(), on="item_id", how="anti")
        .collect()
    )
    target_lazy = targets.lazy()
    pairs = move_pairs(
        surpluses(idle.lazy(), target_lazy), target_lazy, snapshot.costs.lazy(), cost_per_copy=config.cost_per_copy
    ).collect()
    allocated = allocate_moves(pairs, per_branch=config.moves_per_branch, per_day=config.moves_per_day)
    stamps = activity(allocated["title_id"].unique().to_list())
    return choose_copies(allocated, idle.lazy(), stamps.lazy())
