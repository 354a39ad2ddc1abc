"""SPEC §8 over HTTP: headers, CSRF, cookies, sessions, access to other people's policies."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from areaclienti.entrypoints.web.app import create_app

from ..support import STRONG_PASSWORD, build_harness, test_settings
from .journeys import csrf_token, register_via_api


def test_every_answer_carries_the_security_headers(client, app):
    @app.get("/boom")
    def boom():
        raise RuntimeError("unexpected")

    for path, status in (("/accesso", 200), ("/nowhere", 404), ("/boom", 500), ("/api/v1/nowhere", 404)):
        response = client.get(path)
        assert response.status_code == status, path
        csp = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "no-referrer"


def test_an_unexpected_error_is_a_kind_page_not_a_traceback(client, app):
    @app.get("/boom")
    def boom():
        raise RuntimeError("secret detail")

    response = client.get("/boom")
    assert response.status_code == 500
    assert "secret detail" not in response.text
    assert "errore imprevisto" in response.text


def test_forms_without_the_csrf_token_are_refused(client):
    client.get("/accesso")
    response = client.post("/accesso", data={"email": "a@example.it", "password": "x"})
    assert response.status_code == 400
    assert "ricarica la pagina" in response.text


def test_login_rotates_the_session_id_and_logout_ends_it(client, harness, demo):
    email = register_via_api(client, harness, demo.scenario("policyholder_vita"))
    token = csrf_token(client, "/accesso")
    before = client.get_cookie("areaclienti_session").value
    response = client.post("/accesso", data={"csrf_token": token, "email": email, "password": STRONG_PASSWORD})
    assert response.status_code == 302
    signed_in = client.get_cookie("areaclienti_session").value
    assert signed_in != before
    assert client.get("/area-clienti").status_code == 200

    client.post("/esci", data={"csrf_token": csrf_token(client, "/area-clienti")})
    assert client.get_cookie("areaclienti_session").value != signed_in
    # The old id, replayed, is no longer a session.
    client.set_cookie("areaclienti_session", signed_in)
    assert client.get("/area-clienti").headers["Location"].startswith("/accesso")


@pytest.mark.parametrize("idle, expected", [(timedelta(minutes=14), 200), (timedelta(minutes=16), 302)])
def test_sessions_end_after_fifteen_idle_minutes(client, harness, demo, idle, expected):
    _login(client, harness, demo)
    harness.clock.advance(seconds=idle.total_seconds())
    assert client.get("/area-clienti").status_code == expected


def test_sessions_end_after_eight_hours_however_active(client, harness, demo):
    _login(client, harness, demo)
    for _ in range(8 * 6):  # a page every 10 minutes
        harness.clock.advance(minutes=10)
        response = client.get("/area-clienti")
    assert response.status_code == 302


def test_another_customers_policy_is_not_found(client, harness, demo):
    _login(client, harness, demo)
    mine = demo.scenario("policyholder_vita").policy_number
    someone_elses = demo.scenario("policyholder_danni").policy_number
    insured_only = [p.number for p in demo.policies if p.number != mine and
                    any(r.party_id.value == demo.scenario("policyholder_vita").tax_code for r in p.roles)
                    and not p.roles_of(p.roles[0].party_id)]
    assert client.get(f"/area-clienti/polizze/{mine}").status_code == 200
    assert client.get(f"/area-clienti/polizze/{someone_elses}").status_code == 404
    assert client.get("/area-clienti/polizze/DOESNOTEXIST").status_code == 404
    assert insured_only == []


def test_the_policy_on_which_the_customer_is_only_insured_is_not_found(client, harness, demo):
    _login(client, harness, demo)
    party = demo.scenario("policyholder_vita").tax_code
    insured = [p.number for p in demo.policies
               if {r.role.value for r in p.roles if r.party_id.value == party} == {"insured"}]
    assert insured, "the demo data should have an insured-only policy for this customer"
    for number in insured:
        assert client.get(f"/area-clienti/polizze/{number}").status_code == 404
        assert number not in client.get("/area-clienti").text


def test_login_never_redirects_off_site(client, harness, demo):
    email = register_via_api(client, harness, demo.scenario("policyholder_vita"))
    token = csrf_token(client, "/accesso")
    response = client.post("/accesso", data={"csrf_token": token, "email": email, "password": STRONG_PASSWORD,
                                             "next": "//evil.example/x"})
    assert response.headers["Location"] == "/area-clienti"


def test_production_hides_the_dev_pages_and_hardens_the_cookie(tmp_path):
    settings = test_settings(tmp_path, env="production")
    app = create_app(settings, build_harness(settings).container)
    client = app.test_client()
    assert client.get("/_dev/outbox").status_code == 404
    assert client.get("/_dev/demo-customers").status_code == 404
    response = client.get("/accesso", base_url="https://localhost")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-areaclienti=")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "max-age" in response.headers["Strict-Transport-Security"]


def test_development_shows_the_outbox_and_the_demo_customers(client, demo):
    customers = client.get("/_dev/demo-customers").json["customers"]
    scenarios = {c["scenario"] for c in customers}
    assert {"policyholder_vita", "insured_only", "expired_30_months", "legacy", "legacy_wrong_data",
            "already_registered", "contacts_at_issuance", "company"} <= scenarios
    company = next(c for c in customers if c["scenario"] == "company")
    assert "vat_number" in company and "tax_code" not in company
    outbox = client.get("/_dev/outbox", headers={"Accept": "application/json"})
    assert outbox.status_code == 200 and "messages" in outbox.json


def _login(client, harness, demo):
    email = register_via_api(client, harness, demo.scenario("policyholder_vita"))
    token = csrf_token(client, "/accesso")
    response = client.post("/accesso", data={"csrf_token": token, "email": email, "password": STRONG_PASSWORD})
    assert response.status_code == 302, response.text
    assert re.match(r"^/area-clienti", response.headers["Location"])
