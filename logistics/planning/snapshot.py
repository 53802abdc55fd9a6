"""What planning reads, in one pass: copies, demand, shelf capacities, sections, branches and transport costs.

A copy's last activity is its last loan, else its last change of status. The snapshot carries only whether the copy
may move — that is older than `idle_days` and the copy is not damaged (a million rows of integers read twice as fast
as rows with text); the text itself and the copy's condition are read for the few copies a move is chosen among
(`load_activity`).
"""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

import polars as pl
from sqlmodel import Session, select

from logistics.planning.config import PlanningConfig
from logistics.planning.demand import Demand, demand_estimate
from logistics.planning.digest import DIGEST_SCHEMA, digest_sql
from logistics.planning.frames import read_frame, reader, sql_time, text_time
from materials.domain.sections import section_for
from materials.domain.states import HOLDING_RESERVATION_STATES, BranchKind, ItemCondition, ItemStatus
from materials.models import Branch

LENDING = (BranchKind.MAIN, BranchKind.BRANCH)
# Copies that stand somewhere (or are on their way to somewhere) and so count towards what a branch holds.
HELD_STATUSES = (ItemStatus.ON_SHELF, ItemStatus.ON_DISPLAY, ItemStatus.IN_SORTING, ItemStatus.IN_TRANSIT)
# The item frame carries statuses as small codes.
ON_SHELF, ON_DISPLAY, IN_SORTING, IN_TRANSIT = range(4)
ITEM_SCHEMA = {
    "item_id": pl.Int64,
    "title_id": pl.Int64,
    "branch_id": pl.Int64,
    "state": pl.Int8,
    "movable": pl.Boolean,
}
# How worn a copy is, as a sort key: the copies in better condition go first when a branch gets a copy.
WEAR = {ItemCondition.GOOD: 0, ItemCondition.WORN: 1, ItemCondition.DAMAGED: 2}


@dataclass(frozen=True)
class BranchRow:
    id: int
    isil: str
    name: str
    kind: str

    @property
    def lends(self) -> bool:
        return self.kind in LENDING


@dataclass(frozen=True)
class Snapshot:
    at: datetime
    branches: dict[int, BranchRow]
    # ITEM_SCHEMA; branch_id: where the copy counts (a copy heading somewhere counts there); movable: untouched
    # for idle_days and not damaged (a damaged copy waits for repair or weeding, it does not travel)
    items: pl.DataFrame
    busy: pl.DataFrame  # item_id: copies serving a reservation or with an open task
    moving: pl.DataFrame  # item_id, to_branch_id: accepted moves not yet picked
    demand: Demand
    sections: pl.DataFrame  # title_id, section
    capacities: pl.DataFrame  # branch_id, section, capacity (0: no limit set)
    costs: pl.DataFrame  # from_branch_id, to_branch_id, cost
    stored: pl.DataFrame  # the Target table as it stands: per title its row count and digest (DIGEST_SCHEMA)

    @property
    def lending_ids(self) -> list[int]:
        return sorted(b.id for b in self.branches.values() if b.lends)


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def load_branches(session: Session) -> dict[int, BranchRow]:
    rows = session.exec(select(Branch.id, Branch.isil, Branch.name, Branch.kind))
    return {i or 0: BranchRow(i or 0, isil, name, str(kind)) for i, isil, name, kind in rows}


