"""The OpenAPI document is the truth: schemathesis drives every operation of /api/v1 in-process.

First a valid journey through every operation (the flows need codes and links no generator can guess),
then the document's own examples and random valid and invalid data, all with an identified customer's
bearer token. Every answer is checked against the document: no 5xx, status, content type and body as
declared, and an error's ``code`` among the ones the operation lists for that status.
"""
from __future__ import annotations

import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import pytest
from dependency_injector import providers
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable

schemathesis = pytest.importorskip("schemathesis")

from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.core.failures import FailureGroup  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from areaclienti.adapters.demo_core.data import DEMO_PASSWORD  # noqa: E402
from areaclienti.entrypoints.web.api import API_SESSION  # noqa: E402

from ..sample_files import image_bytes  # noqa: E402
from ..support import STRONG_PASSWORD  # noqa: E402
from ..unit.app.identification_journeys import create_operator, identify_until_sent, operator_id  # noqa: E402
from .journeys import register_via_api  # noqa: E402

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]
EXAMPLES = 25  # per operation and generation mode; the seed is fixed (derandomize)
NEW_PASSWORD = "un'altra password robusta 2027"
# Where valid random data (with the document's examples) must reach a success on its own.
GENERATED_SUCCESS = {"POST /api/v1/password-resets", "POST /api/v1/first-access", "DELETE /api/v1/sessions/current",
                     "GET /api/v1/me", "GET /api/v1/policies", "GET /api/v1/policies/{number}",
                     "GET /api/v1/policies/{number}/functions", "GET /api/v1/requests",
                     "GET /api/v1/questionnaires", "GET /api/v1/questionnaires/answers"}
OWN_POLICY = {"GET /api/v1/policies/{number}", "GET /api/v1/policies/{number}/functions",
              "POST /api/v1/policies/{number}/payments",
              "POST /api/v1/policies/{number}/additional-payments", "GET /api/v1/policies/{number}/claim-form",
              "POST /api/v1/policies/{number}/claim-files",
              "POST /api/v1/policies/{number}/claims"}  # random numbers are someone else's: 404
# Called as the demo's identified customer, Marco, on his Vita savings plan (additional payments from €500 to
# €15,000 online): the registered customer holds a Danni policy only.
VITA = "VI10011940"
# Claims too are Marco's, on his motor policy (OWN_POLICY numbers are his when fuzzed as him).
MOTOR = "DA20040117"
CLAIMS = {"GET /api/v1/policies/{number}/claim-form", "POST /api/v1/policies/{number}/claim-files",
          "DELETE /api/v1/claim-files/{attachment_id}", "POST /api/v1/policies/{number}/claims",
          "POST /api/v1/requests/{number}/documents"}
PERSONAL_DATA = {"GET /api/v1/me/personal-data", "POST /api/v1/me/personal-data/{section}"}  # Marco's, in Rome
AS_VITA_CUSTOMER = {"POST /api/v1/policies/{number}/additional-payments", "GET /api/v1/questionnaires/answers",
                    *CLAIMS, *PERSONAL_DATA}


@dataclass
class Tally:
    """Every call and what the document says of its answer."""

    spec: dict
    statuses: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    generated: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    violations: list[str] = field(default_factory=list)
    calls: int = 0

    def call(self, case, headers: dict | None = None, *, generated: bool = False, checks=CHECKS):
        response = case.call(headers=headers)
        label, status = case.operation.label, response.status_code
        self.calls += 1
        self.statuses[label][status] += 1
        if generated:
            self.generated[label][status] += 1
        try:
            case.validate_response(response, checks=checks, headers=headers)
        except FailureGroup as group:
            self.violations += [f"{label} -> {status}: {failure.title}" for failure in group.exceptions]
        if status >= 400:
            self._check_code(case, response)
        return response

    def _check_code(self, case, response) -> None:
        declared = self.spec["paths"][case.operation.path][case.method.lower()]["responses"]
        listed = (declared.get(str(response.status_code), {}).get("content", {}).get("application/json", {})
                  .get("examples", {}))
        code = (response.json() or {}).get("code")
        if code not in listed:
            self.violations.append(f"{case.operation.label} -> {response.status_code}: code {code!r} is not among "
                                   f"the documented {sorted(listed)}")


@dataclass
class Customer:
    email: str
    mobile: str
    account_id: str
    policy_number: str


