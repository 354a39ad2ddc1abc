"""The generator of N realistic customers for the demo core system's own database (issue 14)."""
from __future__ import annotations

from collections import Counter
from datetime import date

from areaclienti.adapters.demo_core.data import build_demo_data
from areaclienti.adapters.demo_core.generator import generate_customers
from areaclienti.domain.eligibility import QUALIFYING_ROLES
from areaclienti.domain.parties import PartyKind, parse_tax_code, parse_vat_number
from areaclienti.domain.policies import PolicyStatus

TODAY = date(2026, 3, 15)
N = 200


def customers(seed: int = 14, n: int = N, today: date = TODAY):
    return list(generate_customers(today, n, seed=seed, taken=list(build_demo_data(today).parties)))


def test_every_customer_has_a_valid_code_of_their_own_and_contacts():
    found = customers()
    demo = build_demo_data(TODAY).parties
    for c in found:
        parse = parse_vat_number if c.party.id.kind is PartyKind.COMPANY else parse_tax_code
        assert parse(c.party.id.value) == c.party.id
        assert c.email.endswith("@example.it") and c.mobile.startswith("+393")
    ids = [c.party.id.value for c in found]
    assert len(set(ids)) == N and not set(ids) & set(demo)
    assert len({c.email for c in found}) == N
    assert any(c.party.id.kind is PartyKind.COMPANY for c in customers(n=2000))


def test_each_customer_holds_one_to_five_policies_with_a_qualifying_role_about_three_on_average():
    found = customers()
    known = {c.party.id for c in found} | {p.id for p in build_demo_data(TODAY).parties.values()}
    numbers = Counter()
    for c in found:
        assert 1 <= len(c.policies) <= 5
        for policy in c.policies:
            numbers[policy.number] += 1
            assert policy.roles_of(c.party.id) & QUALIFYING_ROLES, policy
            assert {r.party_id for r in policy.roles} <= known
            assert policy.start_date <= TODAY
            if policy.status is PolicyStatus.EXPIRED:
                assert policy.expiry_date < TODAY
            else:
                assert policy.expiry_date is None or policy.expiry_date > TODAY
    assert max(numbers.values()) == 1
    assert 2.5 * N <= sum(numbers.values()) <= 3.5 * N
    products = Counter(p.product.code for c in found for p in c.policies)
    assert len(products) == 7  # every product is sold


def test_the_same_seed_and_day_give_the_same_customers_another_seed_others():
    def summary(found):
        return [(c.party, c.email, c.mobile, [(p, p.premium) for p in c.policies]) for c in found]

    assert summary(customers(seed=3)) == summary(customers(seed=3))
    assert summary(customers(seed=3)) != summary(customers(seed=4))
