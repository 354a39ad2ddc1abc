"""From the profile to everything a customer can change, in real Chromium at desktop width and at 390 px
(issue 12): Marco follows the profile's ways to his personal data, consents and security page, each page
fitting the window; Valeria, whose document has expired, reads on her profile why her personal data cannot be
changed online, and the link takes her to the box where she updates the document."""
from __future__ import annotations

import re

import pytest

from .conftest import WIDTHS, fits, log_in_demo, open_page, start_live_server

expect = pytest.importorskip("playwright.sync_api").expect

VALERIA = "valeria.costa@example.it"  # identified, her document expired


@pytest.fixture(scope="module")
def server():
    with start_live_server("e2e-profile-links") as server:
        yield server


def _profile(page) -> None:
    page.get_by_test_id("profile-link").click()
    expect(page).to_have_url(re.compile(r"/area-clienti/profilo$"))
    fits(page)


def test_marco_reaches_every_change_from_his_profile(browser, server, width):
    with open_page(browser, server, WIDTHS[width], timeout_ms=10_000) as page:
        log_in_demo(page)
        _profile(page)
        personal = page.get_by_test_id("profile-personal-data")
        expect(personal.get_by_test_id("current-residence")).to_have_text("Via Appia Nuova 123, 00183 Roma (RM)")
        personal.get_by_test_id("personal-data-link").click()
        expect(page).to_have_url(re.compile(r"/area-clienti/dati-personali$"))
        fits(page)
        page.get_by_test_id("back-to-profile").click()
        expect(page).to_have_url(re.compile(r"/area-clienti/profilo$"))

        page.get_by_test_id("profile-consents-link").click()
        expect(page).to_have_url(re.compile(r"/area-clienti/consensi$"))
        fits(page)
        _profile(page)
        page.get_by_test_id("profile-security-link").click()
        expect(page).to_have_url(re.compile(r"/area-clienti/sicurezza$"))
        expect(page.get_by_test_id("this-device")).to_be_visible()
        fits(page)


def test_valeria_reads_why_her_data_cannot_be_changed_online(browser, server, width):
    with open_page(browser, server, WIDTHS[width], timeout_ms=10_000) as page:
        log_in_demo(page, VALERIA)
        _profile(page)
        refusal = page.get_by_test_id("profile-personal-data").get_by_test_id("personal-data-refusal")
        expect(refusal).to_contain_text("Il tuo documento d'identità è scaduto")
        expect(page.get_by_test_id("personal-data-link")).to_have_count(0)
        refusal.get_by_role("link").click()
        expect(page).to_have_url(re.compile(r"/area-clienti/profilo#documento-identita$"))
        expect(page.get_by_test_id("document-expired")).to_be_in_viewport()
        fits(page)
