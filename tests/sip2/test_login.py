"""Logging in: the account's password checked by argon2 once per process, its station from its location code."""

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from materials.errors import MaterialsError
from materials.models import Sip2Account
from materials.services import auth
from materials.services.auth import AuthenticationFailed, hash_secret
from materials.services.lookup import UnknownStation
from materials.sip2 import backend
from materials.sip2.backend import VerifiedLogins
from tests.sip2.conftest import ACCOUNT, PASSWORD, SORTER_STATION, Library


@pytest.fixture
def engine(sqlite_engine: Engine) -> Engine:
    return sqlite_engine


def test_a_login_names_the_station_and_branch_of_the_accounts_location(engine: Engine, library: Library) -> None:
    terminal = backend.login(engine, name=ACCOUNT, password=PASSWORD)
    assert (terminal.account, terminal.station, terminal.isil) == (ACCOUNT, SORTER_STATION, library.sorting.isil)
    assert terminal.isils[library.main.id or 0] == library.main.isil


def test_a_machine_that_logs_in_again_is_not_checked_by_argon2_twice(
    engine: Engine, library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    verified = VerifiedLogins()
    calls: list[str] = []
    real = auth.verify_secret

    def counting(stored: str, secret: str) -> bool:
        calls.append(secret)
        return real(stored, secret)

    monkeypatch.setattr(auth, "verify_secret", counting)
    for _ in range(3):
        backend.login(engine, name=ACCOUNT, password=PASSWORD, verified=verified)
    assert len(calls) == 1


def test_a_remembered_login_with_another_password_is_still_refused(engine: Engine, library: Library) -> None:
    verified = VerifiedLogins()
    backend.login(engine, name=ACCOUNT, password=PASSWORD, verified=verified)
    with pytest.raises(AuthenticationFailed):
        backend.login(engine, name=ACCOUNT, password="gættet", verified=verified)


def test_a_changed_password_or_a_closed_account_needs_the_full_check_again(engine: Engine, library: Library) -> None:
    verified = VerifiedLogins()
    backend.login(engine, name=ACCOUNT, password=PASSWORD, verified=verified)
    with Session(engine) as session:
        account = session.exec(select(Sip2Account).where(Sip2Account.name == ACCOUNT)).one()
        account.password_hash = hash_secret("nyt-kodeord")
        session.add(account)
        session.commit()
    with pytest.raises(AuthenticationFailed):
        backend.login(engine, name=ACCOUNT, password=PASSWORD, verified=verified)
    with Session(engine) as session:
        account = session.exec(select(Sip2Account).where(Sip2Account.name == ACCOUNT)).one()
        account.active = False
        session.add(account)
        session.commit()
    with pytest.raises(AuthenticationFailed):
        backend.login(engine, name=ACCOUNT, password="nyt-kodeord", verified=verified)


def test_an_account_whose_station_does_not_exist_cannot_log_in(engine: Engine, library: Library) -> None:
    with Session(engine) as session:
        auth.add_sip2_account(session, name="lost", password="pw", location_code="no-such-station")
    with pytest.raises(UnknownStation):
        backend.login(engine, name="lost", password="pw")
    assert issubclass(UnknownStation, MaterialsError)
