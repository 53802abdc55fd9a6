"""The data side's commands of the `materials` CLI (registered through the entry point group).

train, evaluate, models list|promote|rollback, and import loans|returns|reservations|items|titles|counts FILE.
"""

import json
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from materials.cli.common import emit_json, emit_table, fail, service_session, state
from materials.errors import MaterialsError

models_app = typer.Typer(help="Training runs: list, promote, roll back.", no_args_is_help=True)
import_app = typer.Typer(help="Import exports of a library system (CSV or Parquet).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add the data side's commands to `app`."""
    app.command("train")(train)
    app.command("evaluate")(evaluate)
    app.add_typer(models_app, name="models")
    app.add_typer(import_app, name="import")


def train(
    ctx: typer.Context,
    params: str | None = typer.Option(None, "--params", help="Model parameters as JSON, e.g. '{\"max_iter\": 300}'."),
    weeks: int = typer.Option(4, "--weeks", help="Backtest origins: the last N complete weeks."),
    promote_: bool = typer.Option(False, "--promote", help="Promote the run if it is no worse than the promoted one."),
    json_out: bool = typer.Option(False, "--json", help="Print the run as JSON."),
) -> None:
    """Train the demand model, backtest it beside its baselines, save it and record the run."""
    from logistics.registry import promote
    from logistics.training import STEPS, run_training

    st = state(ctx)
    extra: dict[str, Any] = json.loads(params) if params else {}
    with (
        service_session(ctx) as session,
        Progress(
            TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), disable=json_out, transient=False
        ) as bar,
    ):
        task = bar.add_task("training", total=len(STEPS))

        def step(name: str) -> None:
            bar.update(task, advance=1, description=name)

        run = run_training(
            st.engine, artifacts_dir=st.settings.artifacts_dir, params=extra, backtest_weeks=weeks, progress=step
        )
        if promote_:
            promote(session, run.version)
            session.refresh(run)
    summary = _run_row(run)
    if json_out:
        keys = ("model", "baselines", "reference", "training_sample", "step_seconds")
        emit_json({**summary, "metrics": {k: run.metrics[k] for k in keys if k in run.metrics}})
    else:
        typer.echo(f"run {run.version} recorded in {run.duration_s:.0f} s; backtest MASE {summary['mase']}")


def evaluate(
    ctx: typer.Context,
    version: str | None = typer.Option(None, "--version", help="Show this run's recorded backtest."),
    fresh: bool = typer.Option(False, "--fresh", help="Backtest again on the data as it is now."),
    weeks: int = typer.Option(4, "--weeks", help="Backtest origins for --fresh."),
    json_out: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """The backtest report: the model and its baselines, overall and per slice."""
    from logistics.evaluation import fresh_report, stored_report

    with service_session(ctx) as session:
        try:
            report = fresh_report(state(ctx).engine, session, weeks=weeks) if fresh else stored_report(session, version)
        except MaterialsError as exc:
            fail(str(exc))
    if json_out:
        emit_json(report)
        return
    rows = [{"method": "model", **report["model"]}] + [
        {"method": name, **scores} for name, scores in report["baselines"].items()
    ]
    emit_table([{k: _fmt(v) for k, v in row.items()} for row in rows], title="backtest")


@models_app.command("list")
def models_list(ctx: typer.Context, json_out: bool = typer.Option(False, "--json")) -> None:
    """Every training run, newest first."""
    from logistics.registry import list_runs

    with service_session(ctx) as session:
        rows = [_run_row(run) for run in list_runs(session)]
    emit_json(rows) if json_out else emit_table(rows, title="training runs")


@models_app.command("promote")
def models_promote(
    ctx: typer.Context,
    version: str = typer.Argument(..., help="The run to promote."),
    force: bool = typer.Option(False, "--force", help="Promote even if it scored worse than the promoted run."),
) -> None:
    """Make a run the model whose forecasts the backend and planning read."""
    from logistics.registry import promote

    with service_session(ctx) as session:
        run = promote(session, version, force=force)
    typer.echo(f"promoted {run.version}")


@models_app.command("rollback")
def models_rollback(ctx: typer.Context) -> None:
    """Go back to the previously promoted run."""
    from logistics.registry import rollback

    with service_session(ctx) as session:
        run = rollback(session)
    typer.echo(f"rolled back to {run.version}")


def _import(ctx: typer.Context, kind: str, file: Path, skip_invalid: bool, report: Path | None) -> None:
    from logistics.imports import import_file
    from materials.cli.common import cli_actor

    key = state(ctx).settings.patron_key
    with service_session(ctx) as session:
        result = import_file(
            session, kind, file, actor=cli_actor(), patron_key=key, skip_invalid=skip_invalid, report_path=report
        )
    message = f"imported {result.imported:,} {kind} rows from {file}"
    if result.rejected:
        message += f"; {result.rejected:,} rejected rows written to {result.report_path}"
    typer.echo(message)


def _make_import(kind: str) -> None:
    def command(
        ctx: typer.Context,
        file: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV or Parquet file."),
        skip_invalid: bool = typer.Option(False, "--skip-invalid", help="Import the valid rows, report the rest."),
        report: Path | None = typer.Option(None, "--report", help="Where rejected rows go (with --skip-invalid)."),
    ) -> None:
        _import(ctx, kind, file, skip_invalid, report)

    command.__doc__ = f"Import {kind} from a CSV or Parquet file (columns: docs/import.md)."
    import_app.command(kind)(command)


for _kind in ("loans", "returns", "reservations", "items", "titles", "counts"):
    _make_import(_kind)


def _fmt(value: Any) -> Any:
    return f"{value:.4f}" if isinstance(value, float) else value


def _run_row(run: Any) -> dict[str, Any]:
    model = run.metrics.get("model", {})
    naive = run.metrics.get("baselines", {}).get("seasonal_naive", {})
    average = run.metrics.get("baselines", {}).get("moving_average", {})
    return {
        "version": run.version,
        "created_at": run.created_at.isoformat(timespec="seconds") if run.created_at else "",
        "data": f"{run.data_from} – {run.data_to}",
        "mae": _fmt(model.get("mae")),
        "mase": _fmt(model.get("mase")),
        "naive_mae": _fmt(naive.get("mae")),
        "moving_avg_mae": _fmt(average.get("mae")),
        "duration_s": run.duration_s,
        "promoted": "yes" if run.promoted else "",
    }
