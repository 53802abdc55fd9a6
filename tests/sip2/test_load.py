"""Many machines at once, and a stream of garbage that must not disturb the others."""

import logging
import random
import threading
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from materials.domain.states import ItemStatus
from materials.models import Event
from materials.sip2.codec import format_frame, parse_frame
from tests.factories import make_item, make_title
from tests.sip2.conftest import Library, RawClient, RunningServer

CONNECTIONS = 32


def test_32_machines_check_in_at_the_same_time_and_every_one_gets_its_answer(
    sip2_server: RunningServer, engine: Engine, library: Library
) -> None:
    with Session(engine, expire_on_commit=False) as session:
        title = make_title(session, "Populær")
        for n in range(CONNECTIONS):
            make_item(session, title, library.main, f"PARALLEL-{n:02d}", status=ItemStatus.ON_LOAN)
    RawClient(sip2_server.port).login()  # the first login pays for argon2; the others reuse it
    clients = [RawClient(sip2_server.port) for _ in range(CONNECTIONS)]
    replies: dict[int, list[bytes]] = {}
    start = threading.Barrier(CONNECTIONS)

    def machine(n: int) -> None:
        client = clients[n]
        start.wait(timeout=30)
        replies[n] = [client.login(), client.checkin(f"PARALLEL-{n:02d}"), client.item_information(f"PARALLEL-{n:02d}")]

    threads = [threading.Thread(target=machine, args=(n,)) for n in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for client in clients:
        client.close()
    assert len(replies) == CONNECTIONS
    for n, (login, checkin, info) in replies.items():
        assert parse_frame(login).fixed == "1"
        assert parse_frame(checkin).fixed[0] == "1" and parse_frame(checkin).get("AB") == f"PARALLEL-{n:02d}"
        assert parse_frame(info).fixed[:2] == "09"
    with Session(engine) as session:
        assert session.exec(select(func.count()).where(Event.kind == "checkin")).one() == CONNECTIONS


def malformed_frames(rng: random.Random, count: int) -> list[bytes]:
    good = format_frame("09", "N" + "20261127    101500" * 2, [("AO", "x"), ("AB", "ON-LOAN-FROM-MAIN")], sequence="1")
    frames: list[bytes] = []
    for n in range(count):
        kind = n % 5
        if kind == 0:  # random bytes
            noise = bytes(rng.choice([b for b in range(256) if b not in (10, 13)]) for _ in range(rng.randrange(1, 80)))
            frames.append(noise + b"\r")
        elif kind == 1:  # a good frame cut short
            frames.append(good[: rng.randrange(1, len(good) - 1)] + b"\r")
        elif kind == 2:  # one byte changed
            damaged = bytearray(good)
            damaged[rng.randrange(len(good) - 1)] ^= 1 << rng.randrange(7)
            frames.append(bytes(damaged).replace(b"\r", b"") + b"\r")
        elif kind == 3:  # not UTF-8
            frames.append(b"17" + b" " * 18 + b"AB" + bytes([0xC3, 0x28, 0xFF]) + b"|\r")
        else:  # an unknown command
            frames.append(f"{rng.randrange(20, 90):02d}whatever|AY1AZ0000\r".encode())
    return frames


@pytest.fixture
def engine(sqlite_engine: Engine) -> Engine:
    return sqlite_engine


def test_a_stream_of_malformed_frames_never_disturbs_another_machine(
    sip2_server: RunningServer, raw_client: Callable[[], RawClient], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="materials.sip2")
    well_behaved = raw_client()
    assert parse_frame(well_behaved.login()).fixed == "1"
    rng = random.Random(20261127)
    garbage = raw_client()
    for n, frame in enumerate(malformed_frames(rng, 250)):
        try:
            garbage.send_raw(frame)
            answer = garbage.receive()
        except OSError:
            answer = b""
        if not answer:  # closed after too many bad frames, or mid-frame: a new connection goes on
            garbage.close()
            garbage = raw_client()
        if n % 25 == 0:
            reply = parse_frame(well_behaved.item_information("ON-LOAN-FROM-MAIN"))
            assert reply.command == "18" and reply.fixed[:2] == "04"
    assert parse_frame(well_behaved.checkin("ON-LOAN-FROM-MAIN")).fixed[0] == "1"
    assert parse_frame(raw_client().login()).fixed == "1"
    # Every frame was refused in protocol terms: no handler failed inside the server (which would log an error and
    # drop the connection, and a new connection would hide it).
    sip2 = [r for r in caplog.records if r.name == "materials.sip2"]
    assert [r.getMessage() for r in sip2 if r.levelno >= logging.ERROR] == []
    assert sum("asking for a resend (96)" in r.getMessage() for r in sip2) >= 100
