from __future__ import annotations

import abc

from areaclienti.domain.parties import Party, PartyId
from areaclienti.domain.policies import Policy


class PolicyCoreSystem(abc.ABC):
    """The insurer's system of record for parties and policies (read-only here)."""

    @abc.abstractmethod
    def find_policy(self, number: str) -> Policy | None:
        """The policy with this (normalised) number, or None when the core system has none."""

    @abc.abstractmethod
    def policies_of(self, party_id: PartyId) -> list[Policy]:
        """Every policy on which the party holds any role, in one call (pages must not loop over it)."""

    @abc.abstractmethod
    def find_party(self, party_id: PartyId) -> Party | None:
        """The party's personal data, or None when the core system does not know them."""
