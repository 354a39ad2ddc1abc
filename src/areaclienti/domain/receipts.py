"""Premium receipts (quietanze) as the core system gives them, and which ones a customer may pay."""
from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .availability import Scope


class ReceiptKind(str, enum.Enum):
    INSTALMENT = "instalment"  # quietanza di rata
    RENEWAL = "renewal"  # quietanza di rinnovo


@dataclass(frozen=True)
class Receipt:
    id: str
    policy_number: str
    kind: ReceiptKind
    amount: Decimal
    due_date: date
    paid_on: date | None = None

    @property
    def is_open(self) -> bool:
        return self.paid_on is None

    def is_overdue(self, today: date) -> bool:
        return self.is_open and self.due_date < today


def payable(receipts: Iterable[Receipt], scope: Scope, today: date) -> list[Receipt]:
    """The receipts the payment function may pay in its scope: open ones, or only overdue ones on an
    expired policy; oldest first."""
    if scope is Scope.OVERDUE_RECEIPTS:
        chosen = [r for r in receipts if r.is_overdue(today)]
    elif scope in (Scope.OPEN_RECEIPTS, Scope.ANY):
        chosen = [r for r in receipts if r.is_open]
    else:
        chosen = []
    return sorted(chosen, key=lambda r: (r.due_date, r.id))
