"""R-DISP-PAY Vita (versamento aggiuntivo) with the questionnaires (R-DISP-Q), and the review of flagged
requests, through the real container with in-memory adapters."""
from __future__ import annotations

from decimal import Decimal

import pytest

from areaclienti.app.ports.payments import PaymentOutcome
from areaclienti.app.use_cases.requests import PayAdditional
from areaclienti.domain.errors import AmountOutOfRange, InvalidTransition, QuestionnairesInvalid
from areaclienti.domain.products import PaymentMethod
from areaclienti.domain.questionnaires import QuestionnaireOutdated
from areaclienti.domain.requests import RequestStatus

from .test_requests import MARCO, account_id, choose, notify, timeline

S = RequestStatus
VITA = "VI10011940"  # Marco's savings plan: additional payments from €500 to €15,000 online


def answers(*, pep: str = "no", us_citizen: str = "no", us_tin: str | None = None, version: int = 1) -> dict:
    tax = {"us_citizen": us_citizen, "us_tax_resident": "no", "us_birthplace": "no", "residence_1_country": "IT",
           "residence_1_has_tin": "yes", "residence_1_tin": "RNLMRC79E21H501A", "residence_1_more": "no"}
    if us_tin is not None:
        tax["us_tin"] = us_tin
    return {
        "anti_money_laundering": {"version": version, "answers": {
            "purpose": "savings", "funds_source": "salary", "funds_country": "IT", "profession": "employee",
            "sector": "services", "pep_self": pep, "pep_family": "no", "pep_associate": "no"}},
        "tax_residency": {"version": version, "answers": tax},
        "sanctions": {"version": version, "answers": {"sanctioned_countries": "no", "sanctioned_persons": "no",
                                                      "residence_country": "IT"}},
    }


def pay_more(harness, amount="1000.00", *, key="add-1", method=PaymentMethod.CARD, **kw):
    return harness.container.policy_requests().pay_additional(PayAdditional(
        account_id(harness), VITA, amount, method, answers(**kw), key))


def test_an_additional_payment_with_plain_answers_goes_straight_to_the_core_system(harness, seeded):
    submitted = pay_more(harness)
    request = submitted.request
    assert request.amount == Decimal("1000.00") and request.payload["review"] == {"flags": []}
    assert set(request.payload["questionnaires"]) == {"anti_money_laundering", "tax_residency", "sanctions"}
    assert notify(harness, *choose(harness, request.payment_session, PaymentOutcome.SUCCEEDED))
    assert timeline(harness, request.number)[-2:] == [S.PAID, S.HANDED_OVER]


def test_a_politically_exposed_person_waits_in_review_until_an_operator_releases(harness, seeded):
    request = pay_more(harness, pep="yes").request
    assert request.flagged
    assert notify(harness, *choose(harness, request.payment_session, PaymentOutcome.SUCCEEDED))
    assert timeline(harness, request.number)[-2:] == [S.PAID, S.UNDER_REVIEW]
    assert harness.container.core_system().counts() == (0, 0)  # not handed over while in review
    mail = harness.emails_to(MARCO)[-1]
    assert "in verifica" in mail.subject and "politic" not in mail.body.lower()  # never says which answer
    requests = harness.container.policy_requests()
    requests.release("op-1", request.number)
    assert timeline(harness, request.number)[-3:] == [S.UNDER_REVIEW, S.RELEASED, S.HANDED_OVER]
    assert harness.container.core_system().counts() == (1, 1)
    with pytest.raises(InvalidTransition):
        requests.release("op-2", request.number)  # decided once
    assert "request_released" in harness.audit_kinds(account_id(harness))


def test_a_flagged_request_rejected_by_the_operator_tells_the_customer_why(harness, seeded):
    request = pay_more(harness, us_citizen="yes", us_tin="123-45-6789").request
    assert request.payload["review"]["flags"] == ["us_person"]
    notify(harness, *choose(harness, request.payment_session, PaymentOutcome.SUCCEEDED))
    harness.container.policy_requests().reject_after_review("op-1", request.number, "Serve un documento in più.")
    found = harness.container.policy_requests().get(account_id(harness), request.number)
    assert found.status is S.REJECTED and found.events[-1].reason == "Serve un documento in più."
    assert "Serve un documento in più." in harness.emails_to(MARCO)[-1].body


@pytest.mark.parametrize("amount", ["499.99", "15000.01", "-1", "abc", "100.001"])
def test_an_amount_outside_the_limits_is_refused_with_them(harness, seeded, amount):
    with pytest.raises(AmountOutOfRange) as refused:
        pay_more(harness, amount)
    assert refused.value.params == {"minimum": Decimal("500"), "maximum": Decimal("15000")}


def test_a_us_person_without_us_tin_and_a_wrong_italian_tin_are_refused_all_at_once(harness, seeded):
    bad = answers(us_citizen="yes")
    bad["tax_residency"]["answers"]["residence_1_tin"] = "RSSMRA80A01H501X"
    with pytest.raises(QuestionnairesInvalid) as refused:
        harness.container.policy_requests().pay_additional(PayAdditional(
            account_id(harness), VITA, "1000", PaymentMethod.CARD, bad, "add-bad"))
    assert refused.value.params["problems"] == {"tax_residency": {"us_tin": "required",
                                                                  "residence_1_tin": "tin_invalid"}}
    assert harness.container.policy_requests().list(account_id(harness)) == []  # nothing stored


def test_answers_to_an_old_version_are_refused(harness, seeded):
    with pytest.raises(QuestionnaireOutdated):
        pay_more(harness, version=0)


def test_the_last_answers_prefill_the_next_questionnaire(harness, seeded):
    assert harness.container.policy_requests().last_answers(account_id(harness)) == {}
    pay_more(harness, pep="yes")
    last = harness.container.policy_requests().last_answers(account_id(harness))
    assert last["anti_money_laundering"]["answers"]["pep_self"] == "yes"
    assert last["anti_money_laundering"]["version"] == 1 and last["tax_residency"]["given_at"]
