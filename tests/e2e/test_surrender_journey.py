"""Surrender in real Chromium at 1280 px and 390 px (R-DISP-SURR): Marco asks a partial surrender of his savings
plan for too high an amount (refused with the figures, nothing typed lost), then a valid one, sees the
simulation, gives the IBAN with the questionnaires pre-filled from his last answers, reviews, confirms, finds
the figures on the request's page and downloads its PDF receipt; no page scrolls sideways."""
from __future__ import annotations

import re

import pytest

from .conftest import WIDTHS, earlier_additional_payment, fits, log_in_demo, open_page, screenshot, start_live_server

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = pytest.mark.browser

VITA = "VI10011940"
FORM = f"/area-clienti/polizze/{VITA}/riscatto"


@pytest.fixture(scope="module")
def surrender_server():
    with start_live_server("e2e-surrender") as server:
        yield server


@pytest.fixture
def page(browser, surrender_server, width):
    with open_page(browser, surrender_server, WIDTHS[width], timeout_ms=10_000) as page:
        yield page


def test_a_partial_surrender_refused_for_too_much_then_asked_confirmed_and_its_receipt(page, width,
                                                                                        surrender_server):
    earlier_additional_payment(surrender_server, key=f"surrender-journey-{width}")
    log_in_demo(page)
    page.goto(f"/area-clienti/polizze/{VITA}")
    page.get_by_test_id("surrender-button").click()
    expect(page).to_have_url(re.compile(rf"{FORM}$"))
    value = page.get_by_test_id("surrender-value").inner_text().strip()  # today's value, e.g. 7.009,88 €
    expect(page.get_by_test_id("simulation")).to_have_attribute("data-kind", "total")
    fits(page)
    screenshot(page, f"surrender-form-{width}")

    # Too much: the value itself would leave nothing on the policy.
    page.get_by_test_id("kind-partial").locator("input").check()
    amount = page.get_by_label("Importo del riscatto parziale (euro)")
    amount.fill(value.replace("€", "").strip())
    page.get_by_label("IBAN").fill("IT60 X054 2811 1010 0000 0123 456")
    page.get_by_test_id("calculate").click()
    error = page.get_by_test_id("error-amount")
    expect(error).to_contain_text("Indica un importo tra 500,00 € e")
    expect(error).to_contain_text(f"il valore di riscatto di oggi è {value}")
    expect(error).to_contain_text("deve restare almeno 1.000,00 €")
    expect(page.get_by_test_id("simulation")).to_have_count(0)
    expect(amount).to_have_value(value.replace("€", "").strip())  # nothing typed lost
    expect(page.get_by_test_id("kind-partial").locator("input")).to_be_checked()
    expect(page.get_by_label("IBAN")).to_have_value("IT60 X054 2811 1010 0000 0123 456")
    fits(page)
    screenshot(page, f"surrender-too-much-{width}")

    # A valid amount: the simulation, with what stays on the policy.
    amount.fill("2.000,00")
    page.get_by_test_id("calculate").click()
    expect(page.get_by_test_id("simulation")).to_have_attribute("data-kind", "partial")
    expect(page.get_by_test_id("sim-gross")).to_have_text("2.000,00 €")
    expect(page.get_by_test_id("sim-minimum-residual")).to_have_text("1.000,00 €")
    expect(page.get_by_test_id("sim-penalty-rate")).to_contain_text("anni trascorsi dalla decorrenza")
    net = page.get_by_test_id("sim-net").inner_text()
    expect(page.get_by_label("Intestatario del conto")).to_have_value("Marco Rinaldi")
    expect(page.get_by_test_id("prefilled-note")).to_be_visible()
    fits(page)
    screenshot(page, f"surrender-simulation-{width}")
    page.get_by_test_id("to-review").click()

    expect(page).to_have_url(re.compile(rf"{FORM}/riepilogo$"))
    expect(page.get_by_test_id("review-kind")).to_have_text("Riscatto parziale")
    expect(page.get_by_test_id("review-iban")).to_have_text("IT60 X054 2811 1010 0000 0123 456")
    expect(page.get_by_test_id("sim-net")).to_have_text(net)
    expect(page.get_by_test_id("summary-anti_money_laundering")).to_contain_text("Risparmio e investimento")
    fits(page)
    screenshot(page, f"surrender-review-{width}")
    page.get_by_test_id("confirm").click()

    expect(page).to_have_url(re.compile(r"/area-clienti/richieste/RP-\d{4}-\d{6}$"))
    number = page.url.rsplit("/", 1)[1]
    expect(page.get_by_test_id("surrender-kind")).to_have_text("Riscatto parziale")
    expect(page.get_by_test_id("surrender-gross")).to_have_text("2.000,00 €")
    expect(page.get_by_test_id("surrender-net")).to_have_text(net)
    expect(page.get_by_test_id("surrender-iban")).to_have_text("IT60 •••• •••• 3456")
    fits(page)
    screenshot(page, f"surrender-request-{width}")
    with page.expect_download() as download:
        page.get_by_test_id("receipt-pdf").click()
    assert download.value.suggested_filename == f"ricevuta-{number}.pdf"
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
