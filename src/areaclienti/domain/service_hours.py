"""The assistance service's hours (R-ASS-2, SPEC §6): open now?, when next?, and service time elapsed.

Mon–Thu 9:00–13:30 / 14:30–17:30, Fri 9:00–13:30 / 14:30–17:00, Italian time; weekends and Italian public
holidays closed (the ``holidays`` package knows them, Easter Monday included). Times come in as aware
datetimes and are read in Europe/Rome, so the days the clocks change are handled by the zone: a service
day is always the wall-clock intervals of that Italian day.

The time to a first answer counts only service time (``service_time_between``); a target is a deadline in
service time (``add_service_time``).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays as holiday_calendars

ROME = ZoneInfo("Europe/Rome")
Interval = tuple[time, time]

MON_THU: tuple[Interval, ...] = ((time(9, 0), time(13, 30)), (time(14, 30), time(17, 30)))
FRIDAY: tuple[Interval, ...] = ((time(9, 0), time(13, 30)), (time(14, 30), time(17, 0)))
WEEK: tuple[tuple[Interval, ...], ...] = (MON_THU, MON_THU, MON_THU, MON_THU, FRIDAY, (), ())
_SEARCH_DAYS = 30  # the longest closure to look across (Christmas to Epiphany is far shorter)


def italian_holidays() -> Callable[[date], bool]:
    """Italy's public holidays, national ones (the package computes Easter and the rest for any year)."""
    calendar = holiday_calendars.country_holidays("IT")
    return lambda day: day in calendar


@dataclass(frozen=True)
class ServiceHours:
    week: tuple[tuple[Interval, ...], ...] = WEEK  # Monday first
    is_holiday: Callable[[date], bool] = field(default_factory=italian_holidays, compare=False)

    def intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """The open intervals of an Italian day as aware moments (none on weekends and holidays)."""
        if self.is_holiday(day):
            return []
        return [(datetime.combine(day, start, tzinfo=ROME), datetime.combine(day, end, tzinfo=ROME))
                for start, end in self.week[day.weekday()]]

    def is_open(self, moment: datetime) -> bool:
        local = moment.astimezone(ROME)
        return any(start <= local < end for start, end in self.intervals(local.date()))

    def next_opening(self, moment: datetime) -> datetime:
        """The next moment the service opens, strictly after ``moment`` if it is open now (the start of the
        next interval); in Italian time."""
        local = moment.astimezone(ROME)
        for offset in range(_SEARCH_DAYS + 1):
            for start, _end in self.intervals(local.date() + timedelta(days=offset)):
                if start > local:
                    return start
        raise ValueError("no opening within a month")

    def closes_at(self, moment: datetime) -> datetime | None:
        """When the interval open at ``moment`` ends, or None when closed."""
        local = moment.astimezone(ROME)
        return next((end for start, end in self.intervals(local.date()) if start <= local < end), None)

    def service_time_between(self, start: datetime, end: datetime) -> timedelta:
        """The service time inside [start, end): only open hours count."""
        if end <= start:
            return timedelta(0)
        first, last = start.astimezone(ROME), end.astimezone(ROME)
        total = timedelta(0)
        day = first.date()
        while day <= last.date():
            for open_at, close_at in self.intervals(day):
                lo, hi = max(open_at, first), min(close_at, last)
                if hi > lo:
                    total += hi - lo  # no clock change falls inside service hours
            day += timedelta(days=1)
        return total

    def add_service_time(self, start: datetime, duration: timedelta) -> datetime:
        """The moment ``duration`` of service time after ``start`` (a target's deadline)."""
        if duration <= timedelta(0):
            return start
        left = duration
        local = start.astimezone(ROME)
        day = local.date()
        for _ in range(366 * 2):
            for open_at, close_at in self.intervals(day):
                lo = max(open_at, local)
                if close_at <= lo:
                    continue
                if lo + left <= close_at:
                    return lo + left
                left -= close_at - lo
            day += timedelta(days=1)
        raise ValueError("duration too long for the calendar")
