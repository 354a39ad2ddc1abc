"""Personal data changes on the customer site over HTTP (R-DISP-DATA): the current values with what is pending,
each form sending one request (one per key) that leads to the request's page, the policy it hangs on, the gate
of R-ID-5, and bad input answered in Italian beside the field with everything typed kept."""
from __future__ import annotations

import html
import re

import pytest

from areaclienti.adapters.demo_core.data import DEMO_PASSWORD
from areaclienti.domain.requests import RequestKind

from .journeys import csrf_token

MARCO = "marco.rinaldi@example.it"
VALERIA = "valeria.costa@example.it"
PAGE = "/area-clienti/dati-personali"
KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')
BOLOGNA = {"country": "IT", "street": "Via dell'Indipendenza", "number": "10", "cap": "40121", "comune": "Bologna",
           "province": "BO"}


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True)).replace("\xa0", " ")


def _log_in(client, email: str = MARCO) -> None:
    response = client.post("/accesso", data={"csrf_token": csrf_token(client, "/accesso"), "email": email,
                                             "password": DEMO_PASSWORD})
    assert response.status_code == 302, _text(response)


@pytest.fixture
def marco(client, demo_accounts):
    _log_in(client)
    return client


def _send(client, slug: str, form: dict, query: str = ""):
    page = client.get(f"{PAGE}/{slug}{query}")
    assert page.status_code == 200, _text(page)
    key = KEY.search(page.get_data(as_text=True)).group(1)
    data = {"csrf_token": csrf_token(client, f"{PAGE}/{slug}{query}"), "idempotency_key": key, **form}
    if "policy=" in query:
        data["policy"] = query.split("policy=")[1]
    return client.post(f"{PAGE}/{slug}", data=data), data


def _requests(harness):
    with harness.container.uow() as uow:
        account = uow.accounts.get_by_email(MARCO)
        return [r for r in uow.requests.for_account(account.id) if r.kind is RequestKind.DATA_CHANGE]


def test_the_page_shows_the_current_values_and_the_sections(marco):
    page = marco.get(PAGE)
    text = _text(page)
    assert page.status_code == 200
    assert "Via Appia Nuova 123, 00183 Roma (RM)" in text and "+39 06 4567 8123" in text
    assert "Nell'area riservata" in text and "coincide con la residenza" in text
    assert 'data-testid="edit-residence"' in text and "in lavorazione" not in text


def test_a_new_residence_becomes_a_request_and_shows_in_lavorazione(marco, harness):
    response, _ = _send(marco, "residenza", BOLOGNA)
    assert response.status_code == 303 and "/area-clienti/richieste/RP-" in response.location
    [request] = _requests(harness)
    assert request.payload["changes"]["residence"]["new"]["istat_code"] == "037006"
    detail = _text(marco.get(response.location))
    assert "Residenza" in detail and "Via dell'Indipendenza 10, 40121 Bologna (BO)" in detail
    assert "Via Appia Nuova 123, 00183 Roma (RM)" in detail  # the value before
    page = _text(marco.get(PAGE))
    assert "in lavorazione" in page and "40121 Bologna (BO)" in page and request.number in page
    assert "Via Appia Nuova 123" in page  # still the current value


def test_the_same_form_posted_twice_makes_one_request(marco, harness):
    response, data = _send(marco, "residenza", BOLOGNA)
    again = marco.post(f"{PAGE}/residenza", data=data)
    assert again.status_code == 303 and again.location == response.location
    assert len(_requests(harness)) == 1


def test_from_the_policy_page_the_request_hangs_on_that_policy(marco, harness):
    response, _ = _send(marco, "residenza", BOLOGNA, "?policy=VI10011940")
    assert response.status_code == 303
    assert _requests(harness)[0].policy_number == "VI10011940"


def test_another_customers_policy_is_a_404(marco):
    assert marco.get(f"{PAGE}?policy=DA20041530").status_code == 404


@pytest.mark.parametrize(("form", "field", "message"), [
    ({**BOLOGNA, "comune": "Bolognina di Sopra"}, "comune", "Non troviamo questo comune nell'elenco ISTAT"),
    ({**BOLOGNA, "cap": "40100"}, "cap", "Il CAP non corrisponde al comune di Bologna (CAP validi: da 40121 a 40141)"),
    ({**BOLOGNA, "province": "MI"}, "province", "Il comune indicato non è in questa provincia"),
    ({**BOLOGNA, "country": "", "comune": "Paris", "cap": "75001", "province": ""}, "country",
     "Indica il paese dell'indirizzo."),
])
def test_bad_addresses_are_answered_beside_the_field_with_everything_kept(marco, harness, form, field, message):
    response, _ = _send(marco, "residenza", form)
    text = _text(response)
    assert response.status_code == 422
    assert f'data-testid="error-{field}"' in text and message in text
    assert f'value="{form["street"]}"' in text and f'value="{form["cap"]}"' in text
    assert f'value="{form["comune"]}"' in text
    assert _requests(harness) == []


