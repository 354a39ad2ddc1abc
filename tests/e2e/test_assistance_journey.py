"""The customer's side of assistance in a real browser (SPEC §6, R-ASS-1, complaints), at desktop width and at
390 px, where no page may scroll sideways.

Someone who cannot sign in writes from the login page: an empty message is told in Italian beside the field
with the email kept, then a complaint goes out; the number is on the page and in the email's subject, and the
emailed link opens the thread without logging in, with the 45-day deadline and the way to IVASS.

Marco, signed in, finds «Contattaci» on the left of his dashboard, writes about his Vita plan with the form
pre-filled, and sees the request in his list; an operator answers it from the back-office; the answer is in the
development outbox and in Marco's thread, where he writes back and the request is «In lavorazione» again.

A live server of its own: every request here comes from 127.0.0.1, which the per-client limit counts.
"""
from __future__ import annotations

import re

import pytest

from .conftest import MARCO, WIDTHS, fits, log_in_demo, open_page, operator_signs_in, screenshot, start_live_server

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = pytest.mark.browser

VITA = "VI10011940"
OPERATOR_PASSWORD = "ascoltare prima di rispondere"
THREAD_LINK = re.compile(r"https?://\S+/assistenza/richiesta/\S+")
NUMBER = re.compile(r"AS-\d{4}-\d{6}")
COMPLAINT = "Ho chiesto tre volte il duplicato del contratto e non mi è mai arrivato."
QUESTION = "Buongiorno, fino a quando posso fare versamenti aggiuntivi sul mio piano?"
ANSWER = "Buongiorno Marco, può versare in qualsiasi momento fino alla scadenza del piano."


@pytest.fixture(scope="module")
def server():
    with start_live_server("assistance-customer") as live:
        yield live


def test_an_anonymous_complaint_from_the_login_page_and_its_thread_by_the_emailed_link(browser, server, width):
    email = f"giulia.{width}@example.org"
    with open_page(browser, server, WIDTHS[width], timeout_ms=15_000) as page:
        page.goto("/accesso")
        page.get_by_test_id("assistance-link").click()
        form = page.get_by_test_id("assistance-form")
        expect(form).to_be_visible()
        expect(page.get_by_test_id("text-limit")).to_have_text("Al massimo 4000 caratteri.")
        expect(page.get_by_label("Polizza")).to_have_count(0)  # only a signed-in customer chooses a policy
        page.get_by_label("Email a cui risponderti").fill(email)
        page.get_by_label("Motivo").select_option(label="Reclamo")
        page.get_by_test_id("assistance-send").click()  # no text yet
        expect(page.get_by_test_id("error-text")).to_have_text("Scrivi il tuo messaggio.")
        expect(page.get_by_label("Email a cui risponderti")).to_have_value(email)
        expect(page.get_by_label("Motivo")).to_have_value("complaint")
        expect(page.get_by_test_id("complaint-note")).to_contain_text("www.ivass.it")
        fits(page)
        screenshot(page, f"assistance-form-error-{width}")

        page.get_by_label("Il tuo messaggio").fill(COMPLAINT)
        page.get_by_test_id("assistance-send").click()
        number = page.get_by_test_id("assistance-number").inner_text().strip()
        assert NUMBER.fullmatch(number), number
        expect(page.get_by_test_id("assistance-sent")).to_contain_text(email)
        expect(page.get_by_test_id("complaint-note")).to_contain_text("45 giorni")
        expect(page.locator("body")).not_to_contain_text("già cliente")
        fits(page)
        screenshot(page, f"assistance-sent-{width}")

        mail = server.newest("email", email)
        assert number in mail["subject"] and "IVASS" in mail["body"]
        page.goto(THREAD_LINK.search(mail["body"]).group(0).rstrip(".,;)>"))
        expect(page.get_by_test_id("ticket-status")).to_have_text("Nuova")
        expect(page.get_by_test_id("thread")).to_contain_text(COMPLAINT)
        expect(page.get_by_test_id("answer-due")).to_contain_text(re.compile(r"Risposta entro il \d{1,2} \w+ \d{4}"))
        expect(page.get_by_test_id("complaint-note")).to_contain_text("www.ivass.it")
        expect(page.get_by_test_id("reply-form")).to_be_visible()
        fits(page)
        screenshot(page, f"assistance-thread-complaint-{width}")


def test_marco_asks_about_his_policy_sees_it_in_his_list_and_reads_the_operators_answer(browser, server, width):
    with open_page(browser, server, WIDTHS[width], timeout_ms=15_000) as page:
        log_in_demo(page)
        contact = page.get_by_test_id("contact-us")
        expect(contact).to_be_visible()
        if width == "desktop":  # «on the left»: the dashboard's first column, beside the policies
            box, promo_column = contact.bounding_box(), page.get_by_test_id("documents-shortcut").bounding_box()
            assert box["x"] + box["width"] <= promo_column["x"], (box, promo_column)
        page.get_by_test_id("contact-us-link").click()
        expect(page.get_by_label("Email a cui risponderti")).to_have_value(MARCO)
        page.get_by_label("Motivo").select_option(label="Informazioni sulla polizza")
        page.get_by_label("Polizza").select_option(VITA)
        page.get_by_label("Il tuo messaggio").fill(QUESTION)
        fits(page)
        screenshot(page, f"assistance-form-signed-in-{width}")
        page.get_by_test_id("assistance-send").click()
        number = page.get_by_test_id("assistance-number").inner_text().strip()
        assert NUMBER.fullmatch(number), number

        page.get_by_test_id("assistance-nav-link").click()
        row = page.get_by_test_id(f"ticket-{number}")
        expect(row).to_contain_text("Informazioni sulla polizza")
        expect(row).to_contain_text(VITA)
        expect(row).to_contain_text("Nuova")
        fits(page)
        screenshot(page, f"assistance-list-{width}")
        received = server.count("email", MARCO)

        with open_page(browser, server, WIDTHS[width], timeout_ms=15_000) as desk:
            operator_signs_in(desk, server, f"assistenza-clienti-{width}@backoffice.example.it", OPERATOR_PASSWORD,
                              "Operatore Assistenza")
            expect(desk.get_by_test_id("operator-name")).to_have_text("Operatore Assistenza")
            desk.goto(f"/backoffice/assistenza/{number}")
            expect(desk.get_by_test_id("thread")).to_contain_text(QUESTION)
            desk.get_by_label("Risposta", exact=True).fill(ANSWER)
            desk.get_by_test_id("answer-submit").click()
            expect(desk.get_by_test_id("ticket-status")).to_have_text("In attesa del cliente")

        mail = server.newest("email", MARCO, after=received)
        assert number in mail["subject"] and ANSWER in mail["body"] and THREAD_LINK.search(mail["body"])

        page.reload()
        expect(row).to_contain_text("In attesa di tua risposta")
        row.click()
        expect(page.get_by_test_id("ticket-policy")).to_have_text(VITA)
        expect(page.get_by_test_id("message-operator")).to_contain_text(ANSWER)
        expect(page.get_by_test_id("ticket-status")).to_have_text("In attesa di tua risposta")
        fits(page)
        screenshot(page, f"assistance-answered-{width}")
        page.get_by_label("Rispondi").fill("Grazie, chiarissimo.")
        page.get_by_test_id("reply-send").click()
        expect(page.get_by_test_id("ticket-status")).to_have_text("In lavorazione")
        expect(page.get_by_test_id("message-customer").last).to_contain_text("Grazie, chiarissimo.")
        fits(page)
