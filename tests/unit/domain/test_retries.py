"""The outbox's one retry policy: exponential backoff with jitter, capped, then given up."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from areaclienti.domain.retries import RetryPolicy

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
POLICY = RetryPolicy()
attempts = st.integers(min_value=1, max_value=10_000)
fractions = st.floats(min_value=0, max_value=1)


def test_the_first_waits_double_until_the_cap():
    no_jitter = RetryPolicy(jitter=0, base_delay=timedelta(seconds=5), max_delay=timedelta(seconds=60))
    assert [no_jitter.delay(n, 0.5).total_seconds() for n in range(1, 7)] == [5, 10, 20, 40, 60, 60]


@given(attempts, fractions)
def test_a_delay_lies_between_its_fixed_part_and_the_full_exponential(n, r):
    full = min(POLICY.max_delay, POLICY.base_delay * 2 ** min(n - 1, 40))
    delay = POLICY.delay(n, r)
    assert full * (1 - POLICY.jitter) - timedelta(microseconds=1) <= delay <= full + timedelta(microseconds=1)


@given(attempts, fractions)
def test_delays_never_shrink_as_attempts_grow(n, r):
    assert POLICY.delay(n + 1, r) >= POLICY.delay(n, r)


@given(attempts, fractions, fractions)
def test_more_jitter_draw_never_means_less_wait(n, r1, r2):
    low, high = sorted((r1, r2))
    assert POLICY.delay(n, low) <= POLICY.delay(n, high)


@given(st.integers(min_value=1, max_value=50), fractions)
def test_the_last_attempt_gives_up_and_earlier_ones_are_retried_in_the_future(n, r):
    retry_at = POLICY.next_attempt_at(n, NOW, r)
    if n >= POLICY.max_attempts:
        assert retry_at is None
    else:
        assert retry_at is not None and retry_at > NOW


@pytest.mark.parametrize("bad", [dict(max_attempts=0), dict(jitter=1.5), dict(base_delay=timedelta(0)),
                                 dict(base_delay=timedelta(seconds=10), max_delay=timedelta(seconds=5))])
def test_a_policy_that_makes_no_sense_is_refused(bad):
    with pytest.raises(ValueError):
        RetryPolicy(**bad)


@pytest.mark.parametrize("n, r", [(0, 0.5), (1, -0.1), (1, 1.1)])
def test_a_delay_needs_a_failed_attempt_and_a_fraction(n, r):
    with pytest.raises(ValueError):
        POLICY.delay(n, r)
