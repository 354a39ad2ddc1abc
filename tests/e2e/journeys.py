"""Steps shared by the HTTP tests (the AuthActions of the flaskr tutorial)."""
from __future__ import annotations

import re

from ..support import STRONG_PASSWORD

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client, path: str) -> str:
    response = client.get(path)
    match = CSRF.search(response.text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def register_via_api(client, harness, scenario, email: str = "cliente@example.it",
                     mobile: str = "+393471112233") -> str:
    """Register a demo customer through the JSON API; returns the login email."""
    party = scenario.tax_code or scenario.vat_number
    step = client.post("/api/v1/registrations", json={
        "party_id": party, "policy_number": scenario.policy_number, "privacy_accepted": True}).json
    flow = step["flow_token"]
    if step["next_step"] == "contacts":
        response = client.post("/api/v1/registrations/contacts",
                               json={"flow_token": flow, "email": email, "mobile": mobile})
        assert response.status_code == 200, response.json
    else:
        email, mobile = scenario.email, scenario.mobile
    code = harness.code_sent_to(mobile)
    assert client.post("/api/v1/registrations/code", json={"flow_token": flow, "code": code}).status_code == 200
    token = harness.link_token_sent_to(email)
    response = client.post(f"/api/v1/password-links/{token}",
                           json={"password": STRONG_PASSWORD, "password_confirm": STRONG_PASSWORD})
    assert response.status_code == 204, response.json
    return email
