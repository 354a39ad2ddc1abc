"""Issue 12 over HTTP: the security page (open sessions with their device, «Esci da questo dispositivo», «Esci da
tutti gli altri dispositivi», the last security events in Italian) and the consents page (state, history, the
marketing consent withdrawn hiding the promotional box at once, the privacy one refused)."""
from __future__ import annotations

import html
import re

import pytest

from areaclienti.adapters.demo_core.data import DEMO_PASSWORD

from ..support import STRONG_PASSWORD
from .journeys import csrf_token, register_via_api

MARCO = "marco.rinaldi@example.it"
VALERIA = "valeria.costa@example.it"
ANDROID = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/126.0.0.0 Mobile Safari/537.36")
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/17.5 Mobile/15E148 Safari/604.1")
END_SESSION = re.compile(r'action="(/area-clienti/sicurezza/dispositivi/[0-9a-f]+/esci)"')


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True)).replace("\xa0", " ")


def _browser(app, user_agent: str):
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = user_agent
    return client


def _log_in(client, email: str = MARCO, password: str = DEMO_PASSWORD) -> None:
    response = client.post("/accesso", data={"csrf_token": csrf_token(client, "/accesso"), "email": email,
                                             "password": password})
    assert response.status_code == 302, _text(response)


@pytest.fixture
def phone(app, demo_accounts):
    client = _browser(app, ANDROID)
    _log_in(client)
    return client


@pytest.fixture
def iphone(app, demo_accounts):
    client = _browser(app, IPHONE)
    _log_in(client)
    return client


def _promo_shown(client) -> bool:
    page = client.get("/area-clienti")
    assert page.status_code == 200
    return 'data-testid="promo-box"' in page.text


# --- the security page ----------------------------------------------------------------------------
def test_the_security_page_lists_each_device_with_this_one_marked(phone, iphone):
    page = phone.get("/area-clienti/sicurezza")
    assert page.status_code == 200
    text = _text(page)
    assert "Chrome su Android" in text and "Safari su iOS" in text
    current = re.search(r'data-current="1">(.*?)</li>', text, re.S).group(1)
    assert "Chrome su Android" in current and "questo dispositivo" in current
    assert "Esci da questo dispositivo" not in current
    assert text.count("Esci da questo dispositivo") == 1  # only the other one
    assert "Esci da tutti gli altri dispositivi" in text
    assert "Ultimo utilizzo: adesso" in text
    assert "Accesso all'area riservata" in text  # the last security events, in Italian


def test_signing_out_another_device_sends_it_to_the_login(phone, iphone):
    page = phone.get("/area-clienti/sicurezza")
    (action,) = END_SESSION.findall(page.text)
    response = phone.post(action, data={"csrf_token": csrf_token(phone, "/area-clienti/sicurezza")})
    assert response.status_code == 302
    after = _text(phone.get("/area-clienti/sicurezza"))
    assert "Hai chiuso l'accesso da quel dispositivo" in after and "Safari su iOS" not in after
    assert "Uscita da 1 altro dispositivo" in after  # the event, on the list
    assert iphone.get("/area-clienti").headers["Location"].startswith("/accesso")
    assert phone.get("/area-clienti").status_code == 200
    # The same form again: that session is already gone.
    phone.post(action, data={"csrf_token": csrf_token(phone, "/area-clienti/sicurezza")})
    assert "era già terminato" in _text(phone.get("/area-clienti/sicurezza"))


def test_signing_out_every_other_device_keeps_this_one(app, phone, iphone):
    third = _browser(app, "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0")
    _log_in(third)
    assert "Firefox su Windows" in _text(phone.get("/area-clienti/sicurezza"))
    response = phone.post("/area-clienti/sicurezza/esci-dagli-altri",
                          data={"csrf_token": csrf_token(phone, "/area-clienti/sicurezza")})
    assert response.status_code == 302
    after = _text(phone.get("/area-clienti/sicurezza"))
    assert "Hai chiuso l'accesso da 2 altri dispositivi" in after
    assert "solo su questo dispositivo" in after
    for other in (iphone, third):
        assert other.get("/area-clienti").headers["Location"].startswith("/accesso")
    assert phone.get("/area-clienti").status_code == 200


