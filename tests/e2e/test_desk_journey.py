"""The operators' requests desk in a real browser (R-DISP-Q): an operator signs in with TOTP, finds in «Richieste»
the flagged request of a politically exposed customer (filtered with the GET form), reads the answer highlighted
and releases it to the company. At desktop width and at 390 px, where no page may scroll sideways.

The flagged, paid request is made in the set-up through the use cases: Marco's additional payment on his Vita
plan with «persona politicamente esposta: sì», paid on the demo provider (which posts its signed notification
to the live server).
"""
from __future__ import annotations

import re

import pytest

from areaclienti.app.ports.payments import PaymentOutcome
from areaclienti.app.use_cases.requests import PayAdditional
from areaclienti.domain.products import PaymentMethod
from areaclienti.domain.requests import RequestStatus

from ..unit.app.test_additional_payment import answers
from .conftest import MARCO, WIDTHS, fits, open_page, operator_signs_in, screenshot

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = pytest.mark.browser

VITA = "VI10011940"
OPERATOR_PASSWORD = "controllo richieste con attenzione"


def _flagged_paid_request(server, key: str) -> str:
    container = server.container
    with container.uow() as uow:
        account_id = uow.accounts.get_by_email(MARCO).id
    submitted = container.policy_requests().pay_additional(PayAdditional(
        account_id, VITA, "1000.00", PaymentMethod.CARD, answers(pep="yes"), key))
    container.payment_provider().choose(submitted.request.payment_session, PaymentOutcome.SUCCEEDED)
    number = submitted.request.number
    assert container.requests_desk().detail(number).request.status is RequestStatus.UNDER_REVIEW
    return number


def _operator_signs_in(page, server, email: str) -> None:
    operator_signs_in(page, server, email, OPERATOR_PASSWORD, "Operatrice Richieste")
    expect(page.get_by_test_id("operator-name")).to_have_text("Operatrice Richieste")


def test_an_operator_opens_a_flagged_request_and_releases_it(browser, live_server, width):
    number = _flagged_paid_request(live_server, key=f"desk-journey-{width}")
    with open_page(browser, live_server, WIDTHS[width], timeout_ms=15_000) as page:
        _operator_signs_in(page, live_server, f"richieste-{width}@backoffice.example.it")
        page.get_by_test_id("nav-requests").click()
        expect(page.get_by_role("heading", name="Richieste")).to_be_visible()
        fits(page)

        page.get_by_label("Risposte segnalate").select_option("yes")
        page.get_by_label("Stato").select_option("under_review")
        page.get_by_test_id("apply-filters").click()
        expect(page).to_have_url(re.compile(r"/backoffice/richieste\?.*flagged=yes"))
        row = page.locator(f'[data-testid="request-row"][data-number="{number}"]')
        expect(row).to_be_visible()
        expect(row).to_contain_text("Marco Rinaldi")
        expect(row.get_by_test_id("flagged")).to_be_visible()
        expect(page.locator('[data-testid="request-row"][data-flagged="false"]')).to_have_count(0)
        fits(page)
        screenshot(page, f"desk-list-{width}")

        row.get_by_role("link", name=number).click()
        expect(page.get_by_test_id("request-status")).to_have_text("In verifica")
        pep = page.get_by_test_id("answer-pep_self")
        expect(pep).to_have_attribute("data-flagged", "true")
        expect(pep).to_contain_text("Sei una persona politicamente esposta?")
        expect(pep).to_contain_text("Sì")
        expect(page.get_by_test_id("flags")).to_contain_text("Persona politicamente esposta")
        expect(page.locator('[data-flagged="true"]')).to_have_count(1)
        fits(page)
        screenshot(page, f"desk-request-{width}")

        page.get_by_test_id("release").click()
        expect(page.get_by_test_id("flash")).to_contain_text("Richiesta sbloccata")
        expect(page.get_by_test_id("request-status")).to_have_text("Trasmessa alla compagnia")
        expect(page.get_by_test_id("timeline").locator('[data-status="released"]')).to_be_visible()
        expect(page.get_by_test_id("release")).to_have_count(0)
        fits(page)
        screenshot(page, f"desk-released-{width}")
    assert live_server.container.requests_desk().detail(number).request.status in (
        RequestStatus.HANDED_OVER, RequestStatus.TAKEN_IN_CHARGE, RequestStatus.COMPLETED)
