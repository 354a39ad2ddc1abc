"""Policy requests on the customer site, over HTTP (SPEC §4, R-DISP-PAY, IVASS art. 42 c.3): the policy page's
functions and receipts, paying receipts by card, SEPA and bank transfer, «Le mie richieste», the return page,
the payment provider's signed notifications, the PDF receipt."""
from __future__ import annotations

import html
import io
import re
import pytest

from areaclienti.adapters.demo_core.data import DEMO_PASSWORD
from areaclienti.app.ports.payments import PaymentOutcome
from areaclienti.domain.products import DispositiveFunction
from areaclienti.domain.requests import RequestStatus

from ..support import STRONG_PASSWORD
from .journeys import csrf_token, register_via_api

MARCO = "marco.rinaldi@example.it"
VALERIA = "valeria.costa@example.it"
HOME = "DA20040288"  # Marco's home policy: card, bank transfer, SEPA; an instalment due in 6 days
MOTOR = "DA20040117"  # Marco's motor policy: card and SEPA; suspension live
VITA = "VI10011940"  # Marco's Vita savings plan: suspension goes live on the next 1 July
KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')
NUMBER = re.compile(r"RP-\d{4}-\d{6}")


# --- helpers -------------------------------------------------------------------------------------
def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _log_in(client, email: str = MARCO) -> None:
    response = client.post("/accesso", data={"csrf_token": csrf_token(client, "/accesso"), "email": email,
                                             "password": DEMO_PASSWORD})
    assert response.status_code == 302, _text(response)


def _account_id(harness, email: str = MARCO) -> str:
    with harness.container.uow() as uow:
        return uow.accounts.get_by_email(email).id


def _open_receipt(harness, policy: str = HOME):
    receipts = harness.container.core_system().receipts(policy)
    return next(r for r in receipts if r.is_open)


def _review(client, policy: str, receipt_ids: list[str], method: str):
    query = [("receipts", r) for r in receipt_ids] + [("method", method)]
    return client.get(f"/area-clienti/polizze/{policy}/pagamento/riepilogo", query_string=query)


def _confirm(client, policy: str, receipt_ids: list[str], method: str, key: str | None = None, **extra):
    if key is None:  # a new review page; with a key, the same form posted again (a double click)
        review = _review(client, policy, receipt_ids, method)
        assert review.status_code == 200, _text(review)
        key = KEY.search(review.text).group(1)
    data = {"csrf_token": csrf_token(client, f"/area-clienti/polizze/{policy}/pagamento"), "idempotency_key": key,
            "method": method, "receipts": receipt_ids, **extra}
    return client.post(f"/area-clienti/polizze/{policy}/pagamento/conferma", data=data), key


def _requests(harness, email: str = MARCO):
    return harness.container.policy_requests().list(_account_id(harness, email))


def _deliver(client, harness) -> list[int]:
    """Post to the app what the provider would have sent (kept in ``provider.posted``), as the provider does."""
    provider = harness.container.payment_provider()
    statuses = []
    while provider.posted:
        url, body, headers = provider.posted.pop(0)
        assert url.endswith("/pagamenti/notifiche")
        statuses.append(client.post("/pagamenti/notifiche", data=body, headers=headers,
                                    content_type="application/json").status_code)
    return statuses


@pytest.fixture
def marco(client, demo_accounts):
    _log_in(client)
    return client


# --- the policy page -----------------------------------------------------------------------------
def test_the_policy_page_shows_each_function_with_its_button_or_its_reason_and_the_receipts(marco, harness):
    page = marco.get(f"/area-clienti/polizze/{MOTOR}")
    text = _text(page)
    assert page.status_code == 200
    assert re.search(r'data-testid="function-payment" data-allowed="yes"', text)
    assert f'href="/area-clienti/polizze/{MOTOR}/pagamento"' in text
    # A Vita policy's suspension goes live on the next 1 July in the demo; a motor policy's is live.
    vita = _text(marco.get(f"/area-clienti/polizze/{VITA}"))
    suspension = re.search(r'data-testid="refusal-suspension" data-refusal="not_live_yet">([^<]+)', vita)
    live_from = harness.container.core_system().product_rules("VITA-RISP").live_from(DispositiveFunction.SUSPENSION)
    assert (live_from.day, live_from.month) == (1, 7)
    assert suspension and suspension.group(1).strip() == f"Disponibile dal 1 luglio {live_from.year}"
    assert re.search(r'data-testid="function-suspension" data-allowed="yes"', text)
    receipts = harness.container.core_system().receipts(MOTOR)
    paid = [r for r in receipts if not r.is_open]
    open_ = [r for r in receipts if r.is_open]
    assert paid and open_
    for r in paid:
        assert f"pagata il {r.paid_on:%d/%m/%Y}" in text
    assert f"Prossima scadenza: {min(r.due_date for r in open_):%d/%m/%Y}" in text
    assert "€" in text and "da pagare" in text