def test_another_customers_session_cannot_be_ended_from_my_page(app, phone, demo_accounts):
    valeria = _browser(app, IPHONE)
    _log_in(valeria, VALERIA)
    assert END_SESSION.findall(valeria.get("/area-clienti/sicurezza").text) == []  # her one device
    marcos = _browser(app, IPHONE)
    _log_in(marcos)
    (marcos_action,) = END_SESSION.findall(phone.get("/area-clienti/sicurezza").text)
    valeria.post(marcos_action, data={"csrf_token": csrf_token(valeria, "/area-clienti/sicurezza")})
    assert "era già terminato" in _text(valeria.get("/area-clienti/sicurezza"))
    assert marcos.get("/area-clienti").status_code == 200


def test_a_failed_login_shows_among_the_events(app, phone):
    stranger = _browser(app, IPHONE)
    stranger.post("/accesso", data={"csrf_token": csrf_token(stranger, "/accesso"), "email": MARCO,
                                    "password": "not the password"})
    text = _text(phone.get("/area-clienti/sicurezza"))
    assert "Tentativo di accesso con password errata" in text


def test_the_security_pages_need_a_signed_in_customer_and_the_csrf_token(client, phone):
    for path in ("/area-clienti/sicurezza", "/area-clienti/consensi"):
        assert client.get(path).headers["Location"].startswith("/accesso")
    assert phone.post("/area-clienti/sicurezza/esci-dagli-altri").status_code == 400
    assert phone.post("/area-clienti/consensi", data={"consent": "marketing", "given": "0"}).status_code == 400


# --- the consents page ----------------------------------------------------------------------------
def _consent(client, consent: str, given: str):
    return client.post("/area-clienti/consensi", data={"csrf_token": csrf_token(client, "/area-clienti/consensi"),
                                                       "consent": consent, "given": given})


def test_withdrawing_the_marketing_consent_hides_the_promotional_box_at_once(phone):
    assert _promo_shown(phone)
    page = _text(phone.get("/area-clienti/consensi"))
    assert "Revoca il consenso" in page
    assert "Nessuna modifica dalla registrazione" in page  # a demo account: the state comes from the account

    response = _consent(phone, "marketing", "0")
    assert response.status_code == 302
    page = _text(phone.get("/area-clienti/consensi"))
    assert "Consenso revocato" in page and "Dai il consenso" in page
    assert not _promo_shown(phone)
    history = re.findall(r'data-testid="consent-event">(.*?)</li>', page, re.S)
    assert len(history) == 1
    assert "Comunicazioni promozionali" in history[0] and "non dato" in history[0] and "da: sito" in history[0]

    _consent(phone, "marketing", "1")
    assert _promo_shown(phone)
    assert len(re.findall(r'data-testid="consent-event"', phone.get("/area-clienti/consensi").text)) == 2


def test_the_same_choice_twice_records_nothing(phone):
    _consent(phone, "marketing", "0")
    _consent(phone, "marketing", "0")
    assert len(re.findall(r'data-testid="consent-event"', phone.get("/area-clienti/consensi").text)) == 1


def test_the_privacy_consent_cannot_be_withdrawn_while_the_account_is_open(phone):
    page = _text(phone.get("/area-clienti/consensi"))
    assert "non si può revocare finché il profilo è attivo" in page
    response = _consent(phone, "privacy", "0")  # a forged form: the page offers no such button
    assert response.status_code == 422
    assert "chiedi la chiusura del profilo" in _text(response)
    assert 'data-testid="consent-event"' not in response.text


@pytest.mark.parametrize("consent, given", [("marketing", "maybe"), ("newsletter", "1"), ("", "")])
def test_a_malformed_consent_form_is_refused(phone, consent, given):
    assert _consent(phone, consent, given).status_code == 400
    assert _promo_shown(phone)


def test_a_registration_records_its_consents_in_the_history(client, harness, demo):
    email = register_via_api(client, harness, demo.scenario("policyholder_vita"))
    _log_in(client, email, STRONG_PASSWORD)
    page = _text(client.get("/area-clienti/consensi"))
    history = [" ".join(re.sub(r"<[^>]+>", "", h).split()) for h in re.findall(r'data-testid="consent-event">(.*?)</li>', page, re.S)]
    assert len(history) == 2 and all("da: registrazione" in h for h in history)
    assert any("(privacy): dato" in h for h in history)
    assert any("promozionali" in h and "non dato" in h for h in history)
    assert 'data-given="0"' in page
