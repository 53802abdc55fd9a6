"""Copenhagen's libraries as the demo has them: branches, places inside them, stations, sorter bins, van costs.

Names and rough positions are those of Københavns Biblioteker's main library and 19 branches; the central sorting
room and the remote store are the plan's, placed where a van depot plausibly stands. Sizes are relative (1.0 = an
average branch) and `family` says how much more children's material a branch lends than the average.
"""

import math
from dataclasses import dataclass

import polars as pl

from materials.domain.sections import SECTION_NAMES_DA, SECTIONS
from materials.domain.states import BranchKind, LocationKind


@dataclass(frozen=True)
class BranchSpec:
    isil: str
    name: str
    lat: float
    lon: float
    size: float
    family: float
    closed_days: str
    kind: BranchKind = BranchKind.BRANCH


BRANCHES: tuple[BranchSpec, ...] = (
    BranchSpec("DK-710100", "Hovedbiblioteket", 55.6800, 12.5730, 3.0, 0.7, "", BranchKind.MAIN),
    BranchSpec("DK-710101", "Bibliotekshuset Rentemestervej", 55.7055, 12.5330, 1.2, 1.1, "6"),
    BranchSpec("DK-710102", "Blågården", 55.6880, 12.5560, 0.8, 1.0, "6"),
    BranchSpec("DK-710103", "Brønshøj", 55.7060, 12.4960, 1.0, 1.2, "6"),
    BranchSpec("DK-710104", "Christianshavn", 55.6730, 12.5890, 0.7, 0.9, "6"),
    BranchSpec("DK-710105", "Husum", 55.7100, 12.4640, 0.6, 1.3, "6"),
    BranchSpec("DK-710106", "Kulturhuset Islands Brygge", 55.6640, 12.5790, 1.1, 1.3, ""),
    BranchSpec("DK-710107", "Nørrebro", 55.6980, 12.5420, 1.4, 1.0, ""),
    BranchSpec("DK-710108", "Ørestad", 55.6300, 12.5780, 1.0, 1.5, ""),
    BranchSpec("DK-710109", "Østerbro", 55.6940, 12.5800, 1.5, 1.1, ""),
    BranchSpec("DK-710110", "Øbro-Jagtvej", 55.7050, 12.5600, 0.7, 0.9, "6"),
    BranchSpec("DK-710111", "Solvang", 55.7090, 12.5220, 0.6, 1.1, "6"),
    BranchSpec("DK-710112", "Sundby", 55.6610, 12.6060, 1.3, 1.2, ""),
    BranchSpec("DK-710113", "Sydhavn", 55.6470, 12.5350, 0.8, 1.2, "6"),
    BranchSpec("DK-710114", "Tingbjerg", 55.7220, 12.4800, 0.5, 1.4, "6"),
    BranchSpec("DK-710115", "Valby", 55.6650, 12.5110, 1.5, 1.3, ""),
    BranchSpec("DK-710116", "Kulturstationen Vanløse", 55.6870, 12.4910, 1.2, 1.3, ""),
    BranchSpec("DK-710117", "Vesterbro", 55.6700, 12.5440, 1.3, 0.9, ""),
    BranchSpec("DK-710118", "Vigerslev", 55.6560, 12.5050, 0.7, 1.2, "6"),
    BranchSpec("DK-710119", "Kulturhuset Indre By", 55.6840, 12.5940, 0.5, 0.8, "6"),
    BranchSpec("DK-710198", "Centralsorteringen", 55.6560, 12.5420, 0.0, 0.0, "5,6", BranchKind.SORTING),
    BranchSpec("DK-710199", "Fjernmagasinet", 55.6200, 12.4800, 0.0, 0.0, "5,6", BranchKind.STORAGE),
)
PUBLIC_KINDS = (BranchKind.MAIN, BranchKind.BRANCH)
SORTING_INDEX = next(i for i, b in enumerate(BRANCHES) if b.kind == BranchKind.SORTING)
STORAGE_INDEX = next(i for i, b in enumerate(BRANCHES) if b.kind == BranchKind.STORAGE)
N_PUBLIC = sum(b.kind in PUBLIC_KINDS for b in BRANCHES)
SORTING_STATIONS = 4


def branch_id(index: int) -> int:
    """Branch ids are positions in BRANCHES, from 1, so every table can be built before anything is loaded."""
    return index + 1


def digits(isil: str) -> str:
    return isil.removeprefix("DK-")


def branches_frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "id": [branch_id(i) for i in range(len(BRANCHES))],
            "isil": [b.isil for b in BRANCHES],
            "name": [b.name for b in BRANCHES],
            "kind": [str(b.kind) for b in BRANCHES],
            "closed_days": [b.closed_days for b in BRANCHES],
            "size": [b.size for b in BRANCHES],
        }
    )


def _km(a: BranchSpec, b: BranchSpec) -> float:
    # Equirectangular distance is plenty inside one city; ×1.3 for streets that are not straight lines.
    dx = (b.lon - a.lon) * 111.32 * math.cos(math.radians((a.lat + b.lat) / 2))
    dy = (b.lat - a.lat) * 110.57
    return 1.3 * math.hypot(dx, dy)


def transport_costs_frame() -> pl.DataFrame:
    """Van minutes via the sorting room (every crate passes through it), plus handling; 0 on the diagonal."""
    hub = BRANCHES[SORTING_INDEX]
    rows: dict[str, list[float | int]] = {"from_branch_id": [], "to_branch_id": [], "cost": []}
    for i, a in enumerate(BRANCHES):
        for j, b in enumerate(BRANCHES):
            if i == j:
                cost = 0.0
            elif a is hub or b is hub:
                cost = 5.0 + 2.5 * _km(a, b)
            else:
                cost = 10.0 + 2.5 * (_km(a, hub) + _km(hub, b))
            rows["from_branch_id"].append(branch_id(i))
            rows["to_branch_id"].append(branch_id(j))
            rows["cost"].append(round(cost, 1))
    return pl.DataFrame(rows)


