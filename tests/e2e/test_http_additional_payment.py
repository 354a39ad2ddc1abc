"""The Vita additional payment (versamento aggiuntivo) with the questionnaires on the customer site, over HTTP
(R-DISP-PAY, R-DISP-Q): the amount within the product's limits, answers checked beside each question and
nothing typed lost, an outdated version, the review with its key, card to paid, the answers pre-filled the
next time, and a politically exposed person's request held «in verifica» without saying why."""
from __future__ import annotations

import html
import re
from zoneinfo import ZoneInfo

import pytest

from areaclienti.adapters.demo_core.data import DEMO_PASSWORD
from areaclienti.app.ports.payments import PaymentOutcome
from areaclienti.domain.requests import RequestStatus

from .journeys import csrf_token

MARCO = "marco.rinaldi@example.it"
VITA = "VI10011940"  # Marco's savings plan: additional payments from €500 to €15,000 by SEPA, transfer, card
FORM = f"/area-clienti/polizze/{VITA}/versamento"
KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')
S = RequestStatus


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True)).replace("\xa0", " ")  # amounts: 1.000,00 €


def _log_in(client) -> None:
    response = client.post("/accesso", data={"csrf_token": csrf_token(client, "/accesso"), "email": MARCO,
                                             "password": DEMO_PASSWORD})
    assert response.status_code == 302, _text(response)


def _answers(*, pep: str = "no", us_citizen: str = "no", us_tin: str | None = None, tin: str = "RNLMRC79E21H501A",
             version: str = "1") -> dict[str, str]:
    """A form as a customer fills it, with the plain answers unless told otherwise."""
    form = {
        "amount": "1.000,00", "method": "card",
        "anti_money_laundering.version": version, "tax_residency.version": version, "sanctions.version": version,
        "anti_money_laundering.purpose": "savings", "anti_money_laundering.funds_source": "salary",
        "anti_money_laundering.funds_country": "IT", "anti_money_laundering.profession": "employee",
        "anti_money_laundering.sector": "services", "anti_money_laundering.pep_self": pep,
        "anti_money_laundering.pep_family": "no", "anti_money_laundering.pep_associate": "no",
        "tax_residency.us_citizen": us_citizen, "tax_residency.us_tax_resident": "no",
        "tax_residency.us_birthplace": "no", "tax_residency.residence_1_country": "IT",
        "tax_residency.residence_1_has_tin": "yes", "tax_residency.residence_1_tin": tin,
        "tax_residency.residence_1_more": "no",
        "sanctions.sanctioned_countries": "no", "sanctions.sanctioned_persons": "no",
        "sanctions.residence_country": "IT",
    }
    if us_tin is not None:
        form["tax_residency.us_tin"] = us_tin
    return form


def _check(client, **changes):
    form = {**_answers(), **changes}
    return client.post(FORM, data={"csrf_token": csrf_token(client, FORM), **form})


def _confirm(client, response):
    """From the review the form leads to, «conferma»."""
    assert response.status_code == 303, _text(response)
    review = client.get(response.headers["Location"])
    assert review.status_code == 200, _text(review)
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', review.text))
    return review, client.post(FORM + "/conferma", data={**hidden, "csrf_token": csrf_token(client, FORM)})


def _requests(harness):
    with harness.container.uow() as uow:
        account_id = uow.accounts.get_by_email(MARCO).id
    return harness.container.policy_requests().list(account_id)


def _deliver(client, harness) -> list[int]:
    provider = harness.container.payment_provider()
    statuses = []
    while provider.posted:
        _url, body, headers = provider.posted.pop(0)
        statuses.append(client.post("/pagamenti/notifiche", data=body, headers=headers,
                                    content_type="application/json").status_code)
    return statuses


@pytest.fixture
def marco(client, demo_accounts):
    _log_in(client)
    return client


