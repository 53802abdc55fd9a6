"""`materials plan`: displays started and ended, targets recomputed, the day's moves suggested.

Reading and computing hold no lock; only the final write (the Target table replaced, open suggestions replaced)
is one short transaction, so check-in keeps going while planning runs.
"""

import time
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from logistics.planning.config import PlanningConfig
from logistics.planning.displays import refresh_displays
from logistics.planning.move_decisions import quiet_items, write_moves
from logistics.planning.moves import suggest_moves
from logistics.planning.snapshot import load_activity, load_snapshot
from logistics.planning.targets import TargetSummary, compute_targets, write_targets
from materials.services.events import record_event


@dataclass
class PlanResult:
    demand_source: str
    targets: TargetSummary
    moves: int
    displays_ended: int
    seconds: dict[str, float] = field(default_factory=dict)  # wall time per stage
    cpu_seconds: dict[str, float] = field(default_factory=dict)  # this process's CPU time per stage


def run_plan(session: Session, *, at: datetime, config: PlanningConfig | None = None, actor: str = "") -> PlanResult:
    """Recompute targets and suggestions. Commits."""
    config = config or PlanningConfig()
    seconds: dict[str, float] = {}
    cpu: dict[str, float] = {}
    started, cpu_started = time.perf_counter(), time.process_time()

    def lap(name: str) -> None:
        nonlocal started, cpu_started
        now, cpu_now = time.perf_counter(), time.process_time()
        seconds[name], cpu[name] = round(now - started, 3), round(cpu_now - cpu_started, 3)
        started, cpu_started = now, cpu_now

    ended = refresh_displays(session, at=at, actor=actor or "planning")
    lap("displays")
    snapshot = load_snapshot(session, config=config, at=at)
    quiet = quiet_items(session, at=at, days=config.rejected_quiet_days)
    session.commit()  # end the read transaction: SQLite would otherwise hold its write lock while we compute
    lap("read")
    targets = compute_targets(snapshot, config=config)
    moves = suggest_moves(
        snapshot, targets, config=config, quiet=quiet, activity=lambda ids: load_activity(session, ids)
    )
    lap("compute")
    summary = write_targets(session, targets, snapshot.stored, at=at)
    count = write_moves(session, moves, snapshot.branches, at=at)
    record_event(
        session, at=at, kind="plan", actor=actor, demand=snapshot.demand.source, targets=summary.rows, moves=count
    )
    session.commit()
    lap("write")
    return PlanResult(snapshot.demand.source, summary, count, ended, seconds, cpu)
