"""Where every copy stands on the seed's today, the shelves' capacities that follow, and the open pick tasks.

A copy's state follows from its last engagement: on loan while a loan is open, in transit or on the hold shelf
while a reservation brings it, otherwise on a shelf where it was last returned (floating). A few shelf copies are
missing, a few are on their way home (some stuck in transit for days), so every exception queue has something.
"""

from datetime import date

import numpy as np
import polars as pl

from materials.demo.circulation import stamp
from materials.demo.collection import Copies
from materials.demo.library import BRANCHES, PUBLIC_KINDS, STORAGE_INDEX, pick_station
from materials.domain.sections import SECTIONS, shelfmark_key

MISSING_SHARE = 0.003
HEADING_HOME_SHARE = 0.004
STUCK_SHARE = 0.15  # of those in transit, the share that has been on the way too long
NEARLY_FULL_SHARE = 0.1  # of shelf sections, the share with hardly any room left
# Condition follows use: copies lent this often are worn, then damaged; a few per thousand are damaged by accident
# (chosen by a hash of the id, so the seed's random streams stay as they were).
WORN_LOANS, DAMAGED_LOANS, ACCIDENT_PER_MILLE = 12, 20, 3


def item_states(
    rng: np.random.Generator,
    copies: Copies,
    final_branch: np.ndarray,
    loans: pl.DataFrame,
    reservations: pl.DataFrame,
    today: int,
) -> pl.DataFrame:
    """One row per item: item (index), status, branch, destination and since when."""
    n = copies.count
    status = np.full(n, "on_shelf", dtype=object)
    branch = final_branch.astype(np.int64).copy()
    destination = np.full(n, -1)
    since_day = np.maximum(copies.added_day, 0).astype(np.int64)
    loans = loans.select("item", "branch", "start", "end", "returned_at")  # filter a narrow frame, not all of it
    open_loans = loans.filter(pl.col("returned_at").is_null())
    idx = open_loans["item"].to_numpy()
    status[idx], branch[idx] = "on_loan", open_loans["branch"].to_numpy()
    since_day[idx] = open_loans["start"].to_numpy()
    done = loans.filter(pl.col("returned_at").is_not_null()).group_by("item").agg(pl.col("end").max())
    back = done["item"].to_numpy()
    shelf_now = status[back] == "on_shelf"
    since_day[back[shelf_now]] = done["end"].to_numpy()[shelf_now]
    for state, item_status in (("in_transit", "in_transit"), ("ready", "on_hold_shelf"), ("allocated", "on_shelf")):
        live = reservations.filter(pl.col("state") == state)
        idx = live["filled_item"].to_numpy()
        status[idx] = item_status
        pickup, origin = live["pickup"].to_numpy(), live["origin"].to_numpy()
        branch[idx] = pickup if state == "ready" else origin
        if state == "in_transit":
            destination[idx] = pickup
        since_day[idx] = live["ready"].to_numpy() if state == "ready" else live["fill"].to_numpy()
    # Exceptions among copies on public shelves that nothing reserves.
    reserved = np.zeros(n, dtype=bool)
    reserved[reservations.filter(pl.col("state") == "allocated")["filled_item"].to_numpy()] = True
    shelf = np.flatnonzero((status == "on_shelf") & ~reserved & (branch != STORAGE_INDEX))
    shelf = rng.permutation(shelf)
    n_missing, n_home = int(len(shelf) * MISSING_SHARE), int(len(shelf) * HEADING_HOME_SHARE)
    missing = shelf[:n_missing]
    status[missing] = "missing"
    away = shelf[n_missing:][copies.home[shelf[n_missing:]] != branch[shelf[n_missing:]]][:n_home]
    status[away], destination[away] = "in_transit", copies.home[away]
    stuck = rng.random(len(away)) < STUCK_SHARE
    since_day[away] = today - np.where(stuck, rng.integers(6, 40, len(away)), rng.integers(0, 2, len(away)))
    return pl.DataFrame(
        {
            "item": np.arange(n),
            "status": status.astype(str),
            "branch": branch,
            "destination": destination,
            "since_day": since_day,
        }
    )


def shelf_layout(
    rng: np.random.Generator, states: pl.DataFrame, item_section: np.ndarray, item_shelfmark: pl.Series
) -> tuple[dict[tuple[int, str], int], dict[tuple[int, str], tuple[str, str]]]:
    """Capacity and shelf-mark range per branch × section, from the copies that belong there now."""
    frame = (
        states.select("branch", "status")
        .with_columns(pl.Series("section", item_section), pl.Series("shelfmark", item_shelfmark))
        .filter(pl.col("status").is_in(["on_shelf", "on_loan", "missing", "on_hold_shelf"]))
    )
    counts = (
        frame.group_by("branch", "section")
        .agg(pl.len().alias("n"), pl.col("shelfmark").unique())
        .sort(
            "branch",
            "section",  # the draws below must come in the same order every time
        )
    )
    capacity: dict[tuple[int, str], int] = {}
    ranges: dict[tuple[int, str], tuple[str, str]] = {}
    public = [i for i, b in enumerate(BRANCHES) if b.kind in PUBLIC_KINDS]
    for b in public:
        for section in SECTIONS:
            capacity[(b, section)] = 20  # a section a branch has no copies for still has a shelf
    for b, s, n, marks in counts.iter_rows():
        section = SECTIONS[s]
        margin = rng.uniform(1.0, 1.02) if rng.random() < NEARLY_FULL_SHARE else rng.uniform(1.1, 1.35)
        capacity[(b, section)] = int(np.ceil(n * margin)) + (0 if margin < 1.05 else 5)
        ordered = sorted(marks, key=shelfmark_key)
        ranges[(b, section)] = (ordered[0], ordered[-1])
    return capacity, ranges


