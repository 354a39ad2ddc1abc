"""Suspension and reactivation in a real browser (R-DISP-SUSP), at desktop width and at 390 px (a phone), where
no page may scroll sideways: Marco suspends his car from tomorrow at 14:00 after seeing the effect, withdraws it
from the request's page, schedules it again; then reactivates his suspended motorbike from tomorrow and sees the
new expiry, before confirming and on the request. A day left empty is told beside the field.

Each width has a live server of its own (the embedded default as ``./dev serve`` runs it): each run starts from
the demo data, the car in force and the motorbike suspended. Requests reach the demo core system through the
outbox at once (the inline task queue), as on ``./dev serve``.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from .conftest import WIDTHS, fits, log_in_demo, open_page, screenshot, start_live_server

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = pytest.mark.browser

CAR, MOTORBIKE = "DA20040117", "DA20040355"
NUMBER = re.compile(r"/richieste/(RP-\d{4}-\d{6})$")


@pytest.fixture
def server(width):
    with start_live_server(f"e2e-suspension-{width}") as server:
        yield server


@pytest.fixture
def page(browser, server, width):
    with open_page(browser, server, WIDTHS[width], timeout_ms=10_000) as page:
        yield page


def _tomorrow() -> str:
    return (datetime.now(ZoneInfo("Europe/Rome")).date() + timedelta(days=1)).isoformat()


def _request_number(page) -> str:
    expect(page).to_have_url(NUMBER)
    return NUMBER.search(page.url).group(1)


def _schedule_suspension(page, day: str) -> str:
    """From the car's suspension page: tomorrow at 14:00, «Verifica», the effect, «Conferma»."""
    page.goto(f"/area-clienti/polizze/{CAR}/sospensione")
    expect(page.get_by_test_id("suspension-state")).to_have_attribute("data-state", "in_force")
    page.locator("#day").fill(day)
    page.locator("#hour").fill("14:00")
    page.get_by_test_id("check").click()
    expect(page.get_by_test_id("suspension-effect")).to_be_visible()
    expect(page.get_by_test_id("effect-starts")).to_contain_text("14:00")
    expect(page.get_by_test_id("effect-expiry")).to_be_visible()
    expect(page.get_by_test_id("effect-window")).to_contain_text("dal ")
    fits(page)
    page.get_by_test_id("confirm").click()
    return _request_number(page)


def test_a_suspension_from_tomorrow_at_14_withdrawn_then_scheduled_again_and_the_motorbike_reactivated(
        page, server, width):
    log_in_demo(page)
    day = _tomorrow()

    # From the policy page's button; a day left empty is told beside the field, the hour kept.
    page.goto(f"/area-clienti/polizze/{CAR}")
    page.get_by_test_id("suspend-button").click()
    expect(page).to_have_url(re.compile(rf"/polizze/{CAR}/sospensione$"))
    expect(page.get_by_test_id("yearly-limit")).to_contain_text("al massimo 2")
    fits(page)
    screenshot(page, f"suspension-page-{width}")
    page.locator("#hour").fill("14:00")
    page.get_by_test_id("check").click()
    expect(page.get_by_test_id("error-day")).to_have_text("Indica il giorno da cui vale la richiesta.")
    expect(page.locator("#hour")).to_have_value("14:00")
    fits(page)

    first = _schedule_suspension(page, day)
    expect(page.get_by_test_id("scheduled-from")).to_contain_text("14:00")
    expect(page.get_by_test_id("request-status")).to_be_visible()
    fits(page)
    screenshot(page, f"suspension-request-{width}")
    assert len(server.container.core_system().information(CAR).suspensions) == 1  # handed over

    # Withdrawn from the request's page: back on the suspension page, the car in force.
    page.get_by_test_id("withdraw").click()
    expect(page).to_have_url(re.compile(rf"/polizze/{CAR}/sospensione$"))
    expect(page.get_by_role("status").filter(has_text="Hai ritirato la sospensione")).to_contain_text(first)
    expect(page.get_by_test_id("suspension-state")).to_have_attribute("data-state", "in_force")
    expect(page.get_by_test_id("yearly-limit")).to_contain_text("ne hai usate 0")
    fits(page)
    assert server.container.core_system().information(CAR).suspensions == ()  # the core system heard of it

    # Scheduled again: a new request, and the page offers to withdraw it.
    second = _schedule_suspension(page, day)
    assert second != first
    page.goto(f"/area-clienti/polizze/{CAR}/sospensione")
    expect(page.get_by_test_id("suspension-state")).to_have_attribute("data-state", "scheduled")
    expect(page.get_by_test_id("scheduled-suspension")).to_contain_text(second)
    expect(page.get_by_test_id("withdraw")).to_be_visible()
    fits(page)

    # The motorbike, suspended two months ago, reactivated from tomorrow: the new expiry before confirming.
    page.goto(f"/area-clienti/polizze/{MOTORBIKE}")
    page.get_by_test_id("reactivate-button").click()
    expect(page.get_by_test_id("suspension-state")).to_have_attribute("data-state", "suspended")
    expect(page.get_by_test_id("reactivation-window")).to_be_visible()
    fits(page)
    page.locator("#day").fill(day)
    page.get_by_test_id("check").click()
    expect(page.get_by_test_id("suspension-effect")).to_be_visible()
    before = page.get_by_test_id("effect-expiry-before").inner_text()
    after = page.get_by_test_id("effect-expiry-after").inner_text()
    assert before != after and int(page.get_by_test_id("effect-days").inner_text()) > 30
    fits(page)
    screenshot(page, f"reactivation-effect-{width}")
    page.get_by_test_id("confirm").click()
    _request_number(page)
    expect(page.get_by_test_id("new-expiry")).to_have_text(after)
    expect(page.get_by_test_id("withdraw")).to_have_count(0)
    fits(page)
