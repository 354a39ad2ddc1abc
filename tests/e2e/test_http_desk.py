"""The operators' requests desk over HTTP (R-DISP-Q, SPEC §8): «Richieste» with its filters, a flagged request's
answers highlighted, release and rejection (a reason required, read by the customer), the IBAN revealed on
request and audited, the dead hand-offs with «riprova», and the wall against a customer's session."""
from __future__ import annotations

import html
import re

import pytest

from areaclienti.adapters.demo_core.data import DEMO_PASSWORD
from areaclienti.domain.audit import AuditEventKind
from areaclienti.domain.requests import RequestStatus

from ..unit.app.identification_journeys import create_operator, operator_id
from ..unit.app.test_additional_payment import pay_more
from ..unit.app.test_desk import IBAN, dead_hand_off, flagged_in_review, paid, with_iban
from ..unit.app.test_requests import MARCO
from .journeys import csrf_token
from .test_http_backoffice import BO_COOKIE, CUSTOMER_COOKIE, audit, sign_in

S = RequestStatus
ROW = re.compile(r'data-testid="request-row" data-number="(RP-\d{4}-\d{6})"')


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def rows(response) -> list[str]:
    assert response.status_code == 200, text(response)
    return ROW.findall(response.text)


def post(client, path: str, page: str, **data):
    return client.post(path, data={"csrf_token": csrf_token(client, page), **data})


def status_of(harness, number: str) -> RequestStatus:
    return harness.container.requests_desk().detail(number).request.status


@pytest.fixture
def operator(client, harness, demo_accounts):
    sign_in(client, harness, create_operator(harness))
    return operator_id(harness)


@pytest.fixture
def flagged(harness, demo_accounts) -> str:
    return flagged_in_review(harness)


# --- the list --------------------------------------------------------------------------------------
def test_the_list_and_its_filters_as_a_get_form(client, harness, demo_accounts):
    plain = paid(harness, pay_more(harness, key="add-plain"))
    harness.clock.advance(days=2)
    flagged = flagged_in_review(harness)
    sign_in(client, harness, create_operator(harness))  # after the two days: a session is shorter
    page = client.get("/backoffice/richieste")
    assert rows(page) == [flagged, plain]
    assert 'href="/backoffice/richieste"' in page.text and "Marco Rinaldi" in page.text  # in the nav, the name
    assert 'method="get"' in page.text
    assert rows(client.get("/backoffice/richieste?flagged=yes")) == [flagged]
    assert rows(client.get("/backoffice/richieste?flagged=no")) == [plain]
    assert rows(client.get("/backoffice/richieste?status=under_review&kind=additional_payment")) == [flagged]
    assert rows(client.get("/backoffice/richieste?kind=premium_payment")) == []
    assert rows(client.get("/backoffice/richieste?older_than=1")) == [plain]
    assert rows(client.get("/backoffice/richieste?order=oldest")) == [plain, flagged]
    kept = client.get("/backoffice/richieste?flagged=yes&order=oldest")
    assert '<option value="yes" selected>' in kept.text and '<option value="oldest" selected>' in kept.text
    wrong = client.get("/backoffice/richieste?status=nonsense&older_than=-4")
    assert rows(wrong) == [flagged, plain] and 'data-testid="filters-error"' in wrong.text  # ignored, and said


# --- one request -----------------------------------------------------------------------------------
def test_the_detail_highlights_the_flagged_answers_with_the_questions_in_italian(client, flagged, operator):
    page = client.get(f"/backoffice/richieste/{flagged}")
    body = text(page)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "private, no-store"
    assert "Sei una persona politicamente esposta?" in body and "Adeguata verifica (antiriciclaggio)" in body
    assert re.search(r'data-testid="answer-pep_self" data-flagged="true"', page.text)
    assert "answer-pep_family" in page.text and not re.search(r'answer-pep_family" data-flagged', page.text)
    assert page.text.count('data-flagged="true"') == 1
    assert "Persona politicamente esposta" in body and "In verifica" in body  # the flag, the status
    assert 'data-status="under_review"' in page.text  # the timeline
    assert 'data-testid="release"' in page.text and 'data-testid="reject"' in page.text
    assert client.get("/backoffice/richieste/RP-2026-999999").status_code == 404


def test_release_hands_the_request_over_and_is_audited(client, harness, flagged, operator):
    response = post(client, f"/backoffice/richieste/{flagged}/sblocca", f"/backoffice/richieste/{flagged}")
    assert response.status_code == 302 and response.headers["Location"] == f"/backoffice/richieste/{flagged}"
    assert status_of(harness, flagged) is S.HANDED_OVER
    assert audit(harness, AuditEventKind.REQUEST_RELEASED)[-1].details == {"number": flagged, "operator": operator}
    page = client.get(f"/backoffice/richieste/{flagged}")
    assert "Sblocca e trasmetti" not in text(page) and 'data-status="handed_over"' in page.text
    again = post(client, f"/backoffice/richieste/{flagged}/sblocca", f"/backoffice/richieste/{flagged}")
    assert again.status_code == 302 and "non è più in verifica" in text(client.get(again.headers["Location"]))


