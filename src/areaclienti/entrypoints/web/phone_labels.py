"""The phone assistance's hours and whether a line is open, in the customer's language (R-ASS-2).

Shared by the phone lookup reached from the login page and by the reserved area, which show the numbers
under «Vita» and «Danni»: one wording, read from the one calendar (``ServiceHours``) and the one table of
numbers (``PhoneAssistance.lines()``). Times are Italian time.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import get_day_names
from flask_babel import format_date, get_locale
from flask_babel import gettext as _

from areaclienti.app.use_cases.assistance import PhoneLine
from areaclienti.domain.policies import Company
from areaclienti.domain.service_hours import ServiceHours

from .helpers import container

ROME = ZoneInfo("Europe/Rome")


def clock_time(moment: datetime | time) -> str:
    """9:00, 13:30: the Italian way of writing a time of day (Italian time)."""
    if isinstance(moment, datetime):
        moment = moment.astimezone(ROME).time()
    return f"{moment.hour}:{moment.minute:02d}"


def service_hours_lines(hours: ServiceHours | None = None) -> list[str]:
    """The week's hours, days with the same hours together: «lunedì–giovedì: 9:00–13:30, 14:30–17:30»."""
    hours = hours or container().service_hours()
    names = get_day_names("wide", locale=str(get_locale() or "it"))
    lines: list[str] = []
    day = 0
    while day < 7:
        intervals = hours.week[day]
        last = day
        while last + 1 < 7 and hours.week[last + 1] == intervals:
            last += 1
        if intervals:
            days = names[day] if day == last else f"{names[day]}–{names[last]}"
            spans = ", ".join(f"{clock_time(start)}–{clock_time(end)}" for start, end in intervals)
            lines.append(f"{days}: {spans}")
        day = last + 1
    lines.append(_("Chiuso il sabato, la domenica e nei giorni festivi."))
    return lines


def line_status(line: PhoneLine, now: datetime) -> str:
    """«Aperto ora, fino alle 13:30» or when it opens again: today, tomorrow, or on which day."""
    if line.open_now and line.closes_at is not None:
        return _("Aperto ora, fino alle %(time)s", time=clock_time(line.closes_at))
    opening = line.next_opening.astimezone(ROME)
    today = now.astimezone(ROME).date()
    if opening.date() == today:
        return _("Chiuso ora: riapre oggi alle %(time)s", time=clock_time(opening))
    if opening.date() == today + timedelta(days=1):
        return _("Chiuso ora: riapre domani alle %(time)s", time=clock_time(opening))
    return _("Chiuso ora: riapre %(day)s alle %(time)s", day=format_date(opening.date(), "EEEE d MMMM"),
             time=clock_time(opening))


@dataclass(frozen=True)
class ShownLine:
    line: PhoneLine
    status: str  # line_status in the request's language


def shown_lines() -> dict[Company, ShownLine]:
    """The reserved area's numbers under «Vita» and «Danni», each with whether it is open now."""
    now = container().clock().now()
    return {line.company: ShownLine(line, line_status(line, now)) for line in container().phone_assistance().lines()}
