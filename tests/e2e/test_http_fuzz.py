"""Bad input anywhere gets a 4xx and a message, never a 500 (forms and JSON, random values)."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .journeys import csrf_token

FORMS = {
    "/registrazione": ["party_id", "policy_number", "privacy_accepted", "marketing_consent"],
    "/accesso": ["email", "password", "next"],
    "/password/dimenticata": ["email"],
    "/primo-accesso": ["email", "mobile"],
}
API = {
    "/api/v1/registrations": ["party_id", "policy_number", "privacy_accepted"],
    "/api/v1/registrations/contacts": ["flow_token", "email", "mobile"],
    "/api/v1/registrations/code": ["flow_token", "code"],
    "/api/v1/password-resets": ["email"],
    "/api/v1/password-resets/code": ["flow_token", "code"],
    "/api/v1/first-access": ["email", "mobile"],
    "/api/v1/sessions": ["email", "password"],
    "/api/v1/password-links/abc": ["password", "password_confirm"],
}
junk = st.one_of(st.text(max_size=300), st.integers(), st.booleans(), st.none(), st.lists(st.text(max_size=5)),
                 st.just("\x00"), st.just("ＲＳＳＭＲＡ８０Ａ０１Ｈ５０１Ｕ"), st.just("' OR 1=1 --"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_forms_never_answer_500(client, data):
    path = data.draw(st.sampled_from(sorted(FORMS)))
    values = {name: data.draw(st.text(max_size=200)) for name in FORMS[path]}
    values["csrf_token"] = csrf_token(client, path)
    response = client.post(path, data=values)
    assert response.status_code < 500, (path, values)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_api_never_answers_500(client, data):
    path = data.draw(st.sampled_from(sorted(API)))
    body = {name: data.draw(junk) for name in API[path] if data.draw(st.booleans())}
    response = client.post(path, json=body)
    assert response.status_code < 500, (path, body, response.get_data(as_text=True)[:300])
    assert "message" in response.json or response.status_code in (201, 202, 204) or response.status_code == 200
