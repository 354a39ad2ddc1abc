"""Phone assistance over HTTP (R-ASS-2): from the login page, the tax code (or VAT number) of the contraente,
aderente or avente diritto and a policy number, «invia», then «Hai bisogno di assistenza telefonica? Clicca
qui» shows the Vita or Danni number, the hours, and whether the line is open now or when it opens (Italian
time, the harness's clock). Wrong data get one answer whatever was wrong; guesses are limited (429 with when
to retry); everything typed is kept. In the reserved area the numbers under «Vita» and «Danni» say the same.
"""
from __future__ import annotations

import html
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from areaclienti.adapters.demo_core.data import DEMO_PASSWORD
from areaclienti.domain.assistance import PHONE_LOOKUPS
from areaclienti.domain.parties import PartyKind
from areaclienti.domain.policies import Role

from .journeys import csrf_token

ROME = ZoneInfo("Europe/Rome")
LOOKUP, FOUND, NUMBER = "/assistenza/telefono", "/assistenza/telefono/polizza", "/assistenza/telefono/numero"
MARCO = "marco.rinaldi@example.it"
VITA, DANNI = "VI10011940", "DA20040117"  # Marco's savings plan and car
ONLY_INSURED = "VI10006183"  # Stefano's term life on which Giulia is only the insured
MISMATCH = "I dati inseriti non corrispondono a una polizza a te intestata"


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True)).replace("\xa0", " ")


def _holder(demo, number: str, role: Role = Role.POLICYHOLDER) -> str:
    policy = next(p for p in demo.policies if p.number == number)
    return next(r.party_id.value for r in policy.roles if r.role is role)


def _at(harness, *args) -> None:
    harness.clock.set(datetime(*args, tzinfo=ROME))


def _lookup(client, party: str, number: str):
    return client.post(LOOKUP, data={"csrf_token": csrf_token(client, LOOKUP), "party_id": party,
                                     "policy_number": number})


def _number_page(client, party: str, number: str) -> str:
    response = _lookup(client, party, number)
    assert response.status_code == 302 and response.headers["Location"].endswith(FOUND)
    found = client.get(FOUND)
    assert "Hai bisogno di assistenza telefonica?" in _text(found) and f'href="{NUMBER}"' in _text(found)
    page = client.get(NUMBER)
    assert page.status_code == 200
    return _text(page)


def test_the_login_page_leads_to_the_phone_lookup_and_no_longer_shows_the_numbers(client):
    page = _text(client.get("/accesso"))
    assert f'href="{LOOKUP}"' in page and "Assistenza telefonica" in page
    assert "800 123 456" not in page and "800 654 321" not in page  # shown once the policy is known
    assert "lunedì–giovedì: 9:00–13:30, 14:30–17:30" in page
    assert "venerdì: 9:00–13:30, 14:30–17:00" in page


def test_marco_on_a_weekday_at_ten_gets_the_vita_number_open_until_half_past_one(client, harness, demo):
    _at(harness, 2026, 11, 25, 10, 0)  # a Wednesday
    page = _number_page(client, _holder(demo, VITA), VITA)
    assert "800 123 456" in page and "800 654 321" not in page
    assert 'href="tel:800123456"' in page
    assert "Aperto ora, fino alle 13:30" in page
    assert "lunedì–giovedì: 9:00–13:30, 14:30–17:30" in page and "venerdì: 9:00–13:30, 14:30–17:00" in page
    assert "Chiuso il sabato, la domenica e nei giorni festivi." in page


@pytest.mark.parametrize("moment, status", [
    ((2026, 11, 25, 13, 45), "Chiuso ora: riapre oggi alle 14:30"),
    ((2026, 11, 25, 8, 30), "Chiuso ora: riapre oggi alle 9:00"),
    ((2026, 11, 25, 16, 0), "Aperto ora, fino alle 17:30"),
    ((2026, 11, 26, 18, 0), "Chiuso ora: riapre domani alle 9:00"),  # Thursday evening
    ((2026, 11, 27, 16, 30), "Aperto ora, fino alle 17:00"),  # Friday closes earlier
    ((2026, 11, 27, 17, 15), "Chiuso ora: riapre lunedì 30 novembre alle 9:00"),
    ((2026, 12, 7, 18, 0), "Chiuso ora: riapre mercoledì 9 dicembre alle 9:00"),  # 8 December is a holiday
])
def test_the_line_says_when_it_opens_in_italian_time(client, harness, demo, moment, status):
    _at(harness, *moment)
    page = _number_page(client, _holder(demo, DANNI), DANNI)
    assert "800 654 321" in page and "800 123 456" not in page
    assert status in page


