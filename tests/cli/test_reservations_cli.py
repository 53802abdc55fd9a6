import json
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from materials.cli import app
from materials.db import get_engine
from materials.domain.states import BranchKind
from tests.factories import make_branch, make_item, make_station, make_title

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> dict[str, Any]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert runner.invoke(app, ["--db", url, "init"]).exit_code == 0
    engine = get_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        hub = make_branch(session, "Centralsortering", kind=BranchKind.SORTING, isil="DK-710199")
        valby = make_branch(session, "Valby", isil="DK-710117")
        sundby = make_branch(session, "Sundby", isil="DK-710114")
        make_station(session, hub, "sort-1")
        make_station(session, valby, "valby-1")
        make_station(session, sundby, "sundby-pluk", kind="pick")
        title = make_title(session, "Mørkets frugter")
        make_item(session, title, sundby, "SUNDBY-1")
        make_item(session, title, sundby, "SUNDBY-2")
    engine.dispose()
    return {"url": url, "title": title.id, "valby": valby.isil, "sundby": sundby.isil}


def run(db: dict[str, Any], *args: str) -> Any:
    result = runner.invoke(app, ["--db", db["url"], *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout) if "--json" in args else result.stdout


def test_a_reservation_is_placed_picked_crated_and_shipped_from_the_command_line(db: dict[str, Any]) -> None:
    placed = run(
        db, "reservations", "place", "--title", str(db["title"]), "--pickup", db["valby"], "--patron", "P1", "--json"
    )
    assert placed["state"] == "allocated" and placed["barcode"] == "SUNDBY-1"
    assert [r["id"] for r in run(db, "reservations", "list", "--title", str(db["title"]), "--json")] == [placed["id"]]

    [line] = run(db, "picklist", db["sundby"], "--json")
    assert line["barcode"] == "SUNDBY-1" and line["pickup_name"] == "Valby"

    picked = run(db, "pick", "SUNDBY-1", "--station", "sundby-pluk", "--json")
    assert picked["outcome"] == "picked" and picked["crate"]

    [crate] = run(db, "crates", "list", "--state", "open", "--json")
    assert crate["code"] == picked["crate"] and crate["items"] == 1
    run(db, "crates", "seal", crate["code"])
    run(db, "crates", "dispatch", crate["code"])
    [received] = run(db, "crates", "receive", crate["code"], "--station", "sort-1", "--json")
    assert received["task"] == "sort"
    assert run(db, "transit", "stuck", "--json") == []


def test_not_found_from_the_command_line_chooses_another_copy(db: dict[str, Any]) -> None:
    run(db, "reservations", "place", "--title", str(db["title"]), "--pickup", db["valby"], "--patron", "P1")
    result = run(db, "pick", "SUNDBY-1", "--station", "sundby-pluk", "--not-found", "--json")
    assert result["reason"] == "Ikke fundet: nyt eksemplar valgt fra Sundby"
    assert result["replacement"]["barcode"] == "SUNDBY-2"


def test_bins_are_set_and_listed(db: dict[str, Any]) -> None:
    run(db, "bins", "set", db["valby"], "B07")
    assert run(db, "bins", "list", "--json") == [
        {"bin": "B07", "destination": db["valby"], "name": "Valby", "purpose": "branch"}
    ]


def test_allocate_and_expire_report_what_they_did(db: dict[str, Any]) -> None:
    assert run(db, "allocate", "--overdue", "--json") == {"allocated": [], "moved": []}
    assert run(db, "holdshelf", "expire", "--json") == []
    placed = run(
        db, "reservations", "place", "--title", str(db["title"]), "--pickup", db["valby"], "--patron", "P", "--json"
    )
    cancelled = run(db, "reservations", "cancel", str(placed["id"]), "--json")
    assert cancelled["state"] == "cancelled"


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["reservations", "place", "--title", "999", "--pickup", "DK-710117", "--patron", "P"], "999"),
        (["reservations", "place", "--title", "1", "--pickup", "DK-799999", "--patron", "P"], "DK-799999"),
        (["reservations", "cancel", "4242"], "4242"),
        (["pick", "NO-SUCH-BOOK", "--station", "sundby-pluk"], "NO-SUCH-BOOK"),
        (["pick", "SUNDBY-2", "--station", "sundby-pluk"], "SUNDBY-2"),
        (["crates", "seal", "NO-SUCH-CRATE"], "NO-SUCH-CRATE"),
        (["picklist", "Valby"], "Valby"),
        (["reservations", "list", "--state", "lost"], "lost"),
    ],
)
def test_errors_name_the_value_and_exit_non_zero(db: dict[str, Any], args: list[str], named: str) -> None:
    result = runner.invoke(app, ["--db", db["url"], *args])
    assert result.exit_code == 1
    assert named in result.output
