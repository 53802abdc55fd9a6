"""Forecasts for the weeks after the data: which rows get one, writing them, and reading them back beside actuals."""

from datetime import date, timedelta

import polars as pl
from sqlalchemy import delete, insert, select
from sqlmodel import Session

from logistics.calendar import week_start
from logistics.coldstart import cold_rows, predict_cold
from logistics.model import HORIZONS, DemandModel, predict
from logistics.sources import Source, read_table
from materials.models import Forecast

# Forecasts below this many loans a week are not written: they would be most of the table and mean "none".
MIN_FORECAST = 0.05
# A title without any event, added less than this long ago, gets a cold-start forecast.
NEW_TITLE_WEEKS = 12


def model_forecasts(model: DemandModel, panel: pl.LazyFrame, last_week: date) -> pl.DataFrame:
    """Forecasts for every pair active at `last_week`, for each of the next weeks."""
    rows = panel.filter(pl.col("week") == last_week).collect()
    return pl.concat(
        [
            rows.select(
                "title_id",
                "branch_id",
                pl.lit(last_week + timedelta(weeks=h)).alias("week_start"),
                pl.lit(h, dtype=pl.Int8).alias("horizon"),
            ).with_columns(pl.Series("predicted", predict(model, rows, h), dtype=pl.Float64))
            for h in HORIZONS
        ]
    )


def cold_forecasts(
    model: DemandModel, panel: pl.LazyFrame, titles: pl.LazyFrame, branches: pl.LazyFrame, cells: pl.LazyFrame,
    last_week: date,
) -> pl.DataFrame:  # fmt: skip
    """Cold-start forecasts for recent titles that have no event anywhere yet, at every branch."""
    seen = panel.select("title_id").unique()
    rows = (
        cold_rows(titles, branches, cells)
        .join(seen, on="title_id", how="anti")
        .filter(pl.col("added_on") >= last_week - timedelta(weeks=NEW_TITLE_WEEKS))
        .collect()
    )
    weekly = pl.Series("predicted", predict_cold(model.cold_start, rows), dtype=pl.Float64)
    base = rows.select("title_id", "branch_id").with_columns(weekly)
    return pl.concat(
        [
            base.select(
                "title_id",
                "branch_id",
                pl.lit(last_week + timedelta(weeks=h)).alias("week_start"),
                pl.lit(h, dtype=pl.Int8).alias("horizon"),
                "predicted",
            )
            for h in HORIZONS
        ]
    )


def worth_writing(forecasts: pl.DataFrame) -> pl.DataFrame:
    return forecasts.filter(pl.col("predicted") >= MIN_FORECAST).sort("title_id", "branch_id", "horizon")


def write_forecasts(session: Session, forecasts: pl.DataFrame, version: str) -> int:
    """Replace the Forecast table with `forecasts` of `version` (the caller commits: one transaction)."""
    session.execute(delete(Forecast))
    rows = forecasts.select(
        pl.col("title_id").cast(pl.Int64),
        pl.col("branch_id").cast(pl.Int64),
        "week_start",
        pl.col("horizon").cast(pl.Int64),
        pl.col("predicted").round(4),
        pl.lit(version).alias("model_version"),
    ).to_dicts()
    for start in range(0, len(rows), 50_000):
        session.execute(insert(Forecast), rows[start : start + 50_000])
    return len(rows)


def forecasts_for(session: Session, title_id: int, branch_id: int) -> pl.DataFrame:
    """The promoted model's forecasts for one title at one branch."""
    result = session.execute(
        select(Forecast.week_start, Forecast.horizon, Forecast.predicted, Forecast.model_version)  # type: ignore[call-overload]
        .where(Forecast.title_id == title_id, Forecast.branch_id == branch_id)
        .order_by(Forecast.week_start)
    ).all()
    schema = {"week": pl.Date, "horizon": pl.Int64, "predicted": pl.Float64, "model_version": pl.String}
    return pl.DataFrame([tuple(r) for r in result], schema=schema, orient="row")


def forecast_vs_actual(
    source: Source, session: Session, title_id: int, branch_id: int, weeks: int = 52
) -> pl.DataFrame:
    """Weekly loans of one title at one branch over the last `weeks` weeks, and the forecasts after them."""
    where = f"WHERE title_id = {int(title_id)} AND branch_id = {int(branch_id)}"
    loans = read_table(source, "loan", ["title_id", "branch_id", "loaned_at"], where)
    actual = (
        loans.filter((pl.col("title_id") == title_id) & (pl.col("branch_id") == branch_id))
        .group_by(week_start("loaned_at").alias("week"))
        .agg(pl.len().cast(pl.Float64).alias("actual"))
        .sort("week")
        .collect()
    )
    if actual.height:
        last = actual["week"].max()
        assert isinstance(last, date)
        actual = actual.filter(pl.col("week") > last - timedelta(weeks=weeks))
    predicted = forecasts_for(session, title_id, branch_id).select("week", "predicted")
    return actual.join(predicted, on="week", how="full", coalesce=True).sort("week")