def test_a_rejection_without_a_reason_is_refused_and_with_one_the_customer_reads_it(client, harness, app, flagged,
                                                                                   operator):
    path = f"/backoffice/richieste/{flagged}"
    empty = post(client, path + "/respingi", path, reason="   ")
    assert empty.status_code == 422 and 'data-testid="error-reason"' in empty.text
    assert status_of(harness, flagged) is S.UNDER_REVIEW
    reason = "Ci serve la documentazione sull'origine dei fondi: scrivici a compliance@example.it."
    done = post(client, path + "/respingi", path, reason=reason)
    assert done.status_code == 302 and status_of(harness, flagged) is S.REJECTED
    assert audit(harness, AuditEventKind.REQUEST_REJECTED)[-1].details["reason"] == reason

    customer = app.test_client()
    signed_in = customer.post("/accesso", data={"csrf_token": csrf_token(customer, "/accesso"), "email": MARCO,
                                                "password": DEMO_PASSWORD})
    assert signed_in.status_code == 302
    mine = customer.get(f"/area-clienti/richieste/{flagged}")
    assert mine.status_code == 200 and reason in text(mine)


def test_the_iban_is_masked_until_asked_for_and_the_asking_is_audited(client, harness, flagged, operator):
    with_iban(harness, flagged)
    path = f"/backoffice/richieste/{flagged}"
    page = client.get(path)
    assert "IT60 •••• •••• 3456" in text(page) and IBAN not in page.text
    assert audit(harness, AuditEventKind.REQUEST_IBAN_REVEALED) == []
    shown = post(client, path + "/iban", path)
    assert shown.status_code == 200 and f'data-testid="iban-full">{IBAN}<' in shown.text
    assert shown.headers["Cache-Control"] == "private, no-store"
    (event,) = audit(harness, AuditEventKind.REQUEST_IBAN_REVEALED)
    assert event.details == {"number": flagged, "operator": operator}
    assert IBAN not in client.get(path).text  # masked again on the next visit
    assert client.post(path + "/iban").status_code == 400  # no CSRF token: refused


def test_a_dead_hand_off_is_listed_and_retried(client, harness, flagged):
    dead_hand_off(harness, flagged)  # hours of attempts: the operator signs in after them
    sign_in(client, harness, create_operator(harness))
    operator = operator_id(harness)
    page = client.get("/backoffice/trasmissioni")
    assert page.status_code == 200 and flagged in page.text and "core system unreachable" in page.text
    item_id = re.search(r'data-testid="hand-off" data-item="([^"]+)"', page.text).group(1)
    response = post(client, f"/backoffice/trasmissioni/{item_id}/riprova", "/backoffice/trasmissioni")
    assert response.status_code == 302
    after = client.get(response.headers["Location"])
    assert 'data-testid="hand-offs-empty"' in after.text and "Nuovi tentativi" in text(after)
    assert audit(harness, AuditEventKind.HANDOFF_RETRIED)[-1].details == {
        "item": item_id, "operator": operator, "number": flagged}
    harness.container.task_runner().relay()
    assert status_of(harness, flagged) is S.HANDED_OVER
    twice = post(client, f"/backoffice/trasmissioni/{item_id}/riprova", "/backoffice/trasmissioni")
    assert "già ripresa" in text(client.get(twice.headers["Location"]))


# --- two worlds ---------------------------------------------------------------------------------------
def test_a_customer_session_gets_nothing_from_the_desk(app, harness, demo_accounts):
    number = flagged_in_review(harness)
    with_iban(harness, number)
    customer = app.test_client()
    customer.post("/accesso", data={"csrf_token": csrf_token(customer, "/accesso"), "email": MARCO,
                                    "password": DEMO_PASSWORD})
    sid = customer.get_cookie(CUSTOMER_COOKIE).value
    customer.set_cookie(BO_COOKIE, sid)  # even the customer's id in the back-office cookie
    for path in ("/backoffice/richieste", f"/backoffice/richieste/{number}", "/backoffice/trasmissioni"):
        response = customer.get(path)
        assert response.status_code == 302 and response.headers["Location"] == "/backoffice/accesso"
    token = csrf_token(customer, "/backoffice/accesso")
    for action in ("iban", "sblocca", "respingi"):
        response = customer.post(f"/backoffice/richieste/{number}/{action}",
                                 data={"csrf_token": token, "reason": "no"})
        assert response.status_code == 302 and response.headers["Location"] == "/backoffice/accesso"
    assert status_of(harness, number) is S.UNDER_REVIEW
    assert audit(harness, AuditEventKind.REQUEST_IBAN_REVEALED) == []
