"""Business-day calendars and lead times: workdays, the country's public holidays, closures.

Lead time of a line = queue (backlog / daily capacity) + production (machine
hours / daily capacity) + inspection + finishing days, scaled by the tier's
day factor, in the workshop's business days; then shipping days (carrier
business days, Monday to Friday, same holidays).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache

from quoting.numeric import ceil_count
from quoting.ratecard_schema import WEEKDAYS

CARRIER_DAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")


@cache
def _holidays(country: str, year: int, subdivision: str | None) -> frozenset[dt.date]:
    import holidays

    try:
        return frozenset(holidays.country_holidays(country, subdiv=subdivision, years=year).keys())
    except NotImplementedError:
        if subdivision is not None:
            return _holidays(country, year, None)
        return frozenset()


def public_holidays(country: str, year: int) -> frozenset[dt.date]:
    """The public holidays of ``country`` in ``year``: ISO alpha-2, optionally "FR/67" for a subdivision
    (empty if the ``holidays`` package does not know the country)."""
    code, _, subdiv = country.partition("/")
    return _holidays(code.upper(), year, subdiv or None)


def is_business_day(day: dt.date, workdays: tuple[str, ...], country: str,
                    closed: Iterable[dt.date] = ()) -> bool:
    return (WEEKDAYS[day.weekday()] in workdays and day not in public_holidays(country, day.year)
            and day not in closed)


def add_business_days(start: dt.date, days: int, workdays: tuple[str, ...], country: str,
                      closed: Iterable[dt.date] = ()) -> dt.date:
    """The date ``days`` business days after ``start`` (``start`` itself is day 0)."""
    return _add_business_days(start, max(0, int(days)), tuple(workdays), country, frozenset(closed))


@lru_cache(maxsize=8192)
def _add_business_days(start: dt.date, days: int, workdays: tuple[str, ...], country: str,
                       closed: frozenset[dt.date]) -> dt.date:
    """``add_business_days``, kept per arguments: every line of a quote asks the same few dates."""
    day = start
    remaining = days
    while remaining > 0:
        day += dt.timedelta(days=1)
        if is_business_day(day, workdays, country, closed):
            remaining -= 1
    return day


@dataclass(frozen=True)
class LeadTime:
    """Business days of each stage and the resulting dates."""

    queue_days: int
    production_days: int
    finishing_days: int
    shipping_days: int
    #: workshop business days from order to shipping
    make_days: int
    ship_date: dt.date
    delivery_date: dt.date

    @property
    def total_days(self) -> int:
        return self.make_days + self.shipping_days


def lead_time(
    *,
    backlog_h: float,
    machine_h: float,
    capacity_h_day: float,
    finishing_days: int,
    inspection_days: int,
    shipping_days: int,
    day_factor: float,
    today: dt.date,
    workdays: tuple[str, ...],
    country: str,
    closed: Iterable[dt.date] = (),
) -> LeadTime:
    """Queue + production + inspection + finishing in the workshop's days, then shipping days.

    Monotone by construction: more machine hours never give fewer days, a smaller
    ``day_factor`` never gives more.
    """
    queue = ceil_count(backlog_h / capacity_h_day * day_factor)
    production = max(1, ceil_count(machine_h / capacity_h_day * day_factor))
    finishing = ceil_count(finishing_days * day_factor)
    make = queue + production + inspection_days + finishing
    ship_date = add_business_days(today, make, workdays, country, closed)
    delivery = add_business_days(ship_date, shipping_days, CARRIER_DAYS, country)
    return LeadTime(queue, production, finishing, shipping_days, make, ship_date, delivery)
