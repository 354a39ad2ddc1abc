"""Who may do what on a policy today, and if not, why (SPEC §4, IVASS Reg. 41/2018 art. 42).

One function, ``availability``, answers for one dispositive function on one policy. A function is
allowed only when every one of these allows it, checked in this order (the first refusal is the reason
shown):
1. the product's contract offers it (``ProductRules``);
2. the customer's role on the policy allows it (the role row);
3. the policy's state allows it (the state row);
4. its go-live day has come («Disponibile dal 1 luglio»);
5. the identification gate (R-ID-5: identified, document valid today).

Defaults, which a product's configuration can only narrow:

| | payment | claim | data change | surrender | suspend / reactivate |
| --- | --- | --- | --- | --- | --- |
| contraente | yes | yes | yes | yes (Vita) | yes |
| aderente | if the product lets members pay | yes | yes | if the product lets members surrender | no |
| avente diritto all'attestato | no | yes (motor) | yes | no | no |
| in force | yes | yes | yes | yes | suspend |
| suspended | open receipts only | events before the suspension | yes | no | reactivate |
| expired < 24 months | overdue receipts only | events inside the cover period | yes | no | no |
"""
from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from .eligibility import is_in_force, is_within_access_window
from .identification import Gate
from .policies import Company, Policy, PolicyStatus, Role
from .products import DispositiveFunction, ProductRules

F = DispositiveFunction
MOTOR_PRODUCTS = frozenset({"DANNI-AUTO"})


class Refusal(str, enum.Enum):
    NOT_OFFERED = "not_offered"  # the contract does not offer it online
    ROLE = "role"  # the customer's role on the policy does not allow it
    POLICY_STATE = "policy_state"  # the policy's state does not allow it
    NOT_LIVE_YET = "not_live_yet"  # offered from a later day
    IDENTIFICATION = "identification"  # R-ID-5: see the gate's reason


class PolicyState(str, enum.Enum):
    IN_FORCE = "in_force"
    SUSPENDED = "suspended"
    EXPIRED = "expired"  # expired (or cancelled) inside the 24-month access window
    OUT_OF_WINDOW = "out_of_window"


class Scope(str, enum.Enum):
    """What an allowed function may do in this state."""

    ANY = "any"
    OPEN_RECEIPTS = "open_receipts"  # payment: any open receipt
    OVERDUE_RECEIPTS = "overdue_receipts"  # payment on an expired policy: only what is overdue
    EVENTS_BEFORE_SUSPENSION = "events_before_suspension"  # claim on a suspended policy
    EVENTS_IN_COVER = "events_in_cover"  # claim on an expired policy
    SUSPEND = "suspend"
    REACTIVATE = "reactivate"


@dataclass(frozen=True)
class Availability:
    function: DispositiveFunction
    refusal: Refusal | None = None
    scope: Scope | None = None  # set when allowed
    live_from: date | None = None  # with NOT_LIVE_YET
    gate: Gate | None = None  # with IDENTIFICATION

    @property
    def allowed(self) -> bool:
        return self.refusal is None


def policy_state(policy: Policy, today: date) -> PolicyState:
    if is_in_force(policy, today):
        return PolicyState.SUSPENDED if policy.status is PolicyStatus.SUSPENDED else PolicyState.IN_FORCE
    return PolicyState.EXPIRED if is_within_access_window(policy, today) else PolicyState.OUT_OF_WINDOW


def _role_allows(function: DispositiveFunction, roles: frozenset[Role], policy: Policy, rules: ProductRules) -> bool:
    # A customer with several roles has the rights of each: a policyholder who is also a member keeps
    # what the member row grants.
    if Role.POLICYHOLDER in roles and (function is not F.SURRENDER or policy.company is Company.VITA):
        return True
    allowed = False
    if Role.MEMBER in roles:
        allowed = (function in (F.CLAIM, F.DATA_CHANGE)
                   or (function is F.PAYMENT and rules.members_may_pay)
                   or (function is F.SURRENDER and rules.members_may_surrender))
    if not allowed and Role.RISK_CERTIFICATE_HOLDER in roles:
        allowed = (function is F.DATA_CHANGE
                   or (function is F.CLAIM and policy.product.code in MOTOR_PRODUCTS))
    return allowed


_STATE_SCOPE: dict[PolicyState, dict[DispositiveFunction, Scope]] = {
    PolicyState.IN_FORCE: {F.PAYMENT: Scope.OPEN_RECEIPTS, F.CLAIM: Scope.ANY, F.DATA_CHANGE: Scope.ANY,
                           F.SURRENDER: Scope.ANY, F.SUSPENSION: Scope.SUSPEND},
    PolicyState.SUSPENDED: {F.PAYMENT: Scope.OPEN_RECEIPTS, F.CLAIM: Scope.EVENTS_BEFORE_SUSPENSION,
                            F.DATA_CHANGE: Scope.ANY, F.SUSPENSION: Scope.REACTIVATE},
    PolicyState.EXPIRED: {F.PAYMENT: Scope.OVERDUE_RECEIPTS, F.CLAIM: Scope.EVENTS_IN_COVER,
                          F.DATA_CHANGE: Scope.ANY},
    PolicyState.OUT_OF_WINDOW: {},
}


def availability(function: DispositiveFunction, *, policy: Policy, roles: Iterable[Role],
                 rules: ProductRules | None, gate: Gate, today: date) -> Availability:
    """May a customer with ``roles`` on ``policy`` do ``function`` today, and if not, why.

    ``today`` is the Italian day. ``rules`` None (the core system has no configuration for the product)
    offers nothing.
    """
    roles = frozenset(roles)
    if rules is None or not rules.allows(function):
        return Availability(function, Refusal.NOT_OFFERED)
    if not _role_allows(function, roles, policy, rules):
        return Availability(function, Refusal.ROLE)
    scope = _STATE_SCOPE[policy_state(policy, today)].get(function)
    if scope is None:
        return Availability(function, Refusal.POLICY_STATE)
    if not rules.is_available(function, today):
        return Availability(function, Refusal.NOT_LIVE_YET, live_from=rules.live_from(function))
    if not gate.allowed:
        return Availability(function, Refusal.IDENTIFICATION, gate=gate)
    return Availability(function, scope=scope)


def availabilities(*, policy: Policy, roles: Iterable[Role], rules: ProductRules | None, gate: Gate,
                   today: date) -> list[Availability]:
    """Every function the product offers, in the SPEC's order, allowed or with its reason."""
    roles = frozenset(roles)
    offered = [f for f in DispositiveFunction if rules is not None and rules.allows(f)]
    return [availability(f, policy=policy, roles=roles, rules=rules, gate=gate, today=today) for f in offered]