# --- the page --------------------------------------------------------------------------------------
def test_the_vita_policy_offers_the_additional_payment_and_its_page_renders_the_questionnaires(marco):
    policy = _text(marco.get(f"/area-clienti/polizze/{VITA}"))
    assert f'href="{FORM}"' in policy and "Versamento aggiuntivo" in policy
    assert "/versamento" not in _text(marco.get("/area-clienti/polizze/DA20040288"))  # Danni: none
    page = marco.get(FORM)
    text = _text(page)
    assert page.status_code == 200
    assert "Da 500,00 € a 15.000,00 €." in text
    for method in ("sepa_direct_debit", "bank_transfer", "card"):
        assert f'name="method" value="{method}"' in text
    for code in ("anti_money_laundering", "tax_residency", "sanctions"):
        assert f'name="{code}.version" value="1"' in text
    assert '<option value="DE">Germania</option>' in text and '<option value="US">Stati Uniti</option>' in text
    assert 'value="ZZ"' not in text and 'value="EU"' not in text and 'value="001"' not in text
    assert "Risposte date il" not in text  # nothing to pre-fill yet
    assert "Rispondi solo se a «Scopo e natura prevista del rapporto» hai risposto «Altro»." in text
    assert 'data-shown-if=' in text and "js/questionnaire.js" in text and "<script>" not in text
    assert "Titolare effettivo" not in text  # a question for companies only


def test_a_danni_policy_has_no_additional_payment(marco):
    assert marco.get("/area-clienti/polizze/DA20040288/versamento").status_code == 403


# --- what is wrong, beside each question, and nothing typed lost --------------------------------------------
@pytest.mark.parametrize(("amount", "message"), [
    ("499,99", "L'importo minimo di un versamento aggiuntivo online è 500,00 €."),
    ("15.000,01", "L'importo massimo di un versamento aggiuntivo online è 15.000,00 €"),
    ("12,345", "Scrivi l'importo in euro con al massimo due decimali"),
])
def test_an_amount_outside_the_limits_is_refused_with_the_figures(marco, amount, message):
    response = _check(marco, amount=amount)
    text = _text(response)
    assert response.status_code == 422
    assert message in re.search(r'data-testid="error-amount">([^<]+)', text).group(1)
    assert f'value="{amount}"' in text  # kept as typed
    assert 'name="anti_money_laundering.purpose" value="savings" checked' not in text  # a select, not radios
    assert '<option value="savings" selected>' in text
    assert 'name="anti_money_laundering.pep_self" value="no" checked' in text


def test_a_missing_answer_is_shown_beside_its_question_and_the_rest_is_kept(marco, harness):
    response = _check(marco, **{"anti_money_laundering.pep_family": ""})
    text = _text(response)
    assert response.status_code == 422
    assert re.search(r'data-testid="error-anti_money_laundering\.pep_family">Rispondi a questa domanda\.', text)
    assert text.count('class="field-error"') == 1
    assert 'value="1.000,00"' in text and '<option value="IT" selected>' in text
    assert 'value="RNLMRC79E21H501A"' in text
    assert _requests(harness) == []


def test_a_us_person_without_a_us_tin_is_asked_for_it(marco):
    text = _text(_check(marco, **{"tax_residency.us_citizen": "yes"}))
    error = re.search(r'data-testid="error-tax_residency\.us_tin">([^<]+)', text)
    assert error and "codice fiscale statunitense" in error.group(1)
    # Answered, it goes on to the review.
    answered = _check(marco, **{"tax_residency.us_citizen": "yes", "tax_residency.us_tin": "123-45-6789"})
    assert answered.status_code == 303


def test_a_wrong_italian_tax_code_is_told_as_such(marco):
    text = _text(_check(marco, **{"tax_residency.residence_1_tin": "RNLMRC79E21H501B"}))
    error = re.search(r'data-testid="error-tax_residency\.residence_1_tin">([^<]+)', text)
    assert error and "Il codice fiscale italiano non è valido" in error.group(1)
    german = _text(_check(marco, **{"tax_residency.residence_1_country": "DE",
                                    "tax_residency.residence_1_tin": "12345"}))
    error = re.search(r'data-testid="error-tax_residency\.residence_1_tin">([^<]+)', german)
    assert error and "valido per Germania" in error.group(1)


def test_answers_to_a_replaced_version_ask_to_review_them(marco, harness):
    response = _check(marco, **{"tax_residency.version": "0"})
    text = _text(response)
    assert response.status_code == 409  # as the JSON API answers it
    assert 'class="field-error"' not in text  # the answers themselves are fine
    assert "Il questionario è stato aggiornato: rivedi le risposte" in text
    assert 'data-testid="outdated-tax_residency"' in text and 'data-testid="outdated-sanctions"' not in text
    assert 'name="tax_residency.version" value="1"' in text  # the page now asks the current version
    assert 'value="RNLMRC79E21H501A"' in text


