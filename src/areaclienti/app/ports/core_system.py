from __future__ import annotations

import abc
import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from areaclienti.domain.data_changes import PartyDetails
from areaclienti.domain.parties import Party, PartyId
from areaclienti.domain.policies import Policy
from areaclienti.domain.policy_information import PolicyDocument, PolicyInformation
from areaclienti.domain.products import ProductRules
from areaclienti.domain.receipts import Receipt


# The kind a withdrawn suspension reaches the core system as; its payload names the suspension's key.
SUSPENSION_WITHDRAWAL = "suspension_withdrawal"


@dataclass(frozen=True)
class HandOff:
    """A request as the core system receives it. ``key`` makes the hand-off idempotent: the same key
    again gets the first answer, whatever the retries."""

    key: str
    request_number: str
    kind: str
    policy_number: str
    party_id: str
    payload: dict[str, Any]
    submitted_at: datetime


class CoreState(str, enum.Enum):
    RECEIVED = "received"
    TAKEN_IN_CHARGE = "taken_in_charge"
    COMPLETED = "completed"
    REJECTED = "rejected"


@dataclass(frozen=True)
class CoreStatus:
    state: CoreState
    reference: str  # the core system's own number for the request
    at: datetime
    reason: str | None = None  # a rejection's reason


class CoreSystemUnavailable(Exception):
    """The core system cannot answer now: it is down, too slow, or answered with a failure, or the circuit
    in front of it is open. Pages answer 503 («riprova tra qualche minuto»); an outbox step that meets it
    is tried again by the outbox's retries. ``retry_after``: seconds after which trying again makes sense."""

    def __init__(self, message: str = "core system unavailable", *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PolicyCoreSystem(abc.ABC):
    """The insurer's system of record for parties, policies, products and the requests made on them."""

    def ping(self) -> None:
        """Return when the core system answers; raise CoreSystemUnavailable when it does not (the health
        check). One in this process always answers."""

    # --- read side -------------------------------------------------------------------------------------
    @abc.abstractmethod
    def find_policy(self, number: str) -> Policy | None:
        """The policy with this (normalised) number, or None when the core system has none."""

    @abc.abstractmethod
    def policies_of(self, party_id: PartyId) -> list[Policy]:
        """Every policy on which the party holds any role, in one call (pages must not loop over it)."""

    @abc.abstractmethod
    def find_party(self, party_id: PartyId) -> Party | None:
        """The party's personal data, or None when the core system does not know them."""

    @abc.abstractmethod
    def party_details(self, party_id: PartyId) -> PartyDetails | None:
        """The party's residence, domicile, contacts, correspondence email and delivery mode, with the data
        changes it completed applied; None when the core system does not know the party."""

    @abc.abstractmethod
    def product_rules(self, product_code: str) -> ProductRules | None:
        """What the product's contract allows online (None: nothing)."""

    @abc.abstractmethod
    def receipts(self, policy_number: str) -> list[Receipt]:
        """The policy's premium receipts: the open ones and the recently paid ones, oldest first."""

    @abc.abstractmethod
    def information(self, policy_number: str) -> PolicyInformation | None:
        """What the policy page must show (R-INFO): covers, the value as of today (Vita), suspensions."""

    @abc.abstractmethod
    def documents(self, policy_numbers: Sequence[str]) -> dict[str, list[PolicyDocument]]:
        """The documents of each of these policies, newest first, in one call (the «Documenti» page)."""

    @abc.abstractmethod
    def document_content(self, policy_number: str, document_id: str) -> bytes | None:
        """One document of the policy as a PDF, or None when the policy has no such document."""

    # --- write side --------------------------------------------------------------------------------------
    @abc.abstractmethod
    def hand_over(self, handoff: HandOff) -> CoreStatus:
        """Take a request; the same ``handoff.key`` again answers as the first time (exactly once)."""

    @abc.abstractmethod
    def request_status(self, key: str) -> CoreStatus | None:
        """Where the request handed over with ``key`` stands, or None when the core system never got it."""

    @abc.abstractmethod
    def transfer_received(self, reference: str, since: datetime) -> datetime | None:
        """When a bank transfer quoting ``reference`` (ordered after ``since``) was credited, or None yet."""
