"""From the simulated history to the rows of `patron`, `loan` and `reservation`, as they stand on the seed's today.

Days are whole numbers from the history's first day; times of day are drawn here (lending in opening hours,
returns through the day because return machines never close). Everything before day 0 (the burn-in) is dropped.
"""

from datetime import date, datetime, timedelta

import numpy as np
import polars as pl

from materials.demo.history import HOLD_DAYS, SAME_BRANCH_PICKUP, History
from materials.demo.library import BRANCHES, PUBLIC_KINDS
from materials.domain.privacy import patron_pseudonym

LOAN_PERIOD_DAYS = 30
OPEN_SECONDS = (8 * 3600, 18 * 3600)  # UTC; Copenhagen opening hours
RETURN_SECONDS = (6 * 3600, 21 * 3600)
HOME_BRANCH_LOYALTY = 0.85


def stamp(start: date, day: pl.Expr, seconds: pl.Expr) -> pl.Expr:
    """A UTC timestamp (naive here, UTC by convention) from a day number and seconds into that day."""
    return pl.lit(datetime(start.year, start.month, start.day)) + pl.duration(days=day, seconds=seconds)


def _seconds(rng: np.random.Generator, n: int, window: tuple[int, int]) -> np.ndarray:
    return rng.integers(window[0], window[1], n)


def patrons_frame(rng: np.random.Generator, count: int, *, key: str, seed: int) -> pl.DataFrame:
    """Pseudonymous patrons, sorted by home branch so each branch's patrons are one run of ids."""
    public = [i for i, b in enumerate(BRANCHES) if b.kind in PUBLIC_KINDS]
    size = np.array([BRANCHES[i].size for i in public])
    home = np.sort(np.array(public)[rng.choice(len(public), count, p=size / size.sum())])
    return pl.DataFrame(
        {
            "id": np.arange(1, count + 1),
            "pseudonym": [patron_pseudonym(f"demo-{seed}-{k:07d}", key) for k in range(count)],
            "home_branch_id": home + 1,
        }
    )


class PatronPicker:
    """Who borrows at a branch: mostly its own patrons, a few very active ones more than the rest."""

    def __init__(self, rng: np.random.Generator, patrons: pl.DataFrame) -> None:
        self.rng = rng
        home = patrons["home_branch_id"].to_numpy() - 1
        self.count = len(home)
        self.first = np.searchsorted(home, np.arange(len(BRANCHES)))
        self.size = np.searchsorted(home, np.arange(len(BRANCHES)), side="right") - self.first

    def pick(self, branch: np.ndarray) -> np.ndarray:
        u = self.rng.random(len(branch)) ** 2  # skewed: low ids at each branch borrow most
        own = self.first[branch] + np.floor(u * self.size[branch]).astype(np.int64)
        anyone = np.floor(u * self.count).astype(np.int64)
        loyal = (self.rng.random(len(branch)) < HOME_BRANCH_LOYALTY) & (self.size[branch] > 0)
        return np.where(loyal, own, anyone) + 1


