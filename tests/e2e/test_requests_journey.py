"""Paying premium receipts in a real browser (SPEC §4, R-DISP-PAY): by card through the demo provider's page, a
refused card, a bank transfer that becomes paid when the core system says so; a function not live yet with its
date; the customer whose document expired told why; a Vita additional payment with its questionnaires pre-filled,
and one held «in verifica» until an operator releases it in the back-office. Each at desktop width and at 390 px (a phone), where no page
may scroll sideways.

The live server here is the embedded default as ``./dev serve`` runs it, with its schedule in-process (the
follow-up of the core system and the demo provider's jobs) and the demo core system moving requests on after
one second instead of twenty.
"""
from __future__ import annotations

import re

import pytest

from .conftest import (
    WIDTHS,
    earlier_additional_payment,
    fits,
    log_in_demo,
    open_page,
    operator_signs_in,
    screenshot,
    start_live_server,
)

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = pytest.mark.browser

VALERIA = "valeria.costa@example.it"
NUMBER = re.compile(r"RP-\d{4}-\d{6}")


@pytest.fixture(scope="module")
def payments_server():
    """A live server with the schedule running and a quick demo core system (1 s instead of 20 s)."""
    with start_live_server("e2e-payments", schedule=True, demo_core_delay_seconds=1,
                           follow_up_period_seconds=0.3, relay_period_seconds=0.3) as server:
        yield server


@pytest.fixture
def page(browser, payments_server, width):
    with open_page(browser, payments_server, WIDTHS[width], timeout_ms=15_000) as page:
        yield page


def _choose_and_review(page, policy: str, method: str) -> None:
    page.goto(f"/area-clienti/polizze/{policy}")
    fits(page)
    page.get_by_test_id("pay-button").click()
    expect(page).to_have_url(re.compile(rf"/polizze/{policy}/pagamento$"))
    fits(page)
    free = page.locator('input[name="receipts"]:not([disabled])')
    expect(free.first).to_be_visible()
    free.first.check()
    page.get_by_test_id(f"method-{method}").locator("input").check()
    screenshot(page, f"requests-choose-{policy}-{page.viewport_size['width']}")
    page.get_by_test_id("to-review").click()
    expect(page.get_by_test_id("pay-review")).to_be_visible()
    fits(page)


def _request_number(page) -> str:
    match = NUMBER.search(page.url)
    assert match, page.url
    return match.group(0)


# --- card ----------------------------------------------------------------------------------------
def test_a_danni_receipt_paid_by_card_on_the_demo_provider_page(page, width):
    policy = {"desktop": "DA20040288", "phone": "DA20040117"}[width]
    log_in_demo(page)
    _choose_and_review(page, policy, "card")
    screenshot(page, f"requests-review-{width}")
    page.get_by_test_id("confirm").click()

    expect(page).to_have_url(re.compile(r"/_dev/pagamenti/ps_"))
    expect(page.get_by_test_id("provider-company")).to_have_text("CA Assicurazioni S.p.A.")
    expect(page.get_by_test_id("provider-amount")).to_contain_text("€")
    fits(page)
    screenshot(page, f"requests-provider-{width}")
    page.get_by_test_id("provider-pay").click()

    expect(page).to_have_url(re.compile(r"/area-clienti/richieste/RP-\d{4}-\d{6}/esito-pagamento$"))
    # The provider posted its signed notification before sending the customer back: paid.
    expect(page.get_by_test_id("payment-return")).not_to_have_attribute("data-status", "awaiting_payment")
    expect(page.get_by_test_id("return-message")).to_contain_text("Pagamento ricevuto")
    fits(page)
    number = _request_number(page)
    page.get_by_test_id("to-request").click()
    expect(page.get_by_test_id("timeline")).to_contain_text("Pagata")
    fits(page)
    screenshot(page, f"requests-request-{width}")

    page.get_by_test_id("my-requests-link").click()
    expect(page.get_by_test_id(f"request-{number}")).to_contain_text("Pagamento del premio")
    fits(page)


