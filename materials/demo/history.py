"""Three years of lending, simulated day by day over every copy at once (numpy, no per-loan Python).

Each day every copy on a shelf is borrowed with probability `rate × season × weekday`, where `rate` is its title's
popularity shared over its copies, lifted while the title is new and decaying after. A copy on loan that is asked
for gets a reservation queued on it instead (unless its queue is already long: patrons give up); when it comes back
the oldest reservation takes it to the pickup branch's hold shelf, where it is collected (a new loan) or expires.
Some loans start as a reservation from another branch's shelf (a pick). Copies float: they stay where returned.

Engagements of one copy never overlap, so loans and live reservations are consistent by construction.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from materials.demo.collection import Copies
from materials.demo.library import BRANCHES, PUBLIC_KINDS

BURN_IN = 56  # days simulated before the history starts, so day 0 already has copies out on loan
NEW_LIFT, NEW_DECAY_DAYS = 3.0, 75.0
MEAN_LOAN_DAYS = 21.0
RETURN_ELSEWHERE = 0.22
REMOTE_PICKUP = 0.2  # of shelf loans, the share that are reservations picked for another branch
QUEUE_PROPENSITY = 1.0  # chance that a patron finding the copy out reserves it
QUEUE_CAP = 5
COLLECTED = 0.88
CANCELLED = 0.07
SAME_BRANCH_PICKUP = 0.65
HOLD_DAYS = 7


@dataclass
class Records:
    """Columns appended day by day, concatenated at the end."""

    columns: dict[str, list[np.ndarray]] = field(default_factory=lambda: defaultdict(list))

    def add(self, **cols: np.ndarray) -> None:
        for name, values in cols.items():
            self.columns[name].append(values)

    def arrays(self) -> dict[str, np.ndarray]:
        # int32 is plenty for days, ids and counts, and halves the biggest arrays of the build.
        return {name: np.concatenate(parts).astype(np.int32) for name, parts in self.columns.items()}


@dataclass
class History:
    loans: dict[str, np.ndarray]  # item, branch, start, end, ret, source (0 shelf, 1 queue fill, 2 pick), link
    queued: dict[str, np.ndarray]  # item, seq, placed, cancel (-1 or the day a cancelled one was cancelled)
    fills: dict[str, np.ndarray]  # item, seq, fill, ready, collect (-1: expired), pickup, origin
    picks: dict[str, np.ndarray]  # item, placed, ready, collect, pickup, origin
    pending: np.ndarray
    branch: np.ndarray  # where each copy is after its last engagement
    today: int


def age_lift(age: np.ndarray) -> np.ndarray:
    return np.where(age >= 0, 1.0 + NEW_LIFT * np.exp(-np.maximum(age, 0) / NEW_DECAY_DAYS), 0.0)


def calibrate(copies: Copies, days: int, loans_per_item_year: float) -> float:
    """The rate scale that gives about the wanted loans, allowing for copies being out (busy) part of the time."""
    exists = np.clip(days - np.maximum(copies.added_day, 0), 1, days)
    a0 = np.maximum(0, -copies.added_day).astype(float)
    lifted = exists + NEW_LIFT * NEW_DECAY_DAYS * (
        np.exp(-a0 / NEW_DECAY_DAYS) - np.exp(-(a0 + exists) / NEW_DECAY_DAYS)
    )
    base = copies.weight * lifted / exists
    target = loans_per_item_year * days / 365 * copies.count
    low, high = 1e-6, 10.0
    for _ in range(36):
        k = np.sqrt(low * high)
        rate = k * base
        loans = (rate / (1 + rate * (MEAN_LOAN_DAYS + 3)) * exists).sum()
        low, high = (k, high) if loans < target else (low, k)
    return k


class _Simulation:
    """The state of every copy while the days run; methods are the things that happen to copies."""

    def __init__(self, rng: np.random.Generator, copies: Copies) -> None:
        self.rng = rng
        n = copies.count
        self.public = np.array([i for i, b in enumerate(BRANCHES) if b.kind in PUBLIC_KINDS])
        size = np.array([BRANCHES[i].size for i in self.public])
        self.pickup_cdf = np.cumsum(size / size.sum())
        self.storage = np.array([b.kind not in PUBLIC_KINDS for b in BRANCHES])
        self.branch = copies.branch.astype(np.int64)
        self.free_at = np.full(n, -BURN_IN, dtype=np.int64)
        self.pending = np.zeros(n, dtype=np.int64)
        self.queued_seq = np.zeros(n, dtype=np.int64)
        self.filled_seq = np.zeros(n, dtype=np.int64)
        self.loans, self.queued, self.fills, self.picks = Records(), Records(), Records(), Records()
        self.pick_count = 0
        # Copies with a queue (may repeat, may be stale): checked each day instead of scanning every copy.
        self.queued_items = np.zeros(0, dtype=np.int64)

    def durations(self, m: int) -> np.ndarray:
        days = np.round(self.rng.gamma(2.2, (MEAN_LOAN_DAYS - 2) / 2.2, m)) + 2
        return np.clip(days, 1, 150).astype(np.int64)

    def any_branch(self, m: int) -> np.ndarray:
        return self.public[np.minimum(np.searchsorted(self.pickup_cdf, self.rng.random(m)), len(self.public) - 1)]

    def returned_to(self, at: np.ndarray) -> np.ndarray:
        return np.where(self.rng.random(len(at)) < RETURN_ELSEWHERE, self.any_branch(len(at)), at)

    def pickups(self, at: np.ndarray, same: float) -> np.ndarray:
        keep = (self.rng.random(len(at)) < same) & ~self.storage[at]
        return np.where(keep, at, self.any_branch(len(at)))

    def hand_over(
        self, idx: np.ndarray, ready: np.ndarray, pickup: np.ndarray, source: int, link: np.ndarray
    ) -> np.ndarray:
        """The hold-shelf stage: collected (a loan at the pickup branch) or expired; returns the collect day."""
        rng = self.rng
        c = rng.random(len(idx)) < COLLECTED
        collect = ready + rng.integers(0, HOLD_DAYS, len(idx))
        dur = self.durations(len(idx))
        ret = self.returned_to(pickup)
        self.loans.add(
            item=idx[c],
            branch=pickup[c],
            start=collect[c],
            end=collect[c] + dur[c],
            ret=ret[c],
            source=np.full(c.sum(), source),
            link=link[c],
        )
        self.free_at[idx] = np.where(c, collect + dur, ready + HOLD_DAYS)
        self.branch[idx] = np.where(c, ret, pickup)
        return np.where(c, collect, -1)

    def fill_queues(self, d: int) -> None:
        """Copies coming back today with a queue go to the oldest reservation's pickup branch."""
        idx = self.queued_items[self.free_at[self.queued_items] == d]
        idx = _distinct(idx[self.pending[idx] > 0])
        if not len(idx):
            return
        seq = self.filled_seq[idx]
        self.filled_seq[idx] += 1
        self.pending[idx] -= 1
        origin = self.branch[idx].copy()
        pickup = self.pickups(origin, SAME_BRANCH_PICKUP)
        ready = d + np.where(pickup == origin, 0, 2)
        collect = self.hand_over(idx, ready, pickup, 1, seq)
        self.fills.add(
            item=idx, seq=seq, fill=np.full(len(idx), d), ready=ready, collect=collect, pickup=pickup, origin=origin
        )

    def lend(self, d: int, hit: np.ndarray) -> None:
        """A patron wants a copy that is free: a loan on the spot, or a reservation picked for another branch."""
        rng = self.rng
        remote = (rng.random(len(hit)) < REMOTE_PICKUP) | self.storage[self.branch[hit]]
        shelf, pick = hit[~remote], hit[remote]
        dur = self.durations(len(shelf))
        ret = self.returned_to(self.branch[shelf])
        self.loans.add(
            item=shelf,
            branch=self.branch[shelf],
            start=np.full(len(shelf), d),
            end=d + dur,
            ret=ret,
            source=np.zeros(len(shelf), dtype=np.int64),
            link=np.full(len(shelf), -1),
        )
        self.free_at[shelf] = d + dur
        self.branch[shelf] = ret
        if len(pick):
            origin = self.branch[pick].copy()
            pickup = self.pickups(origin, 0.0)
            ready = d + np.where(pickup == origin, 1, 2) + rng.integers(0, 2, len(pick))
            link = np.arange(self.pick_count, self.pick_count + len(pick))
            self.pick_count += len(pick)
            collect = self.hand_over(pick, ready, pickup, 2, link)
            self.picks.add(
                item=pick, placed=np.full(len(pick), d), ready=ready, collect=collect, pickup=pickup, origin=origin
            )

    def reserve(self, d: int, busy: np.ndarray) -> None:
        """A patron wants a copy that is out: a reservation joins its queue, unless the queue puts them off."""
        rng = self.rng
        wait = busy[(rng.random(len(busy)) < QUEUE_PROPENSITY) & (self.pending[busy] < QUEUE_CAP)]
        if not len(wait):
            return
        cancel = rng.random(len(wait)) < CANCELLED
        keep = wait[~cancel]
        self.queued.add(
            item=wait,
            seq=np.where(cancel, -1, self.queued_seq[wait]),
            placed=np.full(len(wait), d),
            cancel=np.where(cancel, d + rng.integers(1, 21, len(wait)), -1),
        )
        self.queued_seq[keep] += 1
        self.pending[keep] += 1
        self.queued_items = np.concatenate([self.queued_items, keep])

    def tidy(self) -> None:
        self.queued_items = np.flatnonzero(self.pending > 0)


