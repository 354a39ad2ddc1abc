"""The life cycle of a policy request (SPEC §4): every dispositive function submits one.

A request has a number the customer can quote (``RP-2026-000123``), a kind, a payload, and a timeline of
dated states. The common path is submitted → handed to the core system → taken in charge → completed or
rejected (with a reason). A payment first waits for its money: submitted → awaiting payment → paid →
handed over …; a refused or abandoned payment ends the request (the customer may start again).
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError

from .errors import IbanInvalid, InvalidTransition
from .products import PaymentMethod

NUMBER_PREFIX = "RP"
CENT = Decimal("0.01")


class RequestKind(str, enum.Enum):
    PREMIUM_PAYMENT = "premium_payment"  # Danni: open receipts (quietanze)
    ADDITIONAL_PAYMENT = "additional_payment"  # Vita: versamento aggiuntivo
    CLAIM = "claim"
    DATA_CHANGE = "data_change"
    SURRENDER = "surrender"
    SUSPENSION = "suspension"
    REACTIVATION = "reactivation"

    @property
    def is_payment(self) -> bool:
        return self in (RequestKind.PREMIUM_PAYMENT, RequestKind.ADDITIONAL_PAYMENT)


class RequestStatus(str, enum.Enum):
    SUBMITTED = "submitted"
    AWAITING_PAYMENT = "awaiting_payment"
    PAID = "paid"
    PAYMENT_REFUSED = "payment_refused"
    PAYMENT_ABANDONED = "payment_abandoned"
    UNDER_REVIEW = "under_review"  # «in verifica»: answers that need a person (the customer is not told which)
    RELEASED = "released"  # an operator released it: on its way to the core system
    HANDED_OVER = "handed_over"  # the core system has it
    TAKEN_IN_CHARGE = "taken_in_charge"
    COMPLETED = "completed"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # a scheduled suspension the customer withdrew before it started


S = RequestStatus
TRANSITIONS: dict[RequestStatus, frozenset[RequestStatus]] = {
    S.SUBMITTED: frozenset({S.AWAITING_PAYMENT, S.UNDER_REVIEW, S.HANDED_OVER}),
    S.AWAITING_PAYMENT: frozenset({S.PAID, S.PAYMENT_REFUSED, S.PAYMENT_ABANDONED}),
    S.PAID: frozenset({S.UNDER_REVIEW, S.HANDED_OVER}),
    S.UNDER_REVIEW: frozenset({S.RELEASED, S.REJECTED}),
    S.RELEASED: frozenset({S.HANDED_OVER}),
    S.HANDED_OVER: frozenset({S.TAKEN_IN_CHARGE, S.COMPLETED, S.REJECTED}),
    S.TAKEN_IN_CHARGE: frozenset({S.COMPLETED, S.REJECTED}),
    S.PAYMENT_REFUSED: frozenset(),
    S.PAYMENT_ABANDONED: frozenset(),
    S.COMPLETED: frozenset(),
    S.REJECTED: frozenset(),
    S.WITHDRAWN: frozenset(),
}
FINAL = frozenset(s for s, nexts in TRANSITIONS.items() if not nexts)
# A suspension may be withdrawn from any of these until it starts, even once the core system scheduled it.
WITHDRAWABLE = frozenset({S.SUBMITTED, S.UNDER_REVIEW, S.RELEASED, S.HANDED_OVER, S.TAKEN_IN_CHARGE, S.COMPLETED})
# Where the core system has the request and its status is worth asking for.
WITH_THE_CORE_SYSTEM = frozenset({S.HANDED_OVER, S.TAKEN_IN_CHARGE})


def request_number(year: int, sequence: int) -> str:
    """The number a customer quotes: ``RP-2026-000123``."""
    if sequence < 1:
        raise ValueError("sequences start at 1")
    return f"{NUMBER_PREFIX}-{year:04d}-{sequence:06d}"


def euro(amount: Decimal | str | int) -> Decimal:
    """An amount in euro, to the cent; refuses fractions of a cent and non-finite values."""
    try:
        value = Decimal(amount)
        if value.is_finite() and value == value.quantize(CENT):
            return value.quantize(CENT)
    except ArithmeticError:  # not a number, or too large to count in cents
        pass
    raise ValueError(f"not an amount in euro and cents: {amount!r}")


def masked_iban(iban: str | None) -> str:
    """IT60X0542811101000000123456 -> IT60 •••• •••• 3456: enough to recognise the account, not to copy it."""
    compact = (iban or "").replace(" ", "").upper()
    if len(compact) < 8:
        return "•" * len(compact)
    return f"{compact[:4]} •••• •••• {compact[-4:]}"


def checked_iban(raw: str | None) -> str:
    """The IBAN of an account to credit, compact and upper-case; IbanInvalid when its check digits or its
    country's format are wrong."""
    try:
        return stdnum_iban.validate(raw or "")
    except ValidationError:
        raise IbanInvalid() from None


