"""`materials users add|list|demo`: the screens' logins from the command line."""

import json

from sqlalchemy import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from materials.cli import app
from materials.demo.users import DEMO_USERS
from materials.domain.states import Role
from materials.services.auth import authenticate_user

runner = CliRunner()


def url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def test_a_user_added_can_log_in_and_is_listed_without_a_password(sqlite_engine: Engine) -> None:
    added = runner.invoke(app, ["--db", url(sqlite_engine), "users", "add", "sortering-9", "--role", "station",
                                "--station", "sortering-9", "--password", "hemmeligt"])  # fmt: skip
    assert added.exit_code == 0, added.output

    listed = runner.invoke(app, ["--db", url(sqlite_engine), "users", "list", "--json"])

    assert json.loads(listed.stdout) == [
        {"username": "sortering-9", "role": "station", "station": "sortering-9", "active": True}
    ]
    assert "hemmeligt" not in listed.stdout
    with Session(sqlite_engine) as session:
        assert authenticate_user(session, username="sortering-9", password="hemmeligt").role == Role.STATION


def test_a_station_login_without_a_station_or_an_unknown_role_is_refused(sqlite_engine: Engine) -> None:
    no_station = runner.invoke(app, ["--db", url(sqlite_engine), "users", "add", "x", "--role", "station",
                                     "--password", "pw"])  # fmt: skip
    bad_role = runner.invoke(
        app, ["--db", url(sqlite_engine), "users", "add", "y", "--role", "boss", "--password", "pw"]
    )

    assert no_station.exit_code == 1 and "needs a station" in no_station.output
    assert bad_role.exit_code == 1 and "unknown role 'boss'" in bad_role.output


def test_the_demo_logins_are_created_once(sqlite_engine: Engine) -> None:
    first = runner.invoke(app, ["--db", url(sqlite_engine), "users", "demo"])
    again = runner.invoke(app, ["--db", url(sqlite_engine), "users", "demo"])

    assert first.exit_code == 0 and f"{len(DEMO_USERS)} created" in first.output
    assert again.exit_code == 0 and "0 created" in again.output
    with Session(sqlite_engine) as session:
        for demo in (DEMO_USERS[0], DEMO_USERS[-1]):  # a station and the admin; argon2 is slow on purpose
            assert authenticate_user(session, username=demo.username, password=demo.password).role == demo.role
