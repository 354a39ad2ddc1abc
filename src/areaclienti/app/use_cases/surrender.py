"""Surrender (R-DISP-SURR): the value as of today, the simulation before confirming, and the request.

The customer chooses a total or a partial surrender, sees the simulation (gross, penalty, tax estimate,
net and, for a partial one, what stays on the policy), gives the IBAN and holder to credit and answers the
three questionnaires; «conferma» stores one request through the shared life cycle (``PolicyRequests.submit``),
held «in verifica» when the answers need a person. The simulation is computed again at «conferma» from
the core system's value of that moment, so what is stored is what the rules say then.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from areaclienti.domain.errors import FunctionNotAvailable, IbanHolderMissing
from areaclienti.domain.policies import Company
from areaclienti.domain.policy_information import PolicyValue
from areaclienti.domain.products import DispositiveFunction
from areaclienti.domain.requests import PolicyRequest, RequestKind, checked_iban, euro
from areaclienti.domain.surrender import (
    PartialSurrenderOutOfRange,
    SurrenderRules,
    SurrenderSimulation,
    SurrenderTooEarly,
    simulate,
)

from ..calendar import italian_day
from ..ports.clock import Clock
from ..ports.core_system import PolicyCoreSystem
from ..ports.unit_of_work import UnitOfWork
from .policies import PolicyDetail
from .requests import PolicyRequests, answer_questionnaires


@dataclass(frozen=True)
class SurrenderForm:
    """What the surrender page shows before anything is typed: the value today, the total surrender's
    simulation, and the range a partial one may take (None: the product allows none, or the value is too low)."""

    detail: PolicyDetail
    rules: SurrenderRules
    value: PolicyValue
    total: SurrenderSimulation
    partial_range: tuple[Decimal, Decimal] | None
    today: date
    last_answers: dict[str, dict] = field(default_factory=dict)


@dataclass(frozen=True)
class RequestSurrender:
    account_id: str
    policy_number: str
    amount: Decimal | str | None  # None: total
    iban: str
    iban_holder: str
    questionnaires: Mapping[str, Mapping[str, Any]]
    idempotency_key: str


def _amount(raw: Decimal | str | None, rules: SurrenderRules, value: Decimal) -> Decimal | None:
    """The partial amount typed, or None for a total surrender; out of range when it is not an amount."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        return euro(raw.strip() if isinstance(raw, str) else raw)
    except ValueError:
        raise PartialSurrenderOutOfRange(minimum=rules.minimum_partial,
                                         maximum=max(value - rules.minimum_residual, Decimal("0.00")),
                                         value=value) from None


@dataclass
class Surrenders:
    uow_factory: Callable[[], UnitOfWork]
    clock: Clock
    core: PolicyCoreSystem
    requests: PolicyRequests

    def _allowed(self, account_id: str, policy_number: str) -> tuple[PolicyDetail, SurrenderRules, PolicyValue]:
        detail, rules, _ = self.requests.allowed(account_id, policy_number, DispositiveFunction.SURRENDER)
        information = self.core.information(detail.policy.number)
        if detail.policy.company is not Company.VITA or information is None or information.value is None:
            raise FunctionNotAvailable(refusal="not_offered")
        return detail, rules.surrender, information.value

    def form(self, account_id: str, policy_number: str) -> SurrenderForm:
        """Raises NotFound, FunctionNotAvailable, SurrenderTooEarly (with ``possible_from``)."""
        detail, rules, value = self._allowed(account_id, policy_number)
        today = italian_day(self.clock.now())
        total = simulate(value=value.surrender_value, premiums_paid=value.premiums_paid, amount=None,
                         start=detail.policy.start_date, today=today, rules=rules)
        maximum = total.value - rules.minimum_residual
        partial = (rules.minimum_partial, maximum) if rules.partial_allowed and maximum >= rules.minimum_partial \
            else None
        return SurrenderForm(detail, rules, value, total, partial, today, self.requests.last_answers(account_id))

    def simulate(self, account_id: str, policy_number: str, amount: Decimal | str | None) -> SurrenderSimulation:
        """The simulation of a total (``amount`` empty) or partial surrender, as of today.

        Raises:
            NotFound, FunctionNotAvailable, SurrenderTooEarly, PartialSurrenderNotAllowed,
            PartialSurrenderOutOfRange (with ``minimum``, ``maximum`` and ``value``).
        """
        detail, rules, value = self._allowed(account_id, policy_number)
        return simulate(value=value.surrender_value, premiums_paid=value.premiums_paid,
                        amount=_amount(amount, rules, value.surrender_value), start=detail.policy.start_date,
                        today=italian_day(self.clock.now()), rules=rules)

    def submit(self, cmd: RequestSurrender) -> PolicyRequest:
        """Store the surrender request (the same key again answers the first one).

        Raises:
            NotFound, FunctionNotAvailable, SurrenderTooEarly, PartialSurrenderNotAllowed,
            PartialSurrenderOutOfRange, IbanInvalid, IbanHolderMissing, QuestionnaireOutdated,
            QuestionnairesInvalid.
        """
        with self.uow_factory() as uow:
            earlier = uow.requests.get_by_key(cmd.account_id, cmd.idempotency_key)
        if earlier is not None:
            return earlier
        detail, rules, value = self._allowed(cmd.account_id, cmd.policy_number)
        today = italian_day(self.clock.now())
        simulation = simulate(value=value.surrender_value, premiums_paid=value.premiums_paid,
                              amount=_amount(cmd.amount, rules, value.surrender_value),
                              start=detail.policy.start_date, today=today, rules=rules)
        iban = checked_iban(cmd.iban)
        holder = " ".join((cmd.iban_holder or "").split())[:100]
        if not holder:
            raise IbanHolderMissing()
        answered = answer_questionnaires(cmd.questionnaires, is_company=detail.customer.is_company,
                                         now=self.clock.now())
        payload = {
            "surrender": {
                "total": simulation.total, "value": str(simulation.value), "value_as_of": value.as_of.isoformat(),
                "gross": str(simulation.gross), "penalty": str(simulation.penalty),
                "penalty_rate": str(simulation.penalty_rate), "tax": str(simulation.tax), "net": str(simulation.net),
                "residual": str(simulation.residual), "years_elapsed": simulation.years_elapsed,
            },
            "iban": iban, "iban_holder": holder, **answered,
        }
        return self.requests.submit(cmd.account_id, cmd.idempotency_key, detail, RequestKind.SURRENDER, payload)


__all__ = ["RequestSurrender", "SurrenderForm", "Surrenders", "SurrenderTooEarly"]