def reservations_frame(
    rng: np.random.Generator, history: History, item_title: np.ndarray, start: date, picker: PatronPicker
) -> pl.DataFrame:
    """Every reservation placed in the history with its state on today (the last simulated day)."""
    today = history.today
    queued = pl.DataFrame(history.queued).cast(pl.Int32).filter(pl.col("placed") >= 0)
    fills = pl.DataFrame(history.fills).cast(pl.Int32)
    queue = queued.join(fills, on=["item", "seq"], how="left", maintain_order="left").with_columns(
        pl.when(pl.col("fill").is_null()).then(None).otherwise(pl.col("item")).alias("filled_item"),
        pl.lit(1).alias("kind"),
    )
    picks = (
        pl.DataFrame(history.picks)
        .cast(pl.Int32)
        .filter(pl.col("placed") >= 0)
        .with_columns(
            pl.col("placed").alias("fill"),
            pl.col("item").alias("filled_item"),
            pl.lit(-1).alias("cancel"),
            pl.lit(-1).alias("seq"),
            pl.lit(2).alias("kind"),
            pl.int_range(0, pl.len()).alias("pick_no"),
        )
    )
    res = pl.concat([queue, picks], how="diagonal_relaxed").with_columns(pl.col("pick_no").fill_null(-1))
    n = res.height
    # A reservation still waiting (or cancelled while waiting) has no copy yet: choose where it is picked up.
    drawn = _pickup_for_waiting(rng, history.branch[res["item"].to_numpy()])
    res = res.with_columns(
        pl.Series("title_id", item_title[res["item"].to_numpy()] + 1),
        pl.col("pickup").fill_null(pl.Series(drawn)).alias("pickup"),
    )
    patron = picker.pick(res["pickup"].to_numpy())
    ready_deadline = pl.col("ready") + HOLD_DAYS
    state = (
        pl.when(pl.col("cancel") >= 0)
        .then(pl.when(pl.col("cancel") <= today).then(pl.lit("cancelled")).otherwise(pl.lit("waiting")))
        .when(pl.col("fill").is_null())
        .then(pl.lit("waiting"))
        .when((pl.col("kind") == 2) & (pl.col("placed") == today))
        .then(pl.lit("allocated"))
        .when(pl.col("ready") > today)
        .then(pl.lit("in_transit"))
        .when((pl.col("collect") >= 0) & (pl.col("collect") <= today))
        .then(pl.lit("collected"))
        .when((pl.col("collect") < 0) & (ready_deadline <= today))
        .then(pl.lit("expired"))
        .otherwise(pl.lit("ready"))
    )
    res = res.with_columns(
        state.alias("state"),
        pl.Series("patron_id", patron),
        pl.Series("_placed_s", _seconds(rng, n, OPEN_SECONDS)),
        pl.Series("_other_s", _seconds(rng, n, OPEN_SECONDS)),
    )
    live_item = pl.col("state").is_in(["allocated", "in_transit", "ready", "collected", "expired"])
    has_ready = pl.col("state").is_in(["ready", "collected", "expired"])
    res = res.with_columns(
        stamp(start, pl.col("placed"), pl.col("_placed_s")).alias("placed_at"),
        pl.when(live_item).then(pl.col("filled_item") + 1).otherwise(None).alias("item_id"),
        pl.when(live_item)
        .then(
            pl.when(pl.col("kind") == 2)
            .then(stamp(start, pl.col("placed"), pl.col("_placed_s") + 600))
            .otherwise(stamp(start, pl.col("fill"), 6 * 3600 + pl.col("_other_s") % 3600))
        )
        .alias("allocated_at"),
        pl.when(has_ready).then(stamp(start, pl.col("ready"), pl.lit(7 * 3600))).alias("ready_at"),
        pl.when(has_ready).then(stamp(start, ready_deadline, pl.lit(21 * 3600 + 59 * 60))).alias("pickup_deadline"),
        pl.when(pl.col("state") == "collected")
        .then(stamp(start, pl.col("collect"), pl.col("_other_s")))
        .when(pl.col("state") == "expired")
        .then(stamp(start, ready_deadline, pl.lit(22 * 3600)))
        .when(pl.col("state") == "cancelled")
        .then(stamp(start, pl.col("cancel"), pl.col("_other_s")))
        .alias("closed_at"),
        (pl.col("pickup") + 1).alias("pickup_branch_id"),
    ).sort("placed_at", "item")
    return res.select(
        pl.int_range(1, pl.len() + 1).alias("id"),
        "title_id",
        "patron_id",
        "pickup_branch_id",
        "placed_at",
        "state",
        "item_id",
        "allocated_at",
        "ready_at",
        "pickup_deadline",
        "closed_at",
        pl.when(pl.col("state") == "ready")
        .then(pl.format("H{}", (pl.int_range(1, pl.len() + 1) % 100_000).cast(pl.Utf8).str.zfill(5)))
        .alias("shelf_code"),
        # For the loans and the items' state.
        "item",
        "seq",
        "kind",
        "pick_no",
        "filled_item",
        "pickup",
        "origin",
        "fill",
        "ready",
    )


def _pickup_for_waiting(rng: np.random.Generator, at: np.ndarray) -> np.ndarray:
    public = np.array([i for i, b in enumerate(BRANCHES) if b.kind in PUBLIC_KINDS])
    size = np.array([BRANCHES[i].size for i in public])
    other = public[rng.choice(len(public), len(at), p=size / size.sum())]
    storage = np.isin(at, public, invert=True)
    return np.where((rng.random(len(at)) < SAME_BRANCH_PICKUP) & ~storage, at, other)


