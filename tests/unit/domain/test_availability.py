"""Who may do what on a policy (SPEC §4): ``availability`` against the module's table, over random policies,
roles, product configurations, identification gates and days.

The oracle below is written from the table in ``domain/availability.py``'s docstring (and the SPEC), row
by row, not from the code: a function is allowed iff every row allows it, and the refusal is the first row
that does not, in the documented order.
"""
from __future__ import annotations

from datetime import date, timedelta

from hypothesis import example, given, settings
from hypothesis import strategies as st

from areaclienti.domain.availability import (
    Availability,
    PolicyState,
    Refusal,
    Scope,
    availabilities,
    availability,
    policy_state,
)
from areaclienti.domain.eligibility import add_months
from areaclienti.domain.identification import Gate, GateReason
from areaclienti.domain.parties import PartyId, PartyKind
from areaclienti.domain.policies import Company, PartyRole, Policy, PolicyStatus, Product, Role
from areaclienti.domain.products import DispositiveFunction, PaymentMethod, ProductRules

F = DispositiveFunction
ME = PartyId(PartyKind.PERSON, "RCCMNL83S18D969H")
PRODUCTS = [Product("DANNI-AUTO", "Auto", Company.DANNI), Product("DANNI-CASA", "Casa", Company.DANNI),
            Product("VITA-RISP", "Risparmio", Company.VITA), Product("VITA-TCM", "TCM", Company.VITA)]
days = st.dates(min_value=date(2020, 1, 1), max_value=date(2032, 12, 31))

# The docstring's state rows: what each function may do in each state (absent: refused).
STATE_ROWS = {
    PolicyState.IN_FORCE: {F.PAYMENT: Scope.OPEN_RECEIPTS, F.CLAIM: Scope.ANY, F.DATA_CHANGE: Scope.ANY,
                           F.SURRENDER: Scope.ANY, F.SUSPENSION: Scope.SUSPEND},
    PolicyState.SUSPENDED: {F.PAYMENT: Scope.OPEN_RECEIPTS, F.CLAIM: Scope.EVENTS_BEFORE_SUSPENSION,
                            F.DATA_CHANGE: Scope.ANY, F.SUSPENSION: Scope.REACTIVATE},
    PolicyState.EXPIRED: {F.PAYMENT: Scope.OVERDUE_RECEIPTS, F.CLAIM: Scope.EVENTS_IN_COVER, F.DATA_CHANGE: Scope.ANY},
    PolicyState.OUT_OF_WINDOW: {},
}


def role_row_allows(function: F, roles: frozenset[Role], policy: Policy, rules: ProductRules) -> bool:
    """The docstring's role rows; a customer with several roles has the rights of each."""
    vita = policy.company is Company.VITA
    motor = policy.product.code == "DANNI-AUTO"
    rows = {
        Role.POLICYHOLDER: {F.PAYMENT: True, F.CLAIM: True, F.DATA_CHANGE: True, F.SURRENDER: vita,
                            F.SUSPENSION: True},
        Role.MEMBER: {F.PAYMENT: rules.members_may_pay, F.CLAIM: True, F.DATA_CHANGE: True,
                      F.SURRENDER: rules.members_may_surrender, F.SUSPENSION: False},
        Role.RISK_CERTIFICATE_HOLDER: {F.PAYMENT: False, F.CLAIM: motor, F.DATA_CHANGE: True, F.SURRENDER: False,
                                       F.SUSPENSION: False},
    }
    return any(rows[role][function] for role in roles if role in rows)


def expected_state(policy: Policy, today: date) -> PolicyState:
    running = policy.status in (PolicyStatus.IN_FORCE, PolicyStatus.SUSPENDED) and (
        policy.expiry_date is None or policy.expiry_date >= today)
    if running:
        return PolicyState.SUSPENDED if policy.status is PolicyStatus.SUSPENDED else PolicyState.IN_FORCE
    if policy.expiry_date is not None and add_months(policy.expiry_date, 24) > today:
        return PolicyState.EXPIRED
    return PolicyState.OUT_OF_WINDOW


@st.composite
def policies(draw) -> Policy:
    start = draw(days)
    expiry = draw(st.none() | st.integers(-400, 4000).map(lambda n: start + timedelta(days=n)))
    roles = draw(st.sets(st.sampled_from(list(Role)), min_size=1, max_size=3))
    return Policy("XX0001", draw(st.sampled_from(PRODUCTS)), draw(st.sampled_from(list(PolicyStatus))), start,
                  expiry, tuple(PartyRole(ME, role) for role in roles))


@st.composite
def product_rules(draw, product_code: str = "ANY") -> ProductRules | None:
    if draw(st.integers(0, 9)) == 0:
        return None  # the core system has no configuration for the product
    functions = draw(st.sets(st.sampled_from(list(F))))
    go_live = {f: draw(days) for f in functions}
    return ProductRules(product_code, frozenset(functions), tuple(draw(st.sets(st.sampled_from(list(PaymentMethod))))),
                        go_live, members_may_pay=draw(st.booleans()), members_may_surrender=draw(st.booleans()))


gates = st.builds(Gate, st.sampled_from(list(GateReason)), st.none() | days)


def rows(function: F, policy: Policy, rules: ProductRules | None, gate: Gate, today: date) -> list[tuple[Refusal, bool]]:
    """Each row of the table in the documented order, and whether it allows ``function``."""
    offered = rules is not None and function in rules.functions
    return [
        (Refusal.NOT_OFFERED, offered),
        (Refusal.ROLE, offered and role_row_allows(function, policy.roles_of(ME), policy, rules)),
        (Refusal.POLICY_STATE, function in STATE_ROWS[expected_state(policy, today)]),
        (Refusal.NOT_LIVE_YET, offered and rules.go_live[function] <= today),
        (Refusal.IDENTIFICATION, gate.reason is GateReason.ALLOWED),
    ]


