"""The manager's figures (materials.services.reports) on a database the test filled."""

from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from materials.domain.states import TaskKind, TaskState
from materials.models import Event, Task
from materials.services import reports
from tests.dashboard.conftest import ScreenDb

MONDAY = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)  # 09:30 in Copenhagen


def test_lead_times_are_counted_in_buckets_from_zero() -> None:
    buckets = reports.distribution([0.0, 1.0, 9.9, 10.0], bins=10)

    assert len(buckets) == 10
    assert (buckets[0].low, buckets[0].high, buckets[0].count) == (0.0, 1.0, 1)
    assert buckets[1].count == 1 and buckets[-1].count == 2
    assert reports.distribution([]) == []


def test_staff_time_prices_the_work_and_scales_a_week_to_a_year(screen_db: ScreenDb) -> None:
    with Session(screen_db.engine) as session:
        for n in range(350):
            session.add(Event(at=MONDAY + timedelta(seconds=n), kind="checkin", station="sortering-1"))
        session.add(Task(kind=TaskKind.PICK, state=TaskState.DONE, station="pluk", branch_id=screen_db.city.valby.id or 0,
                         created_at=MONDAY, done_at=MONDAY + timedelta(hours=1)))  # fmt: skip
        session.commit()
        week = reports.staff_time(
            session, start=MONDAY - timedelta(days=1), end=MONDAY + timedelta(days=6), baseline_fte=10.0,
            minutes_per_task={"pick": 6.0},
        )  # fmt: skip

    lines = {line.kind: line for line in week.lines}
    assert lines["checkin"].hours == 1.0  # 350 items an hour by hand
    assert lines["pick"].hours == 0.1
    assert week.hours == 1.1
    assert week.fte == round(1.1 * 365 / 7 / 1924, 2)
    assert week.saved_fte == round(10.0 - week.fte, 2)


def test_throughput_rolls_hours_up_to_copenhagen_days_and_stations(screen_db: ScreenDb) -> None:
    late_sunday_utc = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)  # already Monday in Copenhagen
    with Session(screen_db.engine) as session:
        for at in (late_sunday_utc, MONDAY, MONDAY + timedelta(minutes=5)):
            session.add(Event(at=at, kind="checkin", station="sortering-1"))
        session.commit()
        hourly = reports.throughput(session, start=MONDAY - timedelta(days=2), end=MONDAY + timedelta(days=1))

    by_day = reports.throughput_by(hourly, "day")
    assert [(row["day"].isoformat(), row["count"]) for row in by_day] == [("2026-11-23", 3)]
    by_branch = reports.throughput_by(hourly, "branch")
    assert by_branch == [{"branch": "Centralsorteringen", "what": "checkin", "count": 3}]