def loans_frame(
    rng: np.random.Generator,
    history: History,
    item_title: np.ndarray,
    start: date,
    picker: PatronPicker,
    reservations: pl.DataFrame,
) -> pl.DataFrame:
    """Loans from day 0 to today; those not back by today are open. A collected reservation's loan is its
    patron's. Built in numpy with one final reordering: eight million rows do not fit many polars copies."""
    today = history.today
    raw = history.loans
    keep = (raw["start"] >= 0) & (raw["start"] <= today)
    cols = {name: values[keep].astype(np.int32) for name, values in raw.items()}
    history.loans.clear()  # the simulation's copy is no longer needed
    n = len(cols["item"])
    patron = _reservation_patrons(cols, reservations)
    patron = np.where(patron > 0, patron, picker.pick(cols["branch"].astype(np.int64)))
    out_s = cols["start"].astype(np.int64) * 86_400 + _seconds(rng, n, OPEN_SECONDS)
    back_s = cols["end"].astype(np.int64) * 86_400 + _seconds(rng, n, RETURN_SECONDS)
    # A copy returned in the evening and lent again the same day goes out after it came back.
    by_item = np.lexsort((cols["start"], cols["item"]))
    same = np.concatenate(([False], cols["item"][by_item][1:] == cols["item"][by_item][:-1]))
    earliest = np.concatenate(([0], back_s[by_item][:-1] + 600))
    out_s[by_item] = np.where(same, np.maximum(out_s[by_item], earliest), out_s[by_item])
    order = np.lexsort((cols["item"], out_s))
    returned = cols["end"][order] <= today
    epoch = datetime(start.year, start.month, start.day)
    loaned_at = _timestamps(epoch, out_s[order])
    return pl.DataFrame(
        {
            "id": np.arange(1, n + 1, dtype=np.int64),
            "item_id": cols["item"][order] + 1,
            "title_id": item_title[cols["item"][order]] + 1,
            "patron_id": patron[order],
            "branch_id": cols["branch"][order] + 1,
            "loaned_at": loaned_at,
            "due_at": loaned_at + timedelta(days=LOAN_PERIOD_DAYS),
            "returned_at": _timestamps(epoch, back_s[order]).set(pl.Series(~returned), None),
            "returned_branch_id": pl.Series(cols["ret"][order] + 1).set(pl.Series(~returned), None),
            # For the items' state: which copy, where lent, on which days.
            "item": cols["item"][order],
            "branch": cols["branch"][order],
            "start": cols["start"][order],
            "end": cols["end"][order],
        }
    )


def _timestamps(epoch: datetime, seconds: np.ndarray) -> pl.Series:
    return pl.Series(seconds * 1_000_000).cast(pl.Datetime("us")) + (epoch - datetime(1970, 1, 1))


def _reservation_patrons(cols: dict[str, np.ndarray], reservations: pl.DataFrame) -> np.ndarray:
    """The patron of the collected reservation each loan came from (0 for a loan straight off the shelf)."""
    collected = reservations.filter(pl.col("state") == "collected")
    patron = np.zeros(len(cols["item"]), dtype=np.int64)
    fills = collected.filter(pl.col("kind") == 1)
    loans = pl.DataFrame(
        {"row": np.arange(len(patron)), "item": cols["item"], "seq": cols["link"], "source": cols["source"]}
    ).filter(pl.col("source") == 1)
    matched = loans.join(fills.select("item", "seq", "patron_id"), on=["item", "seq"], how="inner")
    patron[matched["row"].to_numpy()] = matched["patron_id"].to_numpy()
    picks = collected.filter(pl.col("kind") == 2).select("pick_no", "patron_id")
    from_picks = cols["source"] == 2
    lookup = np.zeros(int(max(picks["pick_no"].max() or 0, cols["link"].max(initial=0))) + 1, dtype=np.int64)
    lookup[picks["pick_no"].to_numpy()] = picks["patron_id"].to_numpy()
    patron[from_picks] = lookup[cols["link"][from_picks]]
    return patron
