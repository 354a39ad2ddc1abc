"""The policy page (R-INFO), «Documenti» and the promotional box in a real browser, at desktop width and at
390 px (a phone), where no page may scroll sideways.

Marco opens his motor policy (covers, documents, suspension button), downloads the risk certificate as a PDF,
opens «Documenti» from the menu and goes back to the dashboard, where the promotional box stands apart under its
own label (he gave the marketing consent); Valeria, who did not, sees none. On the phone the unit-linked page is
also checked at 540 px (a small tablet / a phone held sideways): there the facts' label column used to take its
full one-line width («Controvalore della posizione al …») and push the grid past the card.
"""
from __future__ import annotations

import re

import pytest

from .conftest import WIDTHS, fits, log_in_demo, open_page, screenshot

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

MOTOR = "DA20040117"
UNIT_LINKED = "VI10012205"
VALERIA = "valeria.costa@example.it"
MARCOS = ["VI10011940", "VI10013021", "VI10012205", "DA20040117", "DA20040355", "DA20040288"]


def test_policy_page_documents_and_the_promotional_box(browser, live_server, width):
    with open_page(browser, live_server, WIDTHS[width], timeout_ms=10_000) as page:
        log_in_demo(page)
        promo = page.get_by_role("complementary", name="Comunicazione promozionale")
        expect(promo).to_be_visible()
        expect(promo.get_by_role("link").first).to_have_attribute("href", re.compile(r"^https://www\.example\.it/"))

        page.get_by_test_id(f"policy-{MOTOR}").click()
        expect(page.get_by_test_id("policy-number")).to_have_text(MOTOR)
        expect(page.get_by_test_id("covers")).to_contain_text("Massimale")
        expect(page.get_by_test_id("suspend-button")).to_have_text("Sospendi la copertura")
        expect(page.get_by_test_id("policy-requests")).to_be_visible()
        fits(page)
        screenshot(page, f"policy-page-{MOTOR}-{width}")

        link = page.get_by_test_id("risk-certificate-link")
        with page.expect_download() as info:
            link.click()
        download = info.value
        assert download.failure() is None
        assert re.fullmatch(rf"Attestato_di_rischio_{MOTOR}_\d{{4}}-\d\d-\d\d\.pdf", download.suggested_filename)
        with open(download.path(), "rb") as pdf:
            assert pdf.read(5) == b"%PDF-"

        if width == "phone":
            page.goto(f"/area-clienti/polizze/{UNIT_LINKED}")
            expect(page.get_by_test_id("value-label")).to_contain_text("Controvalore della posizione al")
            fits(page)
            page.set_viewport_size({"width": 540, "height": 720})
            fits(page)
            page.set_viewport_size(WIDTHS[width])

        page.get_by_test_id("documents-link").click()
        expect(page.get_by_role("heading", name="Documenti", exact=True)).to_be_visible()
        for number in MARCOS:
            expect(page.get_by_test_id(f"documents-{number}")).to_be_visible()
        fits(page)
        screenshot(page, f"documents-{width}")

        page.get_by_role("link", name="← Le tue polizze").click()
        expect(promo).to_be_visible()
        screenshot(page, f"dashboard-promo-{width}")

    with open_page(browser, live_server, WIDTHS[width], timeout_ms=10_000) as page:
        log_in_demo(page, VALERIA)
        expect(page.get_by_role("heading", name=re.compile("Ciao"))).to_be_visible()
        expect(page.get_by_test_id("promo-box")).to_have_count(0)
        expect(page.get_by_text("Comunicazione promozionale")).to_have_count(0)
