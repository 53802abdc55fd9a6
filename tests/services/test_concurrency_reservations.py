"""Eight processes placing, allocating, picking, cancelling and returning copies at once, on a file SQLite database
and on PostgreSQL: no copy serves two reservations, no reservation is filled twice, every acknowledged pick is in the
event log, and the tasks agree with the reservations afterwards."""

import multiprocessing
import random
import traceback
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from materials.db import get_engine
from materials.domain.states import (
    HOLDING_RESERVATION_STATES,
    BranchKind,
    ItemStatus,
    ReservationState,
    TaskKind,
    TaskState,
)
from materials.errors import MaterialsError
from materials.models import CrateItem, Event, Item, Reservation, Task
from materials.services.allocation import allocate
from materials.services.picking import pick, pick_list
from materials.services.reservations import cancel_reservation, place_reservation, reservation_for_returned_copy
from tests.factories import T0, make_branch, make_item, make_station, make_title

WORKERS = 8
STEPS = 25
BRANCHES = ("DK-710101", "DK-710102", "DK-710103")


def build_library(engine: Engine) -> dict[str, Any]:
    with Session(engine, expire_on_commit=False) as session:
        hub = make_branch(session, "Centralsortering", kind=BranchKind.SORTING, isil="DK-710199")
        make_station(session, hub, "sort-1")
        branches = [make_branch(session, f"Filial {isil[-1]}", isil=isil) for isil in BRANCHES]
        for branch in branches:
            make_station(session, branch, f"pick-{branch.isil}", kind="pick")
        titles = [make_title(session) for _ in range(4)]
        returned: list[str] = []
        for t, title in enumerate(titles):
            for c in range(4):
                make_item(session, title, branches[(t + c) % 3], f"T{t}-SHELF-{c}")
            for c in range(2):
                item = make_item(session, title, branches[c], f"T{t}-RETURNED-{c}", status=ItemStatus.ON_LOAN)
                returned.append(item.barcode)
        return {"titles": [t.id for t in titles], "returned": returned}


def worker(url: str, seed: int, plan: dict[str, Any]) -> dict[str, Any]:
    rng = random.Random(seed)
    engine = get_engine(url)
    done: dict[str, Any] = {"picks": [], "fills": [], "unexpected": []}
    with Session(engine, expire_on_commit=False) as session:
        for step in range(STEPS):
            at = T0 + timedelta(minutes=step, seconds=seed)
            action = rng.choice(["place", "place", "allocate", "pick", "pick", "pick", "cancel", "return"])
            try:
                if action == "place":
                    place_reservation(
                        session, title_id=rng.choice(plan["titles"]), pickup_isil=rng.choice(BRANCHES),
                        patron=f"P{seed}-{step}", at=at, patron_key="k",
                    )  # fmt: skip
                elif action == "allocate":
                    allocate(session, at=at)
                elif action == "pick":
                    isil = rng.choice(BRANCHES)
                    lines = pick_list(session, isil=isil)
                    session.commit()
                    if lines:
                        line = rng.choice(lines)
                        result = pick(
                            session, barcode=line.barcode, station=f"pick-{isil}", at=at, not_found=rng.random() < 0.15
                        )
                        if result.outcome == "picked":
                            done["picks"].append([result.barcode, result.reservation_id])
                elif action == "cancel":
                    ids = list(session.exec(select(Reservation.id).where(Reservation.state != "cancelled")))
                    session.commit()
                    if ids:
                        cancel_reservation(session, reservation_id=rng.choice(ids), at=at)  # type: ignore[arg-type]
                else:
                    barcode = rng.choice(plan["returned"])
                    item = session.exec(select(Item).where(Item.barcode == barcode)).one()
                    filled = reservation_for_returned_copy(session, item=item, at=at, station="sort-1", actor="")
                    session.commit()
                    if filled is not None:
                        done["fills"].append([barcode, filled.id])
            except MaterialsError:
                session.rollback()  # someone else was first: refused with a reason, as it should be
            except Exception:
                session.rollback()
                done["unexpected"].append(traceback.format_exc())
    engine.dispose()
    return done


def run_workers(engine: Engine) -> list[dict[str, Any]]:
    plan = build_library(engine)
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()
    # Fork, not spawn: spawn re-runs the parent's __main__ in every child, and after an AppTest in the same pytest
    # worker that is a Streamlit page script, whose children die and are replaced for ever.
    with multiprocessing.get_context("fork").Pool(WORKERS) as pool:
        return pool.starmap(worker, [(url, seed, plan) for seed in range(WORKERS)])


@pytest.mark.slow
def test_eight_processes_never_give_one_copy_to_two_reservations_nor_fill_one_twice(engine: Engine) -> None:
    results = run_workers(engine)

    unexpected = [u for r in results for u in r["unexpected"]]
    assert unexpected == [], unexpected[0] if unexpected else ""
    picks = [tuple(p) for r in results for p in r["picks"]]
    assert picks, "the workers should have picked something"
    with Session(engine) as session:
        # A copy serves at most one live reservation.
        per_copy = session.exec(
            select(Reservation.item_id, func.count())
            .where(col(Reservation.state).in_([str(s) for s in HOLDING_RESERVATION_STATES]))
            .group_by(col(Reservation.item_id))
            .having(func.count() > 1)
        ).all()
        assert per_copy == []
        # A reservation is picked at most once, and a picked copy was packed once.
        assert max(Counter(reservation for _, reservation in picks).values()) == 1
        assert max(Counter(barcode for barcode, _ in picks).values()) == 1
        packed = session.exec(select(CrateItem.item_id, func.count()).group_by(col(CrateItem.item_id))).all()
        assert all(n == 1 for _, n in packed)
        # Every acknowledged pick is in the event log.
        logged = set(session.exec(select(Event.barcode).where(Event.kind == "item_picked")))
        assert {barcode for barcode, _ in picks} == logged
        # Tasks and reservations agree: an allocated reservation has exactly one open pick, of its own copy.
        open_picks = session.exec(select(Task).where(Task.kind == TaskKind.PICK, Task.state == TaskState.OPEN)).all()
        by_reservation = Counter(t.reservation_id for t in open_picks)
        for reservation in session.exec(select(Reservation)):
            expected = 1 if reservation.state == ReservationState.ALLOCATED else 0
            assert by_reservation.get(reservation.id, 0) == expected, reservation
        for task in open_picks:
            held = session.get(Reservation, task.reservation_id)
            assert held is not None and held.item_id == task.item_id
        # A waiting reservation waits only when no free shelf copy of its title is left for it.
        for reservation in session.exec(select(Reservation).where(Reservation.state == ReservationState.WAITING)):
            assert reservation.item_id is None
