"""The customer's journeys in a real browser: registration, contacts given at issuance, password reset."""
from __future__ import annotations

import re

import pytest

from .conftest import NEW_PASSWORD, screenshot

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.browser


def _wrong_check_character(tax_code: str) -> str:
    last = tax_code[-1]
    return tax_code[:-1] + ("A" if last != "A" else "B")


def _log_in(page, email: str, password: str) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Accedi").click()


def test_registration_then_login_shows_the_policies(page, live_server):
    giulia = live_server.scenario("policyholder_vita")
    email, mobile = "giulia.e2e@example.it", "347 555 0101"

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accesso"))
    page.get_by_role("link", name="Registrazione").click()
    expect(page).to_have_url(re.compile(r"/registrazione$"))

    # A typo in the check character: an Italian message, and what was typed is still there.
    page.get_by_label("Codice fiscale").fill(_wrong_check_character(giulia["tax_code"]))
    page.get_by_label("Numero di polizza").fill(giulia["policy_number"])
    page.locator("#privacy_accepted").check()
    page.get_by_role("button", name="Registrati").click()
    expect(page.get_by_test_id("error-party_id")).to_contain_text("carattere finale")
    expect(page.get_by_label("Numero di polizza")).to_have_value(giulia["policy_number"])

    expect(page.locator("#privacy_accepted")).to_be_checked()
    page.get_by_label("Codice fiscale").fill(giulia["tax_code"])
    page.get_by_role("button", name="Registrati").click()
    expect(page).to_have_url(re.compile(r"/registrazione/contatti$"))

    page.get_by_label("Email").fill(email)
    page.get_by_label("Numero di cellulare").fill(mobile)
    sms_before = live_server.count("sms", "+393475550101")
    page.get_by_role("button", name="avanti").click()
    expect(page).to_have_url(re.compile(r"/registrazione/verifica$"))
    expect(page.get_by_test_id("otp-destination")).to_contain_text("0101")

    code = live_server.sms_code("+393475550101", after=sms_before)
    emails_before = live_server.count("email", email)
    page.get_by_label("Codice segreto").fill(code)
    page.get_by_role("button", name="verifica codice").click()
    expect(page.get_by_role("heading", name="Controlla la tua email")).to_be_visible()

    page.goto(live_server.email_link(email, after=emails_before))
    expect(page.get_by_role("heading", name="Imposta la tua password")).to_be_visible()
    page.get_by_label("Nuova password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Ripeti la nuova password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Salva la password").click()
    expect(page).to_have_url(re.compile(r"/accesso"))
    expect(page.locator(".flash-success")).to_contain_text("Password impostata")

    _log_in(page, email, NEW_PASSWORD)
    expect(page).to_have_url(re.compile(r"/area-clienti$"))
    expect(page.get_by_test_id("identification-notice")).to_contain_text("Registrazione quasi completata")
    vita, danni = page.get_by_test_id("company-vita"), page.get_by_test_id("company-danni")
    expect(vita.get_by_test_id("policy-VI10004521")).to_be_visible()
    expect(danni.get_by_test_id("policy-DA20018734")).to_be_visible()
    # Only insured on her husband's term life: not hers to see.
    expect(page.get_by_test_id("policy-VI10006183")).to_have_count(0)

    screenshot(page, "dashboard")

    vita.get_by_test_id("policy-VI10004521").click()
    expect(page).to_have_url(re.compile(r"/area-clienti/polizze/VI10004521$"))
    expect(page.get_by_test_id("policy-number")).to_have_text("VI10004521")

    page.get_by_role("button", name="Esci").click()
    expect(page).to_have_url(re.compile(r"/accesso"))
    expect(page.locator(".flash-info")).to_contain_text("Sei uscito")
    page.goto("/area-clienti")
    expect(page).to_have_url(re.compile(r"/accesso\?next="))
    expect(page.get_by_role("heading", name="Accedi ad Area Clienti")).to_be_visible()


def test_contacts_given_at_issuance_skip_to_the_code(page, live_server):
    sara = live_server.scenario("contacts_at_issuance")
    sms_before = live_server.count("sms", sara["mobile"])

    page.goto("/registrazione")
    page.get_by_label("Codice fiscale").fill(sara["tax_code"])
    page.get_by_label("Numero di polizza").fill(sara["policy_number"])
    page.locator("#privacy_accepted").check()
    page.get_by_role("button", name="Registrati").click()

    expect(page).to_have_url(re.compile(r"/registrazione/verifica$"))
    masked = f"{sara['mobile'][:3]} *** *** {sara['mobile'][-4:]}"
    expect(page.get_by_test_id("otp-destination")).to_contain_text(masked)
    expect(page.locator("body")).not_to_contain_text(sara["mobile"])
    assert live_server.sms_code(sara["mobile"], after=sms_before)


def test_forgotten_password_is_reset_from_code_and_link(page, live_server):
    matteo = live_server.scenario("already_registered")
    email = matteo["email"]
    new_password = "nuvola lampione tastiera 77"

    page.goto("/accesso")
    page.get_by_role("link", name="password dimenticata?").click()
    page.get_by_label("Email di registrazione").fill(email)
    sms_before = live_server.count("sms", matteo["mobile"])
    page.get_by_role("button", name="invia").click()
    expect(page).to_have_url(re.compile(r"/password/dimenticata/verifica$"))

    code = live_server.sms_code(matteo["mobile"], after=sms_before)
    emails_before = live_server.count("email", email)
    page.get_by_label("Codice segreto").fill(code)
    page.get_by_role("button", name="verifica codice").click()
    expect(page.get_by_role("heading", name="Controlla la tua email")).to_be_visible()

    page.goto(live_server.email_link(email, after=emails_before))
    expect(page.get_by_role("heading", name="Reimposta la password")).to_be_visible()
    page.get_by_label("Nuova password", exact=True).fill(new_password)
    page.get_by_label("Ripeti la nuova password").fill(new_password)
    page.get_by_role("button", name="Salva la password").click()
    expect(page).to_have_url(re.compile(r"/accesso"))

    _log_in(page, email, matteo["password"])  # the old password no longer works
    expect(page).to_have_url(re.compile(r"/accesso"))
    expect(page.get_by_test_id("form-error")).to_be_visible()

    _log_in(page, email, new_password)
    expect(page).to_have_url(re.compile(r"/area-clienti$"))
    expect(page.get_by_test_id("policy-DA20034418")).to_be_visible()
