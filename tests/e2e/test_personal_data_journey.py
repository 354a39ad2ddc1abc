"""Personal data changes in a real browser (R-DISP-DATA), at desktop width and at 390 px (a phone), where no page
may scroll sideways: Marco tries a comune that does not exist, a CAP that is not Bologna's and a foreign address
without its country (each told beside the field, nothing typed lost), then moves his residence to Bologna, gets a
request with a number, sees it «in lavorazione» beside his current residence, and the demo core system completes
it (1 s instead of 20 s, the schedule running in-process); a mobile typed as his landline is refused too.
"""
from __future__ import annotations

import re

import pytest

from .conftest import WIDTHS, fits, log_in_demo, open_page, screenshot, start_live_server

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = pytest.mark.browser

PAGE = "/area-clienti/dati-personali"
NUMBER = re.compile(r"/richieste/(RP-\d{4}-\d{6})$")


@pytest.fixture
def server(width):
    """Each width a server of its own: each run starts from Marco's residence in Rome."""
    with start_live_server(f"e2e-personal-data-{width}", schedule=True, demo_core_delay_seconds=1,
                           follow_up_period_seconds=0.3, relay_period_seconds=0.3) as server:
        yield server


@pytest.fixture
def page(browser, server, width):
    with open_page(browser, server, WIDTHS[width], timeout_ms=15_000) as page:
        yield page


def _fill_address(page, *, street: str, number: str, comune: str, province: str, cap: str) -> None:
    page.locator("#street").fill(street)
    page.locator("#number").fill(number)
    page.locator("#comune").fill(comune)
    page.locator("#province").fill(province)
    page.locator("#cap").fill(cap)


def _kept(page, **values) -> None:
    for name, value in values.items():
        expect(page.locator(f"#{name}")).to_have_value(value)


def test_marco_moves_his_residence_to_bologna(page, width):
    log_in_demo(page)
    page.goto(PAGE)
    expect(page.get_by_test_id("current-residence")).to_contain_text("00183 Roma (RM)")
    fits(page)
    page.get_by_test_id("edit-residence").click()
    expect(page.locator("#country")).to_have_value("IT")
    # A comune that does not exist.
    _fill_address(page, street="Via dell'Indipendenza", number="10", comune="Bolognina di Sopra", province="BO",
                  cap="40121")
    page.get_by_test_id("send").click()
    expect(page.get_by_test_id("error-comune")).to_contain_text("Non troviamo questo comune")
    _kept(page, street="Via dell'Indipendenza", number="10", comune="Bolognina di Sopra", cap="40121")
    fits(page)
    # A CAP that is not Bologna's.
    page.locator("#comune").fill("Bologna")
    page.locator("#cap").fill("40100")
    page.get_by_test_id("send").click()
    expect(page.get_by_test_id("error-cap")).to_contain_text("Il CAP non corrisponde al comune di Bologna")
    _kept(page, comune="Bologna", cap="40100", province="BO")
    # A foreign address without its country.
    page.locator("#country").select_option("")
    page.locator("#comune").fill("Paris")
    page.locator("#province").fill("")
    page.locator("#cap").fill("75001")
    page.get_by_test_id("send").click()
    expect(page.get_by_test_id("error-country")).to_contain_text("Indica il paese dell'indirizzo")
    _kept(page, comune="Paris", cap="75001", street="Via dell'Indipendenza")
    screenshot(page, f"personal-data-errors-{width}")
    fits(page)
    # Bologna, CAP 40121.
    page.locator("#country").select_option("IT")
    _fill_address(page, street="Via dell'Indipendenza", number="10", comune="Bologna", province="BO", cap="40121")
    page.get_by_test_id("send").click()
    expect(page).to_have_url(NUMBER)
    number = NUMBER.search(page.url).group(1)
    expect(page.get_by_test_id("request")).to_contain_text("40121 Bologna (BO)")
    fits(page)
    page.goto(PAGE)
    expect(page.get_by_test_id("pending-residence")).to_have_text("in lavorazione")
    expect(page.get_by_test_id("value-residence")).to_contain_text(number)
    fits(page)
    page.goto(f"/area-clienti/richieste/{number}")
    status = page.get_by_test_id("request-status")
    for _ in range(40):  # the demo core system takes it in after 1 s and completes it 1 s later
        if status.get_attribute("data-status") == "completed":
            break
        page.wait_for_timeout(500)
        page.reload()
    expect(status).to_have_attribute("data-status", "completed")
    page.goto(PAGE)
    expect(page.get_by_test_id("current-residence")).to_contain_text("Via dell'Indipendenza 10, 40121 Bologna (BO)")
    expect(page.get_by_test_id("pending-residence")).to_have_count(0)
    screenshot(page, f"personal-data-done-{width}")
    fits(page)
    # A mobile typed as the landline.
    page.get_by_test_id("edit-contacts").click()
    page.locator("#landline").fill("329 118 0442")
    page.get_by_test_id("send").click()
    expect(page.get_by_test_id("error-landline")).to_contain_text("è un cellulare")
    _kept(page, landline="329 118 0442", correspondence_email="marco.rinaldi@example.it")
    fits(page)