@pytest.fixture
def identified(client, harness, demo) -> Customer:
    """A customer registered through the API and identified by an operator."""
    scenario = demo.scenario("policyholder_danni")
    email = register_via_api(client, harness, scenario)
    with harness.container.uow() as uow:
        account = uow.accounts.get_by_email(email)
    attempt, _ = identify_until_sent(harness, account.id)
    create_operator(harness)
    harness.container.review().approve(operator_id=operator_id(harness), attempt_id=attempt.id)
    return Customer(email, account.mobile, account.id, scenario.policy_number)


@pytest.fixture
def vita_customer(harness, demo, demo_accounts) -> Customer:
    scenario = demo.scenario("identified")
    with harness.container.uow() as uow:
        account = uow.accounts.get_by_email(scenario.email)
    return Customer(scenario.email, account.mobile, account.id, VITA)


def _answers(**tax) -> dict:
    """Plain answers to the three questionnaires (nothing flagged), with ``tax`` changed."""
    return {
        "anti_money_laundering": {"version": 1, "answers": {
            "purpose": "savings", "funds_source": "salary", "funds_country": "IT", "profession": "retired",
            "pep_self": "no", "pep_family": "no", "pep_associate": "no"}},
        "tax_residency": {"version": 1, "answers": {
            "us_citizen": "no", "us_tax_resident": "no", "us_birthplace": "no", "residence_1_country": "IT",
            "residence_1_has_tin": "yes", "residence_1_tin": "RNLMRC79E21H501A", "residence_1_more": "no", **tax}},
        "sanctions": {"version": 1, "answers": {"sanctioned_countries": "no", "sanctioned_persons": "no",
                                                "residence_country": "IT"}},
    }


def _additional_payment(schema, tally: Tally, vita: Customer, token: str) -> None:
    """The questionnaires, their refusals (each with what the client needs to show), a Vita additional payment
    and the answers it leaves to pre-fill the next one."""
    auth = _bearer(token)
    definitions = tally.call(schema["/api/v1/questionnaires"]["GET"].Case(), auth).json()
    assert [q["code"] for q in definitions["questionnaires"]] == ["anti_money_laundering", "tax_residency",
                                                                   "sanctions"]
    prefill = schema["/api/v1/questionnaires/answers"]["GET"]
    assert tally.call(prefill.Case(), auth).json() == {"questionnaires": {}}
    pay = schema["/api/v1/policies/{number}/additional-payments"]["POST"]

    def post(**changes):
        body = {"amount": "1000.00", "method": "card", "questionnaires": _answers(),
                "idempotency_key": "vita-journey-1", **changes}
        return tally.call(pay.Case(path_parameters={"number": vita.policy_number}, body=body), auth)

    refused = post(questionnaires=_answers(us_citizen="yes", residence_1_tin="RSSMRA80A01H501X"))
    assert refused.status_code == 422 and refused.json()["code"] == "questionnaires_invalid", refused.json()
    assert set(refused.json()["errors"]) == {"tax_residency.us_tin", "tax_residency.residence_1_tin"}
    assert "statunitense" in refused.json()["errors"]["tax_residency.us_tin"]
    low = post(amount="100.00")
    assert low.status_code == 422 and low.json()["limits"] == {"minimum": "500.00", "maximum": "15000.00"}
    outdated = post(questionnaires={**_answers(), "sanctions": {**_answers()["sanctions"], "version": 2}})
    assert outdated.status_code == 409 and outdated.json()["code"] == "questionnaire_outdated", outdated.json()
    first = post()
    assert first.status_code == 201 and first.json()["request"]["kind"] == "additional_payment", first.json()
    assert first.json()["redirect_url"]
    again = post()
    assert again.status_code == 201 and again.json()["repeated"]
    assert again.json()["request"]["number"] == first.json()["request"]["number"]
    last = tally.call(prefill.Case(), auth).json()["questionnaires"]
    assert last["tax_residency"]["answers"]["residence_1_tin"] == "RNLMRC79E21H501A"
    assert last["sanctions"]["version"] == 1 and last["sanctions"]["current"] is True


