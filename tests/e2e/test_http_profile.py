"""The profile over HTTP (issue 12): the password change fixed (a rejected new password comes back with its
message, the other sessions end), the login email changed by a link to the new address (the old one told,
with a way back; an address of another account answers alike) and the mobile changed by a code to the new
number (a landline refused, a code of another flow refused). Marco and Valeria are the demo accounts."""
from __future__ import annotations

import html
import re

import pytest

from areaclienti.adapters.demo_core.data import DEMO_PASSWORD

from .journeys import csrf_token

MARCO, MARCO_MOBILE = "marco.rinaldi@example.it", "+393291180442"
VALERIA = "valeria.costa@example.it"
NEW_EMAIL = "marco.nuovo@example.it"
NEW_MOBILE = "+393401112233"
PROFILE = "/area-clienti/profilo"
CONFIRM = re.compile(r"https?://[^/\s]+(/email/conferma/\S+)")
CANCEL = re.compile(r"https?://[^/\s]+(/email/annulla/\S+)")


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _log_in(client, email: str = MARCO, password: str = DEMO_PASSWORD):
    return client.post("/accesso", data={"csrf_token": csrf_token(client, "/accesso"), "email": email,
                                         "password": password})


def _post(client, path: str, _form: str | None = None, **data):
    """Post ``data`` to ``path`` with the CSRF token of the page holding the form (``_form``, else ``path``)."""
    return client.post(path, data={"csrf_token": csrf_token(client, _form or path), **data})


def _path_sent_to(harness, address: str, pattern: re.Pattern) -> str:
    bodies = [m.body for m in harness.emails_to(address) if pattern.search(m.body)]
    assert bodies, [m.subject for m in harness.emails_to(address)]
    return pattern.search(bodies[-1]).group(1)


@pytest.fixture
def marco(app, demo_accounts):
    client = app.test_client()
    assert _log_in(client).status_code == 302
    return client


# --- password --------------------------------------------------------------------------------------
@pytest.mark.parametrize("new, confirm, field, message", [
    ("cavallo batteria graffetta 2027", "cavallo batteria graffetta 2028", "new_password_confirm",
     "Le due password non coincidono."),
    ("breve", "breve", "new_password", "La password deve avere almeno 12 caratteri."),
])
def test_a_rejected_new_password_comes_back_with_its_message(marco, new, confirm, field, message):
    response = _post(marco, PROFILE, current_password=DEMO_PASSWORD, new_password=new, new_password_confirm=confirm)
    assert response.status_code == 422
    page = _text(response)
    assert f'data-testid="error-{field}"' in page and message in page
    assert 'id="current_password"' in page and 'id="new_password_confirm"' in page  # the form, not an empty page


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(app, marco, harness):
    other = app.test_client()
    assert _log_in(other).status_code == 302
    new = "cavallo batteria graffetta 2027"
    response = _post(marco, PROFILE, current_password=DEMO_PASSWORD, new_password=new, new_password_confirm=new)
    assert response.status_code == 302
    assert marco.get("/area-clienti").status_code == 200
    assert other.get("/area-clienti").headers["Location"].startswith("/accesso")
    mail = harness.emails.last_to(MARCO)
    assert "(ora italiana)" in mail.body and "UTC" not in mail.body