def test_another_customers_policy_and_request_are_404(client, harness, demo_accounts):
    _log_in(client)
    response, _ = _confirm(client, HOME, [_open_receipt(harness).id], "bank_transfer")
    number = NUMBER.search(response.headers["Location"]).group(0)
    client.post("/esci", data={"csrf_token": csrf_token(client, "/area-clienti")})
    _log_in(client, VALERIA)
    for path in (f"/area-clienti/polizze/{HOME}", f"/area-clienti/polizze/{HOME}/pagamento",
                 f"/area-clienti/richieste/{number}", f"/area-clienti/richieste/{number}/esito-pagamento",
                 f"/area-clienti/richieste/{number}/ricevuta.pdf", f"/area-clienti/richieste/{number}/bonifico"):
        assert client.get(path).status_code == 404, path
    assert number not in _text(client.get("/area-clienti/richieste"))


# --- card: the whole journey ---------------------------------------------------------------------
def test_a_receipt_paid_by_card_from_the_choice_to_paid_by_the_signed_notification(marco, harness):
    receipt = _open_receipt(harness)
    choose = marco.get(f"/area-clienti/polizze/{HOME}/pagamento")
    assert choose.status_code == 200
    assert f'value="{receipt.id}"' in choose.text
    for method in ("card", "bank_transfer", "sepa_direct_debit"):
        assert f'name="method" value="{method}"' in choose.text
    review = _review(marco, HOME, [receipt.id], "card")
    assert review.status_code == 200 and KEY.search(review.text)
    assert "Carta di pagamento" in _text(review) and "86,40" in _text(review)

    response, _ = _confirm(marco, HOME, [receipt.id], "card")
    assert response.status_code == 303
    assert "/_dev/pagamenti/ps_" in response.headers["Location"]
    [request] = _requests(harness)
    assert request.status is RequestStatus.AWAITING_PAYMENT

    # The customer comes back before the notification: the page says so, and marks nothing paid.
    back = marco.get(f"/area-clienti/richieste/{request.number}/esito-pagamento")
    assert "Stiamo attendendo la conferma del pagamento" in _text(back)
    assert f'href="/area-clienti/richieste/{request.number}"' in back.text
    assert _requests(harness)[0].status is RequestStatus.AWAITING_PAYMENT

    harness.container.payment_provider().choose(request.payment_session, PaymentOutcome.SUCCEEDED)
    assert _deliver(marco, harness) == [200]
    paid = _requests(harness)[0]
    assert paid.status in (RequestStatus.PAID, RequestStatus.HANDED_OVER, RequestStatus.TAKEN_IN_CHARGE)
    assert RequestStatus.PAID in [e.status for e in paid.events]
    detail = _text(marco.get(f"/area-clienti/richieste/{request.number}"))
    assert "Pagata" in detail and "ora italiana" in detail
    listing = _text(marco.get("/area-clienti/richieste"))
    assert request.number in listing and "Pagamento del premio" in listing and HOME in listing


def test_once_a_receipt_is_paid_the_policy_facts_give_the_same_next_due_date_as_the_receipts(marco, harness):
    receipt = _open_receipt(harness)
    _confirm(marco, HOME, [receipt.id], "card")
    [request] = _requests(harness)
    harness.container.payment_provider().choose(request.payment_session, PaymentOutcome.SUCCEEDED)
    assert _deliver(marco, harness) == [200]
    harness.clock.advance(seconds=3 * harness.container.core_system().delay.total_seconds())
    text = _text(marco.get(f"/area-clienti/polizze/{HOME}"))
    assert "pagata il " in text and f'data-testid="receipt-{receipt.id}"' in text
    following = _open_receipt(harness)
    assert following.due_date > receipt.due_date  # the core system now has the paid receipt
    fact = re.search(r"Prossima scadenza del premio</dt><dd>([^<]+)</dd>", text)
    assert fact and fact.group(1) == f"{following.due_date:%d/%m/%Y}"
    assert f"Prossima scadenza: {following.due_date:%d/%m/%Y}" in text


