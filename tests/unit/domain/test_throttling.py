"""SPEC §8 login: progressive delay, temporary lock, at most 100 failures an hour."""
from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from areaclienti.domain.errors import TemporarilyLocked
from areaclienti.domain.throttling import FailureKind, FailureRecord, ThrottleSettings

from .strategies import T0

DEFAULTS = ThrottleSettings()
TICK = timedelta(microseconds=1)
HOUR = timedelta(hours=1)


def record() -> FailureRecord:
    return FailureRecord(key="mario@example.it", kind=FailureKind.PASSWORD)


def fail_times(r: FailureRecord, n: int, now=T0, settings=DEFAULTS) -> list[bool]:
    """n failures, each at the first moment it is allowed."""
    locks = []
    for _ in range(n):
        now = max(now, r.next_allowed_at(settings) or now)
        r.ensure_may_try(now, settings)
        locks.append(r.record_failure(now, settings))
    return locks


def test_the_defaults():
    assert DEFAULTS == ThrottleSettings(
        free_failures=3, max_delay=timedelta(seconds=30), lock_after=10,
        lock_duration=timedelta(minutes=15), max_lock=timedelta(hours=4),
    )


def test_a_fresh_record_has_no_wait():
    r = record()
    assert r.next_allowed_at(DEFAULTS) is None
    r.ensure_may_try(T0, DEFAULTS)


def test_the_first_free_failures_bring_no_delay():
    r = record()
    for n in range(1, DEFAULTS.free_failures):
        assert r.record_failure(T0, DEFAULTS) is False
        assert r.failures == n
        assert r.next_allowed_at(DEFAULTS) is None
        r.ensure_may_try(T0, DEFAULTS)


@pytest.mark.parametrize(("failures", "delay"), [(3, 1), (4, 2), (5, 4), (6, 8), (7, 16), (8, 30), (9, 30)])
def test_the_delay_doubles_then_stops_at_the_cap(failures, delay):
    r = record()
    for _ in range(failures - 1):
        r.record_failure(T0, DEFAULTS)
    last = T0 + timedelta(minutes=1)
    r.record_failure(last, DEFAULTS)
    assert r.last_failure_at == last
    assert r.locked_until is None
    assert r.next_allowed_at(DEFAULTS) == last + timedelta(seconds=delay)
    with pytest.raises(TemporarilyLocked) as excinfo:
        r.ensure_may_try(last + timedelta(seconds=delay) - TICK, DEFAULTS)
    assert excinfo.value.retry_after == last + timedelta(seconds=delay)
    assert excinfo.value.params == {"retry_after": last + timedelta(seconds=delay)}
    assert excinfo.value.code == "temporarily_locked"
    r.ensure_may_try(last + timedelta(seconds=delay), DEFAULTS)


def test_ten_consecutive_failures_lock_for_15_minutes():
    r = record()
    locks = fail_times(r, 9)
    assert locks == [False] * 9 and r.locked_until is None
    tenth = r.next_allowed_at(DEFAULTS)
    assert r.record_failure(tenth, DEFAULTS) is True
    assert r.locked_until == tenth + timedelta(minutes=15)
    assert r.next_allowed_at(DEFAULTS) == tenth + timedelta(minutes=15)
    with pytest.raises(TemporarilyLocked) as excinfo:
        r.ensure_may_try(tenth + timedelta(minutes=15) - TICK, DEFAULTS)
    assert excinfo.value.retry_after == tenth + timedelta(minutes=15)
    r.ensure_may_try(tenth + timedelta(minutes=15), DEFAULTS)


def test_later_locks_double_up_to_the_cap():
    r = record()
    durations = []
    for _ in range(8):
        locks = fail_times(r, 10)
        assert locks == [False] * 9 + [True]
        durations.append(r.locked_until - r.last_failure_at)
    assert durations == [timedelta(minutes=m) for m in (15, 30, 60, 120, 240, 240, 240, 240)]


def test_after_a_lock_the_delay_stays_at_the_cap():
    r = record()
    fail_times(r, 10)
    after_lock = r.locked_until
    assert r.record_failure(after_lock, DEFAULTS) is False
    assert r.next_allowed_at(DEFAULTS) == after_lock + timedelta(seconds=30)


@pytest.mark.parametrize("failures", [50, 60, 380, 1_000, 100_000])
def test_a_long_run_of_failures_stays_at_the_caps_without_overflowing(failures):
    r = record()
    r.failures = failures - 1
    r.last_failure_at = T0
    assert r.next_allowed_at(DEFAULTS) == T0 + timedelta(seconds=30)
    r.failures = (failures // 10) * 10 - 1
    assert r.record_failure(T0, DEFAULTS) is True
    assert r.locked_until == T0 + timedelta(hours=4)
    assert r.next_allowed_at(DEFAULTS) == T0 + timedelta(hours=4)


def test_success_resets_everything():
    r = record()
    fail_times(r, 10)
    r.record_success()
    assert (r.failures, r.last_failure_at, r.locked_until) == (0, None, None)
    assert r.next_allowed_at(DEFAULTS) is None
    assert fail_times(r, 10) == [False] * 9 + [True]
    assert r.locked_until - r.last_failure_at == timedelta(minutes=15)  # the doubling starts over


def test_other_settings_are_honoured():
    custom = ThrottleSettings(free_failures=1, max_delay=timedelta(seconds=5), lock_after=4,
                              lock_duration=timedelta(minutes=1), max_lock=timedelta(minutes=3))
    r = record()
    assert r.record_failure(T0, custom) is False
    assert r.next_allowed_at(custom) == T0 + timedelta(seconds=1)
    assert fail_times(r, 3, settings=custom) == [False, False, True]
    assert r.locked_until - r.last_failure_at == timedelta(minutes=1)
    fail_times(r, 4, settings=custom)
    assert r.locked_until - r.last_failure_at == timedelta(minutes=2)
    fail_times(r, 8, settings=custom)
    assert r.locked_until - r.last_failure_at == timedelta(minutes=3)


def _most_in_an_hour(times) -> int:
    most, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= HOUR:
            start += 1
        most = max(most, end - start + 1)
    return most


def test_the_greediest_guesser_stays_under_100_failures_an_hour():
    r = record()
    now, times = T0, []
    while now < T0 + timedelta(hours=24):
        now = max(now, r.next_allowed_at(DEFAULTS) or now)
        r.ensure_may_try(now, DEFAULTS)
        r.record_failure(now, DEFAULTS)
        times.append(now)
    assert _most_in_an_hour(times) <= 100
    assert _most_in_an_hour(times[:10]) == 10  # the first burst is quick: the limit is not zero


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 90), st.booleans()), min_size=20, max_size=400))
def test_no_hour_ever_holds_more_than_100_failures(steps):
    r = record()
    now, times = T0, []
    for gap, retry_when_told in steps:
        now += timedelta(seconds=gap)
        try:
            r.ensure_may_try(now, DEFAULTS)
        except TemporarilyLocked as locked:
            assert locked.retry_after > now
            if not retry_when_told:
                continue
            now = locked.retry_after
            r.ensure_may_try(now, DEFAULTS)  # retry_after is a promise
        r.record_failure(now, DEFAULTS)
        times.append(now)
    assert r.failures == len(times)
    assert _most_in_an_hour(times) <= 100
