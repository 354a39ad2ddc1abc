"""The consultative area: the customer's own policies only (R-ELIG-1, R-ELIG-2, SPEC §8 access)."""
from __future__ import annotations

import pytest

from areaclienti.domain.errors import NotFound
from areaclienti.domain.policies import Company, Role

from .journeys import EMAIL, MOBILE, account_of, give_contacts, register, start_scenario


def _numbers(overview):
    return {company: [p.number for p in policies] for company, policies in overview.by_company.items()}


def test_the_overview_groups_vita_and_danni_and_hides_insured_only_policies(harness, demo):
    account_id = register(harness, demo.scenario("policyholder_vita"))
    overview = harness.container.customer_policies().overview(account_id)
    assert _numbers(overview) == {Company.VITA: ["VI10004521"], Company.DANNI: ["DA20018734"]}
    assert list(overview.by_company) == [Company.VITA, Company.DANNI]
    assert overview.customer.display_name == "Giulia Bianchi"
    assert overview.customer.email == EMAIL
    assert overview.customer.identification_pending


def test_a_suspended_policy_is_shown(harness, demo):
    account_id = register(harness, demo.scenario("policyholder_danni"))
    numbers = _numbers(harness.container.customer_policies().overview(account_id))
    assert sorted(numbers[Company.DANNI]) == ["DA20022410", "DA20022977"]
    assert numbers[Company.VITA] == ["VI10007355"]


def test_policies_expired_more_than_24_months_ago_are_hidden(harness, demo):
    account_id = register(harness, demo.scenario("expired_10_months"))
    numbers = _numbers(harness.container.customer_policies().overview(account_id))
    assert numbers == {Company.VITA: ["VI10002964"], Company.DANNI: []}  # DA20009873 expired 30 months ago


def test_a_company_sees_all_its_policies_but_not_its_members(harness, demo):
    account_id = register(harness, demo.scenario("company"))
    policies = harness.container.customer_policies()
    numbers = _numbers(policies.overview(account_id))
    assert numbers[Company.VITA] == ["VI30000128"]
    assert sorted(numbers[Company.DANNI]) == ["DA20031506", "DA20031642"]
    assert policies.profile(account_id).is_company


def test_a_member_and_a_risk_certificate_holder_see_their_policy_with_their_role(harness, demo):
    member = register(harness, demo.scenario("member_collective"))
    holder = register(harness, demo.scenario("risk_certificate_holder"), email="ale@example.it",
                      mobile="+393331112233")
    policies = harness.container.customer_policies()
    assert policies.detail(member, "VI30000128").my_roles == frozenset({Role.MEMBER})
    assert policies.detail(holder, "da 20027718").my_roles == frozenset({Role.RISK_CERTIFICATE_HOLDER})


def test_the_detail_of_an_own_policy(harness, demo):
    account_id = register(harness, demo.scenario("policyholder_vita"))
    detail = harness.container.customer_policies().detail(account_id, "VI10004521")
    assert detail.policy.number == "VI10004521"
    assert detail.my_roles == frozenset({Role.POLICYHOLDER})


@pytest.mark.parametrize(
    "number",
    [
        "VI10006183",  # she is only insured on it
        "DA20022410",  # somebody else's
        "VI99999999",  # nobody's
        "",
    ],
)
def test_any_other_policy_is_not_found(harness, demo, number):
    account_id = register(harness, demo.scenario("policyholder_vita"))
    with pytest.raises(NotFound):
        harness.container.customer_policies().detail(account_id, number)


def test_an_old_expired_policy_is_not_found_even_for_its_policyholder(harness, demo):
    account_id = register(harness, demo.scenario("expired_10_months"))
    with pytest.raises(NotFound):
        harness.container.customer_policies().detail(account_id, "DA20009873")


def test_an_account_that_cannot_log_in_sees_nothing(harness, seeded):
    step = start_scenario(harness, seeded.scenario("policyholder_vita"))
    give_contacts(harness, step.flow_token)
    pending = account_of(harness, seeded.scenario("policyholder_vita").tax_code).id
    legacy = account_of(harness, seeded.scenario("legacy").tax_code).id
    policies = harness.container.customer_policies()
    for account_id in (pending, legacy, "no-such-account"):
        with pytest.raises(NotFound):
            policies.overview(account_id)
        with pytest.raises(NotFound):
            policies.detail(account_id, seeded.scenario("legacy").policy_number)
        with pytest.raises(NotFound):
            policies.profile(account_id)
    assert harness.sms.to(MOBILE)


def test_a_closed_legacy_account_sees_nothing(harness, seeded):
    from areaclienti.app.use_cases.legacy import StartFirstAccess

    s = seeded.scenario("legacy_wrong_data")
    first_access = harness.container.legacy_first_access()
    flow = first_access.start(StartFirstAccess(s.email, MOBILE))
    first_access.verify(flow, harness.code_sent_to(MOBILE))
    with pytest.raises(NotFound):
        harness.container.customer_policies().overview(account_of(harness, s.tax_code).id)
