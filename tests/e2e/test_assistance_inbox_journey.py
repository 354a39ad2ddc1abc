"""An anonymous request answered from the operators' inbox, in a real browser (SPEC §6, R-ASS-1), at desktop width
and at 390 px, where no page may scroll sideways.

Someone who cannot sign in writes from the login page («Scrivici»); an operator signs in to the back-office with
TOTP, finds the request in «Assistenza» (filtered with the GET form), adds an internal note and answers. The answer
is in the development outbox with the link to the thread; the link, opened in the writer's browser without any
login, shows the answer and not the note.

A live server of its own: every request here comes from 127.0.0.1, which the per-client limit counts.
"""
from __future__ import annotations

import re

import pytest

from .conftest import WIDTHS, fits, open_page, operator_signs_in, screenshot, start_live_server

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = pytest.mark.browser

OPERATOR_PASSWORD = "rispondere presto e con garbo"
THREAD_LINK = re.compile(r"https?://\S+/assistenza/richiesta/\S+")
QUESTION = "Buongiorno, non riesco più ad accedere: la pagina di accesso mi dice che la password è sbagliata."
NOTE = "Verificato: account bloccato per troppi tentativi, sbloccato alle 10."
ANSWER = "Buongiorno, abbiamo sbloccato il suo accesso: può entrare di nuovo con la sua password."


@pytest.fixture(scope="module")
def server():
    with start_live_server("assistance-inbox") as live:
        yield live


def _writes_from_the_login_page(page, email: str) -> str:
    page.goto("/accesso")
    page.get_by_test_id("assistance-link").click()
    expect(page.get_by_test_id("assistance-form")).to_be_visible()
    page.get_by_label("Email a cui risponderti").fill(email)
    page.get_by_label("Motivo").select_option("navigation")
    page.get_by_label("Il tuo messaggio").fill(QUESTION)
    fits(page)
    page.get_by_test_id("assistance-send").click()
    number = page.get_by_test_id("assistance-number").inner_text().strip()
    assert re.fullmatch(r"AS-\d{4}-\d{6}", number), number
    return number


def test_an_anonymous_request_is_answered_from_the_inbox_and_the_link_shows_the_answer_not_the_note(
        browser, server, width):
    email = f"lucia.{width}@example.it"
    with open_page(browser, server, WIDTHS[width], timeout_ms=15_000) as customer:
        number = _writes_from_the_login_page(customer, email)
        received = server.count("email", email)

        with open_page(browser, server, WIDTHS[width], timeout_ms=15_000) as page:
            operator_signs_in(page, server, f"assistenza-{width}@backoffice.example.it", OPERATOR_PASSWORD,
                              "Operatrice Assistenza")
            expect(page.get_by_test_id("operator-name")).to_have_text("Operatrice Assistenza")
            page.get_by_test_id("nav-assistance").click()
            expect(page.get_by_role("heading", name="Assistenza")).to_be_visible()
            page.get_by_label("Motivo").select_option("navigation")
            page.get_by_label("Stato").select_option("new")
            page.get_by_test_id("apply-filters").click()
            expect(page).to_have_url(re.compile(r"/backoffice/assistenza\?.*status=new"))
            row = page.locator(f'[data-testid="ticket-row"][data-number="{number}"]')
            expect(row).to_contain_text(email)
            expect(row).to_contain_text("Problemi di navigazione")
            expect(row).to_contain_text("Nuova")
            expect(row.get_by_test_id("waiting")).to_contain_text("lavorativ")
            fits(page)
            screenshot(page, f"assistance-inbox-{width}")

            row.get_by_role("link", name=number).click()
            expect(page.get_by_test_id("ticket-number")).to_have_text(number)
            expect(page.get_by_test_id("thread")).to_contain_text(QUESTION)
            page.get_by_label("Nota", exact=True).fill(NOTE)
            page.get_by_test_id("note-submit").click()
            expect(page.get_by_test_id("flash")).to_contain_text("Nota interna salvata")
            note = page.locator('[data-testid="message"][data-author="note"]')
            expect(note).to_contain_text(NOTE)
            expect(note).to_contain_text("Nota interna, non visibile al cliente")
            expect(page.get_by_test_id("ticket-status")).to_have_text("Nuova")

            page.get_by_label("Risposta", exact=True).fill(ANSWER)
            page.get_by_test_id("answer-submit").click()
            expect(page.get_by_test_id("flash")).to_contain_text("Risposta inviata")
            expect(page.get_by_test_id("ticket-status")).to_have_text("In attesa del cliente")
            expect(page.get_by_test_id("assigned")).to_have_text("Operatrice Assistenza")
            expect(page.locator('[data-testid="message"][data-author="operator"]')).to_contain_text(ANSWER)
            fits(page)
            screenshot(page, f"assistance-ticket-{width}")

        mail = server.newest("email", email, after=received)
        assert number in mail["subject"] and ANSWER in mail["body"] and NOTE not in mail["body"]
        link = THREAD_LINK.search(mail["body"]).group(0).rstrip(".,;)>")
        customer.goto(link)
        thread = customer.get_by_test_id("thread")
        expect(thread).to_contain_text(QUESTION)
        expect(thread).to_contain_text(ANSWER)
        expect(thread).not_to_contain_text(NOTE)
        expect(customer.locator("body")).not_to_contain_text("Nota interna")
        fits(customer)
        screenshot(customer, f"assistance-thread-answered-{width}")
