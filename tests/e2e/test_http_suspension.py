"""Suspension, reactivation and withdrawal on the customer site over HTTP (R-DISP-SUSP): the state and the
product's limits, «Verifica» with the effect and a fresh key, «Conferma» to the request's page, the withdrawal
before the start, and every bad input answered in Italian beside the form with what was typed kept."""
from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest

from areaclienti.adapters.demo_core.data import DEMO_PASSWORD
from areaclienti.app.calendar import italian_day
from areaclienti.domain.requests import RequestStatus

from .journeys import csrf_token

MARCO = "marco.rinaldi@example.it"
VALERIA = "valeria.costa@example.it"
MOTOR = "DA20040117"  # in force, suspension live
SUSPENDED = "DA20040355"  # suspended two months ago
VITA = "VI10011940"  # suspension of a Vita policy goes live next 1 July
PAGE = "/area-clienti/polizze/{}/sospensione"
KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')
S = RequestStatus


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


def _today(harness):
    return italian_day(harness.clock.now())


def _post(client, path: str, **form):
    page = path.rsplit("/", 1)[0].replace("/riattivazione", "/sospensione")
    return client.post(path, data={"csrf_token": csrf_token(client, page), **form})


def _check(client, policy: str, day: str, hour: str = "", *, reactivate: bool = False):
    path = PAGE.format(policy).replace("sospensione", "riattivazione" if reactivate else "sospensione")
    return _post(client, path + "/verifica", day=day, hour=hour)


def _confirm(client, policy: str, effect, *, reactivate: bool = False):
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', effect.get_data(as_text=True)))
    path = PAGE.format(policy).replace("sospensione", "riattivazione" if reactivate else "sospensione")
    return client.post(path + "/conferma", data={**hidden, "csrf_token": csrf_token(client, PAGE.format(policy))})


def _request(harness, number: str):
    with harness.container.uow() as uow:
        return uow.requests.get_by_number(number)


def _requests(harness):
    with harness.container.uow() as uow:
        return uow.requests.for_account(uow.accounts.get_by_email(MARCO).id)