def ask(function: F, policy: Policy, rules: ProductRules | None, gate: Gate, today: date) -> Availability:
    return availability(function, policy=policy, roles=policy.roles_of(ME), rules=rules, gate=gate, today=today)


common = dict(function=st.sampled_from(list(F)), policy=policies(), rules=product_rules(), gate=gates, today=days)


@settings(max_examples=600)
@given(**common)
@example(function=F.SURRENDER,  # a policyholder who is also a member keeps what the member row grants
         policy=Policy("XX0001", PRODUCTS[0], PolicyStatus.IN_FORCE, date(2024, 1, 1), None,
                       (PartyRole(ME, Role.POLICYHOLDER), PartyRole(ME, Role.MEMBER))),
         rules=ProductRules("DANNI-AUTO", frozenset({F.SURRENDER}), (), {F.SURRENDER: date(2024, 1, 1)},
                            members_may_surrender=True),
         gate=Gate(GateReason.ALLOWED), today=date(2026, 1, 1))
def test_a_function_is_allowed_iff_every_row_allows_it_and_the_refusal_is_the_first_row_that_does_not(
        function, policy, rules, gate, today):
    found = ask(function, policy, rules, gate, today)
    table = rows(function, policy, rules, gate, today)
    assert found.function is function
    assert found.allowed == all(ok for _, ok in table)
    assert found.refusal == next((refusal for refusal, ok in table if not ok), None)


@settings(max_examples=300)
@given(**common)
def test_never_allowed_when_the_gate_refuses(function, policy, rules, gate, today):
    found = ask(function, policy, rules, gate, today)
    if not gate.allowed:
        assert not found.allowed
    if found.refusal is Refusal.IDENTIFICATION:
        assert found.gate == gate and not gate.allowed
    else:
        assert found.gate is None


@settings(max_examples=300)
@given(**common)
def test_not_live_yet_iff_before_the_go_live_day_and_it_says_which_day(function, policy, rules, gate, today):
    found = ask(function, policy, rules, gate, today)
    earlier_rows_allow = all(ok for _, ok in rows(function, policy, rules, gate, today)[:3])
    before_go_live = rules is not None and function in rules.functions and today < rules.go_live[function]
    assert (found.refusal is Refusal.NOT_LIVE_YET) == (earlier_rows_allow and before_go_live)
    if found.refusal is Refusal.NOT_LIVE_YET:
        assert found.live_from == rules.go_live[function] > today
    else:
        assert found.live_from is None


@settings(max_examples=300)
@given(**common)
def test_a_scope_only_when_allowed_and_the_one_of_the_policy_state(function, policy, rules, gate, today):
    found = ask(function, policy, rules, gate, today)
    assert (found.scope is not None) == found.allowed
    if found.allowed:
        assert found.scope is STATE_ROWS[expected_state(policy, today)][function]


@settings(max_examples=300)
@given(policy=policies(), rules=product_rules(), today=days)
def test_the_suspension_scope_is_reactivate_iff_the_policy_is_suspended(policy, rules, today):
    found = ask(F.SUSPENSION, policy, rules, Gate(GateReason.ALLOWED), today)
    if found.allowed:
        suspended = policy.status is PolicyStatus.SUSPENDED
        assert (found.scope is Scope.REACTIVATE) == suspended
        assert (found.scope is Scope.SUSPEND) == (not suspended)


@settings(max_examples=200)
@given(policy=policies(), rules=product_rules(), gate=gates, today=days)
def test_availabilities_lists_what_the_product_offers_in_order_each_as_availability_answers(
        policy, rules, gate, today):
    listed = availabilities(policy=policy, roles=policy.roles_of(ME), rules=rules, gate=gate, today=today)
    offered = [f for f in F if rules is not None and f in rules.functions]
    assert [a.function for a in listed] == offered
    assert listed == [ask(f, policy, rules, gate, today) for f in offered]


@settings(max_examples=300)
@given(policy=policies(), today=days)
def test_policy_state_follows_status_expiry_and_the_24_month_window(policy, today):
    assert policy_state(policy, today) is expected_state(policy, today)


@settings(max_examples=200)
@given(function=st.sampled_from(list(F)), policy=policies(), rules=product_rules(), today=days)
def test_once_live_a_function_stays_live_on_later_days_of_the_same_state(function, policy, rules, today):
    # A refusal for the go-live day never comes back on a later day while the state is the same.
    allowed = Gate(GateReason.ALLOWED)
    later = today + timedelta(days=30)
    if (ask(function, policy, rules, allowed, today).allowed
            and expected_state(policy, later) is expected_state(policy, today)):
        assert ask(function, policy, rules, allowed, later).allowed


def test_a_policyholder_of_a_danni_policy_cannot_surrender_but_of_a_vita_one_can():
    for product, allowed in ((PRODUCTS[0], False), (PRODUCTS[2], True)):
        policy = Policy("XX0001", product, PolicyStatus.IN_FORCE, date(2024, 1, 1), None,
                        (PartyRole(ME, Role.POLICYHOLDER),))
        rules = ProductRules(product.code, frozenset({F.SURRENDER}), (), {F.SURRENDER: date(2024, 1, 1)})
        found = ask(F.SURRENDER, policy, rules, Gate(GateReason.ALLOWED), date(2026, 1, 1))
        assert found.allowed is allowed
        assert found.refusal is (None if allowed else Refusal.ROLE)
