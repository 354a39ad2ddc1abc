"""Marco changes his mobile, then his login email, in real Chromium at desktop width and at 390 px (issue 12).

The mobile: a landline refused beside the field with the number kept, then a code to the new number read
from the development outbox, and the notice to the old number. The login email: the link from the email to
the new address confirmed on another device, the old address told with a way back, the new login working
and the old one refused, the link refused the second time. At the end the old address's «non sono stato io»
gives Marco his address back."""
from __future__ import annotations

import re

import pytest

from areaclienti.adapters.demo_core.data import DEMO_PASSWORD

from .conftest import MARCO, WIDTHS, fits, log_in, log_in_demo, open_page, screenshot, start_live_server

expect = pytest.importorskip("playwright.sync_api").expect

LANDLINE = "06 6982 1234"
NEW_MOBILE = {"desktop": ("340 111 2233", "+393401112233"), "phone": ("340 999 8877", "+393409998877")}
CONFIRM = re.compile(r"https?://[^/\s]+(/email/conferma/\S+)")
CANCEL = re.compile(r"https?://[^/\s]+(/email/annulla/\S+)")


@pytest.fixture
def server(width):
    """A server per width: the phone run would otherwise ask for a code within the desktop run's cool-down."""
    with start_live_server(f"e2e-profile-{width}") as server:
        yield server


def _path(server, recipient: str, pattern: re.Pattern, *, after: int) -> str:
    body = server.newest("email", recipient, after=after)["body"]
    match = pattern.search(body)
    assert match, body
    return match.group(1)


def test_marco_changes_his_mobile_and_then_his_login_email(browser, server, width):
    typed_mobile, new_mobile = NEW_MOBILE[width]
    new_email = f"marco.{width}@example.it"
    with open_page(browser, server, WIDTHS[width], timeout_ms=10_000) as page:
        log_in_demo(page)
        page.get_by_test_id("profile-link").click()
        expect(page).to_have_url(re.compile(r"/area-clienti/profilo$"))
        old_mobile = page.get_by_test_id("current-mobile").inner_text().strip()
        fits(page)

        # --- the mobile: a landline first, then a code to the new number ---
        page.get_by_test_id("change-mobile-link").click()
        page.get_by_label("Nuovo numero di cellulare").fill(LANDLINE)
        page.get_by_label("Password attuale").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Invia il codice").click()
        expect(page.get_by_test_id("error-mobile")).to_contain_text("non è un cellulare")
        expect(page.get_by_label("Nuovo numero di cellulare")).to_have_value(LANDLINE)
        fits(page)
        sent = server.count("sms", new_mobile)
        page.get_by_label("Nuovo numero di cellulare").fill(typed_mobile)
        page.get_by_label("Password attuale").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Invia il codice").click()
        expect(page).to_have_url(re.compile(r"/profilo/cellulare/verifica$"))
        expect(page.get_by_test_id("otp-destination")).to_contain_text(new_mobile[-4:])
        fits(page)
        told = server.count("sms", old_mobile)
        page.get_by_label("Codice segreto").fill(server.sms_code(new_mobile, after=sent))
        page.get_by_role("button", name="verifica codice").click()
        expect(page).to_have_url(re.compile(r"/area-clienti/profilo$"))
        expect(page.get_by_test_id("current-mobile")).to_have_text(new_mobile)
        notice = server.newest("sms", old_mobile, after=told)["body"]
        assert f"+39 *** *** {new_mobile[-4:]}" in notice  # the old number is told where the codes go now

        # --- the login email: a link to the new address ---
        to_old = server.count("email", MARCO)
        page.get_by_test_id("change-email-link").click()
        page.get_by_label("Nuova email di accesso").fill(new_email)
        page.get_by_label("Password attuale").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Invia il link di conferma").click()
        expect(page).to_have_url(re.compile(r"/area-clienti/profilo$"))
        expect(page.get_by_test_id("pending-email")).to_contain_text(f"in attesa di conferma: {new_email}")
        expect(page.get_by_test_id("current-email")).to_have_text(MARCO)
        fits(page)
        screenshot(page, f"profile-pending-email-{width}")
        confirm = _path(server, new_email, CONFIRM, after=0)
        cancel = _path(server, MARCO, CANCEL, after=to_old)  # the old address is told, with a way back

    with open_page(browser, server, WIDTHS[width], timeout_ms=10_000) as mail_app:  # another device
        mail_app.goto(confirm)
        expect(mail_app.get_by_role("heading", name="Conferma la nuova email di accesso")).to_be_visible()
        fits(mail_app)
        mail_app.get_by_role("button", name="Conferma il nuovo indirizzo").click()
        expect(mail_app).to_have_url(re.compile(r"/accesso$"))
        expect(mail_app.get_by_text(f"da ora accedi ad Area Clienti con {new_email}")).to_be_visible()
        mail_app.goto(confirm)
        expect(mail_app.get_by_text("si può usare una sola volta")).to_be_visible()  # a link used twice
        log_in(mail_app, new_email, DEMO_PASSWORD)

    with open_page(browser, server, WIDTHS[width], timeout_ms=10_000) as page:
        page.goto("/accesso")
        page.get_by_label("Email").fill(MARCO)
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Accedi").click()
        expect(page.get_by_text("Email o password non corretti.")).to_be_visible()  # the old one no longer

        # «Non sono stato io», from the old address: Marco's address comes back, a new password is asked for.
        page.goto(cancel)
        fits(page)
        page.get_by_role("button", name="Non sono stato io: annulla la modifica").click()
        expect(page).to_have_url(re.compile(r"/password/dimenticata$"))
        expect(page.get_by_text(f"l'email di accesso è tornata {MARCO}")).to_be_visible()
        log_in(page, MARCO, DEMO_PASSWORD)
