"""Issue 12 through the JSON API: the consents (state, history, the marketing one given and withdrawn from the
app, the privacy one refused), the account's live sessions (the device from the User-Agent, the token's own
marked, one or every other signed out) and the last security events in Italian."""
from __future__ import annotations

import pytest

from areaclienti.adapters.demo_core.data import DEMO_PASSWORD

from .journeys import csrf_token

MARCO = "marco.rinaldi@example.it"
VALERIA = "valeria.costa@example.it"
ANDROID = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/126.0.0.0 Mobile Safari/537.36")
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/17.5 Mobile/15E148 Safari/604.1")
SIGNED_IN_ONLY = [("GET", "/api/v1/me/consents"), ("PUT", "/api/v1/me/consents/marketing"),
                  ("GET", "/api/v1/me/sessions"), ("DELETE", "/api/v1/me/sessions"),
                  ("DELETE", "/api/v1/me/sessions/0123456789abcdef01234567"), ("GET", "/api/v1/me/security-events")]


def _token(client, email: str = MARCO, password: str = DEMO_PASSWORD, user_agent: str | None = None) -> dict:
    response = client.post("/api/v1/sessions", json={"email": email, "password": password},
                           headers={"User-Agent": user_agent or ""})
    assert response.status_code == 201, response.json
    return {"Authorization": f"Bearer {response.json['token']}"}


def _sessions(client, auth) -> list[dict]:
    response = client.get("/api/v1/me/sessions", headers=auth)
    assert response.status_code == 200, response.json
    return response.json["sessions"]


def _promo_shown(app) -> bool:
    browser = app.test_client()
    browser.post("/accesso", data={"csrf_token": csrf_token(browser, "/accesso"), "email": MARCO,
                                   "password": DEMO_PASSWORD})
    page = browser.get("/area-clienti")
    assert page.status_code == 200
    return 'data-testid="promo-box"' in page.text


# --- consents ---------------------------------------------------------------------------------------------
def test_the_consents_as_they_stand(client, demo_accounts):
    body = client.get("/api/v1/me/consents", headers=_token(client)).json
    assert body["privacy"]["given"] is True and body["privacy"]["since"]
    assert body["privacy"]["label"] == "Trattamento dei dati personali (privacy)"
    assert body["marketing"]["given"] is True  # Marco gave it
    assert body["history"] == []  # a demo account: its state comes from the account


def test_withdrawing_the_marketing_consent_from_the_app_hides_the_promotional_box(app, client, demo_accounts):
    auth = _token(client)
    assert _promo_shown(app)
    withdrawn = client.put("/api/v1/me/consents/marketing", json={"given": False}, headers=auth)
    assert withdrawn.status_code == 200, withdrawn.json
    assert withdrawn.json["consent"] == "marketing" and withdrawn.json["given"] is False
    assert withdrawn.json["changed"] is True and withdrawn.json["since"]
    assert not _promo_shown(app)

    again = client.put("/api/v1/me/consents/marketing", json={"given": False}, headers=auth)
    assert again.status_code == 200 and again.json["changed"] is False  # nothing recorded twice
    given = client.put("/api/v1/me/consents/marketing", json={"given": True}, headers=auth).json
    assert given["given"] is True and given["changed"] is True
    assert _promo_shown(app)

    history = client.get("/api/v1/me/consents", headers=auth).json["history"]
    assert [(h["consent"], h["given"], h["channel"], h["channel_label"]) for h in history] == [
        ("marketing", True, "api", "app"), ("marketing", False, "api", "app")]
    assert history[0]["at"] >= history[1]["at"]


def test_the_privacy_consent_cannot_be_withdrawn(client, demo_accounts):
    auth = _token(client)
    refused = client.put("/api/v1/me/consents/privacy", json={"given": False}, headers=auth)
    assert refused.status_code == 422 and refused.json["code"] == "privacy_consent_required", refused.json
    assert refused.json["message"] == (  # the consents page's words
        "Il consenso al trattamento dei dati personali serve per usare l'area riservata: non si può revocare "
        "finché il profilo è attivo. Per revocarlo chiedi la chiusura del profilo al servizio clienti.")
    kept = client.put("/api/v1/me/consents/privacy", json={"given": True}, headers=auth)
    assert kept.status_code == 200 and kept.json["given"] is True and kept.json["changed"] is False
    assert client.get("/api/v1/me/consents", headers=auth).json["history"] == []


@pytest.mark.parametrize("path, body, status", [
    ("/api/v1/me/consents/newsletter", {"given": False}, 404),
    ("/api/v1/me/consents/marketing", {"given": "forse"}, 422),
    ("/api/v1/me/consents/marketing", {}, 422),
])
def test_a_malformed_consent_change_is_refused(client, demo_accounts, path, body, status):
    auth = _token(client)
    assert client.put(path, json=body, headers=auth).status_code == status
    assert client.get("/api/v1/me/consents", headers=auth).json["marketing"]["given"] is True