def test_questions_that_do_not_apply_are_not_kept(marco, harness):
    # «Descrivi lo scopo» answered while the purpose is not «Altro» (a page without its script): left out.
    response = _check(marco, **{"anti_money_laundering.purpose_other": "qualcosa"})
    review, confirmed = _confirm(marco, response)
    assert "qualcosa" not in _text(review)
    [request] = _requests(harness)
    assert "purpose_other" not in request.payload["questionnaires"]["anti_money_laundering"]["answers"]


# --- the whole journey -----------------------------------------------------------------------------
def test_a_card_payment_from_the_form_to_paid_and_the_answers_prefilled_the_next_time(marco, harness):
    response = _check(marco)
    review, confirmed = _confirm(marco, response)
    text = _text(review)
    assert "1.000,00 €" in text and "Carta di pagamento" in text and KEY.search(review.text)
    assert "Risparmio e investimento" in text and "Reddito da lavoro o pensione" in text and "Italia" in text
    assert confirmed.status_code == 303 and "/_dev/pagamenti/ps_" in confirmed.headers["Location"]
    [request] = _requests(harness)
    assert request.amount == 1000 and request.status is S.AWAITING_PAYMENT
    harness.container.payment_provider().choose(request.payment_session, PaymentOutcome.SUCCEEDED)
    assert _deliver(marco, harness) == [200]
    detail = _text(marco.get(f"/area-clienti/richieste/{request.number}"))
    assert "Versamento aggiuntivo" in detail and "Pagata" in detail and "In verifica" not in detail

    # The second time: the answers of the first, and the day they were given.
    again = _text(marco.get(FORM))
    given = request.created_at.astimezone(ZoneInfo("Europe/Rome"))
    assert f"Risposte date il {given:%d/%m/%Y}: controlla e modifica solo ciò che è cambiato" in again
    assert '<option value="savings" selected>' in again and 'value="RNLMRC79E21H501A"' in again
    assert 'name="amount" type="text" inputmode="decimal" autocomplete="off" value=""' in again


def test_back_from_the_review_shows_what_was_typed_and_a_double_confirm_is_one_request(marco, harness):
    response = _check(marco, amount="2.500,00", **{"anti_money_laundering.funds_source": "inheritance"})
    assert response.status_code == 303
    back = _text(marco.get(FORM))
    assert 'value="2.500,00"' in back and '<option value="inheritance" selected>' in back
    review = marco.get(response.headers["Location"])
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', review.text))
    data = {**hidden, "csrf_token": csrf_token(marco, FORM)}
    first = marco.post(FORM + "/conferma", data=data)
    second = marco.post(FORM + "/conferma", data=data)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert len(_requests(harness)) == 1


def test_a_politically_exposed_person_is_held_in_review_without_being_told_why(marco, harness):
    _review, confirmed = _confirm(marco, _check(marco, **{"anti_money_laundering.pep_self": "yes"}))
    assert confirmed.status_code == 303
    [request] = _requests(harness)
    harness.container.payment_provider().choose(request.payment_session, PaymentOutcome.SUCCEEDED)
    assert _deliver(marco, harness) == [200]
    back = _text(marco.get(f"/area-clienti/richieste/{request.number}/esito-pagamento"))
    assert "La richiesta ora è «In verifica»" in back
    detail = _text(marco.get(f"/area-clienti/richieste/{request.number}"))
    assert 'data-status="under_review"' in detail and "In verifica" in detail
    assert "politic" not in detail.lower() and "pep" not in detail.lower()
    harness.container.policy_requests().release("op-1", request.number)
    detail = _text(marco.get(f"/area-clienti/richieste/{request.number}"))
    assert "Verificata" in detail and "Trasmessa alla compagnia" in detail


def test_the_questionnaires_in_english_once_chosen(marco):
    marco.get(f"/lingua/en?next={FORM}")
    text = _text(marco.get(FORM))
    assert "Are you a politically exposed person?" in text and "Customer due diligence" in text
    assert '<option value="DE">Germany</option>' in text and "Savings and investment" in text
    assert "Answer only if you answered «Other» to «Purpose and intended nature of the relationship»." in text
    assert "Adeguata verifica" not in text