@dataclass(frozen=True)
class LocationIds:
    """Where the location ids of each branch start; sections, hold shelf and displays follow in a fixed order."""

    shelf: dict[tuple[int, str], int]
    hold: dict[int, int]
    storage: int


def locations_frame(
    capacity: dict[tuple[int, str], int],
    shelfmarks: dict[tuple[int, str], tuple[str, str]],
    display_counts: dict[int, int],
    on_hold: dict[int, int],
) -> tuple[pl.DataFrame, LocationIds]:
    """Every place: a shelf location per section, a hold shelf and 1–3 displays per public branch, the sorter
    bins in the sorting room and the remote store's stacks."""
    rows: list[dict[str, object]] = []
    shelf: dict[tuple[int, str], int] = {}
    hold: dict[int, int] = {}

    def add(branch: int, kind: LocationKind, code: str, name: str, **extra: object) -> int:
        rows.append(
            {
                "id": len(rows) + 1,
                "branch_id": branch_id(branch),
                "kind": str(kind),
                "code": code,
                "name": name,
                "section": None,
                "shelfmark_from": None,
                "shelfmark_to": None,
                "walk_order": 0,
                "capacity": 0,
                **extra,
            }
        )
        return len(rows)

    for i, spec in enumerate(BRANCHES):
        if spec.kind not in PUBLIC_KINDS:
            continue
        # Walk from the entrance: media and children's first at some branches, adult fiction first at others.
        order = SECTIONS if i % 2 == 0 else tuple(reversed(SECTIONS))
        for walk, section in enumerate(order, start=1):
            low, high = shelfmarks.get((i, section), ("", ""))
            shelf[(i, section)] = add(
                i,
                LocationKind.SHELF,
                section,
                SECTION_NAMES_DA[section],
                section=section,
                shelfmark_from=low or None,
                shelfmark_to=high or None,
                walk_order=walk * 10,
                capacity=capacity.get((i, section), 0),
            )
        hold[i] = add(
            i,
            LocationKind.HOLD_SHELF,
            "hold",
            "Reserveringer til afhentning",
            walk_order=0,
            capacity=max(int(150 * spec.size) + 50, int(on_hold.get(i, 0) * 1.5)),
        )
        for d in range(1, display_counts.get(i, 1) + 1):
            add(i, LocationKind.DISPLAY, f"display-{d}", f"Udstilling {d}", walk_order=5 + d, capacity=30 + 10 * d)
    for code, name, dest in sort_bin_specs():
        add(
            SORTING_INDEX,
            LocationKind.SORTER_BIN,
            code,
            name,
            walk_order=int(code[1:]),
            capacity=120,
            section=None if dest is None else BRANCHES[dest].isil,
        )
    storage = add(
        STORAGE_INDEX,
        LocationKind.STORAGE,
        "magasin",
        "Fjernmagasinet, reoler",
        capacity=max(50_000, 2 * sum(n for (b, _), n in capacity.items() if b == STORAGE_INDEX)),
    )
    return pl.DataFrame(rows, infer_schema_length=None), LocationIds(shelf=shelf, hold=hold, storage=storage)


def sort_bin_specs() -> list[tuple[str, str, int | None]]:
    """(code, name, destination branch index): one bin per public branch, one for storage, one for exceptions."""
    specs: list[tuple[str, str, int | None]] = [
        (f"S{n:02d}", f"Sorterbakke {BRANCHES[i].name}", i)
        for n, i in enumerate((i for i, b in enumerate(BRANCHES) if b.kind in PUBLIC_KINDS), start=1)
    ]
    specs.append(("S90", "Sorterbakke Fjernmagasinet", STORAGE_INDEX))
    specs.append(("S99", "Afvigelser", None))
    return specs


def sort_bins_frame() -> pl.DataFrame:
    specs = sort_bin_specs()
    return pl.DataFrame(
        {
            "id": list(range(1, len(specs) + 1)),
            "code": [code for code, _, _ in specs],
            "destination_branch_id": [None if d is None else branch_id(d) for _, _, d in specs],
            "purpose": [
                "exception" if d is None else "storage" if d == STORAGE_INDEX else "branch" for _, _, d in specs
            ],
        },
        schema_overrides={"destination_branch_id": pl.Int64},
    )


def pick_station(index: int) -> str:
    return f"pluk-{digits(BRANCHES[index].isil)}"


def stations_frame() -> pl.DataFrame:
    rows: list[tuple[str, int, str]] = [
        (f"sortering-{n}", branch_id(SORTING_INDEX), "scan") for n in range(1, SORTING_STATIONS + 1)
    ]
    for i, spec in enumerate(BRANCHES):
        if spec.kind in PUBLIC_KINDS or spec.kind == BranchKind.STORAGE:
            rows.append((pick_station(i), branch_id(i), "pick"))
        if spec.kind in PUBLIC_KINDS:
            rows.append((f"automat-{digits(spec.isil)}", branch_id(i), "automat"))
    return pl.DataFrame(
        {
            "id": list(range(1, len(rows) + 1)),
            "name": [r[0] for r in rows],
            "branch_id": [r[1] for r in rows],
            "kind": [r[2] for r in rows],
        }
    )