def test_a_refused_card_says_so_and_leaves_the_receipt_open(page, width):
    policy = "VI10011940"
    log_in_demo(page)
    _choose_and_review(page, policy, "card")
    page.get_by_test_id("confirm").click()
    expect(page).to_have_url(re.compile(r"/_dev/pagamenti/ps_"))
    expect(page.get_by_test_id("provider-company")).to_have_text("CA Vita S.p.A.")
    page.get_by_test_id("provider-refuse").click()
    expect(page.get_by_test_id("payment-return")).to_have_attribute("data-status", "payment_refused")
    expect(page.get_by_test_id("return-message")).to_contain_text("Il pagamento non è riuscito")
    fits(page)
    page.goto(f"/area-clienti/polizze/{policy}/pagamento")
    expect(page.locator('input[name="receipts"]:not([disabled])').first).to_be_visible()


# --- bank transfer -------------------------------------------------------------------------------
def test_a_bank_transfer_becomes_paid_when_the_core_system_says_so(page, width):
    log_in_demo(page)
    _choose_and_review(page, "VI10011940", "bank_transfer")
    page.get_by_test_id("confirm").click()
    expect(page).to_have_url(re.compile(r"/bonifico$"))
    number = _request_number(page)
    expect(page.get_by_test_id("bank-reference")).to_have_text(number)
    expect(page.get_by_test_id("bank-holder")).to_have_text("CA Vita S.p.A.")
    expect(page.get_by_test_id("bank-iban")).to_contain_text("IT")
    fits(page)
    screenshot(page, f"requests-bank-transfer-{width}")
    page.get_by_test_id("to-request").click()
    status = page.get_by_test_id("request-status")
    for _ in range(40):  # the demo core system sees the transfer after 1 s, then takes it in and completes it
        if status.get_attribute("data-status") == "completed":
            break
        page.wait_for_timeout(500)
        page.reload()
    expect(status).to_have_attribute("data-status", "completed")
    for step in ("In attesa del pagamento", "Pagata", "Trasmessa alla compagnia", "Presa in carico", "Completata"):
        expect(page.get_by_test_id("timeline")).to_contain_text(step)
    fits(page)
    with page.expect_download() as download:
        page.get_by_test_id("receipt-pdf").click()
    assert download.value.suggested_filename == f"ricevuta-{number}.pdf"


# --- refusals ------------------------------------------------------------------------------------
def test_a_function_not_live_yet_shows_its_date(page, width):
    log_in_demo(page)
    page.goto("/area-clienti/polizze/VI10011940")  # a Vita policy's suspension goes live on the next 1 July
    refusal = page.get_by_test_id("refusal-suspension")
    expect(refusal).to_have_text(re.compile(r"Disponibile dal 1 luglio \d{4}"))
    expect(page.get_by_test_id("function-payment")).to_have_attribute("data-allowed", "yes")
    expect(page.get_by_test_id("receipts")).to_contain_text("pagata il")
    fits(page)
    screenshot(page, f"requests-policy-{width}")


def test_the_customer_whose_document_expired_is_told_why(page, width):
    log_in_demo(page, VALERIA)
    page.goto("/area-clienti/polizze/DA20041530")
    expect(page.get_by_test_id("refusal-payment")).to_contain_text("Il tuo documento d'identità è scaduto")
    expect(page.get_by_test_id("update-document-link").first).to_be_visible()
    fits(page)
    page.goto("/area-clienti/polizze/DA20041530/pagamento")
    expect(page.get_by_test_id("payment-refused")).to_contain_text("aggiornalo")
    fits(page)
    screenshot(page, f"requests-expired-document-{width}")


# --- Vita: versamento aggiuntivo with the questionnaires (R-DISP-Q) ----------------------------------------
VITA = "VI10011940"  # Marco's savings plan: additional payments from €500 to €15,000


OPERATOR_PASSWORD = "verifico i versamenti con cura"


def _operator_signs_in(page, server, email: str) -> None:
    operator_signs_in(page, server, email, OPERATOR_PASSWORD, "Operatrice E2E")
    expect(page).to_have_url(re.compile(r"/backoffice/identificazioni$"))


def _question(page, name: str):
    return page.get_by_test_id(f"question-{name}")