def test_the_line_is_read_when_the_number_is_shown(client, harness, demo):
    """Found at 13:25 (open), shown at 13:35: the number page tells the line as it is then."""
    _at(harness, 2026, 11, 25, 13, 25)
    assert _lookup(client, _holder(demo, VITA), VITA).status_code == 302
    _at(harness, 2026, 11, 25, 13, 35)
    assert "Chiuso ora: riapre oggi alle 14:30" in _text(client.get(NUMBER))


@pytest.mark.parametrize("number, role, phone", [
    ("VI30000128", Role.MEMBER, "800 123 456"),  # Francesca, aderente of her employer's pension plan
    ("DA20027718", Role.RISK_CERTIFICATE_HOLDER, "800 654 321"),  # Alessandro, avente diritto
])
def test_the_aderente_and_the_avente_diritto_get_the_number(client, demo, number, role, phone):
    page = _number_page(client, _holder(demo, number, role), number)
    assert phone in page


def test_a_company_by_its_vat_number_and_typed_loosely(client, demo):
    policy = next(p for p in demo.policies if p.number == "DA20031506")
    vat = next(r.party_id.value for r in policy.roles if r.party_id.kind is PartyKind.COMPANY)
    page = _number_page(client, f" IT{vat} ", " da2003 1506 ")
    assert "800 654 321" in page and "DA20031506" in page


def test_wrong_data_get_one_answer_that_discloses_nothing_and_keep_what_was_typed(client, demo):
    marco, giulia = _holder(demo, VITA), _holder(demo, ONLY_INSURED, Role.INSURED)
    answers = []
    for party, number in [(marco, "VI99999999"),  # no such policy
                          (marco, ONLY_INSURED),  # a real policy, not his
                          (giulia, ONLY_INSURED)]:  # she is only the insured on it
        response = _lookup(client, party, number)
        assert response.status_code == 422
        page = _text(response)
        assert MISMATCH in page
        assert f'value="{party}"' in page and f'value="{number}"' in page
        assert "800 123 456" not in page and "800 654 321" not in page
        answers.append(re.sub(r'value="[^"]*"', "", page))
    assert answers[0] == answers[1] == answers[2]  # the same page, whatever was wrong
    assert client.get(NUMBER).headers["Location"].endswith(LOOKUP)  # nothing found: no number


def test_missing_or_malformed_fields_are_told_beside_them(client):
    response = client.post(LOOKUP, data={"csrf_token": csrf_token(client, LOOKUP), "party_id": " ",
                                         "policy_number": ""})
    assert response.status_code == 422
    page = _text(response)
    assert 'data-testid="error-party_id"' in page
    assert "Inserisci il codice fiscale o, per le società, la partita IVA." in page
    assert 'data-testid="error-policy_number"' in page and "Inserisci il numero di polizza." in page

    response = _lookup(client, "RSSMRA80A01H501X", "VI10011940")
    assert response.status_code == 422
    page = _text(response)
    assert 'data-testid="error-party_id"' in page and "codice fiscale non è valido" in page
    assert 'value="RSSMRA80A01H501X"' in page and 'value="VI10011940"' in page