def test_a_refused_card_ends_the_request_and_says_so(marco, harness):
    receipt = _open_receipt(harness)
    _confirm(marco, HOME, [receipt.id], "card")
    [request] = _requests(harness)
    harness.container.payment_provider().choose(request.payment_session, PaymentOutcome.REFUSED)
    assert _deliver(marco, harness) == [200]
    assert _requests(harness)[0].status is RequestStatus.PAYMENT_REFUSED
    back = _text(marco.get(f"/area-clienti/richieste/{request.number}/esito-pagamento"))
    assert "Il pagamento non è riuscito" in back
    # The receipt is open again: the customer may start again.
    assert f'value="{receipt.id}"' in marco.get(f"/area-clienti/polizze/{HOME}/pagamento").text


def test_a_double_submission_with_the_same_key_is_one_request(marco, harness):
    receipt = _open_receipt(harness)
    first, key = _confirm(marco, HOME, [receipt.id], "card")
    second, _ = _confirm(marco, HOME, [receipt.id], "card", key=key)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]  # both to the same provider page
    assert len(_requests(harness)) == 1


# --- bank transfer and SEPA ----------------------------------------------------------------------
def test_a_bank_transfer_shows_iban_holder_amount_and_the_number_to_quote(marco, harness):
    receipt = _open_receipt(harness)
    response, _ = _confirm(marco, HOME, [receipt.id], "bank_transfer")
    assert response.status_code == 303 and response.headers["Location"].endswith("/bonifico")
    page = _text(marco.get(response.headers["Location"]))
    [request] = _requests(harness)
    assert "IT67Y0306909606100000067890" in page and "CA Assicurazioni S.p.A." in page
    assert "86,40" in page
    assert re.search(rf'data-testid="bank-reference">{request.number}<', page)


def test_sepa_needs_the_mandate_accepted(marco, harness):
    receipt = _open_receipt(harness)
    review = _text(_review(marco, HOME, [receipt.id], "sepa_direct_debit"))
    assert "Mandato per addebito diretto SEPA" in review
    refused, _ = _confirm(marco, HOME, [receipt.id], "sepa_direct_debit")
    assert refused.status_code == 422 and "devi accettare il mandato" in _text(refused)
    assert _requests(harness) == []
    accepted, _ = _confirm(marco, HOME, [receipt.id], "sepa_direct_debit", mandate_accepted="1")
    assert accepted.status_code == 303 and "/_dev/pagamenti/" in accepted.headers["Location"]


def test_no_receipt_chosen_is_told_and_nothing_is_submitted(marco, harness):
    review = _review(marco, HOME, [], "card")
    assert review.status_code == 422 and "Scegli almeno una quietanza" in _text(review)
    review = _review(marco, MOTOR, [_open_receipt(harness, MOTOR).id], "bank_transfer")  # not for motor
    assert review.status_code == 422 and "Scegli uno dei metodi di pagamento" in _text(review)
    assert _requests(harness) == []


# --- refusals ------------------------------------------------------------------------------------
def test_the_expired_document_customer_is_told_why_and_nothing_is_submitted(client, harness, demo_accounts):
    _log_in(client, VALERIA)
    policy = "DA20041530"
    page = _text(client.get(f"/area-clienti/polizze/{policy}"))
    assert 'data-testid="function-payment" data-allowed="no"' in page
    assert "Il tuo documento d'identità è scaduto: aggiornalo" in page
    assert 'data-testid="update-document-link"' in page
    refused = client.get(f"/area-clienti/polizze/{policy}/pagamento")
    assert refused.status_code == 403 and "Il tuo documento d'identità è scaduto" in _text(refused)
    receipt = _open_receipt(harness, policy)
    post = client.post(f"/area-clienti/polizze/{policy}/pagamento/conferma", data={
        "csrf_token": csrf_token(client, "/area-clienti"), "idempotency_key": "k-1", "method": "card",
        "receipts": [receipt.id]})
    assert post.status_code == 403 and "aggiornalo" in _text(post)
    assert _requests(harness, VALERIA) == []


