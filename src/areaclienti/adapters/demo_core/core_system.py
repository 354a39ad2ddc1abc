"""The demo core system: the port answered from the in-memory demo dataset, with a write side of its own.

It takes requests (idempotent by key, in its own table: ``ledger.py``), moves them on by itself after a
configurable delay (taken in charge, then completed, or rejected with a reason on one demo policy), marks
the receipts of a completed payment paid, and sees a bank transfer arrive after the same delay.
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone

from areaclienti.app.ports.core_system import CoreState, CoreStatus, HandOff, PolicyCoreSystem
from areaclienti.domain.eligibility import add_months
from areaclienti.domain.parties import Party, PartyId
from areaclienti.domain.policies import Policy, PremiumFrequency, normalise_policy_number
from areaclienti.domain.products import ProductRules
from areaclienti.domain.receipts import Receipt, ReceiptKind
from areaclienti.domain.requests import RequestKind

from .data import DEMO_CORE_REJECTION, REJECTED_BY_DEMO_CORE, DemoData, build_demo_data
from .ledger import InMemoryLedger, Received, SqlLedger

PERIOD_MONTHS = {PremiumFrequency.ANNUAL: 12, PremiumFrequency.SEMIANNUAL: 6, PremiumFrequency.QUARTERLY: 3,
                 PremiumFrequency.MONTHLY: 1}
DEFAULT_DELAY = timedelta(seconds=20)
PAID_HISTORY = 2  # receipts already paid before the demo starts, shown on the policy page


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class DemoCoreSystem(PolicyCoreSystem):
    """Read-only look-ups over :class:`DemoData`, indexed once so every call is a dict look-up."""

    def __init__(self, data: DemoData, *, ledger: InMemoryLedger | SqlLedger | None = None,
                 now: Callable[[], datetime] = _utc_now, delay: timedelta = DEFAULT_DELAY) -> None:
        self.data = data
        self.ledger = ledger if ledger is not None else InMemoryLedger()
        self._now = now
        self.delay = delay
        self._by_number: dict[str, Policy] = {}
        by_party: dict[PartyId, list[Policy]] = defaultdict(list)
        for policy in data.policies:
            self._by_number[normalise_policy_number(policy.number)] = policy
            for party_id in dict.fromkeys(pr.party_id for pr in policy.roles):
                by_party[party_id].append(policy)
        self._by_party = dict(by_party)

    @classmethod
    def for_today(cls, today: date, **options) -> "DemoCoreSystem":
        """The demo core system with policy dates relative to ``today``."""
        return cls(build_demo_data(today), **options)

    # --- read side ---------------------------------------------------------------------------------------
    def find_policy(self, number: str) -> Policy | None:
        return self._by_number.get(normalise_policy_number(number))

    def policies_of(self, party_id: PartyId) -> list[Policy]:
        return list(self._by_party.get(party_id, ()))

    def find_party(self, party_id: PartyId) -> Party | None:
        party = self.data.parties.get(party_id.value)
        return party if party is not None and party.id == party_id else None

    def product_rules(self, product_code: str) -> ProductRules | None:
        return self.data.product_rules.get(product_code)

    def receipts(self, policy_number: str) -> list[Receipt]:
        """The last paid receipts, those paid through Area Clienti, and the next one open.

        Receipts follow one another by the premium's period from its next due date, up to the expiry.
        """
        policy = self.find_policy(policy_number)
        if policy is None or policy.premium is None or policy.premium.next_due_date is None:
            return []
        months = PERIOD_MONTHS.get(policy.premium.frequency)
        if months is None:  # a single premium has no receipts to pay
            return []
        paid_here = self._paid_through_requests(policy.number)

        def receipt(k: int, paid_on: date | None) -> Receipt:
            due = add_months(policy.premium.next_due_date, k * months)
            kind = ReceiptKind.RENEWAL if due == policy.expiry_date else ReceiptKind.INSTALMENT
            return Receipt(f"{policy.number}-{due:%Y%m%d}", policy.number, kind, policy.premium.amount, due, paid_on)

        found = []
        for k in range(-PAID_HISTORY, 0):
            past = receipt(k, None)
            if past.due_date >= policy.start_date:
                found.append(receipt(k, past.due_date - timedelta(days=3)))
        k = 0
        while True:
            upcoming = receipt(k, None)
            if policy.expiry_date is not None and upcoming.due_date > policy.expiry_date:
                break
            if upcoming.id not in paid_here:
                found.append(upcoming)
                break
            found.append(receipt(k, paid_here[upcoming.id]))
            k += 1
        return found

    def _paid_through_requests(self, policy_number: str) -> dict[str, date]:
        paid: dict[str, date] = {}
        for received in self.ledger.for_policy(policy_number):
            status = self._status(received)
            if received.kind == RequestKind.PREMIUM_PAYMENT.value and status.state is CoreState.COMPLETED:
                for r in received.payload.get("receipts", ()):
                    paid[r["id"]] = status.at.date()
        return paid

    # --- write side --------------------------------------------------------------------------------------
    def hand_over(self, handoff: HandOff) -> CoreStatus:
        reference = "PR" + hashlib.sha256(handoff.key.encode()).hexdigest()[:10].upper()
        received = self.ledger.receive(Received(
            handoff.key, handoff.request_number, handoff.kind, handoff.policy_number, dict(handoff.payload),
            self._now(), reference))
        return self._status(received)

    def request_status(self, key: str) -> CoreStatus | None:
        received = self.ledger.get(key)
        return None if received is None else self._status(received)

    def transfer_received(self, reference: str, since: datetime) -> datetime | None:
        arrives = since + self.delay
        return arrives if self._now() >= arrives else None

    def _status(self, received: Received) -> CoreStatus:
        elapsed = self._now() - received.received_at
        if elapsed < self.delay:
            return CoreStatus(CoreState.RECEIVED, received.reference, received.received_at)
        if elapsed < 2 * self.delay:
            return CoreStatus(CoreState.TAKEN_IN_CHARGE, received.reference, received.received_at + self.delay)
        done_at = received.received_at + 2 * self.delay
        if received.policy_number == REJECTED_BY_DEMO_CORE:
            return CoreStatus(CoreState.REJECTED, received.reference, done_at, DEMO_CORE_REJECTION)
        return CoreStatus(CoreState.COMPLETED, received.reference, done_at)

    def counts(self) -> tuple[int, int]:
        """(raw hand-off calls, distinct keys) received so far."""
        return self.ledger.counts()
