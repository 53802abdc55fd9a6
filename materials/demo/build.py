"""Builds the whole demo library in memory as one frame per table, without touching a database."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl

from materials.demo.calendar import day_factors
from materials.demo.catalogue import build_titles
from materials.demo.circulation import PatronPicker, loans_frame, patrons_frame, reservations_frame
from materials.demo.collection import barcodes, place_copies, shelfmarks
from materials.demo.history import simulate
from materials.demo.library import (
    BRANCHES,
    PUBLIC_KINDS,
    branches_frame,
    locations_frame,
    sort_bins_frame,
    stations_frame,
    transport_costs_frame,
)
from materials.demo.placement import item_states, items_frame, pick_tasks_frame, shelf_layout


@dataclass(frozen=True)
class Scale:
    real_titles: int
    generated_titles: int
    items: int
    patrons: int
    years: int
    # Asked-for lending per copy; what is realised comes out a little higher (reservations add loans).
    loans_per_item_year: float
    new_share: float = 0.35


SCALES: dict[str, Scale] = {
    "small": Scale(
        real_titles=1_000, generated_titles=2_000, items=20_000, patrons=5_000, years=3, loans_per_item_year=2.2
    ),
    "city": Scale(
        real_titles=10_000, generated_titles=140_000, items=1_000_000, patrons=250_000, years=3, loans_per_item_year=2.2
    ),
}
DEFAULT_TODAY = date(2026, 11, 23)
# Tables in the order they are loaded (foreign keys point backwards).
TABLE_ORDER = (
    "branch",
    "transportcost",
    "location",
    "station",
    "sortbin",
    "title",
    "patron",
    "item",
    "loan",
    "reservation",
    "task",
)


@dataclass
class Library:
    frames: dict[str, pl.DataFrame]
    start: date
    today: date

    def counts(self) -> dict[str, int]:
        return {name: frame.height for name, frame in self.frames.items()}


def build_library(
    scale: Scale,
    *,
    seed: int,
    today: date,
    patron_key: str,
    step: Callable[[str], None] = lambda _: None,
    tick: Callable[[int], None] = lambda _: None,
) -> Library:
    rng = np.random.default_rng(seed)
    days = scale.years * 365 + 1
    start = today - timedelta(days=days - 1)
    step("catalogue")
    titles = build_titles(
        rng, real=scale.real_titles, generated=scale.generated_titles, start=start, days=days, new_share=scale.new_share
    )
    titles = titles.with_columns(shelfmarks(titles))
    copies = place_copies(rng, titles, items=scale.items)
    step("history")
    history = simulate(
        rng,
        copies,
        day_factors(start, days),
        first_weekday=start.weekday(),
        loans_per_item_year=scale.loans_per_item_year,
        tick=tick,
    )
    step("loans and reservations")
    patrons = patrons_frame(rng, scale.patrons, key=patron_key, seed=seed)
    picker = PatronPicker(rng, patrons)
    reservations = reservations_frame(rng, history, copies.title, start, picker)
    loans = loans_frame(rng, history, copies.title, start, picker, reservations)
    step("shelves")
    states = item_states(rng, copies, history.branch, loans, reservations, history.today)
    del history  # the raw simulation is all in the frames now; free it before the big frames are prepared
    item_section = titles["_section"].to_numpy()[copies.title]
    capacity, ranges = shelf_layout(rng, states, item_section, titles["shelfmark"][copies.title])
    displays = {
        i: 1 + int(b.size >= 1.0) + int(b.size >= 1.5) for i, b in enumerate(BRANCHES) if b.kind in PUBLIC_KINDS
    }
    ready = reservations.filter(pl.col("state") == "ready").group_by("pickup").len()
    locations, ids = locations_frame(capacity, ranges, displays, dict(ready.iter_rows()))
    items = items_frame(
        copies, states, titles, loans, ids.shelf, ids.hold, ids.storage, barcodes(rng, copies.count), start
    )
    frames = {
        "branch": branches_frame(),
        "transportcost": transport_costs_frame(),
        "location": locations,
        "station": stations_frame(),
        "sortbin": sort_bins_frame(),
        "title": titles,
        "patron": patrons,
        "item": items,
        "loan": loans,
        "reservation": reservations,
        "task": pick_tasks_frame(reservations),
    }
    return Library(frames=frames, start=start, today=today)
