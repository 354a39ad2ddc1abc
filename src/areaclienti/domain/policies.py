"""Policies as the policy core system describes them."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from .parties import PartyId


class Company(enum.Enum):
    VITA = "vita"  # CA Vita, life
    DANNI = "danni"  # CA Assicurazioni, property & casualty


class Role(enum.Enum):
    POLICYHOLDER = "policyholder"  # contraente
    MEMBER = "member"  # aderente of a collective policy
    RISK_CERTIFICATE_HOLDER = "risk_certificate_holder"  # avente diritto all'attestato di rischio
    INSURED = "insured"  # assicurato
    BENEFICIARY = "beneficiary"  # beneficiario


class PolicyStatus(enum.Enum):
    IN_FORCE = "in_force"
    SUSPENDED = "suspended"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class PremiumFrequency(enum.Enum):
    SINGLE = "single"
    ANNUAL = "annual"
    SEMIANNUAL = "semiannual"
    QUARTERLY = "quarterly"
    MONTHLY = "monthly"


@dataclass(frozen=True)
class Premium:
    amount: Decimal
    frequency: PremiumFrequency
    next_due_date: date | None = None


@dataclass(frozen=True)
class PartyRole:
    party_id: PartyId
    role: Role


@dataclass(frozen=True)
class Contacts:
    """Email and mobile number given at policy issuance for Area Clienti access."""

    email: str
    mobile: str


@dataclass(frozen=True)
class Product:
    code: str
    name: str
    company: Company


@dataclass(frozen=True)
class Policy:
    number: str
    product: Product
    status: PolicyStatus
    start_date: date
    expiry_date: date | None
    roles: tuple[PartyRole, ...] = ()
    premium: Premium | None = None
    issuance_contacts: dict[str, Contacts] = field(default_factory=dict, hash=False, compare=False)
    suspended_on: date | None = None  # the day a suspended policy's cover stopped

    @property
    def company(self) -> Company:
        return self.product.company

    def roles_of(self, party_id: PartyId) -> frozenset[Role]:
        return frozenset(pr.role for pr in self.roles if pr.party_id == party_id)

    def contacts_for(self, party_id: PartyId) -> Contacts | None:
        """Contacts the party gave at issuance for Area Clienti, if any."""
        return self.issuance_contacts.get(party_id.value)


def normalise_policy_number(raw: str) -> str:
    return "".join((raw or "").split()).upper()