class RequestStep(str, enum.Enum):
    """A dated step that adds to a request without changing its status."""

    DOCUMENTS_ADDED = "documents_added"  # «integra documenti»: more files for a claim already sent


@dataclass(frozen=True)
class RequestEvent:
    status: RequestStatus
    at: datetime
    reason: str | None = None  # a rejection's reason, a refusal's, as the core system or provider gave it
    step: RequestStep | None = None


@dataclass
class PolicyRequest:
    id: str
    number: str
    account_id: str
    party_id: str
    policy_number: str
    kind: RequestKind
    payload: dict[str, Any]
    created_at: datetime
    idempotency_key: str
    amount: Decimal | None = None  # what the customer pays, for a payment
    payment_method: PaymentMethod | None = None
    payment_session: str | None = None  # the provider's session, for card and SEPA
    core_reference: str | None = None  # the core system's own number, once handed over
    events: list[RequestEvent] = field(default_factory=list)

    @classmethod
    def submit(cls, *, at: datetime, **fields: Any) -> "PolicyRequest":
        request = cls(created_at=at, **fields)
        request.events.append(RequestEvent(S.SUBMITTED, at))
        if request.kind.is_payment:
            if request.amount is None or request.amount <= 0 or request.payment_method is None:
                raise ValueError("a payment needs a positive amount and a method")
            request.advance(S.AWAITING_PAYMENT, at)
        return request

    @property
    def status(self) -> RequestStatus:
        return self.events[-1].status

    @property
    def is_final(self) -> bool:
        return self.status in FINAL

    def can_become(self, status: RequestStatus) -> bool:
        return status in TRANSITIONS[self.status]

    def advance(self, status: RequestStatus, at: datetime, reason: str | None = None) -> None:
        """Move to ``status`` at ``at``; InvalidTransition when the life cycle does not allow it."""
        if not self.can_become(status):
            raise InvalidTransition()
        if at < self.events[-1].at:
            at = self.events[-1].at  # a clock a little behind never reorders the timeline
        self.events.append(RequestEvent(status, at, reason))

    def add_step(self, step: RequestStep, at: datetime) -> None:
        """A step on the timeline that keeps the status (documents added to a claim); final requests take none."""
        if self.is_final:
            raise InvalidTransition()
        at = max(at, self.events[-1].at)
        self.events.append(RequestEvent(self.status, at, None, step))

    def withdraw(self, at: datetime, starts_at: datetime) -> None:
        """Withdraw a scheduled suspension before ``starts_at``: the one move out of a completed request (the
        core system scheduled it; withdrawing cancels that). InvalidTransition for anything else or too late."""
        if self.kind is not RequestKind.SUSPENSION or self.status not in WITHDRAWABLE or not at < starts_at:
            raise InvalidTransition(current=self.status.value)
        self.events.append(RequestEvent(S.WITHDRAWN, max(at, self.events[-1].at)))

    @property
    def flagged(self) -> bool:
        """Some answers need a person's review before the core system gets it (R-DISP-Q)."""
        return bool(self.payload.get("review", {}).get("flags"))

    def needs_review(self) -> bool:
        """Paid (or submitted, for what is not a payment) and flagged: it waits «in verifica»."""
        return self.flagged and self.status is (S.PAID if self.kind.is_payment else S.SUBMITTED)

    def ready_for_core_system(self) -> bool:
        """Handed over when submitted (non-payments) or once paid, unless flagged; a flagged one once released."""
        if self.status is S.RELEASED:
            return True
        return not self.flagged and self.status is (S.PAID if self.kind.is_payment else S.SUBMITTED)
