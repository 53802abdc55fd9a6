import json
from typing import Any

import typer
from typer.testing import CliRunner

from materials.cli import app

runner = CliRunner()


def test_init_creates_the_schema_and_info_counts_an_empty_library(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    result = runner.invoke(app, ["--db", url, "init"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["--db", url, "info", "--json"])
    assert result.exit_code == 0, result.output
    counts = json.loads(result.stdout)
    assert {"branches", "titles", "items", "loans", "reservations", "events"} <= set(counts)
    assert all(value == 0 for value in counts.values())


def test_init_twice_changes_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert runner.invoke(app, ["--db", url, "init"]).exit_code == 0
    result = runner.invoke(app, ["--db", url, "init"])
    assert result.exit_code == 0
    assert "schema up to date" in result.output


def test_info_on_a_database_without_schema_says_to_run_init(tmp_path):
    result = runner.invoke(app, ["--db", f"sqlite:///{tmp_path / 'nothing.db'}", "info"])
    assert result.exit_code == 1
    assert "materials init" in result.output


def test_the_database_url_comes_from_the_environment_when_no_option_is_given(tmp_path, monkeypatch):
    path = tmp_path / "from-env.db"
    monkeypatch.setenv("MATERIALS_DATABASE_URL", f"sqlite:///{path}")
    assert runner.invoke(app, ["init"]).exit_code == 0
    assert path.exists()


def _command_paths(command: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = [prefix]
    # Typer ships its own click; a group is anything with sub-commands.
    if hasattr(command, "commands"):
        for name, sub in command.commands.items():
            paths += _command_paths(sub, (*prefix, name))
    return paths


def test_every_command_has_help():
    paths = _command_paths(typer.main.get_command(app))
    assert ("init",) in paths and ("info",) in paths and ("seed",) in paths
    for path in paths:
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert "Usage:" in result.output