def _distinct(values: np.ndarray) -> np.ndarray:
    """Unique values of a small array (sorting beats numpy's hash-based unique at these sizes)."""
    if len(values) < 2:
        return values
    values = np.sort(values)
    return values[np.concatenate(([True], values[1:] != values[:-1]))]


def simulate(
    rng: np.random.Generator,
    copies: Copies,
    season: np.ndarray,
    *,
    first_weekday: int,
    loans_per_item_year: float,
    tick: Callable[[int], None] = lambda _: None,
) -> History:
    """Simulate days -BURN_IN .. today; `season[d]` holds (adult, children) factors for day d >= 0, and day 0
    is a `first_weekday` (Monday = 0).

    Demand is drawn a week at a time (a Poisson count per copy, placed on days by the week's day factors), so
    the daily work touches only the copies somebody asked for.
    """
    days = len(season)
    nb = len(BRANCHES)
    sim = _Simulation(rng, copies)
    turnover = np.ones(nb)
    turnover[sim.public] = rng.uniform(0.8, 1.2, len(sim.public))  # some branches' copies simply circulate more
    open_days = np.ones((7, nb))
    for b, spec in enumerate(BRANCHES):
        for wd in filter(None, spec.closed_days.split(",")):
            open_days[int(wd), b] = 0.0
    # A branch closed on Sundays lends that day's demand on its open days instead.
    open_share = open_days * 7 / open_days.sum(axis=0)
    k = calibrate(copies, days, loans_per_item_year)
    aud = copies.children.astype(np.int64)
    title_added = np.full(copies.title.max() + 1, 1 << 30, dtype=np.int64)
    np.minimum.at(title_added, copies.title, copies.added_day)
    for w0 in range(-BURN_IN, days, 7):
        sim.tidy()
        week = np.arange(w0, min(w0 + 7, days))
        key = aud * nb + sim.branch
        factors = np.stack(
            [(season[max(int(d), 0)][:, None] * open_share[(d + first_weekday) % 7][None, :]).ravel() for d in week],
            axis=1,
        )
        total = factors.sum(axis=1)
        # The launch lift is the title's (computed per title, then spread over its copies: far fewer exps).
        lift = age_lift(w0 - title_added)[copies.title] * (copies.added_day <= w0 + 6)
        lam = k * copies.weight * lift * turnover[sim.branch] * total[key]
        counts = rng.poisson(lam)
        asked = np.repeat(np.flatnonzero(counts), counts[counts > 0])
        cdf = np.cumsum(factors, axis=1) / np.maximum(total, 1e-12)[:, None]
        on_day = (rng.random(len(asked))[:, None] > cdf[key[asked]]).sum(axis=1)
        order = np.argsort(on_day, kind="stable")
        asked, bounds = asked[order], np.searchsorted(on_day[order], np.arange(len(week) + 1))
        for j, d in enumerate(week):
            sim.fill_queues(int(d))
            today = _distinct(asked[bounds[j] : bounds[j + 1]])
            free = sim.free_at[today] <= d
            if free.any():
                sim.lend(int(d), today[free])
            if (~free).any():
                sim.reserve(int(d), today[~free])
            tick(int(d))
    return History(
        loans=sim.loans.arrays(),
        queued=sim.queued.arrays(),
        fills=sim.fills.arrays(),
        picks=sim.picks.arrays(),
        pending=sim.pending,
        branch=sim.branch,
        today=days - 1,
    )
