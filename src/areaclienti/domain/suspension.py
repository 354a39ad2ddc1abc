"""R-DISP-SUSP: suspending and reactivating cover (pure; moments are timezone-aware, days are Italian days).

A suspension starts on a day and optionally an hour, never in the past, at most ``max_per_year`` times in
a calendar year; a reactivation may come once the suspension lasted ``min_days`` and must come within
``max_days`` (after that the contract lapses). The product computes the effect the customer sees before
confirming: the expiry moves on by the days the cover was suspended.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .errors import DomainError

ROME = ZoneInfo("Europe/Rome")


@dataclass(frozen=True)
class SuspensionRules:
    max_per_year: int = 2
    min_days: int = 30
    max_days: int = 365


class SuspensionInThePast(DomainError):
    code = "suspension_in_the_past"
    field = "start"


class TooManySuspensions(DomainError):
    """``max`` suspensions already started (or scheduled) this calendar year."""

    code = "too_many_suspensions"


class ReactivationOutOfRange(DomainError):
    """Too early (before ``earliest``) or too late (after ``latest``) to reactivate this suspension."""

    code = "reactivation_out_of_range"
    field = "start"


def starts_at(day: date, hour: time | None) -> datetime:
    """The moment a suspension or reactivation takes effect: the day at the hour given, or its first minute,
    Italian time."""
    return datetime.combine(day, hour or time(0, 0), tzinfo=ROME)


def check_suspension(start: datetime, *, now: datetime, suspensions_this_year: int, rules: SuspensionRules) -> None:
    """Raises SuspensionInThePast, TooManySuspensions."""
    if start < now:
        raise SuspensionInThePast()
    if suspensions_this_year >= rules.max_per_year:
        raise TooManySuspensions(max=rules.max_per_year)


def reactivation_window(suspended_from: datetime, rules: SuspensionRules) -> tuple[date, date]:
    """The first and last Italian day on which the cover may start again."""
    first_day = suspended_from.astimezone(ROME).date()
    return first_day + timedelta(days=rules.min_days), first_day + timedelta(days=rules.max_days)


def check_reactivation(start: datetime, *, now: datetime, suspended_from: datetime, rules: SuspensionRules) -> None:
    """Raises SuspensionInThePast, ReactivationOutOfRange(earliest=…, latest=…)."""
    if start < now:
        raise SuspensionInThePast()
    earliest, latest = reactivation_window(suspended_from, rules)
    if not earliest <= start.astimezone(ROME).date() <= latest:
        raise ReactivationOutOfRange(earliest=earliest, latest=latest)


def moved_expiry(expiry: date, suspended_from: datetime, reactivated_from: datetime) -> date:
    """The expiry after a suspension: later by the whole days the cover was suspended."""
    days = (reactivated_from.astimezone(ROME).date() - suspended_from.astimezone(ROME).date()).days
    return expiry + timedelta(days=max(0, days))


def can_withdraw(scheduled_start: datetime, now: datetime) -> bool:
    """A suspension scheduled for later can be withdrawn until it starts."""
    return now < scheduled_start