def test_guesses_are_limited_per_client_with_when_to_retry(client, harness, demo):
    _at(harness, 2026, 11, 25, 10, 0)
    marco = _holder(demo, VITA)
    for _ in range(3):  # empty forms never reach the lookup: they do not count
        client.post(LOOKUP, data={"csrf_token": csrf_token(client, LOOKUP), "party_id": "", "policy_number": ""})
    for n in range(PHONE_LOOKUPS.limit - 1):
        assert _lookup(client, marco, f"VI0000000{n}").status_code == 422
    assert _lookup(client, marco, VITA).status_code == 302  # the tenth: right data, it counts too

    harness.clock.advance(minutes=5)
    refused = _lookup(client, marco, VITA)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == str(10 * 60)
    page = _text(refused)
    assert "riprova dopo le 10:15" in page  # Italian time: the window opened at 10:00 for 15 minutes
    assert f'value="{marco}"' in page and f'value="{VITA}"' in page
    assert "800 123 456" not in page
    assert client.get(NUMBER).headers["Location"].endswith(LOOKUP)  # the refused lookup forgot the earlier one

    harness.clock.advance(minutes=10)
    assert _lookup(client, marco, VITA).status_code == 302


def test_the_number_page_needs_a_lookup_first_and_nothing_is_in_the_url(client, demo):
    assert client.get(NUMBER).headers["Location"].endswith(LOOKUP)
    assert client.get(FOUND).headers["Location"].endswith(LOOKUP)
    response = _lookup(client, _holder(demo, VITA), VITA)
    assert "?" not in response.headers["Location"] and _holder(demo, VITA) not in response.headers["Location"]


def test_the_phone_pages_in_english(client, harness, demo):
    _at(harness, 2026, 11, 27, 17, 15)
    client.get(f"/lingua/en?next={LOOKUP}")
    assert "Phone assistance" in _text(client.get(LOOKUP))
    page = _number_page_en(client, _holder(demo, VITA), VITA)
    assert "Closed now: opens again on Monday 30 November at 9:00" in page
    assert "Monday–Thursday: 9:00–13:30, 14:30–17:30" in page and "Friday: 9:00–13:30, 14:30–17:00" in page
    assert "Closed on Saturdays, Sundays and public holidays." in page


def _number_page_en(client, party, number) -> str:
    assert _lookup(client, party, number).status_code == 302
    assert "Do you need phone assistance?" in _text(client.get(FOUND))
    return _text(client.get(NUMBER))


# --- in the reserved area ------------------------------------------------------------------------
def _marco_at(client, harness, *moment):
    """Marco signed in at that moment (a session idle for 15 minutes ends: sign in again after the clock moves)."""
    _at(harness, *moment)
    response = client.post("/accesso", data={"csrf_token": csrf_token(client, "/accesso"), "email": MARCO,
                                             "password": DEMO_PASSWORD})
    assert response.status_code == 302
    return client


def test_the_dashboard_shows_both_numbers_with_the_hours_and_whether_open(client, harness, demo_accounts):
    page = _text(_marco_at(client, harness, 2026, 11, 25, 10, 0).get("/area-clienti"))
    vita = page.split('data-testid="phone-line-vita"')[1].split("</p>")[0]
    danni = page.split('data-testid="phone-line-danni"')[1].split("</p>")[0]
    assert "800 123 456" in vita and "Aperto ora, fino alle 13:30" in vita
    assert "800 654 321" in danni and "Aperto ora, fino alle 13:30" in danni
    assert "lunedì–giovedì: 9:00–13:30, 14:30–17:30" in page

    page = _text(_marco_at(client, harness, 2026, 11, 27, 17, 15).get("/area-clienti"))
    assert "Chiuso ora: riapre lunedì 30 novembre alle 9:00" in page

    client.get("/lingua/en")
    page = _text(client.get("/area-clienti"))
    assert "Closed now: opens again on Monday 30 November at 9:00" in page
    assert "Monday–Thursday: 9:00–13:30, 14:30–17:30" in page


def test_the_policy_page_shows_its_companys_number(client, harness, demo_accounts):
    marco = _marco_at(client, harness, 2026, 11, 25, 13, 45)
    page = _text(marco.get(f"/area-clienti/polizze/{DANNI}"))
    line = page.split('data-testid="phone-line"')[1].split("</p>")[0]
    assert "800 654 321" in line and "Chiuso ora: riapre oggi alle 14:30" in line
    page = _text(marco.get(f"/area-clienti/polizze/{VITA}"))
    assert "800 123 456" in page.split('data-testid="phone-line"')[1].split("</p>")[0]