def _number(response) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)
    match = re.search(r"/richieste/(RP-\d{4}-\d{6})$", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


# --- the page ------------------------------------------------------------------------------------------
def test_a_policy_in_force_shows_its_state_the_limits_and_the_suspension_form(marco):
    response = marco.get(PAGE.format(MOTOR))
    text = _text(response)
    assert response.status_code == 200
    assert 'data-state="in_force"' in text and "La polizza è in vigore." in text
    assert "al massimo 2; quest'anno ne hai usate 0" in text and "da 30 a 365 giorni" in text
    assert 'data-testid="suspension-form"' in text and 'type="date"' in text and 'type="time"' in text
    assert "Ora italiana" in text and 'data-testid="reactivation-form"' not in text


def test_a_suspended_policy_shows_since_when_and_the_reactivation_window(marco, harness):
    text = _text(marco.get(PAGE.format(SUSPENDED)))
    assert 'data-state="suspended"' in text and "La polizza è sospesa dal" in text
    assert 'data-testid="reactivation-form"' in text and 'data-testid="suspension-form"' not in text
    assert re.search(r'data-testid="reactivation-window">dal \d+ \w+ \d{4} al \d+ \w+ \d{4}<', text)


def test_another_customers_policy_and_a_missing_one_are_not_found(client, demo_accounts):
    _log_in(client, VALERIA)
    assert client.get(PAGE.format(MOTOR)).status_code == 404
    assert client.get(PAGE.format("DA99999999")).status_code == 404


def test_a_function_not_live_yet_is_the_refusal_page_with_its_date(marco):
    response = marco.get(PAGE.format(VITA))
    text = _text(response)
    assert response.status_code == 403
    assert 'data-testid="suspension-refused"' in text and "Disponibile dal 1 luglio" in text
    response = _check(marco, VITA, "2027-01-10")
    assert response.status_code == 403 and "Disponibile dal 1 luglio" in _text(response)


def test_signed_out_goes_to_the_login(client):
    response = client.get(PAGE.format(MOTOR))
    assert response.status_code == 302 and "/accesso" in response.headers["Location"]


# --- suspending ------------------------------------------------------------------------------------------
def test_a_suspension_from_tomorrow_at_14_shows_its_effect_then_becomes_a_request(marco, harness):
    tomorrow = _today(harness) + timedelta(days=1)
    effect = _check(marco, MOTOR, tomorrow.isoformat(), "14:00")
    text = _text(effect)
    assert effect.status_code == 200, text
    assert re.search(r'data-testid="effect-starts">\d+ \w+ \d{4}, 14:00<', text)
    assert 'data-testid="effect-expiry"' in text and "la scadenza si sposta in avanti" in text
    assert 'data-testid="effect-window"' in text
    key = KEY.search(text).group(1)
    assert KEY.search(_text(_check(marco, MOTOR, tomorrow.isoformat(), "14:00"))).group(1) != key  # fresh each time
    assert _requests(harness) == []  # «Verifica» stores nothing

    number = _number(_confirm(marco, MOTOR, effect))
    again = _confirm(marco, MOTOR, effect)  # a double click: the same request
    assert _number(again) == number and len(_requests(harness)) == 1
    stored = _request(harness, number)
    assert stored.payload["suspension"]["starts_at"].startswith(f"{tomorrow.isoformat()}T14:00:00+01:00")
    detail = _text(marco.get(f"/area-clienti/richieste/{number}"))
    assert "Sospensione" in detail

    page = _text(marco.get(PAGE.format(MOTOR)))
    assert 'data-state="scheduled"' in page and 'data-testid="withdraw"' in page
    assert "quest'anno ne hai usate 1" in page and 'data-testid="suspension-form"' not in page


def test_confirm_without_the_effect_page_key_starts_again(marco, harness):
    response = _post(marco, PAGE.format(MOTOR) + "/conferma", day=(_today(harness) + timedelta(days=1)).isoformat())
    assert response.status_code == 303 and response.headers["Location"].endswith(PAGE.format(MOTOR))
    assert _requests(harness) == []


@pytest.mark.parametrize(("day", "hour", "field", "message"), [
    ("", "14:00", "day", "Indica il giorno da cui vale la richiesta."),
    ("31/02/2027", "", "day", "La data non è valida"),
    ("domani", "10:00", "day", "La data non è valida"),
    ("{tomorrow}", "25:00", "hour", "L'ora non è valida"),
    ("{yesterday}", "", "day", "sono già passati"),
    ("{today}", "08:00", "day", "sono già passati"),  # 08:00 in Rome is before the clock's 10:00
])
def test_bad_input_is_refused_in_italian_with_what_was_typed(marco, harness, day, hour, field, message):
    today = _today(harness)
    day = day.format(today=today.isoformat(), tomorrow=(today + timedelta(days=1)).isoformat(),
                     yesterday=(today - timedelta(days=1)).isoformat())
    response = _check(marco, MOTOR, day, hour)
    text = _text(response)
    assert response.status_code == 422, text
    assert message in re.search(rf'data-testid="error-{field}">([^<]+)', text).group(1)
    assert f'name="day" type="date"' in text and f'value="{day}"' in text
    if hour:
        assert f'value="{hour}"' in text
    assert _requests(harness) == []


def test_a_day_typed_by_hand_the_italian_way_is_understood(marco, harness):
    tomorrow = _today(harness) + timedelta(days=1)
    response = _check(marco, MOTOR, tomorrow.strftime("%d/%m/%Y"), "9.30")
    assert response.status_code == 200
    assert re.search(r'data-testid="effect-starts">[^<]+, 09:30<', _text(response))
    assert f'name="day" value="{tomorrow.isoformat()}"' in _text(response)


def test_suspending_a_suspended_policy_is_refused_and_keeps_the_day(marco, harness):
    day = (_today(harness) + timedelta(days=3)).isoformat()
    response = _check(marco, SUSPENDED, day, "11:00")
    text = _text(response)
    assert response.status_code == 422
    assert "La polizza è già sospesa: puoi riattivarla." in text
    assert f'value="{day}"' in text and 'value="11:00"' in text and 'data-testid="reactivation-form"' in text


def test_reactivating_a_policy_in_force_is_refused(marco, harness):
    day = (_today(harness) + timedelta(days=3)).isoformat()
    response = _check(marco, MOTOR, day, reactivate=True)
    text = _text(response)
    assert response.status_code == 422
    assert "non c'è nulla da riattivare" in text and f'value="{day}"' in text


def test_a_second_suspension_while_one_is_scheduled_is_refused_with_its_date(marco, harness):
    tomorrow = _today(harness) + timedelta(days=1)
    _number(_confirm(marco, MOTOR, _check(marco, MOTOR, tomorrow.isoformat(), "14:00")))
    response = _check(marco, MOTOR, (tomorrow + timedelta(days=5)).isoformat())
    assert response.status_code == 422
    assert "alle 14:00 (ora italiana)" in _text(response)


# --- withdrawing ----------------------------------------------------------------------------------------
def test_a_scheduled_suspension_is_withdrawn_and_can_be_scheduled_again(marco, harness):
    tomorrow = (_today(harness) + timedelta(days=1)).isoformat()
    number = _number(_confirm(marco, MOTOR, _check(marco, MOTOR, tomorrow, "14:00")))
    detail = _text(marco.get(f"/area-clienti/richieste/{number}"))
    assert 'data-testid="withdraw"' in detail
    response = _post(marco, f"/area-clienti/richieste/{number}/ritira")
    assert response.status_code == 303 and response.headers["Location"].endswith(PAGE.format(MOTOR))
    page = _text(marco.get(response.headers["Location"]))
    assert f"Hai ritirato la sospensione richiesta con la richiesta {number}" in page
    assert 'data-state="in_force"' in page and 'data-testid="suspension-form"' in page
    assert _request(harness, number).status is S.WITHDRAWN
    assert 'data-testid="withdraw"' not in _text(marco.get(f"/area-clienti/richieste/{number}"))

    again = _number(_confirm(marco, MOTOR, _check(marco, MOTOR, tomorrow, "14:00")))
    assert again != number and _request(harness, again).status is not S.WITHDRAWN


def test_a_suspension_that_started_can_no_longer_be_withdrawn(marco, harness):
    tomorrow = (_today(harness) + timedelta(days=1)).isoformat()
    number = _number(_confirm(marco, MOTOR, _check(marco, MOTOR, tomorrow, "14:00")))
    harness.clock.advance(seconds=2 * 86400)
    _log_in(marco)  # two days later: a new session
    response = _post(marco, f"/area-clienti/richieste/{number}/ritira")
    assert response.status_code == 303
    page = _text(marco.get(response.headers["Location"]))
    assert "La sospensione non si può più ritirare: è già iniziata" in page
    assert _request(harness, number).status is not S.WITHDRAWN


def test_withdrawing_another_customers_request_or_none_is_not_found(client, demo_accounts, harness):
    _log_in(client)
    tomorrow = (_today(harness) + timedelta(days=1)).isoformat()
    number = _number(_confirm(client, MOTOR, _check(client, MOTOR, tomorrow)))
    client.post("/esci", data={"csrf_token": csrf_token(client, "/area-clienti")})
    other = client.application.test_client()
    _log_in(other, VALERIA)
    response = other.post(f"/area-clienti/richieste/{number}/ritira",
                          data={"csrf_token": csrf_token(other, "/area-clienti")})
    assert response.status_code == 404
    assert other.post("/area-clienti/richieste/RP-2026-999999/ritira",
                      data={"csrf_token": csrf_token(other, "/area-clienti")}).status_code == 404
    assert _request(harness, number).status is not S.WITHDRAWN


def test_withdrawing_without_the_csrf_token_is_refused(marco, harness):
    number = _number(_confirm(marco, MOTOR, _check(marco, MOTOR, (_today(harness) + timedelta(days=1)).isoformat())))
    assert marco.post(f"/area-clienti/richieste/{number}/ritira").status_code == 400
    assert _request(harness, number).status is not S.WITHDRAWN


# --- reactivating ---------------------------------------------------------------------------------------
def test_the_suspended_policy_is_reactivated_from_tomorrow_with_its_new_expiry(marco, harness):
    tomorrow = _today(harness) + timedelta(days=1)
    effect = _check(marco, SUSPENDED, tomorrow.isoformat(), reactivate=True)
    text = _text(effect)
    assert effect.status_code == 200, text
    days = int(re.search(r'data-testid="effect-days">(\d+)<', text).group(1))
    assert 55 <= days <= 65  # suspended about two months ago
    before = re.search(r'data-testid="effect-expiry-before">([^<]+)<', text).group(1)
    after = re.search(r'data-testid="effect-expiry-after">([^<]+)<', text).group(1)
    assert before != after
    number = _number(_confirm(marco, SUSPENDED, effect, reactivate=True))
    stored = _request(harness, number)
    assert stored.kind.value == "reactivation" and stored.payload["reactivation"]["days_suspended"] == days
    page = _text(marco.get(PAGE.format(SUSPENDED)))
    assert 'data-testid="scheduled-reactivation"' in page and 'data-testid="reactivation-form"' not in page


def test_a_reactivation_out_of_the_window_is_refused_with_it(marco, harness):
    late = (_today(harness) + timedelta(days=400)).isoformat()
    response = _check(marco, SUSPENDED, late, reactivate=True)
    text = _text(response)
    assert response.status_code == 422
    assert re.search(r"Puoi riattivare la polizza dal \d+ \w+ \d{4} al \d+ \w+ \d{4}", text)
    assert f'value="{late}"' in text


# --- the request's page and its PDF receipt ---------------------------------------------------------------
def _pdf_text(client, number: str) -> str:
    import io

    from pypdf import PdfReader

    response = client.get(f"/area-clienti/richieste/{number}/ricevuta.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)


def test_the_request_page_and_receipt_say_from_when_in_italian_time(marco, harness):
    tomorrow = _today(harness) + timedelta(days=1)
    number = _number(_confirm(marco, MOTOR, _check(marco, MOTOR, tomorrow.isoformat(), "14:00")))
    detail = _text(marco.get(f"/area-clienti/richieste/{number}"))
    assert re.search(r'data-testid="scheduled-from">\d+ \w+ \d{4}, 14:00<', detail)
    assert "Sospensione dal" in _pdf_text(marco, number) and "14:00" in _pdf_text(marco, number)


def test_a_reactivation_receipt_gives_the_new_expiry(marco, harness):
    effect = _check(marco, SUSPENDED, (_today(harness) + timedelta(days=1)).isoformat(), reactivate=True)
    after = re.search(r'data-testid="effect-expiry-after">([^<]+)<', _text(effect)).group(1)
    number = _number(_confirm(marco, SUSPENDED, effect, reactivate=True))
    detail = _text(marco.get(f"/area-clienti/richieste/{number}"))
    assert f'data-testid="new-expiry">{after}<' in detail and 'data-testid="withdraw"' not in detail
    text = _pdf_text(marco, number)
    assert "Riattivazione dal" in text and "Nuova scadenza" in text and after in text
