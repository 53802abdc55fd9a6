"""The planning commands of the `materials` CLI, on a real SQLite database."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session
from typer.testing import CliRunner, Result

from materials.cli import app
from materials.domain.states import LocationKind
from tests.factories import (
    T0,
    make_calendar_event,
    make_item,
    make_location,
    make_past_loans,
    make_small_city,
    make_title,
)

runner = CliRunner()


def test_plan_then_moves_list_and_accept(sqlite_engine: Engine) -> None:
    with Session(sqlite_engine, expire_on_commit=False) as session:
        city = make_small_city(session)
        title = make_title(session, "Samlet i Sundby")
        for n in range(3):
            make_item(session, title, city.sundby, f"SUNDBY-IDLE-{n}", status_changed_at=T0 - timedelta(days=900))
        recently = datetime.now(UTC) - timedelta(days=1)  # the CLI plans as of now
        make_past_loans(session, make_item(session, title, city.osterbro), city.valby, count=13, last=recently)
    db = ["--db", str(sqlite_engine.url)]

    planned = runner.invoke(app, [*db, "plan", "--json"])
    listed = runner.invoke(app, [*db, "moves", "list", "--json"])

    assert planned.exit_code == 0, planned.output
    assert json.loads(planned.stdout)["moves"] >= 1
    moves = json.loads(listed.stdout)
    assert moves[0]["to_name"] == "Valby"
    accepted = runner.invoke(app, [*db, "moves", "accept", str(moves[0]["id"]), "--json"])
    assert json.loads(accepted.stdout)[0]["state"] == "accepted"
    again = runner.invoke(app, [*db, "moves", "accept", str(moves[0]["id"])])
    assert again.exit_code == 1 and "already accepted" in again.output


def test_displays_create_at_an_unknown_branch_fails_naming_it(sqlite_engine: Engine) -> None:
    result = runner.invoke(
        app,
        ["--db", str(sqlite_engine.url), "displays", "create", "--branch", "DK-719999", "--name", "X",
         "--capacity", "5", "--from", "2026-11-20", "--to", "2026-11-26"],
    )  # fmt: skip

    assert result.exit_code == 1
    assert "DK-719999" in result.output


def test_events_import_with_a_bad_row_fails_and_says_which(sqlite_engine: Engine, tmp_path: Path) -> None:
    with Session(sqlite_engine) as session:
        make_small_city(session)
    path = tmp_path / "events.csv"
    path.write_text("date,branch,name\n2026-11-24,Valby,Godt\n2026-13-01,Valby,Dårlig dato\n")

    result = runner.invoke(app, ["--db", str(sqlite_engine.url), "events", "import", str(path)])

    assert result.exit_code == 1 and "row 3: bad date '2026-13-01'" in result.output


def _create_display(db: list[str], *extra: str) -> Result:
    return runner.invoke(app, [*db, "displays", "create", "--branch", "DK-710115", "--name", "Krimiugen",
                               "--from", "2026-11-20", "--to", "2026-11-26", *extra])  # fmt: skip


def test_displays_create_over_the_areas_capacity_fails_naming_both_numbers(sqlite_engine: Engine) -> None:
    with Session(sqlite_engine) as session:
        city = make_small_city(session)
        make_location(session, city.valby, kind=LocationKind.DISPLAY, code="display-1", section=None, capacity=12)

    result = _create_display(["--db", str(sqlite_engine.url)], "--capacity", "40")

    assert result.exit_code == 1
    assert "capacity 40" in result.output and "(12)" in result.output


def test_displays_create_with_an_event_outside_its_period_fails_naming_the_event(sqlite_engine: Engine) -> None:
    with Session(sqlite_engine) as session:
        city = make_small_city(session)
        make_location(session, city.valby, kind=LocationKind.DISPLAY, code="display-1", section=None, capacity=12)
        talk_id = make_calendar_event(
            session, city.valby, "Julefrokost-oplæsning", starts_at=T0 + timedelta(days=40)
        ).id

    result = _create_display(["--db", str(sqlite_engine.url)], "--capacity", "5", "--event", str(talk_id))

    assert result.exit_code == 1
    assert "Julefrokost-oplæsning" in result.output and "is outside the period" in result.output


def test_moves_list_for_an_unknown_branch_fails_naming_it(sqlite_engine: Engine) -> None:
    with Session(sqlite_engine) as session:
        make_small_city(session)

    result = runner.invoke(app, ["--db", str(sqlite_engine.url), "moves", "list", "--branch", "DK-710000"])

    assert result.exit_code == 1 and "DK-710000" in result.output
