"""SPEC §8 sessions: idle timeout 15 minutes, absolute lifetime 8 hours."""
from __future__ import annotations

from datetime import timedelta

import pytest

from areaclienti.domain.sessions import SessionSettings, session_is_alive

from .strategies import T0

DEFAULTS = SessionSettings()
TICK = timedelta(microseconds=1)


def alive(*, created=T0, last_seen=T0, now, settings=DEFAULTS) -> bool:
    return session_is_alive(created_at=created, last_seen_at=last_seen, now=now, settings=settings)


def test_the_defaults_are_those_of_the_spec():
    assert DEFAULTS.idle_timeout == timedelta(minutes=15)
    assert DEFAULTS.absolute_lifetime == timedelta(hours=8)


def test_a_fresh_session_is_alive():
    assert alive(now=T0)


def test_idle_timeout_boundary():
    assert alive(now=T0 + timedelta(minutes=15) - TICK)
    assert not alive(now=T0 + timedelta(minutes=15))
    assert not alive(now=T0 + timedelta(minutes=16))


def test_activity_keeps_a_session_alive():
    last_seen = T0 + timedelta(hours=2)
    assert alive(last_seen=last_seen, now=last_seen + timedelta(minutes=14))
    assert not alive(last_seen=last_seen, now=last_seen + timedelta(minutes=15))


@pytest.mark.parametrize("idle", [timedelta(0), timedelta(minutes=1), timedelta(minutes=14)])
def test_absolute_lifetime_boundary_even_when_active(idle):
    end = T0 + timedelta(hours=8)
    assert alive(last_seen=end - TICK - idle, now=end - TICK)
    assert not alive(last_seen=end - idle, now=end)
    assert not alive(last_seen=end, now=end + timedelta(minutes=1))


def test_other_settings_are_honoured():
    short = SessionSettings(idle_timeout=timedelta(minutes=2), absolute_lifetime=timedelta(minutes=10))
    assert alive(now=T0 + timedelta(minutes=1), settings=short)
    assert not alive(now=T0 + timedelta(minutes=2), settings=short)
    assert not alive(last_seen=T0 + timedelta(minutes=9), now=T0 + timedelta(minutes=10), settings=short)
