"""The demo year: how much lending a day sees, for adults and for children.

The monthly shape is calibrated on LibrariesWest (data/librarieswest, "Contains LibrariesWest data", OGL v3);
the children's summer peak is moved to the Danish school summer holiday (late June to early August), and the short
Danish school holidays (winter week 7, Easter, autumn week 42) lift children's lending. Public holidays around
Christmas and New Year close most of the city.
"""

import csv
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import numpy as np

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
SEASONALITY_CSV = DATA_DIR / "librarieswest" / "monthly_seasonality.csv"

# Monday..Sunday: Danish branches lend most early in the week; Sunday is short or closed.
WEEKDAY = np.array([1.18, 1.12, 1.08, 1.06, 0.98, 0.80, 0.48])
# Children's lift in the short school holidays (on top of the month's shape).
SHORT_HOLIDAY_LIFT = 1.3
CLOSED_DAYS = ((12, 24), (12, 25), (12, 26), (12, 31), (1, 1))


def easter(year: int) -> date:
    """Gregorian Easter Sunday (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day + 1)


def summer_holiday(year: int) -> tuple[date, date]:
    """Copenhagen schools: from the last Saturday of June to the Sunday before the second Monday of August."""
    start = date(year, 6, 30)
    start -= timedelta(days=(start.weekday() - 5) % 7)
    first_monday = date(year, 8, 1) + timedelta(days=(7 - date(year, 8, 1).weekday()) % 7)
    return start, first_monday + timedelta(days=6)


def school_holiday(day: date) -> bool:
    """Danish school holidays, as the demo (and the features built on it) know them."""
    week = day.isocalendar().week
    start, end = summer_holiday(day.year)
    e = easter(day.year)
    return (
        start <= day <= end
        or week in (7, 42)
        or e - timedelta(days=7) <= day <= e + timedelta(days=1)
        or (day.month == 12 and day.day >= 21)
        or (day.month == 1 and day.day <= 2)
    )


@cache
def monthly_factors() -> dict[str, tuple[float, ...]]:
    with SEASONALITY_CSV.open(newline="") as f:
        rows = sorted(csv.DictReader(f), key=lambda r: int(r["month"]))
    adult = tuple(float(r["adult"]) for r in rows)
    children = [float(r["children"]) for r in rows]
    # English schools break up late July; Danish ones at the end of June and return in the second week of August.
    children[5], children[6], children[7] = 0.95, children[7], (children[6] + children[8]) / 2
    return {"adult": adult, "children": tuple(children)}


def _smooth_month(day: date, factors: tuple[float, ...]) -> float:
    """Interpolate between mid-month values so demand does not jump at the first of a month."""
    mid = date(day.year, day.month, 15)
    step = 1 if day >= mid else -1
    other_month = (day.month - 1 + step) % 12 + 1
    other_year = day.year + (1 if day.month == 12 and step == 1 else -1 if day.month == 1 and step == -1 else 0)
    other_mid = date(other_year, other_month, 15)
    weight = abs((day - mid).days) / abs((other_mid - mid).days)
    return (1 - weight) * factors[day.month - 1] + weight * factors[other_month - 1]


def day_factors(start: date, days: int) -> np.ndarray:
    """Relative lending per day for adults (column 0) and children (column 1), mean about 1 over a year."""
    months = monthly_factors()
    out = np.empty((days, 2))
    for n in range(days):
        day = start + timedelta(days=n)
        weekday = WEEKDAY[day.weekday()]
        adult = _smooth_month(day, months["adult"]) * weekday
        children = _smooth_month(day, months["children"]) * weekday
        summer_start, summer_end = summer_holiday(day.year)
        if school_holiday(day) and not summer_start <= day <= summer_end and day.month != 12:
            children *= SHORT_HOLIDAY_LIFT
        if (day.month, day.day) in CLOSED_DAYS:
            adult, children = adult * 0.1, children * 0.1
        out[n] = (adult, children)
    return out / out.mean(axis=0)