def items_frame(
    copies: Copies,
    states: pl.DataFrame,
    titles: pl.DataFrame,
    loans: pl.DataFrame,
    shelf: dict[tuple[int, str], int],
    hold: dict[int, int],
    storage: int,
    barcodes: np.ndarray,
    start: date,
) -> pl.DataFrame:
    item_section = titles["_section"].to_numpy()[copies.title]
    loan_stats = (
        loans.select("item", "loaned_at")
        .group_by("item")
        .agg(pl.len().alias("loan_count"), pl.col("loaned_at").max().alias("last_loan_at"))
    )
    shelf_lookup = np.zeros((len(BRANCHES), len(SECTIONS)), dtype=np.int64)
    for (b, section), loc in shelf.items():
        shelf_lookup[b, SECTIONS.index(section)] = loc
    branch = states["branch"].to_numpy()
    status = states["status"].to_numpy()
    location = np.where(branch == STORAGE_INDEX, storage, shelf_lookup[branch, item_section])
    hold_lookup = np.zeros(len(BRANCHES), dtype=np.int64)
    for b, loc in hold.items():
        hold_lookup[b] = loc
    location = np.where(status == "on_hold_shelf", hold_lookup[branch], location)
    location = np.where(np.isin(status, ["on_loan", "in_transit"]), 0, location)
    destination = states["destination"].to_numpy()
    title_cols = titles.select(pl.col("shelfmark"), pl.col("parts"))[copies.title]
    return (
        pl.DataFrame(
            {
                "id": np.arange(1, copies.count + 1),
                "barcode": barcodes,
                "title_id": copies.title + 1,
                "home_branch_id": copies.home + 1,
                "branch_id": branch + 1,
                "location_id": location,
                "status": status,
                "shelfmark": title_cols["shelfmark"],
                "parts": title_cols["parts"],
                "floating": True,
                "destination_branch_id": np.where(destination >= 0, destination + 1, 0),
                "destination_location_id": np.where(destination >= 0, hold_lookup[np.maximum(destination, 0)], 0),
                "_added_day": copies.added_day,
                "_since": states["since_day"],
            }
        )
        .with_columns(
            pl.col("location_id", "destination_branch_id", "destination_location_id").replace(0, None),
            (pl.lit(start) + pl.duration(days=pl.col("_added_day"))).alias("added_on"),
            stamp(start, pl.col("_since"), pl.lit(9 * 3600)).alias("status_changed_at"),
        )
        .join(
            loan_stats.with_columns((pl.col("item") + 1).alias("id")).drop("item"),
            on="id",
            how="left",
            maintain_order="left",
        )
        .with_columns(pl.col("loan_count").fill_null(0))
        .with_columns(condition(pl.col("id"), pl.col("loan_count")))
    )


def condition(item_id: pl.Expr, loan_count: pl.Expr) -> pl.Expr:
    accident = (item_id * 2654435761) % 1000 < ACCIDENT_PER_MILLE
    return (
        pl.when((loan_count >= DAMAGED_LOANS) | accident)
        .then(pl.lit("damaged"))
        .when(loan_count >= WORN_LOANS)
        .then(pl.lit("worn"))
        .otherwise(pl.lit("good"))
        .alias("condition")
    )


def pick_tasks_frame(reservations: pl.DataFrame) -> pl.DataFrame:
    """An open pick task for every reservation allocated to a shelf copy today."""
    allocated = reservations.filter(pl.col("state") == "allocated")
    names = {i: b.name for i, b in enumerate(BRANCHES)}
    stations = {i: pick_station(i) for i in range(len(BRANCHES))}
    return allocated.select(
        pl.int_range(1, pl.len() + 1).alias("id"),
        pl.lit("pick").alias("kind"),
        pl.lit("open").alias("state"),
        pl.col("origin").replace_strict(stations, return_dtype=pl.Utf8).alias("station"),
        (pl.col("origin") + 1).alias("branch_id"),
        pl.col("item_id"),
        pl.col("id").alias("reservation_id"),
        pl.col("pickup_branch_id").alias("destination_branch_id"),
        pl.format("Reserveret: afhentes på {}", pl.col("pickup").replace_strict(names, return_dtype=pl.Utf8)).alias(
            "reason"
        ),
        pl.col("allocated_at").alias("created_at"),
        (pl.col("allocated_at") + pl.duration(days=1)).alias("due_at"),
    )
