"""Integrity of check-in under concurrency and faults, with real processes on a file SQLite and on PostgreSQL.

Each child process is a station: it checks copies in one after another and prints the decision after the commit
(the acknowledgement a sorter would get). The tests then read the database and the log.
"""

import json
import os
import signal
import subprocess
import sys
from collections import defaultdict
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from materials.domain.states import ItemStatus, ReservationState, TaskState
from materials.models import Event, Item, Loan, Reservation, Task
from tests.factories import (
    T0,
    SmallCity,
    make_item,
    make_loan,
    make_reservation,
    make_small_city,
    make_station,
    make_title,
)

ROOT = Path(__file__).resolve().parents[2]
STATIONS = 8
CHILD = """
import json, sys
from datetime import datetime, timedelta
from sqlmodel import Session
from materials.db import get_engine
from materials.services.checkin import check_in

url, station, start = sys.argv[1], sys.argv[2], datetime.fromisoformat(sys.argv[3])
codes = json.loads(sys.argv[4])
engine = get_engine(url)
with Session(engine, expire_on_commit=False) as session:
    for n, code in enumerate(codes):
        decision = check_in(session, code, station, start + timedelta(milliseconds=n))
        print(json.dumps(decision.as_dict()), flush=True)
"""


def url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def start_station(engine: Engine, station: str, barcodes: list[str]) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            CHILD,
            url_of(engine),
            station,
            (T0 + timedelta(days=7)).isoformat(),
            json.dumps(barcodes),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return child


def library_with_queues(
    session: Session, *, titles: int, reservations: int, copies: int
) -> tuple[SmallCity, list[str]]:
    """Titles with more copies on loan than reservations waiting, so every reservation can and must be filled once."""
    city = make_small_city(session, shelf_capacity=10_000)
    branches = [city.valby, city.sundby, city.osterbro]
    barcodes = []
    for t in range(titles):
        title = make_title(session, f"Efterspurgt {t}")
        for r in range(reservations):
            make_reservation(session, title, branches[r % 3], placed_at=T0 + timedelta(minutes=r))
        for c in range(copies):
            copy = make_item(session, title, branches[c % 3], f"T{t}-COPY-{c}")
            make_loan(session, copy, branches[c % 3])
            barcodes.append(copy.barcode)
    for n in range(STATIONS):
        make_station(session, city.sorting if n % 2 else branches[n % 3], f"station-{n}")
    return city, barcodes


def assert_consistent(session: Session) -> None:
    """No copy both on loan and returned; every live reservation holds one copy and every copy at most one."""
    session.expire_all()
    open_loans = {loan.item_id for loan in session.exec(select(Loan).where(col(Loan.returned_at).is_(None)))}
    for item in session.exec(select(Item)):
        assert (item.status == ItemStatus.ON_LOAN) == (item.id in open_loans), item.barcode
        if item.status == ItemStatus.IN_SORTING:
            open_tasks = session.exec(
                select(func.count()).where(Task.item_id == item.id, Task.state == TaskState.OPEN)
            ).one()
            assert open_tasks == 1, item.barcode
    live = session.exec(select(Reservation).where(Reservation.state == ReservationState.IN_TRANSIT)).all()
    assert all(r.item_id is not None for r in live)
    assert len({r.item_id for r in live}) == len(live)


@pytest.mark.slow
def test_eight_stations_at_once_lose_no_event_and_fill_each_reservation_with_one_copy(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        _, barcodes = library_with_queues(session, titles=3, reservations=6, copies=10)
    # Every station scans every copy, in its own order: the same copy reaches several stations at once.
    children = [
        start_station(engine, f"station-{n}", barcodes[n % len(barcodes) :] + barcodes[: n % len(barcodes)])
        for n in range(STATIONS)
    ]
    acknowledged: list[dict[str, Any]] = []
    for child in children:
        out, err = child.communicate(timeout=300)
        assert child.returncode == 0, err[-2000:]
        acknowledged += [json.loads(line) for line in out.splitlines()]

    assert len(acknowledged) == STATIONS * len(barcodes)
    reservations_of_copy: dict[str, set[int]] = defaultdict(set)
    copies_of_reservation: dict[int, set[str]] = defaultdict(set)
    for decision in acknowledged:
        if decision["reservation_id"] is not None:
            reservations_of_copy[decision["barcode"]].add(decision["reservation_id"])
            copies_of_reservation[decision["reservation_id"]].add(decision["barcode"])
    assert all(len(r) == 1 for r in reservations_of_copy.values()), "a copy was given to two reservations"
    assert all(len(c) == 1 for c in copies_of_reservation.values()), "a reservation was filled twice"
    with Session(engine) as session:
        logged = session.exec(select(Event.station, Event.barcode).where(Event.kind == "checkin")).all()
        assert sorted(logged) == sorted((d["station"], d["barcode"]) for d in acknowledged)
        states = session.exec(select(Reservation.state, func.count()).group_by(Reservation.state)).all()
        assert dict(states) == {ReservationState.IN_TRANSIT: 3 * 6}
        assert_consistent(session)


@pytest.mark.slow
def test_a_station_killed_in_a_burst_keeps_every_acknowledged_check_in(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        _, barcodes = library_with_queues(session, titles=4, reservations=5, copies=25)
    child = start_station(engine, "station-1", barcodes)
    assert child.stdout is not None
    acknowledged = []
    for line in child.stdout:
        acknowledged.append(json.loads(line))
        if len(acknowledged) == 30:
            child.send_signal(signal.SIGKILL)
            break
    child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL

    with Session(engine) as session:
        logged = set(session.exec(select(Event.barcode).where(Event.kind == "checkin")).all())
        assert {d["barcode"] for d in acknowledged} <= logged
        assert_consistent(session)
    # After the restart the station finishes the burst; nothing is stuck behind a lock the dead process held.
    restarted = start_station(engine, "station-1", barcodes)
    out, err = restarted.communicate(timeout=300)
    assert restarted.returncode == 0, err[-2000:]
    # The replay scans with the same times: what was already acknowledged comes back as the same decision, unrecorded.
    replayed = {d["barcode"]: d for d in map(json.loads, out.splitlines())}
    for decision in acknowledged:
        assert replayed[decision["barcode"]] == decision | {"duplicate": True}
    with Session(engine) as session:
        logged_after = session.exec(select(Event.barcode).where(Event.kind == "checkin")).all()
        assert sorted(logged_after) == sorted(barcodes)  # each copy checked in exactly once
        assert_consistent(session)
