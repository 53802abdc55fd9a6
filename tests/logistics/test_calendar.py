from datetime import date

import polars as pl
from polars.testing import assert_frame_equal

from logistics.calendar import calendar_weeks, easter_sunday


def test_easter_sunday_falls_on_the_known_dates():
    assert easter_sunday(2024) == date(2024, 3, 31)
    assert easter_sunday(2025) == date(2025, 4, 20)
    assert easter_sunday(2026) == date(2026, 4, 5)


def test_holiday_weeks_follow_the_copenhagen_school_calendar():
    weeks = calendar_weeks(date(2025, 2, 10), date(2025, 2, 17)).collect()
    expected = pl.DataFrame(
        {
            "week": [date(2025, 2, 10), date(2025, 2, 17)],
            "week_of_year": pl.Series([7, 8], dtype=pl.Int8),
            "is_winter_holiday": [True, False],
            "is_easter": [False, False],
            "is_summer_holiday": [False, False],
            "is_autumn_holiday": [False, False],
            "is_christmas": [False, False],
        }
    )
    assert_frame_equal(weeks, expected)


def test_easter_christmas_summer_and_autumn_weeks_are_flagged():
    weeks = calendar_weeks(date(2025, 1, 1), date(2025, 12, 31)).collect()
    flagged = {name: weeks.filter(pl.col(name))["week"].to_list() for name in weeks.columns if name.startswith("is_")}
    assert flagged["is_easter"] == [date(2025, 4, 14), date(2025, 4, 21)]
    assert len(flagged["is_summer_holiday"]) == 6
    assert flagged["is_autumn_holiday"] == [date(2025, 10, 13)]
    assert flagged["is_christmas"] == [date(2024, 12, 30), date(2025, 12, 15), date(2025, 12, 22), date(2025, 12, 29)]
