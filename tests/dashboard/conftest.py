"""The screens against a real database the test prepares: a small city, and the app pointed at it by the
environment, as `materials screens` does."""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from dashboard.components.context import USER_KEY, ScreenUser
from dashboard.components.scanning import forget_set_aside
from materials.domain.states import Role
from tests.factories import SmallCity, make_item, make_loan, make_reservation, make_small_city, make_title

DASHBOARD = Path(__file__).resolve().parents[2] / "dashboard"
TIMEOUT = 30


@dataclass
class ScreenDb:
    engine: Engine
    url: str
    city: SmallCity

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)


@pytest.fixture
def screen_db(sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> ScreenDb:
    url = sqlite_engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("MATERIALS_DATABASE_URL", url)
    forget_set_aside()  # the stations' unrecorded scans live as long as the server: here, the test process
    with Session(sqlite_engine, expire_on_commit=False) as session:
        city = make_small_city(session)
    return ScreenDb(sqlite_engine, url, city)


def reserved_elsewhere(db: ScreenDb, barcode: str = "RESERVED-AT-VALBY") -> str:
    """A copy on loan from Sundby whose title has a reservation waiting at Valby; returns its barcode."""
    with db.session() as session:
        title = make_title(session, "Kongens Fald")
        copy = make_item(session, title, db.city.sundby, barcode)
        make_loan(session, copy, db.city.sundby)
        make_reservation(session, title, db.city.valby)
    return barcode


@pytest.fixture
def page() -> Callable[..., AppTest]:
    """An AppTest of one page script with a user already logged in."""

    def open_page(name: str, *, role: Role, username: str = "tester", station: str | None = None) -> AppTest:
        at = AppTest.from_file(str(DASHBOARD / "pages" / f"{name}.py"), default_timeout=TIMEOUT)
        at.session_state[USER_KEY] = ScreenUser(username=username, role=role, station=station)
        return at

    return open_page


def picks_at_osterbro(db: ScreenDb, count: int = 2) -> list[str]:
    """Copies on Østerbro's shelf whose titles are reserved for Valby, allocated so they are on the pick list."""
    from materials.services.allocation import allocate
    from tests.factories import T0, make_station

    barcodes = []
    with db.session() as session:
        make_station(session, db.city.osterbro, "pluk-710109", kind="pick")
        for n in range(1, count + 1):
            title = make_title(session, f"Plukbog {n}")
            copy = make_item(session, title, db.city.osterbro, f"SHELF-AT-OSTERBRO-{n}",
                             location=db.city.shelves["Østerbro"], shelfmark=f"sk Forf{n}")  # fmt: skip
            make_reservation(session, title, db.city.valby)
            barcodes.append(copy.barcode)
        allocate(session, at=T0)
    return barcodes


def table_with(at: AppTest, *columns: str) -> Any:
    """The first table on the page that has these columns (as pandas, which is what AppTest hands back)."""
    for element in at.dataframe:
        value = element.value
        if all(c in value.columns for c in columns):
            return value
    raise AssertionError(f"no table with columns {columns}")
