"""The profile leads to everything a customer can change (issue 12): beside the login email and the mobile,
the personal data the core system holds with what is «in lavorazione» and its request's number, the way to
the personal data page (or why a change is not possible online), to the consents and to the security page;
the security page names the contact changes and the wrong passwords typed during them."""
from __future__ import annotations

import html
import re

import pytest

from areaclienti.adapters.demo_core.data import DEMO_PASSWORD
from areaclienti.domain.requests import RequestKind

from ..support import STRONG_PASSWORD
from .journeys import csrf_token, register_via_api

MARCO = "marco.rinaldi@example.it"
VALERIA = "valeria.costa@example.it"
PROFILE = "/area-clienti/profilo"
PERSONAL = "/area-clienti/dati-personali"
KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')
BOLOGNA = {"country": "IT", "street": "Via dell'Indipendenza", "number": "10", "cap": "40121", "comune": "Bologna",
           "province": "BO"}


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True)).replace("\xa0", " ")


def _section(text: str, testid: str) -> str:
    start = text.index(f'data-testid="{testid}"')
    return text[start:text.index("</section>", start)]


def _signed_in(client, email: str, password: str = DEMO_PASSWORD):
    response = client.post("/accesso", data={"csrf_token": csrf_token(client, "/accesso"), "email": email,
                                             "password": password})
    assert response.status_code == 302, _text(response)
    return client


@pytest.fixture
def marco(client, demo_accounts):
    return _signed_in(client, MARCO)


def test_the_profile_shows_the_personal_data_and_leads_to_every_change(marco):
    text = _text(marco.get(PROFILE))
    personal = _section(text, "profile-personal-data")
    assert "Via Appia Nuova 123, 00183 Roma (RM)" in personal and "+39 06 4567 8123" in personal
    assert "Nell'area riservata" in personal and 'data-testid="pending-' not in personal
    assert f'href="{PERSONAL}"' in personal and 'data-testid="personal-data-refusal"' not in personal
    links = _section(text, "profile-privacy-security")
    assert 'href="/area-clienti/consensi"' in links and 'href="/area-clienti/sicurezza"' in links
    assert "Comunicazioni promozionali: consenso dato." in links
    assert 'href="/area-clienti/profilo/email"' in text and 'href="/area-clienti/profilo/cellulare"' in text


def test_a_pending_residence_shows_beside_the_current_one_with_its_request(marco, harness):
    form_page = marco.get(f"{PERSONAL}/residenza")
    key = KEY.search(form_page.get_data(as_text=True)).group(1)
    sent = marco.post(f"{PERSONAL}/residenza", data={"csrf_token": csrf_token(marco, f"{PERSONAL}/residenza"),
                                                     "idempotency_key": key, **BOLOGNA})
    assert sent.status_code == 303
    with harness.container.uow() as uow:
        account = uow.accounts.get_by_email(MARCO)
        [request] = [r for r in uow.requests.for_account(account.id) if r.kind is RequestKind.DATA_CHANGE]
    residence = _section(_text(marco.get(PROFILE)), "profile-personal-data")
    residence = residence[residence.index('data-testid="value-residence"'):residence.index("</dd>", residence.index('data-testid="value-residence"'))]
    assert "Via Appia Nuova 123, 00183 Roma (RM)" in residence  # still the current value
    assert "in lavorazione" in residence and "Via dell'Indipendenza 10, 40121 Bologna (BO)" in residence
    assert f'href="/area-clienti/richieste/{request.number}"' in residence
    assert f"richiesta {request.number}" in residence


def test_an_expired_document_says_why_the_data_cannot_be_changed_online(client, demo_accounts):
    text = _text(_signed_in(client, VALERIA).get(PROFILE))
    personal = _section(text, "profile-personal-data")
    assert "Corso Porta Nuova 45, 37122 Verona (VR)" in personal  # readable all the same
    assert "Per ora non puoi modificarli online. Il tuo documento d'identità è scaduto" in personal
    assert 'href="#documento-identita"' in personal and f'href="{PERSONAL}"' not in personal
    assert "verificata, ma il documento è scaduto" in text
    assert "Comunicazioni promozionali: consenso non dato." in text
    # the account's own data stay hers to change
    assert 'href="/area-clienti/profilo/email"' in text and 'href="/area-clienti/consensi"' in text


def test_a_consultative_account_is_told_to_verify_its_identity_first(client, harness, demo):
    email = register_via_api(client, harness, demo.scenario("policyholder_vita"))
    _signed_in(client, email, STRONG_PASSWORD)
    text = _text(client.get(PROFILE))
    personal = _section(text, "profile-personal-data")
    assert "Per ora non puoi modificarli online. Per le operazioni online verifica prima la tua identità" in personal
    assert 'href="#documento-identita"' in personal and f'href="{PERSONAL}"' not in personal
    assert "da verificare: il profilo è consultativo" in text and 'id="start-selfie-from-profile"' in text
    assert 'href="/area-clienti/profilo/cellulare"' in text and 'href="/area-clienti/sicurezza"' in text


@pytest.mark.parametrize("query, back", [("", 'href="/area-clienti/profilo"'),
                                         ("?policy=DA20040117", 'href="/area-clienti/polizze/DA20040117"')])
def test_the_personal_data_page_leads_back_where_the_customer_came_from(marco, query, back):
    text = _text(marco.get(PERSONAL + query))
    assert back in text[text.index('data-testid="personal-data"'):]


def test_the_security_page_names_the_contact_changes_and_the_wrong_passwords_typed_for_them(marco):
    wrong = marco.post("/area-clienti/profilo/email", data={
        "csrf_token": csrf_token(marco, "/area-clienti/profilo/email"), "email": "marco.nuovo@example.it",
        "current_password": "non è la mia password"})
    assert wrong.status_code == 422
    asked = marco.post("/area-clienti/profilo/email", data={
        "csrf_token": csrf_token(marco, "/area-clienti/profilo/email"), "email": "marco.nuovo@example.it",
        "current_password": DEMO_PASSWORD})
    assert asked.status_code == 302
    wrong = marco.post("/area-clienti/profilo/cellulare", data={
        "csrf_token": csrf_token(marco, "/area-clienti/profilo/cellulare"), "mobile": "+393401112233",
        "current_password": "nemmeno questa"})
    assert wrong.status_code == 422
    events = _section(_text(marco.get("/area-clienti/sicurezza")), "security-events")
    assert "Password attuale errata durante la modifica dell'email di accesso" in events
    assert "Richiesta di modifica dell'email di accesso" in events
    assert "Password attuale errata durante la modifica del cellulare" in events
    assert "Evento di sicurezza" not in events and "Tentativo di accesso con password errata" not in events


def test_the_code_page_of_a_new_mobile_says_what_it_confirms_and_leads_back(marco):
    asked = marco.post("/area-clienti/profilo/cellulare", data={
        "csrf_token": csrf_token(marco, "/area-clienti/profilo/cellulare"), "mobile": "+393401112233",
        "current_password": DEMO_PASSWORD})
    assert asked.status_code == 302 and asked.location.endswith("/area-clienti/profilo/cellulare/verifica")
    text = _text(marco.get(asked.location))
    assert "Per confermare il nuovo numero di cellulare" in text and "+39 *** *** 2233" in text
    assert 'data-testid="otp-back"' in text and 'data-testid="profile-link"' in text  # the menu, as elsewhere