# --- login email -----------------------------------------------------------------------------------
def test_the_login_email_changes_by_the_link_sent_to_the_new_address(app, marco, harness):
    response = _post(marco, PROFILE + "/email", email=NEW_EMAIL, current_password=DEMO_PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == PROFILE
    page = _text(marco.get(PROFILE))
    assert f"Ti abbiamo inviato un link a {NEW_EMAIL}" in page
    assert 'data-testid="pending-email"' in page and f"in attesa di conferma: {NEW_EMAIL}" in page
    assert f'data-testid="current-email">{MARCO}<' in page
    assert CANCEL.search(harness.emails.last_to(MARCO).body)  # the old address is told, with a way back

    confirm = _path_sent_to(harness, NEW_EMAIL, CONFIRM)
    elsewhere = app.test_client()  # opened on another device, not signed in
    assert NEW_EMAIL in _text(elsewhere.get(confirm))
    response = _post(elsewhere, confirm)
    assert response.status_code == 302 and response.headers["Location"] == "/accesso"
    again = elsewhere.get(confirm)
    assert again.status_code == 410 and "si può usare una sola volta" in _text(again)

    assert _log_in(app.test_client(), NEW_EMAIL).status_code == 302
    assert _log_in(app.test_client(), MARCO).status_code == 401
    page = _text(marco.get(PROFILE))
    assert f'data-testid="current-email">{NEW_EMAIL}<' in page and 'data-testid="pending-email"' not in page


def test_an_address_of_another_account_gets_the_same_answer_and_no_link(app, marco, harness):
    free = _post(marco, PROFILE + "/email", email=NEW_EMAIL, current_password=DEMO_PASSWORD)
    free_page = _text(marco.get(PROFILE))
    taken = _post(marco, PROFILE + "/email", email=VALERIA, current_password=DEMO_PASSWORD)
    taken_page = _text(marco.get(PROFILE))

    assert (taken.status_code, taken.headers["Location"]) == (free.status_code, free.headers["Location"])
    assert _flash(taken_page).replace(VALERIA, "X") == _flash(free_page).replace(NEW_EMAIL, "X")
    assert f"in attesa di conferma: {VALERIA}" in taken_page
    assert not any(CONFIRM.search(m.body) for m in harness.emails_to(VALERIA))
    assert [m.subject for m in harness.emails_to(VALERIA)] == ["Area Clienti: questo indirizzo ha già un profilo"]


def _flash(page: str) -> str:
    return " ".join(re.findall(r'<p class="flash flash-\w+" role="status">([^<]*)</p>', page))


def test_a_wrong_current_password_keeps_the_typed_address(marco, harness):
    response = _post(marco, PROFILE + "/email", email=NEW_EMAIL, current_password="non è questa")
    assert response.status_code == 422
    page = _text(response)
    assert 'data-testid="error-current_password"' in page and "La password attuale non è corretta." in page
    assert f'value="{NEW_EMAIL}"' in page
    assert harness.emails_to(NEW_EMAIL) == []


def test_a_malformed_or_unchanged_address_is_refused_beside_the_field(marco):
    response = _post(marco, PROFILE + "/email", email="marco@", current_password=DEMO_PASSWORD)
    assert response.status_code == 422 and 'data-testid="error-email"' in _text(response)
    response = _post(marco, PROFILE + "/email", email=MARCO, current_password=DEMO_PASSWORD)
    assert response.status_code == 422 and "È già il dato del tuo profilo" in _text(response)


def test_not_me_undoes_the_change_ends_every_session_and_asks_for_a_new_password(app, marco, harness):
    _post(marco, PROFILE + "/email", email=NEW_EMAIL, current_password=DEMO_PASSWORD)
    cancel = _path_sent_to(harness, MARCO, CANCEL)
    owner = app.test_client()
    assert "Non sono stato io" in _text(owner.get(cancel))
    response = _post(owner, cancel)
    assert response.status_code == 302 and response.headers["Location"] == "/password/dimenticata"
    assert "scegline subito una nuova" in _text(owner.get("/password/dimenticata"))

    assert marco.get(PROFILE).headers["Location"].startswith("/accesso")  # whoever asked is signed out
    assert app.test_client().get(_path_sent_to(harness, NEW_EMAIL, CONFIRM)).status_code == 410  # undone
    assert owner.get(cancel).status_code == 410  # used once
    assert _log_in(app.test_client(), MARCO).status_code == 302


def test_a_link_of_one_kind_does_not_open_the_other_page(app, marco, harness):
    _post(marco, PROFILE + "/email", email=NEW_EMAIL, current_password=DEMO_PASSWORD)
    confirm_token = _path_sent_to(harness, NEW_EMAIL, CONFIRM).rsplit("/", 1)[1]
    assert marco.get(f"/email/annulla/{confirm_token}").status_code == 410
    assert marco.get(f"/password/imposta/{confirm_token}").status_code == 410


def test_the_profile_pages_ask_for_a_login(client):
    for path in (PROFILE, PROFILE + "/email", PROFILE + "/cellulare", PROFILE + "/cellulare/verifica"):
        assert client.get(path).headers["Location"].startswith("/accesso"), path


# --- mobile ------------------------------------------------------------------------------------------
def test_the_mobile_changes_by_the_code_sent_to_the_new_number(marco, harness):
    response = _post(marco, PROFILE + "/cellulare", mobile="340 111 2233", current_password=DEMO_PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == PROFILE + "/cellulare/verifica"
    assert "+39 *** *** 2233" in _text(marco.get(PROFILE + "/cellulare/verifica"))
    page = _text(marco.get(PROFILE))
    assert "in attesa di conferma: +39 *** *** 2233" in page and "inserisci il codice" in page

    response = _post(marco, PROFILE + "/cellulare/verifica", code=harness.code_sent_to(NEW_MOBILE))
    assert response.status_code == 302 and response.headers["Location"] == PROFILE
    page = _text(marco.get(PROFILE))
    assert "Numero di cellulare aggiornato" in page
    assert f'data-testid="current-mobile">{NEW_MOBILE}<' in page and 'data-testid="pending-mobile"' not in page
    assert "+39 *** *** 2233" in harness.sms.last_to(MARCO_MOBILE).text  # the old number is told
    assert "cellulare" in harness.emails.last_to(MARCO).subject


def test_a_landline_is_refused_and_the_typed_number_kept(marco, harness):
    response = _post(marco, PROFILE + "/cellulare", mobile="06 6982 1234", current_password=DEMO_PASSWORD)
    assert response.status_code == 422
    page = _text(response)
    assert 'data-testid="error-mobile"' in page and "non è un cellulare" in page
    assert 'value="06 6982 1234"' in page
    assert harness.sms.sent == []


def test_a_wrong_password_sends_no_code(marco, harness):
    response = _post(marco, PROFILE + "/cellulare", mobile=NEW_MOBILE, current_password="sbagliata")
    assert response.status_code == 422 and "La password attuale non è corretta." in _text(response)
    assert harness.sms.sent == []


def test_a_code_of_another_flow_is_refused(app, marco, harness):
    reset = app.test_client()
    _post(reset, "/password/dimenticata", email=MARCO)
    reset_code = harness.code_sent_to(MARCO_MOBILE)
    harness.clock.advance(minutes=1)
    _post(marco, PROFILE + "/cellulare", mobile=NEW_MOBILE, current_password=DEMO_PASSWORD)

    response = _post(marco, PROFILE + "/cellulare/verifica", code=reset_code)
    assert response.status_code == 422 and 'data-testid="error-code"' in _text(response)
    response = _post(reset, "/password/dimenticata/verifica", code=harness.code_sent_to(NEW_MOBILE))
    assert response.status_code == 422
    assert 'data-testid="current-mobile">+393291180442<' in _text(marco.get(PROFILE))


def test_a_new_code_on_request_within_the_limits(marco, harness):
    _post(marco, PROFILE + "/cellulare", mobile=NEW_MOBILE, current_password=DEMO_PASSWORD)
    response = _post(marco, PROFILE + "/cellulare/nuovo-codice", PROFILE + "/cellulare/verifica")
    assert response.headers["Location"] == PROFILE + "/cellulare/verifica"
    # Within the cool-down: refused, and the page says from when (10:01, Italian time).
    assert "Potrai chiederne uno nuovo dalle 10:01" in _text(marco.get(PROFILE + "/cellulare/verifica"))
    assert len(harness.sms.to(NEW_MOBILE)) == 1
    harness.clock.advance(seconds=61)
    _post(marco, PROFILE + "/cellulare/nuovo-codice", PROFILE + "/cellulare/verifica")
    assert len(harness.sms.to(NEW_MOBILE)) == 2
