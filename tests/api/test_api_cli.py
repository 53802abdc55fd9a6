"""`materials api client add|list`: a token printed once and stored only hashed; `api serve` needs a schema."""

import json
import shutil
from pathlib import Path

from sqlmodel import Session, select
from typer.testing import CliRunner

from materials.cli import app
from materials.db import get_engine
from materials.models import ApiClient
from materials.services.auth import authenticate_token

runner = CliRunner()


def migrated(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "cli.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


def test_a_new_client_gets_its_token_once_and_only_a_hash_is_kept(sqlite_template: Path, tmp_path: Path) -> None:
    url = migrated(sqlite_template, tmp_path)
    result = runner.invoke(app, ["--db", url, "api", "client", "add", "ils", "--scopes", "read,circulation", "--json"])
    assert result.exit_code == 0, result.output
    issued = json.loads(result.stdout)
    assert (issued["name"], issued["scopes"]) == ("ils", ["circulation", "read"])
    engine = get_engine(url)
    with Session(engine) as session:
        stored = session.exec(select(ApiClient)).one()
        assert issued["token"] not in stored.token_hash
        assert authenticate_token(session, token=issued["token"]).name == "ils"
    engine.dispose()
    listed = runner.invoke(app, ["--db", url, "api", "client", "list", "--json"])
    assert json.loads(listed.stdout) == [{"name": "ils", "scopes": "circulation read", "active": True}]
    assert issued["token"] not in listed.stdout


def test_an_unknown_scope_or_a_second_client_of_the_same_name_is_refused(sqlite_template: Path, tmp_path: Path) -> None:
    url = migrated(sqlite_template, tmp_path)
    bad = runner.invoke(app, ["--db", url, "api", "client", "add", "ils", "--scopes", "read,everything"])
    assert bad.exit_code == 1
    assert "everything" in bad.output
    assert runner.invoke(app, ["--db", url, "api", "client", "add", "ils", "--scopes", "read"]).exit_code == 0
    again = runner.invoke(app, ["--db", url, "api", "client", "add", "ils", "--scopes", "read"])
    assert again.exit_code == 1
    assert "exists already" in again.output


def test_serving_a_database_without_schema_says_to_run_init(tmp_path: Path) -> None:
    result = runner.invoke(app, ["--db", f"sqlite:///{tmp_path / 'empty.db'}", "api", "serve"])
    assert result.exit_code == 1
    assert "materials init" in result.output
