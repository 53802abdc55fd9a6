"""Weeks and the Danish school holidays that move library demand.

Weeks start on Monday (ISO). Holiday weeks follow the usual Copenhagen school calendar: winter holiday in ISO week 7,
Easter (the week of Maundy Thursday and the week of Easter Monday), summer holiday ISO weeks 27–32, autumn holiday
ISO week 42, and Christmas (any week touching 21 December – 1 January).
"""

from datetime import date, timedelta

import polars as pl

HOLIDAY_FLAGS = ["is_winter_holiday", "is_easter", "is_summer_holiday", "is_autumn_holiday", "is_christmas"]


def easter_sunday(year: int) -> date:
    """Easter Sunday in the Gregorian calendar (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    r = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * r) // 451
    month = (h + r - 7 * m + 114) // 31
    day = (h + r - 7 * m + 114) % 31 + 1
    return date(year, month, day)


def week_start(column: str) -> pl.Expr:
    """The Monday of the week a timestamp or date falls in, as a Date."""
    return pl.col(column).dt.truncate("1w").cast(pl.Date)


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_columns(week: str, first: date, last: date) -> list[pl.Expr]:
    """Week of year and the holiday flags of the Mondays in column `week` (between `first` and `last`)."""
    easter_weeks = [
        monday(easter_sunday(year) + timedelta(days=offset))
        for year in range(first.year - 1, last.year + 2)
        for offset in (-3, 1)
    ]
    monday_of = pl.col(week)
    week_of_year = monday_of.dt.week()
    return [
        week_of_year.cast(pl.Int8).alias("week_of_year"),
        (week_of_year == 7).alias("is_winter_holiday"),
        monday_of.is_in(easter_weeks).alias("is_easter"),
        week_of_year.is_between(27, 32).alias("is_summer_holiday"),
        (week_of_year == 42).alias("is_autumn_holiday"),
        (
            ((monday_of.dt.month() == 12) & (monday_of.dt.day() >= 15))
            | ((monday_of.dt.month() == 1) & (monday_of.dt.day() <= 1))
        ).alias("is_christmas"),
    ]


def calendar_weeks(first: date, last: date) -> pl.LazyFrame:
    """One row per week from `first` to `last` (Mondays) with week of year and the holiday flags."""
    weeks = pl.date_range(monday(first), monday(last), "1w", eager=True)
    return pl.LazyFrame({"week": weeks}).with_columns(week_columns("week", first, last))