def _claim(schema, tally: Tally, marco: Customer, token: str) -> None:
    """A motor claim with a photo picked, one removed and one refused, then «integra documenti»: each answer
    with what the client needs to show (the cover period, the staged files, the step on the timeline)."""
    auth = _bearer(token)
    form = tally.call(schema["/api/v1/policies/{number}/claim-form"]["GET"].Case(
        path_parameters={"number": MOTOR}), auth).json()
    assert "collision" in form["kinds"] and form["staged"] == [], form
    assert {"document": "photo", "required": True} in form["checklists"]["collision"]
    upload = schema["/api/v1/policies/{number}/claim-files"]["POST"]

    def stage(content: bytes, document: str = "photo"):
        # Explicit multipart (schemathesis names the part after its field): a random file is never a photo.
        return tally.call(upload.Case(path_parameters={"number": MOTOR}, media_type="multipart/form-data",
                                      body={"file": content, "document": document}), auth)

    refused = stage(b"MZ" + b"\0" * 500)
    assert refused.status_code == 415 and "«file»" in refused.json()["message"], refused.json()
    photo = stage(image_bytes("JPEG", (64, 48), seed=1))
    assert photo.status_code == 201 and photo.json()["content_type"] == "image/jpeg", photo.json()
    dropped = stage(image_bytes("PNG", (64, 48), seed=2)).json()
    discard = schema["/api/v1/claim-files/{attachment_id}"]["DELETE"]
    assert tally.call(discard.Case(path_parameters={"attachment_id": dropped["id"]}), auth).status_code == 204
    assert tally.call(discard.Case(path_parameters={"attachment_id": dropped["id"]}), auth).status_code == 404
    report = schema["/api/v1/policies/{number}/claims"]["POST"]
    body = {"kind": "collision", "event_date": form["last_day"], "event_time": "18:40", "place": "Roma, via Appia",
            "description": "Tamponamento al semaforo.", "attachment_ids": [photo.json()["id"]],
            "counterparty": {"name": "Mario Verdi", "plate": "AB123CD"}, "idempotency_key": "claim-journey-1"}
    early = tally.call(report.Case(path_parameters={"number": MOTOR}, body={**body, "event_date": "2000-01-01"}),
                       auth)
    assert early.status_code == 422 and early.json()["code"] == "claim_date_outside_cover", early.json()
    claim = tally.call(report.Case(path_parameters={"number": MOTOR}, body=body), auth)
    assert claim.status_code == 201 and claim.json()["kind"] == "claim", claim.json()
    again = tally.call(report.Case(path_parameters={"number": MOTOR}, body=body), auth).json()
    assert again["number"] == claim.json()["number"]
    later = stage(image_bytes("JPEG", (64, 48), seed=3), "repair_estimate").json()
    documents = schema["/api/v1/requests/{number}/documents"]["POST"]
    added = tally.call(documents.Case(path_parameters={"number": claim.json()["number"]},
                                      body={"attachment_ids": [later["id"]]}), auth)
    assert added.status_code == 200 and added.json()["timeline"][-1]["step"] == "documents_added", added.json()
    empty = tally.call(documents.Case(path_parameters={"number": claim.json()["number"]},
                                      body={"attachment_ids": [later["id"]]}), auth)  # sent already: nothing new
    assert empty.status_code == 422 and empty.json()["code"] == "claim_incomplete", empty.json()


def _personal_data(schema, tally: Tally, marco: Customer, token: str) -> None:
    """Marco's residence moved to Bologna (R-DISP-DATA): a CAP that is not Bologna's first, then one that is."""
    auth = _bearer(token)
    data = tally.call(schema["/api/v1/me/personal-data"]["GET"].Case(), auth).json()
    assert data["allowed"] and data["current"]["residence"]["comune"] == "Roma", data
    change = schema["/api/v1/me/personal-data/{section}"]["POST"]
    body = {"country": "IT", "street": "Via dell'Indipendenza", "number": "10", "cap": "40100", "comune": "Bologna",
            "province": "BO", "idempotency_key": "journey-data-0001"}
    bad = tally.call(change.Case(path_parameters={"section": "residence"}, body=body), auth)
    assert bad.status_code == 422 and set(bad.json()["errors"]) == {"residence.cap"}, bad.json()
    sent = tally.call(change.Case(path_parameters={"section": "residence"}, body={**body, "cap": "40121"}), auth)
    assert sent.status_code == 201 and sent.json()["kind"] == "data_change", sent.json()


