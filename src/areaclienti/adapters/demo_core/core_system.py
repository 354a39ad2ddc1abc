"""The demo core system: the port answered from its parties and policies, with a write side of its own.

It reads parties and policies through a store (``store.py``): the in-memory demo dataset by default, or
the core's own database holding the demo scenarios and N generated customers (``generator.py``).

It takes requests (idempotent by key, in its own table: ``ledger.py``), moves them on by itself after a
configurable delay (taken in charge, then completed, or rejected with a reason on one demo policy), marks
the receipts of a completed payment paid, and sees a bank transfer arrive after the same delay.
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from sqlalchemy import Engine

from areaclienti.adapters.reportlab.receipts import ReportlabReceiptRenderer
from areaclienti.app.ports.core_system import (
    SUSPENSION_WITHDRAWAL,
    CoreState,
    CoreStatus,
    HandOff,
    PolicyCoreSystem,
)
from areaclienti.app.ports.documents import ReceiptDocument
from areaclienti.domain.data_changes import PartyDetails
from areaclienti.domain.eligibility import add_months
from areaclienti.domain.parties import Party, PartyId
from areaclienti.domain.policies import (
    Company,
    Policy,
    PolicyStatus,
    PremiumFrequency,
    Role,
    normalise_policy_number,
)
from areaclienti.domain.policy_information import (
    DocumentKind,
    PolicyDocument,
    PolicyInformation,
    PolicyValue,
    SuspensionPeriod,
    ValueKind,
)
from areaclienti.domain.products import DispositiveFunction, ProductRules
from areaclienti.domain.receipts import Receipt, ReceiptKind
from areaclienti.domain.requests import RequestKind
from areaclienti.domain.suspension import ROME, moved_expiry
from areaclienti.domain.surrender import whole_years

from .data import DEMO_CORE_REJECTION, REJECTED_BY_DEMO_CORE, DemoData, build_demo_data
from .ledger import InMemoryLedger, Received, SqlLedger
from .store import InMemoryPolicyStore, PolicyStore, SqlPolicyStore

PERIOD_MONTHS = {PremiumFrequency.ANNUAL: 12, PremiumFrequency.SEMIANNUAL: 6, PremiumFrequency.QUARTERLY: 3,
                 PremiumFrequency.MONTHLY: 1}
DEFAULT_DELAY = timedelta(seconds=20)
PAID_HISTORY = 2  # receipts already paid before the demo starts, shown on the policy page
# What the core system receives about suspensions; a withdrawal names the key of the suspension it cancels.
_SUSPENSION_KINDS = frozenset({RequestKind.SUSPENSION.value, RequestKind.REACTIVATION.value, SUSPENSION_WITHDRAWAL})
# The yearly revaluation of a savings plan and the growth of a unit-linked position, in the demo.
_GROWTH = {"VITA-RISP": Decimal("0.021"), "VITA-INVPLUS": Decimal("0.034"), "VITA-PREVCOLL": Decimal("0.028")}
_DOCUMENT_TITLES = {DocumentKind.CONDITIONS: "Condizioni di assicurazione", DocumentKind.POLICY: "Contratto di polizza",
                    DocumentKind.RISK_CERTIFICATE: "Attestato di rischio", DocumentKind.STATEMENT: "Estratto conto annuale"}


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class DemoCoreSystem(PolicyCoreSystem):
    """The port over a :class:`PolicyStore` (by default :class:`DemoData` in memory). ``data`` keeps the demo
    scenarios, the seeded accounts, product rules, covers and the scenarios' personal data: a few rows."""

    def __init__(self, data: DemoData, *, store: PolicyStore | None = None,
                 ledger: InMemoryLedger | SqlLedger | None = None,
                 now: Callable[[], datetime] = _utc_now, delay: timedelta = DEFAULT_DELAY) -> None:
        self.data = data
        self.store: PolicyStore = store if store is not None else InMemoryPolicyStore(data)
        self.ledger = ledger if ledger is not None else InMemoryLedger()
        self._now = now
        self.delay = delay

    @classmethod
    def for_today(cls, today: date, **options) -> "DemoCoreSystem":
        """The demo core system with policy dates relative to ``today``."""
        return cls(build_demo_data(today), **options)

    @classmethod
    def from_database(cls, engine: Engine, today: date, **options) -> "DemoCoreSystem":
        """The demo core system over its own database (written by ``areaclienti core generate``): parties
        and policies read there by one query a look-up, dates moved to ``today``; the ledger of hand-offs in
        the same database unless ``ledger`` is given."""
        options.setdefault("ledger", SqlLedger(engine))
        return cls(build_demo_data(today), store=SqlPolicyStore(engine, today), **options)

    # --- read side ---------------------------------------------------------------------------------------
    def find_policy(self, number: str) -> Policy | None:
        policy = self.store.policy(normalise_policy_number(number))
        return None if policy is None else self._as_of_now([policy])[0]

    def policies_of(self, party_id: PartyId) -> list[Policy]:
        return self._as_of_now(self.store.policies_of(party_id))

    def _as_of_now(self, policies: Sequence[Policy]) -> list[Policy]:
        """The policies with the suspensions and reactivations received so far applied: one ledger query."""
        suspendable = [p.number for p in policies if self._suspendable(p)]
        received = self.ledger.for_policies(suspendable, _SUSPENSION_KINDS) if suspendable else []
        by_policy: dict[str, list] = defaultdict(list)
        for r in received:
            by_policy[r.policy_number].append(r)
        now = self._now()
        return [self._apply(p, self._periods(p, by_policy.get(p.number, ())), now) if self._suspendable(p) else p
                for p in policies]

    def _suspendable(self, policy: Policy) -> bool:
        rules = self.data.product_rules.get(policy.product.code)
        return policy.status is PolicyStatus.SUSPENDED or (
            rules is not None and rules.allows(DispositiveFunction.SUSPENSION))

    @staticmethod
    def _periods(policy: Policy, received: Iterable) -> tuple[SuspensionPeriod, ...]:
        """The policy's suspensions: the one in the data, then those received (withdrawn ones left out), each
        closed by the reactivation that followed it."""
        periods: list[SuspensionPeriod] = []
        if policy.suspended_on is not None:
            periods.append(SuspensionPeriod(datetime.combine(policy.suspended_on, time(0, 0), tzinfo=ROME)))
        ordered = sorted(received, key=lambda r: r.received_at)
        withdrawn = {r.payload.get("withdraws") for r in ordered if r.kind == SUSPENSION_WITHDRAWAL}
        for r in ordered:
            if r.kind == RequestKind.SUSPENSION.value and r.key not in withdrawn:
                starts = datetime.fromisoformat(r.payload["suspension"]["starts_at"])
                periods.append(SuspensionPeriod(starts, None, r.reference))
            elif r.kind == RequestKind.REACTIVATION.value and periods and periods[-1].ends_at is None:
                ends = datetime.fromisoformat(r.payload["reactivation"]["starts_at"])
                periods[-1] = replace(periods[-1], ends_at=ends)
        return tuple(periods)

    @staticmethod
    def _apply(policy: Policy, periods: Sequence[SuspensionPeriod], now: datetime) -> Policy:
        """The policy as of ``now``: suspended while a period runs, its expiry later by the days of each
        suspension already ended."""
        expiry = policy.expiry_date
        for period in periods:
            if period.ends_at is not None and period.ends_at <= now and expiry is not None:
                expiry = moved_expiry(expiry, period.starts_at, period.ends_at)
        current = next((p for p in reversed(periods) if p.active(now)), None)
        if current is not None:
            return replace(policy, status=PolicyStatus.SUSPENDED, expiry_date=expiry,
                           suspended_on=current.starts_at.astimezone(ROME).date())
        status = PolicyStatus.IN_FORCE if policy.status is PolicyStatus.SUSPENDED else policy.status
        return replace(policy, status=status, expiry_date=expiry, suspended_on=None)

    def information(self, policy_number: str) -> PolicyInformation | None:
        base = self.store.policy(normalise_policy_number(policy_number))
        if base is None:
            return None
        received = self.ledger.for_policies([base.number], _SUSPENSION_KINDS) if self._suspendable(base) else []
        periods = self._periods(base, received)
        today = self._now().astimezone(ROME).date()
        return PolicyInformation(base.number, self.data.covers.get(base.product.code, ()),
                                 self._value(base, today), periods)

    @staticmethod
    def _value(policy: Policy, today: date) -> PolicyValue | None:
        """A Vita policy's value: the premiums paid so far, grown by the product's yearly rate."""
        growth = _GROWTH.get(policy.product.code)
        if policy.company is not Company.VITA or growth is None or policy.premium is None:
            return None
        if policy.premium.frequency is PremiumFrequency.SINGLE:
            paid, years = policy.premium.amount, Decimal(whole_years(policy.start_date, today))
        else:
            months = PERIOD_MONTHS[policy.premium.frequency]
            elapsed = max(0, (today.year - policy.start_date.year) * 12 + today.month - policy.start_date.month)
            paid = policy.premium.amount * (elapsed // months + 1)
            years = Decimal(elapsed) / 24  # premiums came in over the time: on average half of it
        amount = (paid * (1 + growth * years)).quantize(Decimal("0.01"))
        if policy.product.code == "VITA-INVPLUS":  # the position is valued at the last valuation day's prices
            as_of = today - timedelta(days={0: 3, 6: 2}.get(today.weekday(), 1))
            return PolicyValue(ValueKind.POSITION, amount, as_of, paid)
        return PolicyValue(ValueKind.SURRENDER, amount, today, paid)

    def documents(self, policy_numbers: Sequence[str]) -> dict[str, list[PolicyDocument]]:
        today = self._now().astimezone(ROME).date()
        policies = self.store.policies([normalise_policy_number(n) for n in policy_numbers])
        return {policy.number: self._documents(policy, today) for policy in policies}

    def _documents(self, policy: Policy, today: date) -> list[PolicyDocument]:
        def document(kind: DocumentKind, issued: date, title: str) -> PolicyDocument:
            return PolicyDocument(f"{kind.value}-{issued:%Y%m%d}", policy.number, kind, title, issued)

        found = [document(DocumentKind.CONDITIONS, policy.start_date,
                          f"Condizioni di assicurazione {policy.product.name}"),
                 document(DocumentKind.POLICY, policy.start_date, f"Contratto di polizza n. {policy.number}")]
        if policy.product.code == "DANNI-AUTO":
            # A risk certificate is issued 30 days before each yearly expiry: the last one so far (or, in the
            # first year, the one brought from the previous insurer, dated the start).
            anniversary = policy.start_date
            while add_months(anniversary, 12) - timedelta(days=30) <= today:
                anniversary = add_months(anniversary, 12)
            issued = anniversary - timedelta(days=30) if anniversary > policy.start_date else policy.start_date
            found.append(document(DocumentKind.RISK_CERTIFICATE, issued, "Attestato di rischio"))
        if policy.company is Company.VITA and policy.product.code in _GROWTH:
            statement_day = date(today.year if today >= date(today.year, 3, 31) else today.year - 1, 3, 31)
            if statement_day > policy.start_date:
                found.append(document(DocumentKind.STATEMENT, statement_day,
                                      f"Estratto conto annuale al 31/12/{statement_day.year - 1}"))
        return sorted(found, key=lambda d: (d.issued_on, d.kind.value), reverse=True)

    def document_content(self, policy_number: str, document_id: str) -> bytes | None:
        policy = self.store.policy(normalise_policy_number(policy_number))
        if policy is None:
            return None
        found = next((d for d in self._documents(policy, self._now().astimezone(ROME).date())
                      if d.id == document_id), None)
        if found is None:
            return None
        holders = [party.display_name for party in (self.store.party(r.party_id) for r in policy.roles
                                                    if r.role is Role.POLICYHOLDER) if party is not None]
        rows = [("Polizza", policy.number), ("Prodotto", policy.product.name), ("Contraente", ", ".join(holders)),
                ("Decorrenza", f"{policy.start_date:%d/%m/%Y}"),
                ("Scadenza", f"{policy.expiry_date:%d/%m/%Y}" if policy.expiry_date else "a vita intera"),
                ("Emesso il", f"{found.issued_on:%d/%m/%Y}")]
        if found.kind is DocumentKind.RISK_CERTIFICATE:
            rows += [("Classe di merito CU", "4"), ("Sinistri pagati negli ultimi 5 anni", "nessuno"),
                     ("Validità", "5 anni dalla scadenza del contratto")]
        rows += [(cover.name, cover.description) for cover in self.data.covers.get(policy.product.code, ())]
        issuer = "CA Vita S.p.A." if policy.company is Company.VITA else "CA Assicurazioni S.p.A."
        return ReportlabReceiptRenderer().render(ReceiptDocument(
            issuer=issuer, title=found.title, reference=policy.number, rows=tuple(rows),
            footer="Documento dimostrativo generato dal sistema di polizza demo."))

    def find_party(self, party_id: PartyId) -> Party | None:
        return self.store.party(party_id)

    def party_details(self, party_id: PartyId) -> PartyDetails | None:
        """The party's data in the demo set, with each data change received for the party applied once the
        demo has completed it (a real core system applies it to every policy of the party)."""
        if self.find_party(party_id) is None:
            return None
        details = self.data.party_details.get(party_id.value) or PartyDetails()
        numbers = [p.number for p in self.store.policies_of(party_id)]
        received = self.ledger.for_policies(numbers, {RequestKind.DATA_CHANGE.value}) if numbers else []
        for r in sorted(received, key=lambda r: r.received_at):
            if r.payload.get("party_id") == party_id.value and self._status(r).state is CoreState.COMPLETED:
                details = details.with_changes(r.payload.get("changes") or {})
        return details

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