# --- sessions ---------------------------------------------------------------------------------------------
def test_the_sessions_name_their_device_and_mark_this_token(app, client, demo_accounts):
    browser = app.test_client()
    browser.environ_base["HTTP_USER_AGENT"] = IPHONE
    browser.post("/accesso", data={"csrf_token": csrf_token(browser, "/accesso"), "email": MARCO,
                                   "password": DEMO_PASSWORD})
    _token(client, user_agent="")  # an app that sends no User-Agent
    auth = _token(client, user_agent=ANDROID)

    sessions = _sessions(client, auth)
    assert sessions[0]["current"] is True and sessions[0]["device"] == "App (su Android)"
    assert sorted(s["device"] for s in sessions[1:]) == ["App", "Safari su iOS"]
    assert not any(s["current"] for s in sessions[1:])
    token_hash = auth["Authorization"].removeprefix("Bearer ")
    assert all(len(s["id"]) == 24 and s["id"] not in token_hash for s in sessions)
    assert all(s["signed_in_at"] and s["last_used_at"] for s in sessions)


def test_signing_out_another_session_refuses_its_token(client, demo_accounts):
    phone, tablet = _token(client, user_agent=ANDROID), _token(client, user_agent=IPHONE)
    other = next(s for s in _sessions(client, tablet) if not s["current"] and s["device"] == "App (su Android)")
    assert client.delete(f"/api/v1/me/sessions/{other['id']}", headers=tablet).status_code == 204
    refused = client.get("/api/v1/me", headers=phone)
    assert refused.status_code == 401 and refused.json["code"] == "unauthorized"
    again = client.delete(f"/api/v1/me/sessions/{other['id']}", headers=tablet)
    assert again.status_code == 404 and again.json["code"] == "not_found"
    assert [s["current"] for s in _sessions(client, tablet)] == [True]


def test_this_tokens_own_session_is_not_ended_from_the_list(client, demo_accounts):
    auth = _token(client)
    mine = _sessions(client, auth)[0]
    refused = client.delete(f"/api/v1/me/sessions/{mine['id']}", headers=auth)
    assert refused.status_code == 409 and refused.json["code"] == "session_in_use", refused.json
    assert "esci dall'area riservata" in refused.json["message"]
    assert client.get("/api/v1/me", headers=auth).status_code == 200


def test_another_accounts_session_cannot_be_ended(client, demo_accounts):
    valeria = _token(client, VALERIA)
    hers = _sessions(client, valeria)[0]["id"]
    marco = _token(client)
    refused = client.delete(f"/api/v1/me/sessions/{hers}", headers=marco)
    assert refused.status_code == 404 and refused.json["code"] == "not_found"
    assert client.get("/api/v1/me", headers=valeria).status_code == 200
    assert client.delete("/api/v1/me/sessions/not-a-session", headers=marco).status_code == 404


def test_signing_out_every_other_session_keeps_this_one(app, client, demo_accounts):
    browser = app.test_client()
    browser.post("/accesso", data={"csrf_token": csrf_token(browser, "/accesso"), "email": MARCO,
                                   "password": DEMO_PASSWORD})
    phone, auth = _token(client, user_agent=ANDROID), _token(client)
    assert len(_sessions(client, auth)) == 3
    ended = client.delete("/api/v1/me/sessions", headers=auth)
    assert ended.status_code == 200 and ended.json == {"ended": 2}
    assert client.get("/api/v1/me", headers=phone).status_code == 401
    assert browser.get("/area-clienti").status_code == 302  # the site's session too: back to the login
    assert [s["current"] for s in _sessions(client, auth)] == [True]
    assert client.delete("/api/v1/me/sessions", headers=auth).json == {"ended": 0}


# --- security events --------------------------------------------------------------------------------------
def test_the_security_events_in_italian_newest_first(client, demo_accounts):
    wrong = client.post("/api/v1/sessions", json={"email": MARCO, "password": "not the password"})
    assert wrong.status_code == 401
    auth = _token(client)
    client.delete("/api/v1/me/sessions", headers=auth)  # one other session ended: none, so nothing recorded
    _token(client, user_agent=ANDROID)
    client.delete("/api/v1/me/sessions", headers=auth)

    events = client.get("/api/v1/me/security-events", headers=auth).json["events"]
    assert [(e["kind"], e["label"]) for e in events[:4]] == [
        ("sessions_revoked", "Uscita da 1 altro dispositivo"),
        ("login_succeeded", "Accesso all'area riservata"),
        ("login_succeeded", "Accesso all'area riservata"),
        ("login_failed", "Tentativo di accesso con password errata"),
    ]
    assert all(e["at"] for e in events) and len(events) <= 20


# --- without a session ------------------------------------------------------------------------------------
@pytest.mark.parametrize("method, path", SIGNED_IN_ONLY)
def test_every_operation_needs_a_session(client, demo_accounts, method, path):
    response = client.open(path, method=method, json={"given": False} if method == "PUT" else None)
    assert response.status_code == 401 and response.json["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].lower().startswith("bearer")
