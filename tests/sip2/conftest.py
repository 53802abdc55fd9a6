"""A small library behind a running SIP2 server, and two clients: the independent PyPI `sip2` and a raw socket."""

import asyncio
import logging
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine
from sqlmodel import Session

from materials.clock import Clock
from materials.domain.states import BranchKind, ItemStatus, LocationKind
from materials.models import Branch, Item, SortBin
from materials.services import auth
from materials.services.auth import add_sip2_account
from materials.sip2.codec import format_frame
from materials.sip2.server import Sip2Server
from tests.factories import (
    make_branch,
    make_item,
    make_location,
    make_reservation,
    make_station,
    make_title,
)

ACCOUNT = "sorter-1"
PASSWORD = "hemmelig-1"
SORTER_STATION = "sortering-1"


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 with its smallest cost: these tests are about the protocol, not about the hashing parameters."""
    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@dataclass
class Library:
    sorting: Branch
    main: Branch
    valby: Branch
    reserved: Item  # on loan, its title reserved for pickup at Valby
    on_loan: Item  # on loan from the main library, nobody waiting


@pytest.fixture
def library(engine: Engine) -> Library:
    with Session(engine, expire_on_commit=False) as session:
        sorting = make_branch(session, "Centralsorteringen", isil="DK-710190", kind=BranchKind.SORTING)
        main = make_branch(session, "Hovedbiblioteket", isil="DK-710100", kind=BranchKind.MAIN)
        valby = make_branch(session, "Valby Bibliotek", isil="DK-710118")
        for branch in (main, valby):
            make_location(session, branch, code=f"SK-{branch.isil}", capacity=500)
            make_location(session, branch, kind=LocationKind.HOLD_SHELF, code=f"HOLD-{branch.isil}", section=None)
        make_station(session, sorting, SORTER_STATION)
        make_station(session, main, "automat-710100")
        session.add(SortBin(code="B01", destination_branch_id=main.id))
        session.add(SortBin(code="B18", destination_branch_id=valby.id))
        session.add(SortBin(code="X", purpose="exception"))
        session.commit()
        add_sip2_account(session, name=ACCOUNT, password=PASSWORD, location_code=SORTER_STATION)
        wanted = make_title(session, "Kongens Fald", author="Johannes V. Jensen")
        reserved = make_item(session, wanted, main, "RESERVED-FOR-VALBY", status=ItemStatus.ON_LOAN)
        make_reservation(session, wanted, valby)
        quiet = make_title(session, "Stille bog", author="Ingen Venter")
        on_loan = make_item(session, quiet, main, "ON-LOAN-FROM-MAIN", status=ItemStatus.ON_LOAN)
        return Library(sorting=sorting, main=main, valby=valby, reserved=reserved, on_loan=on_loan)


@dataclass
class RunningServer:
    port: int
    server: Sip2Server
    loop: asyncio.AbstractEventLoop


@contextmanager
def running_server(
    engine: Engine, *, idle_timeout: float = 30.0, clock: Clock | None = None
) -> Iterator[RunningServer]:
    """A server on a free loopback port, its event loop in a thread of its own."""
    loop = asyncio.new_event_loop()
    server = Sip2Server(engine, idle_timeout=idle_timeout, clock=clock)
    ready = threading.Event()
    ports: list[int] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        ports.append(loop.run_until_complete(server.start("127.0.0.1", 0)))
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=run, name="sip2-test-server", daemon=True)
    thread.start()
    assert ready.wait(10), "server did not start"
    try:
        yield RunningServer(port=ports[0], server=server, loop=loop)
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(grace=2.0), loop).result(15)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


@pytest.fixture
def sip2_server(engine: Engine, library: Library) -> Iterator[RunningServer]:
    with running_server(engine) as running:
        yield running


class RawClient:
    """A plain socket speaking frames, for what a well-behaved client library would never send."""

    def __init__(self, port: int, timeout: float = 60.0) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.pending = b""
        self.sequence = 0

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def receive(self) -> bytes:
        """One reply frame (up to and including its CR); b'' when the server closed the connection."""
        while b"\r" not in self.pending:
            chunk = self.sock.recv(4096)
            if not chunk:
                return b""
            self.pending += chunk
        frame, _, self.pending = self.pending.partition(b"\r")
        return frame + b"\r"

    def ask(self, command: str, fixed: str = "", fields: list[tuple[str, object]] | None = None) -> bytes:
        self.sequence = (self.sequence + 1) % 10
        self.send_raw(format_frame(command, fixed, fields or [], sequence=str(self.sequence)))
        return self.receive()

    def login(self, name: str = ACCOUNT, password: str = PASSWORD) -> bytes:
        return self.ask("93", "00", [("CN", name), ("CO", password), ("CP", SORTER_STATION)])

    def checkin(self, barcode: str) -> bytes:
        date = "20261127    101500"
        return self.ask("09", "N" + date + date, [("AP", SORTER_STATION), ("AO", "DK-710190"), ("AB", barcode)])

    def item_information(self, barcode: str) -> bytes:
        return self.ask("17", "20261127    101500", [("AO", "DK-710190"), ("AB", barcode)])

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def raw_client(sip2_server: RunningServer) -> Iterator[Callable[[], RawClient]]:
    clients: list[RawClient] = []

    def connect() -> RawClient:
        client = RawClient(sip2_server.port)
        clients.append(client)
        return client

    yield connect
    for client in clients:
        client.close()


@pytest.fixture
def sip2_client(sip2_server: RunningServer, tmp_path: Path) -> Iterator[Any]:
    """The independent client from PyPI (`sip2`), connected without TLS, checksums and sequence numbers on."""
    from Sip2.sip2 import Sip2

    client = Sip2()
    client.hostName = "127.0.0.1"
    client.hostPort = sip2_server.port
    client.tlsEnable = False
    client.logfile_path = str(tmp_path)
    client.loglevel = "WARNING"
    client.institutionId = "DK-710190"
    client.scLocation = SORTER_STATION
    client.socketTimeout = 60  # argon2 at login takes seconds on a loaded 2-core machine
    client.connect()
    yield client
    client.disconnect()
    for handler in list(logging.getLogger("Sip2").handlers):
        handler.close()
        logging.getLogger("Sip2").removeHandler(handler)
