"""Phone assistance in a real browser (R-ASS-2), at desktop width and at 390 px (a phone), where no page may
scroll sideways, with the clock set by the test: on a weekday at 10:00 someone goes from the login page to
«Assistenza telefonica», mistypes the policy number (refused kindly, nothing typed lost), corrects it, «invia»,
«Hai bisogno di assistenza telefonica? Clicca qui»: the Vita number, open until 13:30. At 13:45, for the car:
the Danni number, closed, opening again today at 14:30.

The clock: the live server is the embedded default stack (``./dev serve``); the test overrides its container's
clock provider with a ``FixedClock`` (test code only, no setting of the application), which the phone
assistance reads at each request. Sessions keep the real time (their store was built with the system clock).
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from dependency_injector import providers

from areaclienti.adapters.memory.clock import FixedClock
from areaclienti.domain.policies import Role

from .conftest import WIDTHS, fits, open_page, screenshot, start_live_server

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = pytest.mark.browser

ROME = ZoneInfo("Europe/Rome")
VITA, CAR = "VI10011940", "DA20040117"  # Marco's savings plan and his car
WEDNESDAY_10 = datetime(2026, 11, 25, 10, 0, tzinfo=ROME)
WEDNESDAY_13_45 = datetime(2026, 11, 25, 13, 45, tzinfo=ROME)


@pytest.fixture
def server(width):
    with start_live_server(f"e2e-phone-{width}") as server:
        yield server


@pytest.fixture
def clock(server):
    clock = FixedClock(WEDNESDAY_10)
    server.container.clock.override(providers.Object(clock))
    try:
        yield clock
    finally:
        server.container.clock.reset_override()


@pytest.fixture
def page(browser, server, width):
    with open_page(browser, server, WIDTHS[width], timeout_ms=10_000) as page:
        yield page


def _marco(server) -> str:
    policy = server.container.core_system().find_policy(VITA)
    return next(r.party_id.value for r in policy.roles if r.role is Role.POLICYHOLDER)


def _look_up(page, party: str, number: str) -> None:
    page.get_by_label("Codice fiscale (o partita IVA per le società)").fill(party)
    page.get_by_label("Numero di polizza").fill(number)
    page.get_by_role("button", name="invia").click()


def _reveal(page) -> None:
    expect(page.get_by_test_id("phone-found")).to_contain_text("Hai bisogno di assistenza telefonica?")
    fits(page)
    page.get_by_test_id("phone-reveal").click()


def test_phone_lookup_at_ten_and_at_a_quarter_to_two(page, server, clock, width):
    marco = _marco(server)
    page.goto("/accesso")
    page.get_by_test_id("phone-assistance-link").click()
    expect(page).to_have_url(f"{server.url}/assistenza/telefono")
    fits(page)

    # A policy number mistyped: the registration's answer, nothing typed lost, no number shown.
    _look_up(page, marco, "VI1001194")
    expect(page.get_by_test_id("form-error")).to_contain_text(
        "I dati inseriti non corrispondono a una polizza a te intestata")
    expect(page.get_by_label("Codice fiscale (o partita IVA per le società)")).to_have_value(marco)
    expect(page.get_by_label("Numero di polizza")).to_have_value("VI1001194")
    expect(page.locator("body")).not_to_contain_text("800 123 456")
    fits(page)
    screenshot(page, f"phone-assistance-mismatch-{width}")

    # Corrected: «invia», «Clicca qui», the Vita number, open now until 13:30.
    page.get_by_label("Numero di polizza").fill(VITA)
    page.get_by_role("button", name="invia").click()
    _reveal(page)
    card = page.get_by_test_id("phone-number-card")
    expect(card).to_have_attribute("data-company", "vita")
    expect(page.get_by_test_id("phone-number")).to_have_text("800 123 456")
    expect(page.get_by_test_id("phone-status")).to_have_text("Aperto ora, fino alle 13:30")
    expect(page.get_by_test_id("phone-hours")).to_contain_text("lunedì–giovedì: 9:00–13:30, 14:30–17:30")
    expect(page.get_by_test_id("phone-hours")).to_contain_text("venerdì: 9:00–13:30, 14:30–17:00")
    assert marco not in page.url
    fits(page)
    screenshot(page, f"phone-assistance-open-{width}")

    # 13:45, the car: the Danni number, closed for lunch, opening again today at 14:30.
    clock.set(WEDNESDAY_13_45)
    page.get_by_role("link", name="Cerca un'altra polizza").click()
    _look_up(page, marco, CAR)
    _reveal(page)
    expect(card).to_have_attribute("data-company", "danni")
    expect(card).to_have_attribute("data-open", "no")
    expect(page.get_by_test_id("phone-number")).to_have_text("800 654 321")
    expect(page.get_by_test_id("phone-status")).to_have_text("Chiuso ora: riapre oggi alle 14:30")
    fits(page)
    screenshot(page, f"phone-assistance-closed-{width}")
