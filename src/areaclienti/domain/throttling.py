"""Progressive delay and temporary lock after repeated login failures (SPEC §8).

Failures are counted per identifier typed (the login email), whether or not an account exists, so the
answers never tell a known address from an unknown one. Password and OTP failures are counted apart.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from .errors import TemporarilyLocked


class FailureKind(enum.Enum):
    PASSWORD = "password"
    OTP = "otp"


@dataclass(frozen=True)
class ThrottleSettings:
    free_failures: int = 3  # failures before any delay
    max_delay: timedelta = timedelta(seconds=30)
    lock_after: int = 10  # consecutive failures that lock
    lock_duration: timedelta = timedelta(minutes=15)
    max_lock: timedelta = timedelta(hours=4)


def _doubled(base: timedelta, times: int, cap: timedelta) -> timedelta:
    """``base * 2**times`` but at most ``cap``, capped before it is built: a long run of failures
    would otherwise overflow ``timedelta`` and turn every later try into a crash."""
    if base <= timedelta(0):
        return min(base, cap)
    factor = 2 ** min(times, (cap // base).bit_length())  # past the cap either way; keeps the int small
    return cap if factor > cap // base else base * factor


@dataclass
class FailureRecord:
    key: str
    kind: FailureKind
    failures: int = 0
    last_failure_at: datetime | None = None
    locked_until: datetime | None = None

    def next_allowed_at(self, settings: ThrottleSettings) -> datetime | None:
        """The first moment a new try is judged; None when there is no wait."""
        waits = []
        if self.locked_until is not None:
            waits.append(self.locked_until)
        if self.last_failure_at is not None and self.failures >= settings.free_failures:
            delay = _doubled(timedelta(seconds=1), self.failures - settings.free_failures, settings.max_delay)
            waits.append(self.last_failure_at + delay)
        return max(waits) if waits else None

    def ensure_may_try(self, now: datetime, settings: ThrottleSettings) -> None:
        allowed_at = self.next_allowed_at(settings)
        if allowed_at is not None and allowed_at > now:
            raise TemporarilyLocked(retry_after=allowed_at)

    def record_failure(self, now: datetime, settings: ThrottleSettings) -> bool:
        """Count a failure; True when this failure locks (each further lock lasts twice as long)."""
        self.failures += 1
        self.last_failure_at = now
        beyond = self.failures - settings.lock_after
        if beyond >= 0 and beyond % settings.lock_after == 0:
            doublings = beyond // settings.lock_after
            duration = _doubled(settings.lock_duration, doublings, settings.max_lock)
            self.locked_until = now + duration
            return True
        return False

    def record_success(self) -> None:
        self.failures = 0
        self.last_failure_at = None
        self.locked_until = None