def _open_additional(page) -> None:
    page.goto(f"/area-clienti/polizze/{VITA}")
    page.get_by_test_id("additional-button").click()
    expect(page).to_have_url(re.compile(rf"/polizze/{VITA}/versamento$"))
    expect(page.get_by_test_id("amount-limits")).to_contain_text("500,00")
    fits(page)


def _pay_on_provider_page(page) -> str:
    expect(page).to_have_url(re.compile(r"/_dev/pagamenti/ps_"))
    expect(page.get_by_test_id("provider-company")).to_have_text("CA Vita S.p.A.")
    fits(page)
    page.get_by_test_id("provider-pay").click()
    expect(page).to_have_url(re.compile(r"/area-clienti/richieste/RP-\d{4}-\d{6}/esito-pagamento$"))
    return _request_number(page)


def test_a_vita_additional_payment_with_the_answers_prefilled_and_one_changed_by_card(page, width,
                                                                                      payments_server):
    earlier_additional_payment(payments_server, key=f"earlier-{width}")
    log_in_demo(page)
    _open_additional(page)
    expect(page.get_by_test_id("prefilled-note")).to_contain_text(
        re.compile(r"Risposte date il \d{2}/\d{2}/\d{4}: controlla e modifica solo ciò che è cambiato"))
    profession = page.locator('select[name="anti_money_laundering.profession"]')
    expect(profession).to_have_value("employee")
    expect(page.locator('input[name="tax_residency.residence_1_tin"]')).to_have_value("RNLMRC79E21H501A")
    # The script shows only the questions that apply: none of the «Altro» details, no US TIN, no second country.
    for name in ("anti_money_laundering.purpose_other", "tax_residency.us_tin", "tax_residency.residence_2_country"):
        expect(_question(page, name)).to_be_hidden()
    expect(_question(page, "anti_money_laundering.sector")).to_be_visible()
    _question(page, "tax_residency.us_citizen").get_by_label("Sì").check()
    expect(_question(page, "tax_residency.us_tin")).to_be_visible()
    _question(page, "tax_residency.us_citizen").get_by_label("No").check()
    expect(_question(page, "tax_residency.us_tin")).to_be_hidden()

    # One answer changed: retired, so the sector is no longer asked.
    profession.select_option("retired")
    expect(_question(page, "anti_money_laundering.sector")).to_be_hidden()
    page.get_by_label("Importo da versare (euro)").fill("1.200,00")
    page.get_by_test_id("method-card").locator("input").check()
    fits(page)
    screenshot(page, f"requests-additional-form-{width}")
    page.get_by_test_id("to-review").click()

    review = page.get_by_test_id("additional-review")
    expect(review).to_be_visible()
    expect(page.get_by_test_id("review-amount")).to_contain_text("1.200,00")
    expect(page.get_by_test_id("summary-anti_money_laundering")).to_contain_text("Pensionato")
    expect(page.get_by_test_id("summary-anti_money_laundering")).not_to_contain_text("Settore di attività")
    fits(page)
    screenshot(page, f"requests-additional-review-{width}")
    page.get_by_test_id("confirm").click()

    number = _pay_on_provider_page(page)
    expect(page.get_by_test_id("return-message")).to_contain_text("Pagamento ricevuto")
    fits(page)
    page.get_by_test_id("to-request").click()
    expect(page.get_by_test_id("timeline")).to_contain_text("Pagata")
    expect(page.get_by_test_id("request")).to_contain_text("Versamento aggiuntivo")
    fits(page)
    with payments_server.container.uow() as uow:
        kept = uow.requests.get_by_number(number).payload["questionnaires"]["anti_money_laundering"]["answers"]
    assert kept["profession"] == "retired" and "sector" not in kept


