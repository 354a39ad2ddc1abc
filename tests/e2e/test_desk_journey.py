"""The operators' requests desk in a real browser (R-DISP-Q): an operator signs in with TOTP, finds in «Richieste»
the flagged request of a politically exposed customer (filtered with the GET form), reads the answer highlighted
and releases it to the company. At desktop width and at 390 px, where no page may scroll sideways.

The flagged, paid request is made in the set-up through the use cases: Marco's additional payment on his Vita
plan with «persona politicamente esposta: sì», paid on the demo provider (which posts its signed notification
to the live server).
"""
from __future__ import annotations

import re
from contextlib import contextmanager

import pyotp
import pytest

from areaclienti.app.ports.payments import PaymentOutcome
from areaclienti.app.use_cases.requests import PayAdditional
from areaclienti.domain.products import PaymentMethod
from areaclienti.domain.requests import RequestStatus

from ..unit.app.test_additional_payment import answers
from .conftest import ARTIFACTS

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = pytest.mark.browser

MARCO = "marco.rinaldi@example.it"
VITA = "VI10011940"
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
OPERATOR_PASSWORD = "controllo richieste con attenzione"


@contextmanager
def _page(browser, server, width: str):
    context = browser.new_context(base_url=server.url, locale="it-IT", viewport=WIDTHS[width])
    context.set_default_timeout(15_000)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture(params=list(WIDTHS))
def width(request) -> str:
    return request.param


def _fits(page) -> None:
    """Nothing wider than the window: no sideways scrolling (390 px is a phone)."""
    wide = page.evaluate("document.documentElement.scrollWidth")
    inner = page.evaluate("window.innerWidth")
    assert wide <= inner, f"{page.url} scrolls sideways: {wide} > {inner}"


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
    server.container.operator_access().create(email=email, display_name="Operatrice Richieste",
                                              password=OPERATOR_PASSWORD)
    page.goto("/backoffice/accesso")
    page.get_by_label("Email aziendale").fill(email)
    page.get_by_label("Password").fill(OPERATOR_PASSWORD)
    page.get_by_role("button", name="Prosegui").click()
    secret = page.get_by_test_id("totp-secret").inner_text().replace(" ", "")
    page.get_by_label("Codice a 6 cifre").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Verifica e accedi").click()
    expect(page.get_by_test_id("operator-name")).to_have_text("Operatrice Richieste")


def test_an_operator_opens_a_flagged_request_and_releases_it(browser, live_server, width):
    number = _flagged_paid_request(live_server, key=f"desk-journey-{width}")
    with _page(browser, live_server, width) as page:
        _operator_signs_in(page, live_server, f"richieste-{width}@backoffice.example.it")
        page.get_by_test_id("nav-requests").click()
        expect(page.get_by_role("heading", name="Richieste")).to_be_visible()
        _fits(page)

        page.get_by_label("Risposte segnalate").select_option("yes")
        page.get_by_label("Stato").select_option("under_review")
        page.get_by_test_id("apply-filters").click()
        expect(page).to_have_url(re.compile(r"/backoffice/richieste\?.*flagged=yes"))
        row = page.locator(f'[data-testid="request-row"][data-number="{number}"]')
        expect(row).to_be_visible()
        expect(row).to_contain_text("Marco Rinaldi")
        expect(row.get_by_test_id("flagged")).to_be_visible()
        expect(page.locator('[data-testid="request-row"][data-flagged="false"]')).to_have_count(0)
        _fits(page)
        page.screenshot(path=str(ARTIFACTS / f"desk-list-{width}.png"), full_page=True)

        row.get_by_role("link", name=number).click()
        expect(page.get_by_test_id("request-status")).to_have_text("In verifica")
        pep = page.get_by_test_id("answer-pep_self")
        expect(pep).to_have_attribute("data-flagged", "true")
        expect(pep).to_contain_text("Sei una persona politicamente esposta?")
        expect(pep).to_contain_text("Sì")
        expect(page.get_by_test_id("flags")).to_contain_text("Persona politicamente esposta")
        expect(page.locator('[data-flagged="true"]')).to_have_count(1)
        _fits(page)
        page.screenshot(path=str(ARTIFACTS / f"desk-request-{width}.png"), full_page=True)

        page.get_by_test_id("release").click()
        expect(page.get_by_test_id("flash")).to_contain_text("Richiesta sbloccata")
        expect(page.get_by_test_id("request-status")).to_have_text("Trasmessa alla compagnia")
        expect(page.get_by_test_id("timeline").locator('[data-status="released"]')).to_be_visible()
        expect(page.get_by_test_id("release")).to_have_count(0)
        _fits(page)
        page.screenshot(path=str(ARTIFACTS / f"desk-released-{width}.png"), full_page=True)
    assert live_server.container.requests_desk().detail(number).request.status in (
        RequestStatus.HANDED_OVER, RequestStatus.TAKEN_IN_CHARGE, RequestStatus.COMPLETED)