def test_a_mobile_typed_as_the_landline_is_refused(marco, harness):
    response, _ = _send(marco, "recapiti", {"landline": "329 118 0442", "other_phone": "",
                                              "correspondence_email": "marco@example.it",
                                              "delivery_mode": "reserved_area"})
    text = _text(response)
    assert response.status_code == 422 and "Il numero indicato è un cellulare" in text
    assert 'value="329 118 0442"' in text and 'value="marco@example.it"' in text
    assert _requests(harness) == []


def test_paper_delivery_asks_which_address(marco, harness):
    form = {"landline": "06 4567 8123", "correspondence_email": "marco.rinaldi@example.it", "delivery_mode": "paper"}
    response, _ = _send(marco, "recapiti", form)
    assert response.status_code == 422 and "Scegli a quale indirizzo ricevere la posta." in _text(response)
    response, _ = _send(marco, "recapiti", {**form, "postal_address": "residence"})
    assert response.status_code == 303
    assert _requests(harness)[0].payload["changes"]["delivery_mode"] == {"old": "reserved_area", "new": "paper"}


def test_an_expired_document_sees_why_and_no_form(client, demo_accounts, harness):
    _log_in(client, VALERIA)
    text = _text(client.get(PAGE))
    assert "Il tuo documento d'identità è scaduto" in text and "Corso Porta Nuova 45" in text
    assert 'data-testid="edit-residence"' not in text
    assert client.get(f"{PAGE}/residenza").status_code == 303
    response = client.post(f"{PAGE}/residenza", data={"csrf_token": csrf_token(client, PAGE),
                                                       "idempotency_key": "k-1", **BOLOGNA})
    assert response.status_code == 303 and response.location.endswith(PAGE)
    assert harness.container.core_system().counts() == (0, 0)


def test_signed_out_goes_to_the_login(client):
    assert client.get(PAGE).status_code == 302


# --- the same through the JSON API ------------------------------------------------------------------------
def _token(client, email: str = MARCO) -> dict:
    token = client.post("/api/v1/sessions", json={"email": email, "password": DEMO_PASSWORD}).json["token"]
    return {"Authorization": f"Bearer {token}"}


def test_the_api_shows_the_data_and_sends_a_change_once_per_key(client, demo_accounts, harness):
    auth = _token(client)
    data = client.get("/api/v1/me/personal-data", headers=auth)
    assert data.status_code == 200, data.json
    assert data.json["current"]["residence"]["comune"] == "Roma" and data.json["allowed"] is True
    body = {**BOLOGNA, "idempotency_key": "api-residence-0001"}
    sent = client.post("/api/v1/me/personal-data/residence", json=body, headers=auth)
    assert sent.status_code == 201, sent.json
    assert sent.json["kind"] == "data_change" and sent.json["number"].startswith("RP-")
    again = client.post("/api/v1/me/personal-data/residence", json=body, headers=auth)
    assert again.json["number"] == sent.json["number"] and len(_requests(harness)) == 1
    data = client.get("/api/v1/me/personal-data", headers=auth).json
    assert data["pending"]["residence"]["comune"] == "Bologna"
    assert data["pending_requests"] == {"residence": sent.json["number"]}


def test_the_api_answers_bad_input_field_by_field(client, demo_accounts, harness):
    auth = _token(client)
    sent = client.post("/api/v1/me/personal-data/residence", headers=auth,
                       json={**BOLOGNA, "cap": "40100", "comune": "Bologna", "idempotency_key": "api-bad-0001"})
    assert sent.status_code == 422 and sent.json["code"] == "personal_data_invalid"
    assert sent.json["errors"] == {"residence.cap": "Il CAP non corrisponde al comune di Bologna "
                                                    "(CAP validi: da 40121 a 40141)."}
    sent = client.post("/api/v1/me/personal-data/contacts", headers=auth,
                       json={"landline": "3291180442", "delivery_mode": "reserved_area",
                             "idempotency_key": "api-bad-0002"})
    assert sent.status_code == 422 and "cellulare" in sent.json["errors"]["landline"]
    assert client.post("/api/v1/me/personal-data/nowhere", headers=auth,
                       json={"idempotency_key": "api-bad-0003"}).status_code == 404
    assert _requests(harness) == []


def test_the_api_refuses_an_expired_document(client, demo_accounts):
    auth = _token(client, VALERIA)
    assert client.get("/api/v1/me/personal-data", headers=auth).json["gate"] == "document_expired"
    sent = client.post("/api/v1/me/personal-data/residence", headers=auth,
                       json={**BOLOGNA, "idempotency_key": "api-valeria-0001"})
    assert sent.status_code == 403 and sent.json["code"] == "function_not_available"
