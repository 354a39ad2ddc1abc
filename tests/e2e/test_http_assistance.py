"""The assistance pages over HTTP (SPEC §6, R-ASS-1, complaints): the form for anyone and for a signed-in
customer, bad input told beside the field with nothing lost, a flood refused with the time to retry (Italian
time), one confirmation whatever the email, the thread by its emailed link (reply, answered, closed, invalid
or expired link), and the signed-in customer's requests."""
from __future__ import annotations

import html
import re

import pytest

from areaclienti.adapters.demo_core.data import DEMO_PASSWORD
from areaclienti.domain.assistance import TEXT_MAX

from .journeys import csrf_token

MARCO = "marco.rinaldi@example.it"
VALERIA = "valeria.costa@example.it"
STRANGER = "qualcuno@example.org"
FORM = "/assistenza"
NUMBER = re.compile(r'data-testid="assistance-number">(AS-\d{4}-\d{6})<')
THREAD_LINK = re.compile(r"https?://[^/\s]+(/assistenza/richiesta/\S+)")


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True)).replace("\xa0", " ")


def _plain(response) -> str:
    """The page's words, without markup."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", _text(response)))


def _log_in(client, email: str = MARCO) -> None:
    response = client.post("/accesso", data={"csrf_token": csrf_token(client, "/accesso"), "email": email,
                                             "password": DEMO_PASSWORD})
    assert response.status_code == 302, _text(response)


def _send(client, *, email: str = STRANGER, reason: str = "navigation", text: str = "Non trovo le mie polizze.",
          address: str = "192.0.2.10", **extra):
    data = {"csrf_token": csrf_token(client, FORM), "email": email, "reason": reason, "text": text, **extra}
    return client.post(FORM, data=data, environ_base={"REMOTE_ADDR": address})


def _sent_page(client, response):
    assert response.status_code == 303, _text(response)
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    return page


def _thread_path(harness, email: str) -> str:
    mails = harness.emails_to(email)
    assert mails, f"no email to {email}"
    return THREAD_LINK.search(mails[-1].body).group(1)


def _field_error(response, name: str) -> str | None:
    match = re.search(rf'data-testid="error-{name}">([^<]+)<', _text(response))
    return match.group(1) if match else None


@pytest.fixture
def marco(client, demo_accounts):
    _log_in(client)
    return client


# --- the form --------------------------------------------------------------------------------------------
def test_the_login_page_leads_to_the_form_with_its_reasons_its_limit_and_the_complaint_rules(client):
    assert 'href="/assistenza"' in _text(client.get("/accesso"))
    page = client.get(FORM)
    assert page.status_code == 200
    text = _text(page)
    for label in ("Problemi di navigazione", "Informazioni sulla polizza", "Reclamo"):
        assert f">{label}</option>" in text
    assert f'maxlength="{TEXT_MAX}"' in text and f"Al massimo {TEXT_MAX} caratteri." in text
    plain = _plain(page)
    assert "45 giorni" in plain and "ISVAP n. 24/2008" in plain and "www.ivass.it" in plain
    assert 'name="policy_number"' not in text  # only a signed-in customer chooses a policy
    assert ">invio</button>" in text


def test_every_field_at_fault_is_told_beside_it_and_nothing_typed_is_lost(client):
    response = _send(client, email="mario.rossi@", reason="", text="")
    assert response.status_code == 422
    assert _field_error(response, "email").startswith("L'indirizzo email non è valido")
    assert _field_error(response, "reason") == "Scegli il motivo della richiesta."
    assert _field_error(response, "text") == "Scrivi il tuo messaggio."
    assert 'value="mario.rossi@"' in _text(response)


def test_too_long_a_text_is_refused_with_the_maximum_and_kept(client, harness):
    long_text = "Buongiorno, " + "a" * TEXT_MAX
    response = _send(client, text=long_text, reason="complaint")
    assert response.status_code == 422
    assert _field_error(response, "text") == (f"Il messaggio è troppo lungo: usa al massimo {TEXT_MAX} caratteri "
                                              f"(ne hai scritti {len(long_text)}).")
    text = _text(response)
    assert long_text in text and '<option value="complaint" selected>' in text
    assert harness.emails.sent == []


def test_line_breaks_count_as_one_character_as_the_browser_counts_them(client):
    lines = ["riga " + "b" * 94] * 40  # 40 lines of 99 characters: 3999 with "\n", 4038 with "\r\n"
    response = _send(client, text="\r\n".join(lines))
    _sent_page(client, response)


def test_after_sending_the_number_once_and_the_same_page_whatever_the_email(client, harness, demo_accounts):
    stranger = _sent_page(client, _send(client, email=STRANGER, address="192.0.2.1"))
    customer = _sent_page(client, _send(client, email=MARCO, address="192.0.2.2"))
    numbers = [NUMBER.search(_text(page)).group(1) for page in (stranger, customer)]
    assert numbers[0] != numbers[1]
    assert all(n in harness.emails_to(e)[-1].subject for n, e in zip(numbers, (STRANGER, MARCO)))
    shape = [_plain(page).replace(n, "<n>").replace(e, "<e>")
             for page, n, e in zip((stranger, customer), numbers, (STRANGER, MARCO))]
    assert shape[0] == shape[1]
    assert "cliente" not in shape[0].lower().replace("clienti", "")  # never «sei già cliente»
    again = client.get("/assistenza/inviata")  # shown once: a reload goes back to the form
    assert again.status_code == 302 and again.headers["Location"].endswith(FORM)


def test_a_flood_from_one_address_is_refused_kindly_with_the_time_to_retry_in_italian_time(client, harness):
    for n in range(5):
        _sent_page(client, _send(client, address=f"192.0.2.{20 + n}"))
    response = _send(client, text="La sesta richiesta", address="192.0.2.30")
    assert response.status_code == 429
    # 09:00 UTC on 25 November is 10:00 in Rome: the window of the first request ends at 11:00.
    assert "riprova dopo le 11:00 (ora italiana)" in _plain(response)
    assert response.headers["Retry-After"] == "3600"
    assert "La sesta richiesta" in _text(response) and f'value="{STRANGER}"' in _text(response)


def test_a_flood_from_one_client_is_refused_whatever_the_address_and_another_client_still_writes(client):
    for n in range(10):
        _sent_page(client, _send(client, email=f"persona{n}@example.org", address="198.51.100.7"))
    refused = _send(client, email="ancora@example.org", address="198.51.100.7")
    assert refused.status_code == 429 and "riprova dopo le 11:00" in _plain(refused)
    _sent_page(client, _send(client, email="ancora@example.org", address="198.51.100.8"))


# --- the thread by its link ------------------------------------------------------------------------------
def _status(response) -> str:
    return re.search(r'data-testid="ticket-status" data-status="(\w+)">([^<]+)<', _text(response)).group(2)


def test_the_thread_by_its_link_reply_answer_and_state(client, harness):
    _sent_page(client, _send(client, text="Il sito non carica."))
    path = _thread_path(harness, STRANGER)
    page = client.get(path)
    assert page.status_code == 200 and _status(page) == "Nuova" and "Il sito non carica." in _text(page)
    assert "Risposta entro" not in _text(page)  # not a complaint
    number = re.search(r"AS-\d{4}-\d{6}", _text(page)).group(0)
    desk = harness.container.assistance_desk()
    desk.note("op-1", number, "Nota solo per i colleghi")
    desk.answer("op-1", number, "Prova a svuotare la cache.\nPoi ricarica.")
    page = client.get(path)
    assert _status(page) == "In attesa di tua risposta"
    assert "Prova a svuotare la cache.\nPoi ricarica." in _text(page) and "Nota solo per i colleghi" not in _text(page)
    empty = client.post(path, data={"csrf_token": csrf_token(client, path), "text": "  "})
    assert empty.status_code == 422 and _field_error(empty, "text") == "Scrivi il tuo messaggio."
    replied = client.post(path, data={"csrf_token": csrf_token(client, path), "text": "Ora funziona, grazie."})
    assert replied.status_code == 303 and replied.headers["Location"].endswith(path)
    page = client.get(path)
    assert _status(page) == "In lavorazione" and "Ora funziona, grazie." in _text(page)
    assert "Messaggio inviato" in _text(page)


def test_a_complaint_shows_its_deadline_and_how_to_turn_to_ivass(client, harness):
    _sent_page(client, _send(client, reason="complaint", text="Reclamo sul rimborso."))
    page = client.get(_thread_path(harness, STRANGER))
    plain = _plain(page)
    assert "Risposta entro il 9 gennaio 2027" in plain and "www.ivass.it" in plain and "Reclamo" in plain


def test_a_closed_request_is_read_without_a_reply_form_and_a_late_reply_is_refused_and_kept(client, harness):
    _sent_page(client, _send(client))
    path = _thread_path(harness, STRANGER)
    token = csrf_token(client, path)
    number = re.search(r"AS-\d{4}-\d{6}", _text(client.get(path))).group(0)
    harness.container.assistance_desk().close("op-1", number)
    page = client.get(path)
    assert _status(page) == "Chiusa" and 'data-testid="reply-form"' not in _text(page)
    late = client.post(path, data={"csrf_token": token, "text": "Un'ultima domanda"})
    assert late.status_code == 409 and "Questa richiesta è chiusa" in _plain(late)
    assert "Un'ultima domanda" in _text(late)


@pytest.mark.parametrize("token", ["nonvalido", "abc.123.def", "x" * 80])
def test_an_invalid_link_says_to_use_the_latest_email_or_write_again(client, token):
    page = client.get(f"/assistenza/richiesta/{token}")
    assert page.status_code == 410
    assert "ultima email" in _plain(page) and 'href="/assistenza"' in _text(page)
    assert client.post(f"/assistenza/richiesta/{token}",
                       data={"csrf_token": csrf_token(client, FORM), "text": "x"}).status_code == 410


def test_an_expired_link_is_refused(client, harness):
    _sent_page(client, _send(client))
    path = _thread_path(harness, STRANGER)
    harness.clock.advance(days=31)
    assert client.get(path).status_code == 410


# --- signed in -------------------------------------------------------------------------------------------
def test_the_dashboard_offers_contattaci_and_the_form_is_pre_filled_with_the_customers_policies(marco):
    dashboard = _text(marco.get("/area-clienti"))
    assert 'data-testid="contact-us"' in dashboard and 'href="/assistenza"' in dashboard
    form = _text(marco.get(FORM))
    assert f'value="{MARCO}"' in form
    for policy in ("VI10011940", "DA20040117", "DA20040288"):
        assert f'<option value="{policy}"' in form
    preselected = _text(marco.get(FORM + "?motivo=policy_information&polizza=VI10011940"))
    assert '<option value="VI10011940" selected>' in preselected
    assert '<option value="policy_information" selected>' in preselected


def test_a_signed_in_request_about_a_policy_is_in_the_customers_list_and_thread(marco, harness):
    sent = _sent_page(marco, _send(marco, email=MARCO, reason="policy_information", policy_number="VI10011940",
                                   text="Qual è il valore di riscatto?"))
    number = NUMBER.search(_text(sent)).group(1)
    detail_path = f"/area-clienti/assistenza/{number}"
    assert f'href="{detail_path}"' in _text(sent)
    listing = marco.get("/area-clienti/assistenza")
    row = re.search(rf'data-testid="ticket-{number}">(.*?)</a>', _text(listing), re.S).group(1)
    row = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row))
    assert "Informazioni sulla polizza" in row and "VI10011940" in row and "Nuova" in row
    assert "Aggiornata il 25 novembre 2026, 10:00" in row
    harness.container.assistance_desk().answer("op-1", number, "Il valore di oggi è nella pagina della polizza.")
    detail = marco.get(detail_path)
    assert _status(detail) == "In attesa di tua risposta" and "Il valore di oggi" in _text(detail)
    replied = marco.post(detail_path, data={"csrf_token": csrf_token(marco, detail_path), "text": "Grazie"})
    assert replied.status_code == 303
    assert _status(marco.get(detail_path)) == "In lavorazione"


def test_another_customers_request_is_not_found_and_the_list_needs_signing_in(client, harness, demo_accounts):
    _log_in(client, VALERIA)
    number = NUMBER.search(_text(_sent_page(client, _send(client, email=VALERIA)))).group(1)
    client.post("/esci", data={"csrf_token": csrf_token(client, "/area-clienti")})
    assert client.get("/area-clienti/assistenza").status_code == 302
    _log_in(client, MARCO)
    assert client.get(f"/area-clienti/assistenza/{number}").status_code == 404
    assert client.post(f"/area-clienti/assistenza/{number}",
                       data={"csrf_token": csrf_token(client, FORM), "text": "Mio?"}).status_code == 404
    assert number not in _text(client.get("/area-clienti/assistenza"))


def test_a_policy_that_is_not_the_customers_is_refused_beside_the_field(marco, harness):
    response = _send(marco, email=MARCO, policy_number="DA20041530", text="Di chi è?")
    assert response.status_code == 422
    assert _field_error(response, "policy_number") == "Scegli una delle tue polizze."
    assert "Di chi è?" in _text(response) and harness.emails.sent == []


def test_the_pages_in_english(client, harness):
    client.get("/lingua/en")
    page = _plain(client.get(FORM))
    assert "Assistance request" in page and "Problems using the site" in page and "Complaint" in page
    _sent_page(client, _send(client, reason="complaint"))
    thread = _plain(client.get(_thread_path(harness, STRANGER)))
    assert "Answer by 9 January 2027" in thread and "New" in thread
