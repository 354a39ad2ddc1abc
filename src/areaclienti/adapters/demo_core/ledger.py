"""What the demo core system received: its own table, so what it counts survives processes and restarts.

A real core system keeps its own records; the demo keeps hand-offs by idempotency key, counting the raw
calls apart from the distinct keys, so tests can tell "handed over once" from "called once".
"""
from __future__ import annotations

import threading
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from areaclienti.adapters.sqlalchemy.tables import democore_handoffs


@dataclass(frozen=True)
class Received:
    key: str
    request_number: str
    kind: str
    policy_number: str
    payload: dict[str, Any]
    received_at: datetime
    reference: str
    calls: int = 1


class InMemoryLedger:
    def __init__(self) -> None:
        self._rows: dict[str, Received] = {}
        self._lock = threading.Lock()

    def receive(self, received: Received) -> Received:
        """Store a first hand-off, or count one more call with a key already seen: the stored one."""
        with self._lock:
            found = self._rows.get(received.key)
            found = received if found is None else replace(found, calls=found.calls + 1)
            self._rows[received.key] = found
            return found

    def get(self, key: str) -> Received | None:
        return self._rows.get(key)

    def for_policy(self, policy_number: str) -> list[Received]:
        return [r for r in self._rows.values() if r.policy_number == policy_number]

    def for_policies(self, policy_numbers: Sequence[str], kinds: Collection[str]) -> list[Received]:
        wanted = set(policy_numbers)
        return [r for r in self._rows.values() if r.policy_number in wanted and r.kind in kinds]

    def counts(self) -> tuple[int, int]:
        """(raw calls, distinct keys)."""
        return sum(r.calls for r in self._rows.values()), len(self._rows)


class SqlLedger:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def receive(self, received: Received) -> Received:
        c = democore_handoffs.c
        with self._engine.begin() as connection:
            changed = connection.execute(update(democore_handoffs).where(c.key == received.key)
                                         .values(calls=c.calls + 1)).rowcount
            if not changed:
                try:
                    with connection.begin_nested():
                        connection.execute(insert(democore_handoffs).values(
                            key=received.key, request_number=received.request_number, kind=received.kind,
                            policy_number=received.policy_number, payload=received.payload,
                            received_at=received.received_at, reference=received.reference, calls=1))
                except IntegrityError:  # the same key at the same moment: count it on the row that won
                    connection.execute(update(democore_handoffs).where(c.key == received.key)
                                       .values(calls=c.calls + 1))
            row = connection.execute(select(democore_handoffs).where(c.key == received.key)).mappings().one()
        return _received(row)

    def get(self, key: str) -> Received | None:
        with self._engine.connect() as connection:
            row = connection.execute(select(democore_handoffs).where(democore_handoffs.c.key == key)).mappings().first()
        return None if row is None else _received(row)

    def for_policy(self, policy_number: str) -> list[Received]:
        with self._engine.connect() as connection:
            rows = connection.execute(select(democore_handoffs)
                                      .where(democore_handoffs.c.policy_number == policy_number)).mappings()
            return [_received(r) for r in rows]

    def for_policies(self, policy_numbers: Sequence[str], kinds: Collection[str]) -> list[Received]:
        """What was received of these ``kinds`` on these policies, in one query."""
        c = democore_handoffs.c
        with self._engine.connect() as connection:
            rows = connection.execute(select(democore_handoffs).where(
                c.policy_number.in_(list(policy_numbers)), c.kind.in_(list(kinds)))).mappings()
            return [_received(r) for r in rows]

    def counts(self) -> tuple[int, int]:
        from sqlalchemy import func

        with self._engine.connect() as connection:
            calls, keys = connection.execute(
                select(func.coalesce(func.sum(democore_handoffs.c.calls), 0), func.count())).one()
        return int(calls), int(keys)


def _received(row: Any) -> Received:
    return Received(row["key"], row["request_number"], row["kind"], row["policy_number"], dict(row["payload"]),
                    row["received_at"], row["reference"], row["calls"])
