"""R-DISP-SURR through the real container with in-memory adapters: the surrender form from the core system's
value and the product's rules, the simulation as of today, and the request (figures, IBAN, questionnaires),
idempotent by key; refusals for a Danni policy, a plan too young, a partial amount out of range, a bad IBAN."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from areaclienti.adapters.demo_core.data import DEMO_CORE_REJECTION, MARCO_YOUNG_VITA, REJECTED_BY_DEMO_CORE
from areaclienti.app.use_cases.surrender import RequestSurrender
from areaclienti.domain.errors import (
    FunctionNotAvailable,
    IbanHolderMissing,
    IbanInvalid,
    NotFound,
    QuestionnairesInvalid,
)
from areaclienti.domain.requests import RequestKind, RequestStatus
from areaclienti.domain.surrender import PartialSurrenderOutOfRange, SurrenderTooEarly

from .test_additional_payment import answers, pay_more
from .test_requests import HOME, VALERIA, account_id, follow_up_after, timeline

S = RequestStatus
VITA = "VI10011940"  # Marco's savings plan, 44 months old: 7.009,88 € on the harness's day (25/11/2026)
VALUE = Decimal("7009.88")
IBAN = "IT60X0542811101000000123456"


def surrender(harness, amount="2000.00", *, key="surr-1", iban=IBAN, holder="Marco Rinaldi", policy=VITA, **kw):
    return harness.container.surrenders().submit(RequestSurrender(
        account_id(harness), policy, amount, iban, holder, answers(**kw), key))


def test_the_form_shows_today_s_value_the_total_s_simulation_and_the_partial_range(harness, seeded):
    form = harness.container.surrenders().form(account_id(harness), VITA)
    assert form.today == date(2026, 11, 25) and form.value.as_of == form.today
    assert form.value.surrender_value == VALUE
    total = form.total
    assert (total.gross, total.years_elapsed, total.penalty_rate, total.residual) == (VALUE, 3, Decimal("0.01"), 0)
    assert total.penalty + total.tax + total.net == total.gross and total.total
    assert form.partial_range == (Decimal("500.00"), VALUE - Decimal("1000.00"))
    assert form.last_answers == {}


def test_the_form_carries_the_last_answers_to_prefill_the_questionnaires(harness, seeded):
    pay_more(harness, pep="yes")
    last = harness.container.surrenders().form(account_id(harness), VITA).last_answers
    assert last["anti_money_laundering"]["answers"]["pep_self"] == "yes"


def test_a_danni_policy_offers_no_surrender(harness, seeded):
    with pytest.raises(FunctionNotAvailable) as refused:
        harness.container.surrenders().form(account_id(harness), HOME)
    assert refused.value.params["refusal"] == "not_offered"
    with pytest.raises(FunctionNotAvailable):
        surrender(harness, None, policy=HOME)


def test_another_customer_s_policy_is_not_found(harness, seeded):
    with pytest.raises(NotFound):
        harness.container.surrenders().form(account_id(harness, VALERIA), VITA)


def test_a_plan_too_young_says_from_when_and_stores_nothing(harness, seeded):
    with pytest.raises(SurrenderTooEarly) as refused:
        harness.container.surrenders().form(account_id(harness), MARCO_YOUNG_VITA)
    assert refused.value.params == {"possible_from": date(2027, 6, 25)}
    with pytest.raises(SurrenderTooEarly):
        surrender(harness, None, policy=MARCO_YOUNG_VITA)
    assert harness.container.policy_requests().list(account_id(harness)) == []


def test_the_day_the_minimum_period_ends_the_surrender_opens(harness, seeded):
    harness.clock.advance(days=(date(2027, 6, 25) - date(2026, 11, 25)).days)
    form = harness.container.surrenders().form(account_id(harness), MARCO_YOUNG_VITA)
    assert form.total.years_elapsed == 1 and form.total.penalty_rate == Decimal("0.025")
    harness.clock.advance(days=-1)
    with pytest.raises(SurrenderTooEarly):
        harness.container.surrenders().form(account_id(harness), MARCO_YOUNG_VITA)


@pytest.mark.parametrize("amount", ["499.99", "6009.89", "7009.88", "abc", "100.001", "-1"])
def test_a_partial_amount_out_of_range_is_refused_with_the_figures(harness, seeded, amount):
    with pytest.raises(PartialSurrenderOutOfRange) as refused:
        harness.container.surrenders().simulate(account_id(harness), VITA, amount)
    assert refused.value.params == {"minimum": Decimal("500.00"), "maximum": Decimal("6009.88"), "value": VALUE}
    with pytest.raises(PartialSurrenderOutOfRange):
        surrender(harness, amount)
    assert harness.container.policy_requests().list(account_id(harness)) == []


def test_a_partial_surrender_is_stored_with_its_figures_and_handed_to_the_core_system(harness, seeded):
    request = surrender(harness, "2000.00", iban="it60 x054 2811 1010 0000 0123 456", holder="  Marco   Rinaldi ")
    assert request.kind is RequestKind.SURRENDER and request.policy_number == VITA
    figures = request.payload["surrender"]
    assert figures["total"] is False and figures["value_as_of"] == "2026-11-25"
    parts = {k: Decimal(figures[k]) for k in ("value", "gross", "penalty", "tax", "net", "residual")}
    assert (parts["gross"], parts["penalty"], parts["residual"]) == (Decimal("2000.00"), Decimal("20.00"),
                                                                     Decimal("5009.88"))
    assert parts["penalty"] + parts["tax"] + parts["net"] == parts["gross"]
    assert request.payload["iban"] == IBAN and request.payload["iban_holder"] == "Marco Rinaldi"
    assert set(request.payload["questionnaires"]) == {"anti_money_laundering", "tax_residency", "sanctions"}
    assert timeline(harness, request.number)[-1] is S.HANDED_OVER
    assert "request_submitted" in harness.audit_kinds(account_id(harness))


def test_a_total_surrender_takes_the_whole_value(harness, seeded):
    request = surrender(harness, None)
    figures = request.payload["surrender"]
    assert figures["total"] is True and Decimal(figures["gross"]) == VALUE and figures["residual"] == "0.00"


def test_the_same_key_again_is_the_same_request_even_with_other_figures(harness, seeded):
    first = surrender(harness, "2000.00", key="surr-dup")
    again = surrender(harness, "3000.00", key="surr-dup")
    assert again.number == first.number and again.payload["surrender"]["gross"] == "2000.00"
    assert len(harness.container.policy_requests().list(account_id(harness))) == 1


def test_a_politically_exposed_person_waits_in_review(harness, seeded):
    request = surrender(harness, pep="yes")
    assert request.flagged and request.status is S.UNDER_REVIEW


@pytest.mark.parametrize(("iban", "holder", "error"), [
    ("IT60X0542811101000000123457", "Marco Rinaldi", IbanInvalid),  # a check digit wrong
    ("", "Marco Rinaldi", IbanInvalid),
    (IBAN, "   ", IbanHolderMissing),
])
def test_the_account_to_credit_must_be_valid_and_have_a_holder(harness, seeded, iban, holder, error):
    with pytest.raises(error):
        surrender(harness, iban=iban, holder=holder)
    assert harness.container.policy_requests().list(account_id(harness)) == []


def test_invalid_answers_store_nothing(harness, seeded):
    with pytest.raises(QuestionnairesInvalid):
        surrender(harness, us_citizen="yes")  # a US person without a US TIN
    assert harness.container.policy_requests().list(account_id(harness)) == []


def test_a_surrender_on_the_unit_linked_policy_is_rejected_by_the_demo_core_with_its_reason(harness, seeded):
    form = harness.container.surrenders().form(account_id(harness), REJECTED_BY_DEMO_CORE)
    assert form.value.as_of < form.today  # a position valued at the last valuation day's prices
    request = surrender(harness, None, policy=REJECTED_BY_DEMO_CORE)
    assert timeline(harness, request.number) == [S.SUBMITTED, S.HANDED_OVER]
    delay = harness.container.core_system().delay.total_seconds()
    for _ in range(2):
        follow_up_after(harness, delay)
    found = harness.container.policy_requests().get(account_id(harness), request.number)
    assert found.status is S.REJECTED and found.events[-1].reason == DEMO_CORE_REJECTION


# One harness for all the examples: the simulation stores nothing.
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cents=st.integers(min_value=0, max_value=900_000), days=st.integers(min_value=0, max_value=3 * 365))
def test_the_use_case_accepts_exactly_the_range_the_form_offers_on_any_day(harness, seeded, cents, days):
    """Whatever the day (the value grows, the penalty falls year by year), a partial amount is accepted if and
    only if it lies in the form's range, and then it leaves at least the product's minimum on the policy."""
    start = harness.clock.now()
    harness.clock.advance(days=days)
    try:
        surrenders = harness.container.surrenders()
        form = surrenders.form(account_id(harness), VITA)
        amount = Decimal(cents) / 100
        low, high = form.partial_range
        try:
            sim = surrenders.simulate(account_id(harness), VITA, amount)
        except PartialSurrenderOutOfRange as refused:
            assert not low <= amount <= high
            assert (refused.params["minimum"], refused.params["maximum"]) == (low, high)
            return
        assert low <= amount <= high
        assert sim.value == form.total.value and sim.gross + sim.residual == sim.value
        assert sim.residual >= form.rules.minimum_residual and sim.net <= form.total.net
        assert sim.penalty_rate == form.total.penalty_rate and sim.years_elapsed == form.total.years_elapsed
    finally:
        harness.clock.set(start)


def test_the_simulation_follows_the_core_system_s_value_of_the_day(harness, seeded):
    before = harness.container.surrenders().form(account_id(harness), VITA)
    harness.clock.advance(days=400)
    after = harness.container.surrenders().form(account_id(harness), VITA)
    assert after.value.surrender_value > before.value.surrender_value
    assert after.today == before.today + timedelta(days=400)
    assert after.total.penalty_rate < before.total.penalty_rate  # past the table's last year: no penalty