# --- the provider's notifications ----------------------------------------------------------------
def test_a_forged_notification_is_400_and_changes_nothing(marco, harness):
    _confirm(marco, HOME, [_open_receipt(harness).id], "card")
    [request] = _requests(harness)
    body = ('{"id": "evt_forged", "session": "%s", "reference": "%s", "outcome": "succeeded", "at": "%s"}'
            % (request.payment_session, request.number, harness.clock.now().isoformat())).encode()
    ts = int(harness.clock.now().timestamp())
    for headers in ({}, {"Demo-Signature": f"t={ts},v1=" + "0" * 64}):
        response = marco.post("/pagamenti/notifiche", data=body, headers=headers, content_type="application/json")
        assert response.status_code == 400
    # A genuine one, altered after signing.
    harness.container.payment_provider().choose(request.payment_session, PaymentOutcome.SUCCEEDED)
    _url, genuine, headers = harness.container.payment_provider().posted.pop()
    altered = genuine.replace(b'"succeeded"', b'"refused"')
    assert marco.post("/pagamenti/notifiche", data=altered, headers=headers,
                      content_type="application/json").status_code == 400
    assert _requests(harness)[0].status is RequestStatus.AWAITING_PAYMENT


def test_a_replayed_notification_changes_nothing(marco, harness):
    _confirm(marco, HOME, [_open_receipt(harness).id], "card")
    [request] = _requests(harness)
    provider = harness.container.payment_provider()
    provider.choose(request.payment_session, PaymentOutcome.SUCCEEDED)
    _url, body, headers = provider.posted[0]
    assert _deliver(marco, harness) == [200]
    after_first = _requests(harness)[0]
    assert marco.post("/pagamenti/notifiche", data=body, headers=headers,
                      content_type="application/json").status_code == 200
    again = _requests(harness)[0]
    assert [e.status for e in again.events] == [e.status for e in after_first.events]


def test_a_stale_notification_is_refused(marco, harness):
    _confirm(marco, HOME, [_open_receipt(harness).id], "card")
    [request] = _requests(harness)
    provider = harness.container.payment_provider()
    provider.choose(request.payment_session, PaymentOutcome.SUCCEEDED)
    _url, body, headers = provider.posted.pop()
    harness.clock.advance(minutes=10)
    assert marco.post("/pagamenti/notifiche", data=body, headers=headers,
                      content_type="application/json").status_code == 400


# --- the PDF receipt -----------------------------------------------------------------------------
def test_the_receipt_is_a_pdf_with_the_request_number(marco, harness):
    from pypdf import PdfReader

    _confirm(marco, HOME, [_open_receipt(harness).id], "bank_transfer")
    [request] = _requests(harness)
    response = marco.get(f"/area-clienti/richieste/{request.number}/ricevuta.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.data.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert request.number in text
    assert "CA Assicurazioni" in text and HOME in text and "Bonifico bancario" in text
    assert "0000067890" not in text  # the IBAN is masked


def test_a_consultative_account_is_told_to_verify_its_identity_first(client, harness, demo):
    scenario = demo.scenario("policyholder_danni")
    email = register_via_api(client, harness, scenario)
    client.post("/accesso", data={"csrf_token": csrf_token(client, "/accesso"), "email": email,
                                  "password": STRONG_PASSWORD})
    page = _text(client.get(f"/area-clienti/polizze/{scenario.policy_number}"))
    assert 'data-testid="function-payment" data-allowed="no"' in page
    assert "verifica prima la tua identità con il video selfie" in page
    refused = client.get(f"/area-clienti/polizze/{scenario.policy_number}/pagamento")
    assert refused.status_code == 403 and "video selfie" in _text(refused)
    assert _requests(harness, email) == []


def test_the_policy_page_in_english(marco):
    marco.get("/lingua/en")
    page = _text(marco.get(f"/area-clienti/polizze/{VITA}"))
    assert "Online operations" in page and re.search(r"Available from 1 July \d{4}", page)
    assert "My requests" in page
