"""The demo policy core system: the port answered from the in-memory demo dataset."""
from __future__ import annotations

from collections import defaultdict
from datetime import date

from areaclienti.app.ports.core_system import PolicyCoreSystem
from areaclienti.domain.parties import Party, PartyId
from areaclienti.domain.policies import Policy, normalise_policy_number

from .data import DemoData, ProductFeatures, build_demo_data


class DemoCoreSystem(PolicyCoreSystem):
    """Read-only look-ups over :class:`DemoData`, indexed once so every call is a dict look-up."""

    def __init__(self, data: DemoData) -> None:
        self.data = data
        self._by_number: dict[str, Policy] = {}
        by_party: dict[PartyId, list[Policy]] = defaultdict(list)
        for policy in data.policies:
            self._by_number[normalise_policy_number(policy.number)] = policy
            for party_id in dict.fromkeys(pr.party_id for pr in policy.roles):
                by_party[party_id].append(policy)
        self._by_party = dict(by_party)

    @classmethod
    def for_today(cls, today: date) -> "DemoCoreSystem":
        """The demo core system with policy dates relative to ``today``."""
        return cls(build_demo_data(today))

    def find_policy(self, number: str) -> Policy | None:
        return self._by_number.get(normalise_policy_number(number))

    def policies_of(self, party_id: PartyId) -> list[Policy]:
        return list(self._by_party.get(party_id, ()))

    def find_party(self, party_id: PartyId) -> Party | None:
        party = self.data.parties.get(party_id.value)
        return party if party is not None and party.id == party_id else None

    def product_features(self, product_code: str) -> ProductFeatures | None:
        """What the product allows online (not on the port yet: the dispositive functions will need it)."""
        return self.data.product_features.get(product_code)
