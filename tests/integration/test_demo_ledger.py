"""The demo core system's ledger (what it received, by idempotency key) on memory, SQLite and PostgreSQL:
``for_policies`` answers the hand-offs of some kinds on some policies in one call, as the demo core reads
suspensions for a whole dashboard."""
from __future__ import annotations

from datetime import timedelta

import pytest

from areaclienti.adapters.demo_core.ledger import InMemoryLedger, Received, SqlLedger
from areaclienti.app.ports.core_system import SUSPENSION_WITHDRAWAL

from .conftest import clear_tables
from .test_repositories import NOW, ROME, assert_utc, in_threads

SUSPENSION_KINDS = {"suspension", "reactivation", SUSPENSION_WITHDRAWAL}


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def ledger(request) -> InMemoryLedger | SqlLedger:
    if request.param == "memory":
        return InMemoryLedger()
    if request.param == "sqlite":
        return SqlLedger(request.getfixturevalue("sqlite_engine"))
    engine = request.getfixturevalue("pg_engine")
    clear_tables(engine)
    return SqlLedger(engine)


def received(key: str, kind: str, policy: str, minutes: int = 0, **payload) -> Received:
    return Received(key, f"RP-{key}", kind, policy,
                    payload or {"suspension": {"starts_at": "2026-05-10T14:00:00+02:00"}, "nota": "però"},
                    (NOW + timedelta(minutes=minutes)).astimezone(ROME), "PR" + key.upper())


def keys(found: list[Received]) -> set[str]:
    return {r.key for r in found}


def test_for_policies_gives_the_kinds_asked_on_the_policies_asked(ledger):
    for r in (received("s1", "suspension", "DA20040117"),
              received("w1", SUSPENSION_WITHDRAWAL, "DA20040117", 1, withdraws="s1"),
              received("r1", "reactivation", "DA20040355", 2),
              received("p1", "premium_payment", "DA20040117", 3),  # another kind on the same policy
              received("s2", "suspension", "DA20022977", 4),  # another customer's policy
              received("c1", "claim", "DA20040355", 5)):
        ledger.receive(r)
    found = ledger.for_policies(["DA20040117", "DA20040355"], SUSPENSION_KINDS)
    assert keys(found) == {"s1", "w1", "r1"}
    assert keys(ledger.for_policies(["DA20040117"], {"premium_payment", "claim"})) == {"p1"}
    assert keys(ledger.for_policies(["DA20040117", "DA20040355"], {"claim"})) == {"c1"}
    assert ledger.for_policies(["VI99999999"], SUSPENSION_KINDS) == []
    assert ledger.for_policies([], SUSPENSION_KINDS) == []
    assert ledger.for_policies(["DA20040117"], set()) == []


def test_what_for_policies_answers_round_trips_payload_and_moment(ledger):
    ledger.receive(received("w1", SUSPENSION_WITHDRAWAL, "DA20040117", withdraws="s1"))
    ledger.receive(received("s1", "suspension", "DA20040117"))
    by_key = {r.key: r for r in ledger.for_policies(("DA20040117",), frozenset(SUSPENSION_KINDS))}
    assert by_key["w1"].payload == {"withdraws": "s1"}
    assert by_key["s1"].payload == {"suspension": {"starts_at": "2026-05-10T14:00:00+02:00"}, "nota": "però"}
    assert by_key["s1"].received_at == NOW and by_key["s1"].reference == "PRS1"
    assert (by_key["s1"].kind, by_key["s1"].policy_number, by_key["s1"].calls) == ("suspension", "DA20040117", 1)
    if not isinstance(ledger, InMemoryLedger):
        assert_utc(*(r.received_at for r in by_key.values()))


def test_a_key_received_again_is_listed_once_with_its_calls_counted(ledger):
    first = received("s1", "suspension", "DA20040117")
    ledger.receive(first)
    again = ledger.receive(received("s1", "suspension", "DA20040117", 7, withdraws="other payload"))
    assert again.calls == 2 and again.payload == first.payload  # the first hand-off stands
    [listed] = ledger.for_policies(["DA20040117"], SUSPENSION_KINDS)
    assert listed.calls == 2 and listed.received_at == NOW
    assert ledger.counts() == (2, 1)


def test_the_same_key_received_from_ten_threads_is_stored_once(ledger):
    answers = in_threads(10, lambda: ledger.receive(received("s1", "suspension", "DA20040117")))
    assert {a.reference for a in answers} == {"PRS1"}
    assert len(ledger.for_policies(["DA20040117"], SUSPENSION_KINDS)) == 1
    assert ledger.counts() == (10, 1)

