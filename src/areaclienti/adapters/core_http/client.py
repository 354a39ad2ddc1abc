"""The core system over HTTP (httpx): the port ``PolicyCoreSystem`` as the insurer's core system serves it.

Every call has its own timeouts (a look-up is short; a hand-off or a PDF may take longer). Every call of
the port is idempotent (look-ups, and a hand-off by its key), so each is tried again, a little later, when
the connection failed, timed out or the core system answered 502/503/504; nothing else is retried. A call
that still fails raises :class:`CoreSystemUnavailable` and counts towards the circuit breaker, which after
a few failures in a row refuses calls at once for a while (pages answer 503 instead of waiting on a dead
core system), then lets one probe through. A party's policies are kept for a few seconds, so a page that
asks for them twice, or the next page, does not ask again.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from areaclienti.app.ports.core_system import (
    CoreStatus,
    CoreSystemUnavailable,
    HandOff,
    PolicyCoreSystem,
)
from areaclienti.domain.data_changes import PartyDetails
from areaclienti.domain.parties import Party, PartyId
from areaclienti.domain.policies import Policy, normalise_policy_number
from areaclienti.domain.policy_information import PolicyDocument, PolicyInformation
from areaclienti.domain.products import ProductRules
from areaclienti.domain.receipts import Receipt

from .breaker import CircuitBreaker, CircuitOpen
from .codec import CodecError, decode, encode, party_path

log = logging.getLogger(__name__)
RETRYABLE_STATUSES = frozenset({502, 503, 504})


@dataclass(frozen=True)
class CoreTimeouts:
    """Seconds: to connect, and to read the answer of each kind of call."""

    connect: float = 1.0
    read: float = 3.0  # a look-up
    write: float = 5.0  # a hand-off: the core system stores it before it answers
    document: float = 10.0  # a PDF rendered on demand

    def of(self, read: float) -> httpx.Timeout:
        return httpx.Timeout(connect=self.connect, read=read, write=read, pool=self.connect)


class _TtlCache:
    """A few seconds of memory per key, bounded in size (the oldest entries go first)."""

    def __init__(self, seconds: float, clock: Callable[[], float], max_entries: int = 10_000) -> None:
        self.seconds, self._clock, self._max = seconds, clock, max_entries
        self._entries: dict[Any, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: Any) -> tuple[bool, Any]:
        with self._lock:
            found = self._entries.get(key)
            if found is None or found[0] <= self._clock():
                self._entries.pop(key, None)
                return False, None
            return True, found[1]

    def put(self, key: Any, value: Any) -> None:
        if self.seconds <= 0:
            return
        with self._lock:
            if len(self._entries) >= self._max:
                for old in list(self._entries)[: self._max // 10 or 1]:
                    del self._entries[old]
            self._entries[key] = (self._clock() + self.seconds, value)

    def drop(self, predicate: Callable[[Any, Any], bool]) -> None:
        with self._lock:
            for key in [k for k, (_, v) in self._entries.items() if predicate(k, v)]:
                del self._entries[key]


class HttpCoreSystem(PolicyCoreSystem):
    """The port over HTTP. ``transport`` lets tests put an httpx transport in; ``clock`` (monotonic
    seconds) drives the breaker and the cache."""

    def __init__(self, base_url: str, *, timeouts: CoreTimeouts = CoreTimeouts(), retries: int = 1,
                 breaker: CircuitBreaker | None = None, cache_seconds: float = 15,
                 clock: Callable[[], float] = time.monotonic, retry_pause: float = 0.05,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeouts = timeouts
        self.retries = max(0, retries)
        self.breaker = breaker or CircuitBreaker(clock=clock)
        self._retry_pause = retry_pause
        self._cache = _TtlCache(cache_seconds, clock)
        self._http = httpx.Client(base_url=self.base_url, transport=transport,
                                  timeout=timeouts.of(timeouts.read),
                                  headers={"Accept": "application/json", "User-Agent": "areaclienti"})

    def close(self) -> None:
        self._http.close()

    # --- one call: timeouts, retries, breaker ----------------------------------------------------------
    def _call(self, method: str, path: str, *, read: float | None = None, idempotent: bool = True,
              params: Any = None, body: Any = None) -> httpx.Response:
        try:
            self.breaker.before()
        except CircuitOpen as refused:
            raise CoreSystemUnavailable(f"{method} {path}: {refused}", retry_after=refused.retry_after) from None
        attempts = 1 + (self.retries if idempotent else 0)
        timeout = self.timeouts.of(read or self.timeouts.read)
        failure = "no attempt"
        try:
            for attempt in range(1, attempts + 1):
                try:
                    response = self._http.request(method, path, params=params, json=body, timeout=timeout)
                except httpx.TransportError as error:  # refused, reset, timed out
                    failure = f"{type(error).__name__}: {error}"
                else:
                    if response.status_code < 500 or response.status_code not in RETRYABLE_STATUSES:
                        break
                    failure = f"HTTP {response.status_code}"
                if attempt < attempts:
                    time.sleep(self._retry_pause * attempt)
            else:
                raise CoreSystemUnavailable(f"{method} {path}: {failure}",
                                            retry_after=self.breaker.open_seconds)
            if response.status_code >= 400 and response.status_code != 404:
                raise CoreSystemUnavailable(f"{method} {path}: HTTP {response.status_code}",
                                            retry_after=self.breaker.open_seconds)
        except BaseException:
            self.breaker.failed()
            raise
        self.breaker.succeeded()
        return response

    def _json(self, method: str, path: str, **options: Any) -> Any:
        response = self._call(method, path, **options)
        if response.status_code == 404:  # a route the core system does not have: another version, a bad URL
            raise CoreSystemUnavailable(f"{method} {path}: HTTP 404")
        try:
            return response.json()
        except ValueError as error:
            raise CoreSystemUnavailable(f"{method} {path}: not JSON ({error})") from error

    def _get(self, kind: Any, path: str, **options: Any) -> Any:
        data = self._json("GET", path, **options)
        try:
            return decode(kind, data)
        except CodecError as error:
            raise CoreSystemUnavailable(f"GET {path}: {error}") from error

    def ping(self) -> None:
        # Through the breaker (an open circuit is what customers meet too), without retries, a short read.
        response = self._call("GET", "/health", read=min(1.0, self.timeouts.read), idempotent=False)
        if response.status_code != 200:
            raise CoreSystemUnavailable(f"GET /health: HTTP {response.status_code}")

    # --- read side -------------------------------------------------------------------------------------
    def find_policy(self, number: str) -> Policy | None:
        number = normalise_policy_number(number)
        hit, cached = self._cache.get(("policy", number))
        if hit:
            return cached
        found = self._get(Policy | None, f"/policies/{_segment(number)}")
        self._cache.put(("policy", number), found)
        return found

    def policies_of(self, party_id: PartyId) -> list[Policy]:
        hit, cached = self._cache.get(("party", party_id))
        if hit:
            return list(cached)
        found = self._get(list[Policy], f"/parties/{party_path(party_id)}/policies")
        self._cache.put(("party", party_id), tuple(found))
        return found

    def find_party(self, party_id: PartyId) -> Party | None:
        return self._get(Party | None, f"/parties/{party_path(party_id)}")

    def party_details(self, party_id: PartyId) -> PartyDetails | None:
        return self._get(PartyDetails | None, f"/parties/{party_path(party_id)}/details")

    def product_rules(self, product_code: str) -> ProductRules | None:
        return self._get(ProductRules | None, f"/products/{_segment(product_code)}/rules")

    def receipts(self, policy_number: str) -> list[Receipt]:
        return self._get(list[Receipt], f"/policies/{_segment(policy_number)}/receipts")

    def information(self, policy_number: str) -> PolicyInformation | None:
        return self._get(PolicyInformation | None, f"/policies/{_segment(policy_number)}/information")

    def documents(self, policy_numbers: Sequence[str]) -> dict[str, list[PolicyDocument]]:
        if not policy_numbers:
            return {}
        return self._get(dict[str, list[PolicyDocument]], "/documents", params={"policy": list(policy_numbers)})

    def document_content(self, policy_number: str, document_id: str) -> bytes | None:
        path = f"/policies/{_segment(policy_number)}/documents/{_segment(document_id)}"
        response = self._call("GET", path, read=self.timeouts.document)
        if response.status_code == 204:
            return None
        if response.status_code != 200 or response.headers.get("content-type") != "application/pdf":
            raise CoreSystemUnavailable(f"GET {path}: HTTP {response.status_code} "
                                        f"{response.headers.get('content-type')}")
        return response.content

    # --- write side ------------------------------------------------------------------------------------
    def hand_over(self, handoff: HandOff) -> CoreStatus:
        # Idempotent by its key: a retry after a timeout gets the first answer, counted once.
        data = self._json("POST", "/handoffs", body=encode(handoff), read=self.timeouts.write)
        # What the core system took may change the policy (a suspension): forget what we kept of it.
        self._cache.drop(lambda key, value: key == ("policy", normalise_policy_number(handoff.policy_number))
                         or (key[0] == "party" and any(p.number == handoff.policy_number for p in value)))
        try:
            return decode(CoreStatus, data)
        except CodecError as error:
            raise CoreSystemUnavailable(f"POST /handoffs: {error}") from error

    def request_status(self, key: str) -> CoreStatus | None:
        return self._get(CoreStatus | None, f"/handoffs/{_segment(key)}")

    def transfer_received(self, reference: str, since: datetime) -> datetime | None:
        data = self._get(dict[str, datetime | None], f"/transfers/{_segment(reference)}",
                         params={"since": encode(since)})
        return data.get("credited_at")


def _segment(value: str) -> str:
    """One path segment, whatever the value holds (a slash, a space)."""
    from urllib.parse import quote

    return quote(str(value), safe="")
