"""An API on a real database (SQLite and PostgreSQL), a small city in it, and clients with tokens."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine
from sqlmodel import Session

from materials.api import create_app
from materials.clock import FixedClock
from materials.models import Item, Title
from materials.services import auth
from materials.services.auth import add_api_client
from tests.factories import T0, SmallCity, make_item, make_small_city, make_title

PATRON_KEY = "test-installation-key"
RAW_PATRON = "0101701234"  # what the library system calls the patron: must never come back out


@dataclass
class Api:
    client: TestClient
    engine: Engine
    tokens: dict[str, str]
    clock: FixedClock
    city: SmallCity
    title: Title
    item: Item
    _keys: int = 0

    def headers(self, who: str = "ils", key: str | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        if key is not None:
            headers["Idempotency-Key"] = key
        return headers

    def write(self, method: str, url: str, body: Any, *, who: str = "ils", key: str | None = None) -> Response:
        """A write with a fresh idempotency key unless one is given."""
        self._keys += 1
        headers = self.headers(who, key or f"key-{self._keys}")
        return self.client.request(method, url, json=body, headers=headers)

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def read(self, url: str, *, who: str = "ils") -> Response:
        return self.client.get(url, headers=self.headers(who))


@pytest.fixture(autouse=True)
def _cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real argon2, at the lowest cost: tokens are random, so the tests need its correctness, not its price."""
    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


def _api(engine: Engine) -> Iterator[Api]:
    with Session(engine, expire_on_commit=False) as session:
        city = make_small_city(session)
        title = make_title(session, "Kongens Fald", author="Johannes V. Jensen", faust="29158987")
        item = make_item(session, title, city.valby, "VALBY-ON-SHELF", location=city.shelves["Valby"])
        tokens = {
            "ils": add_api_client(session, name="ils", scopes=["read", "circulation", "catalogue"]).token,
            "reader": add_api_client(session, name="reader", scopes=["read"]).token,
        }
    clock = FixedClock(T0)
    app = create_app(engine, clock=clock, patron_key=PATRON_KEY)
    with TestClient(app, raise_server_exceptions=True) as client:
        yield Api(client=client, engine=engine, tokens=tokens, clock=clock, city=city, title=title, item=item)


@pytest.fixture
def api(engine: Engine) -> Iterator[Api]:
    """The API on SQLite and on PostgreSQL."""
    yield from _api(engine)


@pytest.fixture
def sqlite_api(sqlite_engine: Engine) -> Iterator[Api]:
    """The API on SQLite only, for what does not depend on the database."""
    yield from _api(sqlite_engine)


def field_names(response: Response) -> set[str]:
    """The fields a 422 answer names (the last part of each error's location)."""
    assert response.status_code == 422, response.text
    return {str(error["loc"][-1]) for error in response.json()["detail"]}
