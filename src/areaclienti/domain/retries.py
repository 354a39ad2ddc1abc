"""When a piece of background work is tried again, and when it is given up (pure: time comes in).

One policy for every outbox kind (SMS, emails, look-ups, hand-offs to the core system): exponential
backoff with jitter between attempts, a lease while one worker holds an item, a visibility timeout
before an item handed to the queue may be handed again, and a dead-letter state after the last attempt.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    base_delay: timedelta = timedelta(seconds=5)
    max_delay: timedelta = timedelta(hours=1)
    jitter: float = 0.5  # the share of each delay drawn at random, so failed items do not retry in step
    # An item handed to the queue is handed again only when it was not delivered within this time (the
    # queue lost it: Redis restarted empty, a worker died); never while it may still sit in the queue.
    visibility_timeout: timedelta = timedelta(seconds=30)
    # How long a worker holds an item while delivering it; past this another worker may take it over.
    lease: timedelta = timedelta(seconds=60)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if not 0 <= self.jitter <= 1:
            raise ValueError("jitter must be between 0 and 1")
        if self.base_delay <= timedelta(0) or self.max_delay < self.base_delay:
            raise ValueError("delays must be positive, the maximum at least the base")

    def gives_up(self, attempts: int) -> bool:
        """True when ``attempts`` failed attempts are the last allowed (the item becomes dead)."""
        return attempts >= self.max_attempts

    def delay(self, attempts: int, random_fraction: float) -> timedelta:
        """The wait after the ``attempts``-th failed attempt: base × 2^(attempts−1), capped, of which the
        ``jitter`` share is scaled by ``random_fraction`` (in [0, 1))."""
        if attempts < 1:
            raise ValueError("the delay follows a failed attempt")
        if not 0 <= random_fraction <= 1:
            raise ValueError("random_fraction must be in [0, 1]")
        ceiling = self.max_delay.total_seconds()
        exponential = min(ceiling, self.base_delay.total_seconds() * 2.0 ** min(attempts - 1, 62))
        fixed = exponential * (1 - self.jitter)
        return timedelta(seconds=fixed + exponential * self.jitter * random_fraction)

    def next_attempt_at(self, attempts: int, now: datetime, random_fraction: float) -> datetime | None:
        """When to try again after the ``attempts``-th failure, or None when the item is given up."""
        if self.gives_up(attempts):
            return None
        return now + self.delay(attempts, random_fraction)
