"""Business-day calendars: workdays and the public holidays of the workshop's country."""

from __future__ import annotations

import datetime as dt
from functools import cache

from quoting.ratecard import WEEKDAYS


@cache
def _holidays(country: str, year: int) -> frozenset[dt.date]:
    import holidays

    try:
        return frozenset(holidays.country_holidays(country, years=year).keys())
    except NotImplementedError:
        return frozenset()


def is_business_day(day: dt.date, workdays: tuple[str, ...], country: str) -> bool:
    return WEEKDAYS[day.weekday()] in workdays and day not in _holidays(country, day.year)


def add_business_days(start: dt.date, days: int, workdays: tuple[str, ...], country: str) -> dt.date:
    """The date ``days`` business days after ``start`` (``start`` itself is day 0)."""
    day = start
    remaining = max(0, int(days))
    while remaining > 0:
        day += dt.timedelta(days=1)
        if is_business_day(day, workdays, country):
            remaining -= 1
    return day
