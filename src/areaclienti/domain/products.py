"""What a product's contract allows online: the dispositive functions, payment methods, limits, go-live.

This is the insurer's product configuration as the core system answers it (``PolicyCoreSystem.product_rules``);
the rules of who may do what on a policy (``domain.availability``) can only narrow it.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from .surrender import SurrenderRules
from .suspension import SuspensionRules


class DispositiveFunction(str, enum.Enum):
    PAYMENT = "payment"  # pagamento premio successivo / versamento aggiuntivo
    CLAIM = "claim"  # denuncia di sinistro
    DATA_CHANGE = "data_change"  # richiesta di modifica dati
    SURRENDER = "surrender"  # richiesta di riscatto
    SUSPENSION = "suspension"  # sospensione / riattivazione


class PaymentMethod(str, enum.Enum):
    SEPA_DIRECT_DEBIT = "sepa_direct_debit"
    CARD = "card"
    BANK_TRANSFER = "bank_transfer"


@dataclass(frozen=True)
class AmountLimits:
    """The range of an amount the customer types (a Vita additional payment), in euro."""

    minimum: Decimal
    maximum: Decimal

    def __post_init__(self) -> None:
        if self.minimum <= 0 or self.maximum < self.minimum:
            raise ValueError("limits must be positive, the maximum at least the minimum")

    def admits(self, amount: Decimal) -> bool:
        return self.minimum <= amount <= self.maximum


@dataclass(frozen=True)
class ProductRules:
    """What a product's contract allows online, and from which day each function is live."""

    product_code: str
    functions: frozenset[DispositiveFunction]
    payment_methods: tuple[PaymentMethod, ...]
    go_live: dict[DispositiveFunction, date] = field(default_factory=dict, hash=False, compare=False)
    members_may_pay: bool = False  # a collective product may let its members (aderenti) pay
    members_may_surrender: bool = False
    additional_payment: AmountLimits | None = None  # Vita: a versamento aggiuntivo within these limits
    surrender: SurrenderRules = field(default_factory=SurrenderRules)  # R-DISP-SURR: period, penalties, tax
    suspension: SuspensionRules = field(default_factory=SuspensionRules)  # R-DISP-SUSP: how often, how long

    def allows(self, function: DispositiveFunction) -> bool:
        return function in self.functions

    def live_from(self, function: DispositiveFunction) -> date | None:
        """The go-live day of an allowed function (None: not allowed by the contract)."""
        return self.go_live.get(function) if self.allows(function) else None

    def is_available(self, function: DispositiveFunction, today: date) -> bool:
        live_from = self.live_from(function)
        return live_from is not None and live_from <= today


# The name the demo data and earlier code used; the same concept.
ProductFeatures = ProductRules
