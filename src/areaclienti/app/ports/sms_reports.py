"""What the SMS provider tells us afterwards: a message's delivery status, sent to us signed."""
from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


class InvalidSmsReport(Exception):
    """Not signed by the provider with our key, signed for another address, or missing what it must say."""


@dataclass(frozen=True)
class SmsDeliveryReport:
    reference: str  # ours: the outbox item's id, as the message was sent with it
    provider_id: str  # the provider's id of that message (a re-send after a crash has another one)
    status: str  # the provider's word for it: queued, sent, delivered, undelivered, failed, …
    error_code: str | None = None  # the provider's code, when it was not delivered
    delivery_id: str | None = None  # the provider's id of this report: a report delivered twice has the same


class SmsDeliveryReports(abc.ABC):
    @abc.abstractmethod
    def parse(self, url: str, params: Sequence[tuple[str, str]], headers: Mapping[str, str]) -> SmsDeliveryReport:
        """Verify a delivery-status report's signature and read it; InvalidSmsReport if it is not genuine.

        Args:
            url: the address the provider called, exactly as we gave it to the provider (scheme, host and
                query included): the signature covers it.
            params: the form fields posted, in any order, repeated keys repeated.
            headers: the request's headers (the signature is one of them).
        """
