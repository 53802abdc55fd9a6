"""`materials seed` from the command line."""

import json
from pathlib import Path

from typer.testing import CliRunner

from materials.cli import app


def test_seed_small_prints_counts_and_refuses_a_second_time(sqlite_template: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()
    result = runner.invoke(app, ["--db", url, "seed", "--scale", "small", "--json", "--parquet", str(tmp_path / "pq")])
    assert result.exit_code == 0, result.output
    counts = json.loads(result.stdout)
    assert counts["branches"] == 22 and counts["titles"] == 3000 and counts["events"] == 1
    assert counts["loans"] > 100_000
    assert {p.name for p in (tmp_path / "pq").iterdir()} >= {
        "loans.parquet",
        "reservations.parquet",
        "items.parquet",
        "titles.parquet",
        "branches.parquet",
    }
    again = runner.invoke(app, ["--db", url, "seed", "--scale", "small", "--json"])
    assert again.exit_code == 1
    assert "--force" in again.stderr


def test_an_unknown_scale_is_refused_with_its_name(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["--db", f"sqlite:///{tmp_path / 'x.db'}", "seed", "--scale", "galaxy"])
    assert result.exit_code == 1
    assert "galaxy" in result.stderr


def test_a_malformed_today_is_refused_with_its_value(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["--db", f"sqlite:///{tmp_path / 'x.db'}", "seed", "--today", "23-11-2026"])
    assert result.exit_code == 1
    assert "23-11-2026" in result.stderr
