"""A circuit breaker in front of the core system: a slow or down core system costs a page one quick 503,
not a worker held for the length of every timeout.

Closed, calls go through and failures in a row are counted; at ``failures`` the circuit opens and, for
``open_seconds``, every call fails at once without touching the network. Then one call (the probe) goes
through while the others still fail fast: its success closes the circuit, its failure opens it again.
A dozen lines of state, written here rather than taken from a library so that tests can drive its
clock, and so that it counts calls (after their retries), not HTTP attempts.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable


class CircuitOpen(Exception):
    """The circuit is open: ``retry_after`` seconds until a probe may go."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"circuit open for {retry_after:.1f} s more")
        self.retry_after = retry_after


class CircuitBreaker:
    def __init__(self, *, failures: int = 5, open_seconds: float = 30,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if failures < 1 or open_seconds <= 0:
            raise ValueError("a breaker needs at least one failure and a positive open time")
        self.failures = failures
        self.open_seconds = open_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._in_a_row = 0
        self._opened_at: float | None = None
        self._probing = False

    @property
    def state(self) -> str:
        """``closed``, ``open`` or ``half_open`` (the open time is over: the next call probes)."""
        with self._lock:
            if self._opened_at is None:
                return "closed"
            return "open" if self._clock() < self._opened_at + self.open_seconds else "half_open"

    def before(self) -> None:
        """Raise :class:`CircuitOpen` unless this call may go (closed, or the one probe of half-open)."""
        with self._lock:
            if self._opened_at is None:
                return
            left = self._opened_at + self.open_seconds - self._clock()
            if left > 0:
                raise CircuitOpen(left)
            if self._probing:  # another call is probing: wait for its verdict
                raise CircuitOpen(1.0)
            self._probing = True

    def succeeded(self) -> None:
        with self._lock:
            self._in_a_row = 0
            self._opened_at = None
            self._probing = False

    def failed(self) -> None:
        with self._lock:
            self._in_a_row += 1
            if self._probing or self._in_a_row >= self.failures:
                self._opened_at = self._clock()
            self._probing = False
