"""What planning reads, in one pass: copies, demand, shelf capacities, sections, branches and transport costs.

A copy's last activity is its last loan, else its last change of status, as sortable UTC text ('' for never):
moves and weeding take the copies that have stood still longest.
"""

from dataclasses import dataclass
from datetime import datetime

import polars as pl
from sqlmodel import Session, select

from logistics.planning.config import PlanningConfig
from logistics.planning.demand import Demand, demand_estimate
from logistics.planning.frames import read_frame, reader, text_time
from materials.domain.sections import section_for
from materials.domain.states import HOLDING_RESERVATION_STATES, BranchKind, ItemStatus
from materials.models import Branch

LENDING = (BranchKind.MAIN, BranchKind.BRANCH)
# Copies that stand somewhere (or are on their way to somewhere) and so count towards what a branch holds.
HELD_STATUSES = (ItemStatus.ON_SHELF, ItemStatus.ON_DISPLAY, ItemStatus.IN_SORTING, ItemStatus.IN_TRANSIT)
ITEM_SCHEMA = {
    "item_id": pl.Int64,
    "title_id": pl.Int64,
    "branch_id": pl.Int64,
    "status": pl.String,
    "destination_branch_id": pl.Int64,
    "last_activity": pl.String,
}


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
    items: pl.DataFrame  # ITEM_SCHEMA; destination_branch_id 0 when none
    busy: pl.DataFrame  # item_id: copies serving a reservation or with an open task
    moving: pl.DataFrame  # item_id, to_branch_id: accepted moves not yet picked
    demand: Demand
    sections: pl.DataFrame  # title_id, section
    capacities: pl.DataFrame  # branch_id, section, capacity (0: no limit set)
    costs: pl.DataFrame  # from_branch_id, to_branch_id, cost

    @property
    def lending_ids(self) -> list[int]:
        return sorted(b.id for b in self.branches.values() if b.lends)


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def load_branches(session: Session) -> dict[int, BranchRow]:
    rows = session.exec(select(Branch.id, Branch.isil, Branch.name, Branch.kind))
    return {i or 0: BranchRow(i or 0, isil, name, str(kind)) for i, isil, name, kind in rows}


def load_items(session: Session) -> pl.DataFrame:
    activity = text_time(session, "COALESCE(last_loan_at, status_changed_at)")
    sql = (
        f"SELECT id AS item_id, title_id, branch_id, status, COALESCE(destination_branch_id, 0) AS destination_branch_id, "
        f"{activity} AS last_activity FROM item WHERE status IN ({_in(tuple(str(s) for s in HELD_STATUSES))})"
    )
    return read_frame(session, sql, ITEM_SCHEMA)


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
    sql = (
        "SELECT id AS title_id, audience, material_type, "
        "CASE WHEN lower(trim(classification)) IN ('sk', '') THEN 'sk' ELSE '1' END AS classification FROM title"
    )
    schema = {"title_id": pl.Int64, "audience": pl.String, "material_type": pl.String, "classification": pl.String}
    titles = read_frame(session, sql, schema)
    keys = titles.select("audience", "material_type", "classification").unique()
    sections = keys.with_columns(
        pl.Series(
            "section",
            [section_for(audience=a, material_type=m, classification=c) for a, m, c in keys.iter_rows()],
            dtype=pl.String,
        )
    )
    return titles.join(sections, on=["audience", "material_type", "classification"]).select("title_id", "section")


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
    with reader(session):
        return _load_snapshot(session, config=config, at=at)


def _load_snapshot(session: Session, *, config: PlanningConfig, at: datetime) -> Snapshot:
    return Snapshot(
        at=at,
        branches=load_branches(session),
        items=load_items(session),
        busy=load_busy(session),
        moving=load_moving(session),
        demand=demand_estimate(session, config=config, at=at),
        sections=load_sections(session),
        capacities=load_capacities(session),
        costs=load_costs(session),
    )
