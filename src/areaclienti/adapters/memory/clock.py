"""A clock tests move by hand."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from areaclienti.app.ports.clock import Clock


class FixedClock(Clock):
    """Stands still at ``now`` until ``advance`` or ``set``; always timezone-aware UTC."""

    def __init__(self, now: datetime | None = None) -> None:
        self._now = _utc(now or datetime(2025, 3, 10, 9, 0, tzinfo=timezone.utc))

    def now(self) -> datetime:
        return self._now

    def advance(self, **timedelta_kwargs: float) -> datetime:
        """Move forward by ``timedelta(**timedelta_kwargs)``; the new time."""
        self._now = self._now + timedelta(**timedelta_kwargs)
        return self._now

    def set(self, dt: datetime) -> None:
        self._now = _utc(dt)


def _utc(dt: datetime) -> datetime:
    if dt.tzinfo is None:
        raise ValueError("FixedClock needs a timezone-aware datetime")
    return dt.astimezone(timezone.utc)
