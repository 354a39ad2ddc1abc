"""R-DISP-SURR: the surrender simulation a customer sees before confirming (pure; amounts in euro cents).

From the surrender value the core system gives as of today, the premiums paid and the product's rules:
the gross amount surrendered, the surrender penalty by the product's table (by whole years elapsed), an
estimate of the tax on the gain (the gain's share of what is paid out, at the product's rate), the net
amount, and for a partial surrender the value left, which may not fall below the product's minimum.
The parts always add up to the gross amount, none is ever negative, and the net grows with the amount.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from .eligibility import add_months
from .errors import DomainError

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class SurrenderRules:
    minimum_years: int = 1  # no surrender before this many whole years from the start
    penalty_by_year: tuple[Decimal, ...] = (Decimal("0.03"), Decimal("0.02"), Decimal("0.01"))  # year 1, 2, 3…
    tax_rate: Decimal = Decimal("0.26")  # on the gain (Italian substitute tax; a product setting)
    partial_allowed: bool = True
    minimum_residual: Decimal = Decimal("1000.00")  # what a partial surrender must leave on the policy
    minimum_partial: Decimal = Decimal("500.00")

    def penalty_rate(self, years_elapsed: int) -> Decimal:
        """The penalty of the year running: the table's entry for it, none after the table ends."""
        if years_elapsed < 0:
            raise ValueError("years elapsed cannot be negative")
        return self.penalty_by_year[years_elapsed] if years_elapsed < len(self.penalty_by_year) else ZERO


class SurrenderTooEarly(DomainError):
    """Before the product's minimum period; ``possible_from`` is the first day it may be asked."""

    code = "surrender_too_early"


class PartialSurrenderNotAllowed(DomainError):
    code = "partial_surrender_not_allowed"
    field = "amount"


class PartialSurrenderOutOfRange(DomainError):
    """A partial amount below the minimum, or above the value less the minimum residual: ``minimum``,
    ``maximum`` (the value less the minimum residual) and ``value`` say the figures."""

    code = "partial_surrender_out_of_range"
    field = "amount"


@dataclass(frozen=True)
class SurrenderSimulation:
    value: Decimal  # the surrender value as of today (the whole policy)
    gross: Decimal  # what is surrendered
    penalty: Decimal
    tax: Decimal
    net: Decimal  # what the customer receives
    residual: Decimal  # what stays on the policy (0 for a total surrender)
    penalty_rate: Decimal
    years_elapsed: int

    @property
    def total(self) -> bool:
        return self.residual == ZERO


def whole_years(start: date, today: date) -> int:
    """Whole years from ``start`` to ``today`` (a policy started on 29/02 completes its year on 28/02)."""
    years = today.year - start.year
    if add_months(start, 12 * years) > today:
        years -= 1
    return max(0, years)


def simulate(*, value: Decimal, premiums_paid: Decimal, amount: Decimal | None, start: date, today: date,
             rules: SurrenderRules) -> SurrenderSimulation:
    """The simulation of a total (``amount`` None) or partial surrender.

    Raises:
        SurrenderTooEarly, PartialSurrenderNotAllowed, PartialSurrenderOutOfRange.
    """
    years = whole_years(start, today)
    if years < rules.minimum_years:
        raise SurrenderTooEarly(possible_from=add_months(start, 12 * rules.minimum_years))
    value = _cents(max(value, ZERO))
    if amount is None:
        gross = value
    else:
        if not rules.partial_allowed:
            raise PartialSurrenderNotAllowed()
        gross = _cents(amount)
        maximum = value - rules.minimum_residual
        if gross < rules.minimum_partial or gross > maximum:
            raise PartialSurrenderOutOfRange(minimum=rules.minimum_partial, maximum=max(maximum, ZERO), value=value)
    rate = rules.penalty_rate(years)
    penalty = _cents(gross * rate)
    # The gain's share of the value, applied to what is paid out after the penalty; no gain, no tax.
    gain_share = (value - premiums_paid) / value if value > 0 and value > premiums_paid else ZERO
    tax = _cents((gross - penalty) * gain_share * rules.tax_rate)
    return SurrenderSimulation(value, gross, penalty, tax, gross - penalty - tax, value - gross, rate, years)
