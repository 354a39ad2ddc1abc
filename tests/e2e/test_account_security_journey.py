"""Marco's consents and security page in real Chromium at desktop width and at 390 px (issue 12).

The consents: the promotional box on his dashboard, the marketing consent withdrawn from «Consensi», the box
gone from the next dashboard, the change on the history; the consent given back at the end (so each width
starts from the same account). The security page: Marco signed in on his computer and on a phone (another
browser context, another User-Agent), the phone signed out from the computer's security page, and the phone's
next page is the login."""
from __future__ import annotations

import re

import pytest

from .conftest import WIDTHS, fits, log_in_demo, open_page, screenshot, start_live_server

expect = pytest.importorskip("playwright.sync_api").expect

ANDROID = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/126.0.0.0 Mobile Safari/537.36")


def _sign_out(page) -> None:
    page.get_by_role("button", name="Esci", exact=True).click()
    expect(page).not_to_have_url(re.compile(r"/area-clienti"))


@pytest.fixture(scope="module")
def server():
    with start_live_server("e2e-security") as server:
        yield server


def test_marco_withdraws_the_marketing_consent_and_the_promotional_box_goes(browser, server, width):
    with open_page(browser, server, WIDTHS[width], timeout_ms=10_000) as page:
        log_in_demo(page)
        expect(page.get_by_test_id("promo-box")).to_be_visible()
        expect(page.get_by_test_id("promo-box")).to_contain_text("Comunicazione promozionale")

        page.get_by_test_id("consents-link").click()
        expect(page).to_have_url(re.compile(r"/area-clienti/consensi$"))
        expect(page.get_by_test_id("consent-privacy")).to_contain_text("non si può revocare")
        expect(page.get_by_test_id("consent-marketing").get_by_test_id("marketing-state")).to_contain_text("Dato")
        fits(page)
        before = page.get_by_test_id("consent-event").count()
        page.get_by_test_id("withdraw-marketing").click()
        expect(page.get_by_role("status")).to_contain_text("Consenso revocato")
        expect(page.get_by_test_id("marketing-state")).to_contain_text("Non dato")
        expect(page.get_by_test_id("consent-event")).to_have_count(before + 1)
        expect(page.get_by_test_id("consent-event").first).to_contain_text("da: sito")
        fits(page)
        screenshot(page, f"consents-{width}")

        page.goto("/area-clienti")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        expect(page.get_by_test_id("promo-box")).to_have_count(0)
        expect(page.get_by_text("Comunicazione promozionale")).to_have_count(0)

        page.goto("/area-clienti/consensi")
        page.get_by_test_id("give-marketing").click()
        expect(page.get_by_test_id("marketing-state")).to_contain_text("Dato")
        page.goto("/area-clienti")
        expect(page.get_by_test_id("promo-box")).to_be_visible()
        _sign_out(page)  # the next journey counts Marco's sessions


def test_marco_signs_out_his_phone_from_the_security_page(browser, server, width):
    phone_context = browser.new_context(base_url=server.url, locale="it-IT", viewport=WIDTHS["phone"],
                                        user_agent=ANDROID)
    phone_context.set_default_timeout(10_000)
    try:
        phone = phone_context.new_page()
        log_in_demo(phone)
        with open_page(browser, server, WIDTHS[width], timeout_ms=10_000) as page:
            log_in_demo(page)
            page.get_by_test_id("security-link").click()
            expect(page).to_have_url(re.compile(r"/area-clienti/sicurezza$"))
            sessions = page.get_by_test_id("session")
            expect(sessions).to_have_count(2)
            here = page.locator('[data-testid="session"][data-current="1"]')
            expect(here.get_by_test_id("this-device")).to_have_text("questo dispositivo")
            other = page.locator('[data-testid="session"]:not([data-current])')
            expect(other).to_contain_text("Chrome su Android")
            expect(other).to_contain_text("Ultimo utilizzo: adesso")
            expect(page.get_by_test_id("security-event").first).to_contain_text("Accesso all'area riservata")
            fits(page)
            screenshot(page, f"security-{width}")

            other.get_by_test_id("end-session").click()
            expect(page.get_by_role("status")).to_contain_text("Hai chiuso l'accesso da quel dispositivo")
            expect(page.get_by_test_id("session")).to_have_count(1)
            expect(page.get_by_test_id("only-this-device")).to_be_visible()
            fits(page)

            phone.goto("/area-clienti")
            expect(phone).to_have_url(re.compile(r"/accesso"))
            page.goto("/area-clienti")
            expect(page).to_have_url(re.compile(r"/area-clienti$"))
            _sign_out(page)
    finally:
        phone_context.close()
