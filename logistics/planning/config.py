"""The knobs of planning, with the values the materials team starts from."""

from dataclasses import dataclass


@dataclass(frozen=True)
class PlanningConfig:
    # Targets: a branch should hold enough copies to meet demand over the horizon with this probability.
    service_level: float = 0.9
    # Weeks between two chances to bring a copy back (about one loan period): demand is counted over this horizon.
    horizon_weeks: int = 4
    # Fallback demand when no model is promoted: loans per title × branch over the last this many weeks.
    demand_window_weeks: int = 13
    # Moves: a copy "stands still" when neither lent nor moved for this many days.
    idle_days: int = 90
    crate_capacity: int = 40
    # Crates a branch may send per day for moves, and crates the van route takes per day for moves in all.
    crates_per_branch_per_day: int = 2
    van_crates_per_day: int = 30
    # Transport-cost units (van minutes) that weigh as much as one copy of deficit; the same weight as routing.
    cost_per_copy: float = 30.0
    # A rejected move is not suggested again for this many days.
    rejected_quiet_days: int = 30
    # Weeding (Copenhagen's rule for floating copies): fewer than `weeding_min_loans` loans in `weeding_years`.
    weeding_min_loans: int = 2
    weeding_years: int = 6
    # Displays: face-out copies are lent several times more often than spine-out ones (DOMAIN.md).
    display_uplift: float = 3.0
    # Days a copy from another branch needs to reach a display (picking, crate, van, unpacking).
    display_transit_days: int = 3

    @property
    def moves_per_branch(self) -> int:
        return self.crates_per_branch_per_day * self.crate_capacity

    @property
    def moves_per_day(self) -> int:
        return self.van_crates_per_day * self.crate_capacity
