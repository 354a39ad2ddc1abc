"""The payment provider (a hosted payment page): card and SEPA direct debit."""
from __future__ import annotations

import abc
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from areaclienti.domain.products import PaymentMethod


@dataclass(frozen=True)
class PaymentOrder:
    reference: str  # our request number, quoted back in every notification
    amount: Decimal
    method: PaymentMethod
    description: str
    return_url: str  # where the provider sends the customer back (it never proves anything)
    notify_url: str  # where the provider posts its signed notifications


@dataclass(frozen=True)
class PaymentSession:
    id: str
    redirect_url: str  # the provider's page the customer is sent to


class PaymentOutcome(str, enum.Enum):
    SUCCEEDED = "succeeded"  # the money is ours (card captured, SEPA debit confirmed)
    PENDING = "pending"  # SEPA: mandate accepted, the debit is confirmed later
    REFUSED = "refused"
    ABANDONED = "abandoned"


@dataclass(frozen=True)
class PaymentNotification:
    event_id: str  # unique per event: a duplicate or a replay carries the same
    session_id: str
    reference: str
    outcome: PaymentOutcome
    at: datetime
    reason: str | None = None


class InvalidNotification(Exception):
    """Not signed by the provider with our key, altered, or outside the time tolerance."""


class PaymentProvider(abc.ABC):
    @abc.abstractmethod
    def start(self, order: PaymentOrder) -> PaymentSession:
        """Open a session on the provider's hosted page; raises when the provider refuses or is down."""

    @abc.abstractmethod
    def parse_notification(self, body: bytes, headers: Mapping[str, str], now: datetime) -> PaymentNotification:
        """Verify a notification's signature over the raw body and its timestamp; InvalidNotification if not."""