def _contacts(schema, tally: Tally, harness) -> None:
    """Valeria's mobile (a landline refused, a new code, the code typed back) and login email (the link to the
    new address, used twice, then «non sono stato io» from the old one, which ends her sessions) (issue 12)."""
    def op(label: str):
        method, path = label.split(" ", 1)
        return schema[path][method]

    valeria, old_mobile, new_mobile, new_email = ("valeria.costa@example.it", "+393386612093", "+393401112244",
                                                  "valeria.nuova@example.it")
    auth = _bearer(tally.call(op("POST /api/v1/sessions").Case(
        body={"email": valeria, "password": DEMO_PASSWORD})).json()["token"])
    change = op("PUT /api/v1/me/mobile")
    landline = tally.call(change.Case(body={"mobile": "06 6982 1234", "current_password": DEMO_PASSWORD}), auth)
    assert landline.status_code == 422 and set(landline.json()["errors"]) == {"mobile"}, landline.json()
    step = tally.call(change.Case(body={"mobile": new_mobile, "current_password": DEMO_PASSWORD}), auth).json()
    harness.clock.advance(minutes=2)  # past the code's cool-down
    step = tally.call(op("POST /api/v1/me/mobile/code/resend").Case(body={"flow_token": step["flow_token"]}),
                      auth).json()
    pending = tally.call(op("GET /api/v1/me/contacts").Case(), auth).json()
    assert pending["pending_mobile"] == "+39 *** *** 2244" and pending["mobile"] == old_mobile, pending
    done = tally.call(op("POST /api/v1/me/mobile/code").Case(body={
        "flow_token": step["flow_token"], "code": harness.code_sent_to(new_mobile)}), auth)
    assert done.json() == {"masked_mobile": "+39 *** *** 2244"}, done.json()
    assert "2244" in harness.sms.last_to(old_mobile).text  # the old number is told

    sent = tally.call(op("PUT /api/v1/me/email").Case(body={"email": new_email, "current_password": DEMO_PASSWORD}),
                      auth)
    assert sent.status_code == 202 and sent.json() == {"email": new_email}, sent.json()
    assert tally.call(op("GET /api/v1/me/contacts").Case(), auth).json()["pending_email"] == new_email
    confirm = re.search(r"/email/conferma/(\S+)", harness.emails.last_to(new_email).body).group(1)
    cancel = re.search(r"/email/annulla/(\S+)", harness.emails.last_to(valeria).body).group(1)
    confirmation = op("POST /api/v1/email-links/{token}/confirmation")
    assert tally.call(confirmation.Case(path_parameters={"token": confirm})).json() == {"email": new_email}
    again = tally.call(confirmation.Case(path_parameters={"token": confirm}))
    assert again.status_code == 410 and again.json()["code"] == "link_invalid", again.json()
    undone = tally.call(op("POST /api/v1/email-links/{token}/cancellation").Case(path_parameters={"token": cancel}))
    assert undone.json() == {"address_given_back": True}, undone.json()
    assert tally.call(op("GET /api/v1/me/contacts").Case(), auth).status_code == 401  # every session ended


