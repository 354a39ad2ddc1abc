"""Journeys over HTTP: the JSON API, and answers that do not tell known identities from unknown ones."""
from __future__ import annotations

import re

import pytest

from ..support import STRONG_PASSWORD
from .journeys import CSRF, csrf_token, register_via_api


def _comparable(html: str) -> str:
    return CSRF.sub("", html)


def test_password_reset_answers_alike_for_known_and_unknown_emails(client, harness, demo):
    email = register_via_api(client, harness, demo.scenario("policyholder_vita"))
    harness.clock.advance(minutes=2)  # past the registration code's cool-down: the known email gets a real code
    sent_before = len(harness.sms.sent)
    answers = []
    for address in (email, "nessuno@example.it"):
        token = csrf_token(client, "/password/dimenticata")
        response = client.post("/password/dimenticata", data={"csrf_token": token, "email": address})
        page = client.get(response.headers["Location"])
        wrong = client.post(response.headers["Location"], data={"csrf_token": token, "code": "12345"})
        answers.append((response.status_code, response.headers["Location"], page.status_code,
                        _comparable(page.text), wrong.status_code, _comparable(wrong.text)))
        harness.clock.advance(minutes=1)
    assert len(harness.sms.sent) == sent_before + 1  # the known email really got a code
    assert answers[0] == answers[1]
    assert "Ti rest" not in answers[0][-1]  # no count of tries left: a made-up flow has none
    api = [client.post("/api/v1/password-resets", json={"email": a}) for a in (email, "nessuno@example.it")]
    assert [r.status_code for r in api] == [202, 202]
    assert api[0].json.keys() == api[1].json.keys() == {"flow_token"}


def test_login_answers_alike_for_a_wrong_password_and_an_unknown_email(client, harness, demo):
    email = register_via_api(client, harness, demo.scenario("policyholder_vita"))
    token = csrf_token(client, "/accesso")
    known = client.post("/accesso", data={"csrf_token": token, "email": email, "password": "sbagliata-123"})
    unknown = client.post("/accesso", data={"csrf_token": token, "email": "x" + email, "password": "sbagliata-123"})
    assert known.status_code == unknown.status_code == 401
    assert _comparable(known.text).replace(email, "") == _comparable(unknown.text).replace("x" + email, "")
    api = [client.post("/api/v1/sessions", json={"email": e, "password": "sbagliata-123"})
           for e in (email, "y" + email)]
    assert [r.status_code for r in api] == [401, 401] and api[0].json == api[1].json


def test_first_access_answers_alike_for_old_area_and_unknown_emails(client, harness, demo, demo_accounts):
    legacy = demo.scenario("legacy")
    answers = []
    for address, mobile in ((legacy.email, legacy.mobile), ("sconosciuto@example.it", legacy.mobile),
                            (legacy.email, "+393331234567")):  # a number other than the one on file
        token = csrf_token(client, "/primo-accesso")
        response = client.post("/primo-accesso", data={"csrf_token": token, "email": address, "mobile": mobile})
        answers.append((response.status_code, response.headers.get("Location")))
        harness.clock.advance(minutes=2)
    assert answers[0] == answers[1] == answers[2] == (302, "/primo-accesso/verifica")
    assert len(harness.sms.to(legacy.mobile)) == 1  # only the real customer, on the number on file
    assert harness.sms.to("+393331234567") == []


def test_api_journey_from_login_to_policies_and_logout(client, harness, demo):
    scenario = demo.scenario("policyholder_danni")
    email = register_via_api(client, harness, scenario)
    response = client.post("/api/v1/sessions", json={"email": email, "password": STRONG_PASSWORD})
    assert response.status_code == 201
    auth = {"Authorization": f"Bearer {response.json['token']}"}

    me = client.get("/api/v1/me", headers=auth).json
    assert me["party_id"] == scenario.tax_code and me["identification_pending"] is True
    policies = client.get("/api/v1/policies", headers=auth).json
    numbers = {p["number"] for group in policies.values() for p in group}
    assert scenario.policy_number in numbers
    assert all(p["company"] == "danni" for p in policies["danni"])
    detail = client.get(f"/api/v1/policies/{scenario.policy_number}", headers=auth)
    assert detail.status_code == 200 and "policyholder" in detail.json["my_roles"]
    other = demo.scenario("policyholder_vita").policy_number
    assert client.get(f"/api/v1/policies/{other}", headers=auth).status_code == 404

    assert client.delete("/api/v1/sessions/current", headers=auth).status_code == 204
    assert client.get("/api/v1/me", headers=auth).status_code == 401
    assert client.get("/api/v1/me").status_code == 401


