"""Suspension and reactivation rules (R-DISP-SUSP), with hypothesis over days and hours in Italian time."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from areaclienti.domain.suspension import (
    ROME,
    ReactivationOutOfRange,
    SuspensionInThePast,
    SuspensionRules,
    TooManySuspensions,
    can_withdraw,
    check_reactivation,
    check_suspension,
    moved_expiry,
    reactivation_window,
    starts_at,
)

RULES = SuspensionRules()
NOW = datetime(2026, 11, 30, 22, 30, tzinfo=timezone.utc)  # 23:30 in Rome
days = st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 12, 31))
hours = st.one_of(st.none(), st.times().map(lambda t: t.replace(second=0, microsecond=0)))


def test_tomorrow_at_14_is_italian_time():
    start = starts_at(date(2026, 12, 1), time(14, 0))
    assert start.astimezone(timezone.utc) == datetime(2026, 12, 1, 13, 0, tzinfo=timezone.utc)
    check_suspension(start, now=NOW, suspensions_this_year=0, rules=RULES)


@given(day=days, hour=hours, used=st.integers(0, 5))
def test_a_suspension_is_refused_exactly_in_the_past_or_over_the_yearly_limit(day, hour, used):
    start = starts_at(day, hour)
    if start < NOW:
        with pytest.raises(SuspensionInThePast):
            check_suspension(start, now=NOW, suspensions_this_year=used, rules=RULES)
    elif used >= RULES.max_per_year:
        with pytest.raises(TooManySuspensions):
            check_suspension(start, now=NOW, suspensions_this_year=used, rules=RULES)
    else:
        check_suspension(start, now=NOW, suspensions_this_year=used, rules=RULES)


@given(suspended=days, back=days)
def test_reactivation_inside_its_window_and_the_expiry_moves_by_the_days_suspended(suspended, back):
    since = starts_at(suspended, None)
    start = starts_at(back, time(9, 0))
    earliest, latest = reactivation_window(since, RULES)
    now = min(since, start) - timedelta(days=1)
    if earliest <= back <= latest:
        check_reactivation(start, now=now, suspended_from=since, rules=RULES)
        assert moved_expiry(date(2030, 1, 1), since, start) == date(2030, 1, 1) + (back - suspended)
    else:
        with pytest.raises(ReactivationOutOfRange) as refused:
            check_reactivation(start, now=now, suspended_from=since, rules=RULES)
        assert refused.value.params == {"earliest": earliest, "latest": latest}


def test_a_scheduled_suspension_can_be_withdrawn_until_it_starts():
    start = starts_at(date(2026, 12, 1), time(14, 0))
    assert can_withdraw(start, NOW) and not can_withdraw(start, start)
    assert starts_at(date(2026, 12, 1), None).tzinfo is ROME
