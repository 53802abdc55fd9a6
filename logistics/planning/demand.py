"""Expected loans per title × branch over the planning horizon.

From the promoted model's forecasts when there are any: the latest forecast origin's weeks 1..horizon, summed
(scaled up when the model forecasts fewer weeks than the horizon). Otherwise — a fresh demo, or before the first
model is promoted — a documented stand-in: loans of the title at the branch over the last `demand_window_weeks`
weeks, scaled to the horizon (`loans × horizon / window`). Either way the result says where it came from.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import polars as pl
from sqlmodel import Session, col, func, select

from logistics.planning.config import PlanningConfig
from logistics.planning.frames import read_frame, sql_date, sql_time
from materials.models import Forecast, ModelRun

DEMAND_SCHEMA = {"title_id": pl.Int64, "branch_id": pl.Int64, "demand": pl.Float64}


@dataclass(frozen=True)
class Demand:
    frame: pl.DataFrame  # title_id, branch_id, demand
    source: str  # "forecast <version>" or "loans <weeks> weeks"


def promoted_version(session: Session) -> str | None:
    query = select(ModelRun.version).where(col(ModelRun.promoted).is_(True)).order_by(col(ModelRun.promoted_at).desc())
    return session.exec(query).first()


def demand_estimate(session: Session, *, config: PlanningConfig, at: datetime) -> Demand:
    version = promoted_version(session)
    if version is not None:
        forecast = forecast_demand(session, version=version, horizon=config.horizon_weeks)
        if forecast is not None:
            return Demand(forecast, f"forecast {version}")
    return Demand(loan_demand(session, config=config, at=at), f"loans {config.demand_window_weeks} weeks")


def forecast_demand(session: Session, *, version: str, horizon: int) -> pl.DataFrame | None:
    """The latest origin's forecasts of `version` for weeks 1..horizon, per title × branch; None if it has none."""
    first_week = session.exec(
        select(func.max(Forecast.week_start)).where(Forecast.model_version == version, Forecast.horizon == 1)
    ).first()
    if first_week is None:
        return None
    weeks = [(h, first_week + timedelta(weeks=h - 1)) for h in range(1, horizon + 1)]
    covered = _covered_horizons(session, version=version, weeks=weeks)
    if not covered:
        return None
    wanted = " OR ".join(f"(horizon = {h} AND week_start = {sql_date(d)})" for h, d in weeks if h in covered)
    sql = (
        f"SELECT title_id, branch_id, SUM(predicted) AS demand FROM forecast "
        f"WHERE model_version = '{_quote(version)}' AND ({wanted}) GROUP BY title_id, branch_id"
    )
    scale = horizon / len(covered)
    return read_frame(session, sql, DEMAND_SCHEMA).with_columns((pl.col("demand") * scale).alias("demand"))


def _covered_horizons(session: Session, *, version: str, weeks: list[tuple[int, date]]) -> set[int]:
    horizons = session.exec(
        select(Forecast.horizon)
        .where(Forecast.model_version == version, col(Forecast.horizon).in_([h for h, _ in weeks]))
        .distinct()
    )
    return set(horizons)


def loan_demand(session: Session, *, config: PlanningConfig, at: datetime) -> pl.DataFrame:
    since = at - timedelta(weeks=config.demand_window_weeks)
    sql = (
        f"SELECT title_id, branch_id, COUNT(*) AS demand FROM loan "
        f"WHERE loaned_at >= {sql_time(session, since)} AND loaned_at < {sql_time(session, at)} "
        f"GROUP BY title_id, branch_id"
    )
    scale = config.horizon_weeks / config.demand_window_weeks
    return read_frame(session, sql, DEMAND_SCHEMA).with_columns((pl.col("demand") * scale).alias("demand"))


def _quote(value: str) -> str:
    return value.replace("'", "''")