def load_items(session: Session, *, idle_since: datetime) -> pl.DataFrame:
    """ITEM_SCHEMA. Where the copy counts, its state and whether it may move travel as one number (branch × 8 +
    state × 2 + movable): below 257 Python hands out the same int objects, and a third less to fetch per row."""
    codes = " ".join(f"WHEN '{s}' THEN {code}" for code, s in enumerate(HELD_STATUSES))
    branch = "CASE WHEN status IN ('in_sorting', 'in_transit') THEN COALESCE(destination_branch_id, branch_id) ELSE branch_id END"
    movable = (
        f"CASE WHEN COALESCE(last_loan_at, status_changed_at) >= {sql_time(session, idle_since)} "
        f"OR condition = '{ItemCondition.DAMAGED}' THEN 0 ELSE 1 END"
    )
    sql = (
        f"SELECT id AS item_id, title_id, ({branch}) * 8 + (CASE status {codes} END) * 2 + {movable} AS code "
        f"FROM item WHERE status IN ({_in(tuple(str(s) for s in HELD_STATUSES))})"
    )
    packed = read_frame(session, sql, {"item_id": pl.Int64, "title_id": pl.Int64, "code": pl.Int64})
    code = pl.col("code")
    return packed.select(
        "item_id",
        "title_id",
        (code // 8).alias("branch_id"),
        ((code // 2) % 4).cast(pl.Int8).alias("state"),
        (code % 2 == 1).alias("movable"),
    )


def wear_sql(column: str = "condition") -> str:
    """The WEAR code of a condition column; a copy nobody assessed counts as good."""
    cases = " ".join(f"WHEN '{c}' THEN {code}" for c, code in WEAR.items())
    return f"COALESCE(CASE {column} {cases} END, 0)"


def load_activity(session: Session, title_ids: list[int]) -> pl.DataFrame:
    """Last activity (sortable UTC text, '' for never) and condition of the shelf copies of these titles."""
    schema = {"item_id": pl.Int64, "last_activity": pl.String, "condition": pl.String, "wear": pl.Int64}
    if not title_ids:
        return pl.DataFrame(schema=schema)
    ids = ", ".join(str(i) for i in sorted(set(title_ids)))
    activity = text_time(session, "COALESCE(last_loan_at, status_changed_at)")
    sql = (
        f"SELECT id AS item_id, {activity} AS last_activity, condition, {wear_sql()} AS wear FROM item "
        f"WHERE status = 'on_shelf' AND title_id IN ({ids})"
    )
    return read_frame(session, sql, schema)


def load_stored_targets(session: Session) -> pl.DataFrame:
    return read_frame(session, digest_sql(), DIGEST_SCHEMA)


def load_busy(session: Session) -> pl.DataFrame:
    holding = _in(tuple(str(s) for s in HOLDING_RESERVATION_STATES))
    sql = (
        f"SELECT item_id FROM reservation WHERE item_id IS NOT NULL AND state IN ({holding}) "
        f"UNION SELECT item_id FROM task WHERE item_id IS NOT NULL AND state = 'open'"
    )
    return read_frame(session, sql, {"item_id": pl.Int64})


def load_moving(session: Session) -> pl.DataFrame:
    sql = (
        "SELECT m.item_id, m.to_branch_id FROM movesuggestion m JOIN task t ON t.id = m.task_id "
        "WHERE m.state = 'accepted' AND t.state = 'open'"
    )
    return read_frame(session, sql, {"item_id": pl.Int64, "to_branch_id": pl.Int64})


def load_sections(session: Session) -> pl.DataFrame:
    """Each title's shelf section, by the domain rule applied once per distinct (audience, material, fiction)."""
    fiction = "CASE WHEN lower(trim(classification)) IN ('sk', '') THEN 'sk' ELSE '1' END"
    keys = read_frame(
        session,
        f"SELECT DISTINCT audience, material_type, {fiction} AS classification FROM title",
        {"audience": pl.String, "material_type": pl.String, "classification": pl.String},
    )
    sections = sorted({section_for(audience=a, material_type=m, classification=c) for a, m, c in keys.iter_rows()})
    cases = " ".join(
        f"WHEN audience = '{a}' AND material_type = '{m}' AND {fiction} = '{c}' "
        f"THEN {sections.index(section_for(audience=a, material_type=m, classification=c))}"
        for a, m, c in keys.iter_rows()
    )
    codes = read_frame(
        session, f"SELECT id AS title_id, CASE {cases or 'WHEN 1 = 0 THEN 0'} END AS code FROM title",
        {"title_id": pl.Int64, "code": pl.Int64},
    )  # fmt: skip
    names = pl.DataFrame(
        {"code": list(range(len(sections))), "section": sections}, schema={"code": pl.Int64, "section": pl.String}
    )
    return codes.join(names, on="code", how="left").select("title_id", "section")


def load_capacities(session: Session) -> pl.DataFrame:
    sql = (
        "SELECT branch_id, section, SUM(capacity) AS capacity FROM location "
        "WHERE kind = 'shelf' AND section IS NOT NULL GROUP BY branch_id, section"
    )
    return read_frame(session, sql, {"branch_id": pl.Int64, "section": pl.String, "capacity": pl.Int64})


def load_costs(session: Session) -> pl.DataFrame:
    sql = "SELECT from_branch_id, to_branch_id, cost FROM transportcost"
    return read_frame(session, sql, {"from_branch_id": pl.Int64, "to_branch_id": pl.Int64, "cost": pl.Float64})


def load_snapshot(session: Session, *, config: PlanningConfig, at: datetime) -> Snapshot:
    """Everything planning reads. The copies are read on a thread and connection of their own while this thread
    reads the rest (SQLite and the Arrow reader do their work outside the GIL)."""
    branches = load_branches(session)

    def copies() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
        with reader(session):
            idle_since = at - timedelta(days=config.idle_days)
            return load_items(session, idle_since=idle_since), load_busy(session), load_moving(session)

    with ThreadPoolExecutor(max_workers=1) as pool:
        first = pool.submit(copies)
        with reader(session):
            demand = demand_estimate(session, config=config, at=at)
            rest = load_sections(session), load_capacities(session), load_costs(session), load_stored_targets(session)
        items, busy, moving = first.result()
    sections, capacities, costs, stored = rest
    return Snapshot(at, branches, items, busy, moving, demand, sections, capacities, costs, stored)