def test_api_errors_are_italian_json_with_the_field(client):
    response = client.post("/api/v1/registrations",
                           json={"party_id": "RSSMRA80A01H501X", "policy_number": "VI1", "privacy_accepted": True})
    assert response.status_code == 422
    assert response.json["field"] == "party_id"
    assert "carattere finale" in response.json["message"]
    missing = client.post("/api/v1/registrations", json={"policy_number": "VI1"})
    assert missing.status_code == 422 and missing.json["errors"]["party_id"] == "Compila questo campo."
    assert client.post("/api/v1/registrations", data="not json",
                       headers={"Content-Type": "application/json"}).status_code in (400, 422)


def test_too_many_codes_get_a_429_with_retry_after(client, harness, demo):
    scenario = demo.scenario("contacts_at_issuance")  # each start sends a code to the issuance mobile
    body = {"party_id": scenario.tax_code, "policy_number": scenario.policy_number, "privacy_accepted": True}
    assert client.post("/api/v1/registrations", json=body).status_code == 201
    refused = client.post("/api/v1/registrations", json=body)  # within the 60-second cool-down
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert refused.json["code"] == "otp_send_refused"


def test_the_openapi_document_describes_every_route(client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["info"]["title"] == "Area Clienti API"
    for path in ("/api/v1/registrations", "/api/v1/registrations/contacts", "/api/v1/registrations/code",
                 "/api/v1/password-links/{token}", "/api/v1/password-resets", "/api/v1/first-access",
                 "/api/v1/sessions", "/api/v1/policies", "/api/v1/policies/{number}", "/api/v1/me"):
        assert path in spec["paths"], path
    assert "requestBody" in spec["paths"]["/api/v1/registrations"]["post"]


def test_the_set_password_page_of_a_used_link_says_so(client, harness, demo):
    email = register_via_api(client, harness, demo.scenario("member_collective"))
    token = harness.link_token_sent_to(email)
    response = client.get(f"/password/imposta/{token}")
    assert response.status_code == 410
    assert re.search(r"una sola volta", response.text)


def test_two_registrations_racing_for_one_email_end_with_a_message_not_a_crash(client, harness, demo):
    tokens = []
    for name, mobile in (("policyholder_vita", "+393471110001"), ("policyholder_danni", "+393471110002")):
        scenario = demo.scenario(name)
        flow = client.post("/api/v1/registrations", json={"party_id": scenario.tax_code, "privacy_accepted": True,
                                                          "policy_number": scenario.policy_number}).json["flow_token"]
        assert client.post("/api/v1/registrations/contacts", json={
            "flow_token": flow, "email": "stessa@example.it", "mobile": mobile}).status_code == 200
        code = harness.code_sent_to(mobile)
        assert client.post("/api/v1/registrations/code", json={"flow_token": flow, "code": code}).status_code == 200
        tokens.append(harness.link_token_sent_to("stessa@example.it"))
    body = {"password": STRONG_PASSWORD, "password_confirm": STRONG_PASSWORD}
    assert client.post(f"/api/v1/password-links/{tokens[0]}", json=body).status_code == 204
    second = client.post(f"/api/v1/password-links/{tokens[1]}", json=body)
    assert second.status_code == 422 and second.json["code"] == "email_in_use"



@pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/policies", "/api/v1/policies/VI10004521"])
def test_the_api_without_a_token_answers_401_in_json(client, path):
    response = client.get(path)
    assert response.status_code == 401
    assert response.json["message"] == "Accedi per continuare."
    assert response.headers["WWW-Authenticate"].lower().startswith("bearer")


def test_api_tokens_and_site_cookies_are_not_interchangeable(client, harness, demo):
    email = register_via_api(client, harness, demo.scenario("policyholder_vita"))
    token = client.post("/api/v1/sessions", json={"email": email, "password": STRONG_PASSWORD}).json["token"]
    client.set_cookie("areaclienti_session", token)
    assert client.get("/area-clienti").status_code == 302  # the API token is no site session

    client.delete_cookie("areaclienti_session")
    client.post("/accesso", data={"csrf_token": csrf_token(client, "/accesso"), "email": email,
                                  "password": STRONG_PASSWORD})
    cookie = client.get_cookie("areaclienti_session").value
    assert client.get("/area-clienti").status_code == 200
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {cookie}"}).status_code == 401