def test_an_answer_that_needs_a_person_holds_the_paid_request_in_review_until_released(page, width,
                                                                                         payments_server):
    log_in_demo(page)
    _open_additional(page)
    page.get_by_label("Importo da versare (euro)").fill("800")
    page.get_by_test_id("method-card").locator("input").check()
    # Whatever was pre-filled, the answers this test needs.
    page.locator('select[name="anti_money_laundering.purpose"]').select_option("savings")
    page.locator('select[name="anti_money_laundering.funds_source"]').select_option("salary")
    page.locator('select[name="anti_money_laundering.funds_country"]').select_option("IT")
    page.locator('select[name="anti_money_laundering.profession"]').select_option("retired")
    for name, answer in (("anti_money_laundering.pep_self", "Sì"), ("anti_money_laundering.pep_family", "No"),
                         ("anti_money_laundering.pep_associate", "No"), ("tax_residency.us_citizen", "No"),
                         ("tax_residency.us_tax_resident", "No"), ("tax_residency.us_birthplace", "No"),
                         ("tax_residency.residence_1_has_tin", "Sì"), ("tax_residency.residence_1_more", "No"),
                         ("sanctions.sanctioned_countries", "No"), ("sanctions.sanctioned_persons", "No")):
        _question(page, name).get_by_label(answer, exact=True).check()
    page.locator('select[name="tax_residency.residence_1_country"]').select_option("IT")
    page.locator('input[name="tax_residency.residence_1_tin"]').fill("RNLMRC79E21H501A")
    page.locator('select[name="sanctions.residence_country"]').select_option("IT")
    page.get_by_test_id("to-review").click()
    expect(page.get_by_test_id("additional-review")).to_be_visible()
    page.get_by_test_id("confirm").click()

    number = _pay_on_provider_page(page)
    expect(page.get_by_test_id("return-message")).to_contain_text("In verifica")
    page.get_by_test_id("to-request").click()
    expect(page.get_by_test_id("request-status")).to_have_attribute("data-status", "under_review")
    expect(page.get_by_test_id("timeline")).to_contain_text("In verifica")
    expect(page.get_by_test_id("under-review")).to_be_visible()
    expect(page.get_by_test_id("request")).not_to_contain_text("politic")
    fits(page)
    screenshot(page, f"requests-additional-under-review-{width}")

    # An operator, signed in with TOTP in another browser, releases it in the back-office.
    with open_page(page.context.browser, payments_server, WIDTHS[width], timeout_ms=15_000) as operator:
        _operator_signs_in(operator, payments_server, f"operatrice.verifica.{width}@ca-demo.it")
        operator.get_by_role("link", name="Richieste").click()
        row = operator.locator(f'[data-testid="request-row"][data-number="{number}"]')
        expect(row).to_have_attribute("data-flagged", "true")
        row.get_by_role("link").first.click()
        expect(operator).to_have_url(re.compile(rf"/backoffice/richieste/{number}$"))
        expect(operator.get_by_test_id("answer-pep_self")).to_have_attribute("data-flagged", "true")
        fits(operator)
        operator.get_by_test_id("release").click()
        expect(operator.get_by_test_id("decision-forms")).to_have_count(0)
    # The customer sees it handed over to the company.
    page.reload()
    status = page.get_by_test_id("request-status")
    for _ in range(40):
        if status.get_attribute("data-status") not in ("under_review", "released"):
            break
        page.wait_for_timeout(300)
        page.reload()
    expect(page.get_by_test_id("timeline")).to_contain_text("Verificata")
    expect(page.get_by_test_id("timeline")).to_contain_text("Trasmessa alla compagnia")
    fits(page)
    screenshot(page, f"requests-additional-released-{width}")


def test_without_its_script_every_question_is_on_the_page_saying_when_it_applies(browser, payments_server):
    context = browser.new_context(base_url=payments_server.url, locale="it-IT", viewport=WIDTHS["phone"],
                                  java_script_enabled=False)
    try:
        page = context.new_page()
        log_in_demo(page)
        page.goto(f"/area-clienti/polizze/{VITA}/versamento")
        other = _question(page, "anti_money_laundering.purpose_other")
        expect(other).to_be_visible()
        expect(other).to_contain_text("Rispondi solo se a «Scopo e natura prevista del rapporto» hai risposto «Altro».")
        expect(_question(page, "tax_residency.us_tin")).to_be_visible()
        fits(page)
    finally:
        context.close()