def _account_security(schema, tally: Tally, harness) -> None:
    """Valeria's consents (marketing withdrawn from the app, privacy refused) and her sessions: a phone's signed
    out by id, her own refused, every other one ended; the events that leaves (issue 12)."""
    def op(label: str):
        method, path = label.split(" ", 1)
        return schema[path][method]

    log_in = op("POST /api/v1/sessions")
    auth = _bearer(tally.call(log_in.Case(body={"email": "valeria.costa@example.it", "password": DEMO_PASSWORD},
                                          headers={"User-Agent": "AreaClienti/2.3 (iPhone; iOS 17.5)"})).json()["token"])
    consent = op("PUT /api/v1/me/consents/{consent}")
    given = tally.call(consent.Case(path_parameters={"consent": "marketing"}, body={"given": True}), auth).json()
    assert given["changed"] and given["given"], given
    refused = tally.call(consent.Case(path_parameters={"consent": "privacy"}, body={"given": False}), auth)
    assert refused.status_code == 422 and refused.json()["code"] == "privacy_consent_required", refused.json()
    history = tally.call(op("GET /api/v1/me/consents").Case(), auth).json()["history"]
    assert [(h["consent"], h["given"], h["channel"]) for h in history] == [("marketing", True, "api")], history
    phone = tally.call(log_in.Case(body={"email": "valeria.costa@example.it", "password": DEMO_PASSWORD})).json()
    tablet = tally.call(log_in.Case(body={"email": "valeria.costa@example.it", "password": DEMO_PASSWORD})).json()
    sessions = tally.call(op("GET /api/v1/me/sessions").Case(), auth).json()["sessions"]
    assert len(sessions) == 3 and sessions[0]["current"], sessions
    end = op("DELETE /api/v1/me/sessions/{session_id}")
    own = tally.call(end.Case(path_parameters={"session_id": sessions[0]["id"]}), auth)
    assert own.status_code == 409 and own.json()["code"] == "session_in_use", own.json()
    assert tally.call(end.Case(path_parameters={"session_id": sessions[1]["id"]}), auth).status_code == 204
    # The two other sessions were used at the same moment (the test's clock): whichever was listed second is the
    # one signed out, and only its token is refused from now on.
    answers = sorted(tally.call(op("GET /api/v1/me").Case(), _bearer(other["token"])).status_code
                     for other in (phone, tablet))
    assert answers == [200, 401], answers
    assert tally.call(op("DELETE /api/v1/me/sessions").Case(), auth).json() == {"ended": 1}
    events = tally.call(op("GET /api/v1/me/security-events").Case(), auth).json()["events"]
    assert events[0]["kind"] == "sessions_revoked", events


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _journey(schema, tally: Tally, harness, demo, customer: Customer, token: str) -> None:
    """One valid call to every operation (and the generic errors), each checked like the generated ones."""
    def op(label: str):
        method, path = label.split(" ", 1)
        return schema[path][method]

    auth = _bearer(token)
    # Registration of a second customer, step by step.
    newcomer = demo.scenario("policyholder_vita")
    step = tally.call(op("POST /api/v1/registrations").Case(body={
        "party_id": newcomer.tax_code, "policy_number": newcomer.policy_number, "privacy_accepted": True})).json()
    mobile = "+393471112299"
    tally.call(op("POST /api/v1/registrations/contacts").Case(body={
        "flow_token": step["flow_token"], "email": "nuovo@example.it", "mobile": mobile}))
    harness.clock.advance(minutes=2)  # past the code's cool-down
    tally.call(op("POST /api/v1/registrations/code/resend").Case(body={"flow_token": step["flow_token"]}))
    tally.call(op("POST /api/v1/registrations/code").Case(body={
        "flow_token": step["flow_token"], "code": harness.code_sent_to(mobile)}))
    tally.call(op("POST /api/v1/password-links/{token}").Case(
        path_parameters={"token": harness.link_token_sent_to("nuovo@example.it")},
        body={"password": STRONG_PASSWORD, "password_confirm": STRONG_PASSWORD}))
    # Reset and first access up to the emailed link.
    harness.clock.advance(minutes=2)
    reset = tally.call(op("POST /api/v1/password-resets").Case(body={"email": customer.email})).json()
    tally.call(op("POST /api/v1/password-resets/code").Case(body={
        "flow_token": reset["flow_token"], "code": harness.code_sent_to(customer.mobile)}))
    legacy = demo.scenario("legacy")
    first = tally.call(op("POST /api/v1/first-access").Case(body={"email": legacy.email, "mobile": legacy.mobile}))
    tally.call(op("POST /api/v1/first-access/code").Case(body={
        "flow_token": first.json()["flow_token"], "code": harness.code_sent_to(legacy.mobile)}))
    # The signed-in customer.
    tally.call(op("POST /api/v1/sessions").Case(body={"email": customer.email, "password": STRONG_PASSWORD}))
    me = tally.call(op("GET /api/v1/me").Case(), auth).json()
    assert me["identification_pending"] is False, me  # the token is an identified customer's
    tally.call(op("GET /api/v1/policies").Case(), auth)
    tally.call(op("GET /api/v1/policies/{number}").Case(
        path_parameters={"number": customer.policy_number}), auth)
    # Paying a premium receipt, and the request it creates.
    functions = tally.call(op("GET /api/v1/policies/{number}/functions").Case(
        path_parameters={"number": customer.policy_number}), auth).json()
    payable = [r["id"] for r in functions["receipts"] if r["payable"]]
    assert payable, functions  # the identified customer holds a receipt to pay
    pay = op("POST /api/v1/policies/{number}/payments")
    body = {"receipt_ids": payable[:1], "method": "card", "idempotency_key": "journey-0001"}
    first = tally.call(pay.Case(path_parameters={"number": customer.policy_number}, body=body), auth).json()
    again = tally.call(pay.Case(path_parameters={"number": customer.policy_number}, body=body), auth).json()
    assert again["request"]["number"] == first["request"]["number"] and again["repeated"]
    tally.call(pay.Case(path_parameters={"number": customer.policy_number},  # the receipt is being paid: 409
                        body={**body, "idempotency_key": "journey-0002"}), auth)
    tally.call(op("GET /api/v1/requests").Case(), auth)
    tally.call(op("GET /api/v1/requests/{number}").Case(path_parameters={"number": first["request"]["number"]}),
               auth)
    tally.call(op("PUT /api/v1/me/password").Case(body={
        "current_password": STRONG_PASSWORD, "new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD}),
        auth)
    spare = tally.call(op("POST /api/v1/sessions").Case(body={"email": customer.email,
                                                                 "password": NEW_PASSWORD})).json()
    tally.call(op("DELETE /api/v1/sessions/current").Case(), _bearer(spare["token"]))
    # The generic errors: no token, a body that is not JSON, one too large, an unexpected failure.
    tally.call(op("GET /api/v1/me").Case(), {})
    tally.call(op("DELETE /api/v1/sessions/current").Case(), _bearer(spare["token"]))  # logged out already
    tally.call(op("POST /api/v1/sessions").Case(body="{not json", media_type="application/json"))
    tally.call(op("POST /api/v1/sessions").Case(body={"email": "x@example.it", "password": "x" * 1_100_000}))
    harness.container.customer_policies.override(providers.Object(_Exploding()))
    try:
        tally.call(op("GET /api/v1/policies").Case(), auth, checks=CHECKS[1:])  # a 500 on purpose
    finally:
        harness.container.customer_policies.reset_override()


class _Exploding:
    def overview(self, account_id):
        raise RuntimeError("a bug")


def _fuzz(schema, tally: Tally, harness, customers: dict[str, tuple[Customer, str]]) -> None:
    for result in schema.get_all_operations():
        operation = result.ok()
        customer, token = customers["vita" if operation.label in AS_VITA_CUSTOMER else "danni"]
        fresh_token = operation.label == "DELETE /api/v1/sessions/current"  # each logout needs a live token
        strategies = [*operation.get_strategies_from_examples(),
                      operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)]
        if operation.label in OWN_POLICY:
            strategies.append(operation.as_strategy(path_parameters={"number": customer.policy_number}))
        if operation.label == "POST /api/v1/me/personal-data/{section}":  # random sections are 404s
            strategies += [operation.as_strategy(path_parameters={"section": s}) for s in ("residence", "contacts")]
        for strategy in strategies:
            @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            @given(case=strategy)
            def run(case):
                live = (harness.container.sessions().create({"kind": API_SESSION}, customer.account_id)
                        if fresh_token else token)
                tally.call(case, _bearer(live), generated=True)

            try:
                run()
            except Unsatisfiable:  # no parameters to make invalid (GET /me): nothing negative to send
                pass


def test_the_openapi_document_is_the_truth(app, client, harness, demo, demo_accounts, identified, vita_customer):
    started = time.monotonic()
    token = client.post("/api/v1/sessions", json={"email": identified.email,
                                                   "password": STRONG_PASSWORD}).json["token"]
    vita_token = client.post("/api/v1/sessions", json={"email": vita_customer.email,
                                                        "password": DEMO_PASSWORD}).json["token"]
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    tally = Tally(client.get("/api/v1/openapi.json").json)
    operations = {result.ok().label for result in schema.get_all_operations()}

    _journey(schema, tally, harness, demo, identified, token)
    _additional_payment(schema, tally, vita_customer, vita_token)
    _claim(schema, tally, vita_customer, vita_token)
    _personal_data(schema, tally, vita_customer, vita_token)
    _account_security(schema, tally, harness)
    _contacts(schema, tally, harness)
    _fuzz(schema, tally, harness, {"danni": (identified, token), "vita": (vita_customer, vita_token)})

    print(f"\n{len(operations)} operations, {tally.calls} calls, {len(tally.violations)} violations, "
          f"{time.monotonic() - started:.1f} s")
    for label in sorted(operations):
        print(f"  {label}: {dict(sorted(tally.statuses[label].items()))}")
    assert operations and set(tally.statuses) == operations
    assert tally.violations == [], "\n".join(sorted(set(tally.violations)))
    server_errors = {label: [s for s in c if s >= 500] for label, c in tally.generated.items()}
    assert not any(server_errors.values()), server_errors
    assert [label for label in sorted(operations) if not any(200 <= s < 300 for s in tally.statuses[label])] == []
    assert [label for label in sorted(GENERATED_SUCCESS)
            if not any(200 <= s < 300 for s in tally.generated[label])] == []
    assert all(sum(tally.generated[label].values()) >= EXAMPLES for label in operations)
    assert tally.statuses["GET /api/v1/policies"][500] == 1  # the one unexpected failure, answered as documented
