"""The check-in commands: checkin, shelve, item, items, queue and condition, as text and as JSON."""

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from materials.cli import app
from tests.factories import make_item, make_loan, make_reservation, make_small_city, make_title

runner = CliRunner()


@pytest.fixture
def db(sqlite_engine: Engine) -> str:
    with Session(sqlite_engine, expire_on_commit=False) as session:
        city = make_small_city(session)
        title = make_title(session, "Kongens Fald")
        make_reservation(session, title, city.valby)
        make_loan(session, make_item(session, title, city.sundby, "RESERVED-FOR-VALBY"), city.sundby)
        make_loan(session, make_item(session, make_title(session), city.sundby, "STAYS-AT-SUNDBY"), city.sundby)
    return sqlite_engine.url.render_as_string(hide_password=False)


def invoke(db: str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--db", db, *args])
    return result.exit_code, result.stdout, result.stderr


def test_checkin_prints_the_decision_as_json(db: str) -> None:
    code, out, _ = invoke(db, "checkin", "RESERVED-FOR-VALBY", "--station", "automat-710112", "--json")

    assert code == 0
    decision = json.loads(out)
    assert {"barcode", "kind", "destination", "bin", "reason", "task_id"} <= set(decision)
    assert (decision["kind"], decision["destination"]) == ("hold", "DK-710115")
    assert decision["reason"].startswith("Reserveret: afhentes på Valby")


def test_checkin_of_an_unknown_barcode_exits_non_zero_naming_it(db: str) -> None:
    code, out, err = invoke(db, "checkin", "NO-SUCH-COPY", "--station", "sortering-1", "--json")

    assert code == 1
    assert json.loads(out)["kind"] == "exception"
    assert "NO-SUCH-COPY" in err


def test_checkin_at_an_unknown_station_exits_non_zero_naming_it(db: str) -> None:
    code, _, err = invoke(db, "checkin", "STAYS-AT-SUNDBY", "--station", "nowhere-1")

    assert code == 1 and "nowhere-1" in err


def test_shelve_then_item_shows_the_copy_on_its_shelf_with_its_history(db: str) -> None:
    assert invoke(db, "checkin", "STAYS-AT-SUNDBY", "--station", "automat-710112")[0] == 0
    code, out, _ = invoke(db, "shelve", "STAYS-AT-SUNDBY", "--station", "automat-710112", "--json")
    assert code == 0 and json.loads(out)["status"] == "on_shelf"

    code, out, _ = invoke(db, "item", "STAYS-AT-SUNDBY", "--json")

    view = json.loads(out)
    assert (view["status"], view["branch"], view["location"]) == ("on_shelf", "DK-710112", "adult-fiction")
    kinds = [line["kind"] for line in view["history"]]
    assert "checkin" in kinds and "shelved" in kinds


def test_item_of_an_unknown_barcode_exits_non_zero_naming_it(db: str) -> None:
    code, _, err = invoke(db, "item", "NO-SUCH-COPY")

    assert code == 1 and "NO-SUCH-COPY" in err


def test_items_filters_by_status_and_branch(db: str) -> None:
    invoke(db, "checkin", "STAYS-AT-SUNDBY", "--station", "automat-710112")

    code, out, _ = invoke(db, "items", "--status", "in_sorting", "--branch", "DK-710112", "--json")

    assert code == 0
    assert [row["barcode"] for row in json.loads(out)] == ["STAYS-AT-SUNDBY"]
    assert invoke(db, "items", "--status", "lost-in-space")[0] == 1


def test_queue_lists_the_tasks_check_in_opened(db: str) -> None:
    invoke(db, "checkin", "STAYS-AT-SUNDBY", "--station", "automat-710112")

    code, out, _ = invoke(db, "queue", "automat-710112", "--kind", "shelve", "--json")

    assert code == 0
    [task] = json.loads(out)
    assert task["reason"].startswith("Flydende: bliver på Sundby")
    assert invoke(db, "queue", "automat-710112", "--kind", "nap")[0] == 1


def test_the_database_path_is_a_file(db: str) -> None:
    assert Path(db.removeprefix("sqlite:///")).exists()


def test_condition_is_recorded_and_shown_by_item(db: str) -> None:
    code, out, _ = invoke(db, "condition", "STAYS-AT-SUNDBY", "damaged", "--station", "sortering-1", "--json")
    assert code == 0 and json.loads(out)["condition"] == "damaged"

    code, out, _ = invoke(db, "item", "STAYS-AT-SUNDBY")

    assert code == 0 and "condition damaged" in out


def test_condition_with_an_unknown_value_exits_non_zero_naming_it(db: str) -> None:
    code, _, err = invoke(db, "condition", "STAYS-AT-SUNDBY", "shiny")

    assert code == 1 and "shiny" in err
