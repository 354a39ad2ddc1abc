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

    def waits(self) -> tuple[timedelta, ...]:
        """The wait after ``free_failures``, ``free_failures + 1``, … failures, doubling from one second; the
        last one (``max_delay``) holds for every count beyond."""
        found: list[timedelta] = []
        while not found or found[-1] < self.max_delay:
            found.append(_doubled(timedelta(seconds=1), len(found), self.max_delay))
        return tuple(found)

    def wait_after(self, failures: int) -> timedelta | None:
        """The wait a try owes after ``failures`` failures in a row; None while they are free."""
        if failures < self.free_failures:
            return None
        waits = self.waits()
        return waits[min(failures - self.free_failures, len(waits) - 1)]

    def lock_after_failure(self, failures: int) -> timedelta | None:
        """How long the ``failures``-th failure in a row locks (each further lock lasts twice as long); None
        when it does not lock."""
        beyond = failures - self.lock_after
        if beyond < 0 or beyond % self.lock_after:
            return None
        return _doubled(self.lock_duration, beyond // self.lock_after, self.max_lock)


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
        delay = settings.wait_after(self.failures)
        if self.last_failure_at is not None and delay is not None:
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
        return self.lock_if_due(now, settings)

    def charge_try(self, now: datetime, settings: ThrottleSettings) -> None:
        """Count the try about to be judged as a failure before it is judged, or raise TemporarilyLocked:
        tries made at once cannot all pass the check before the first of them is counted. A success then
        clears the record (``record_success``); a failure only checks whether it locks (``lock_if_due``)."""
        self.ensure_may_try(now, settings)
        self.failures += 1
        self.last_failure_at = now

    def lock_if_due(self, now: datetime, settings: ThrottleSettings) -> bool:
        """Lock when the failure just counted is one that locks; True when it did."""
        duration = settings.lock_after_failure(self.failures)
        if duration is None:
            return False
        self.locked_until = now + duration
        return True

    def record_success(self) -> None:
        self.failures = 0
        self.last_failure_at = None
        self.locked_until = None
