"""Policy requests through the real container with in-memory adapters (SPEC §4, R-DISP-PAY): paying Danni
receipts by card, SEPA and bank transfer, the hand-off to the demo core system and its follow-up, and
what must change nothing (duplicate, replayed and forged notifications)."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from areaclienti.adapters.demo_core.data import DEMO_CORE_REJECTION, REJECTED_BY_DEMO_CORE
from areaclienti.adapters.demo_payments import SIGNATURE_HEADER, sign
from areaclienti.app.ports.core_system import CoreState, HandOff
from areaclienti.app.ports.payments import InvalidNotification, PaymentOutcome
from areaclienti.app.ports.repositories import OutboxKind
from areaclienti.app.use_cases.requests import PayReceipts
from areaclienti.domain.availability import Refusal
from areaclienti.domain.errors import (
    FunctionNotAvailable,
    NotFound,
    PaymentMethodNotAllowed,
    ReceiptAlreadyInPayment,
    ReceiptsInvalid,
)
from areaclienti.domain.products import DispositiveFunction, PaymentMethod
from areaclienti.domain.requests import RequestStatus

S = RequestStatus
MARCO = "marco.rinaldi@example.it"
VALERIA = "valeria.costa@example.it"
HOME = "DA20040288"  # Marco's home policy: card, bank transfer, SEPA; an instalment due in 6 days
MOTOR = "DA20040117"  # Marco's motor policy: card and SEPA; suspension live


# --- helpers -------------------------------------------------------------------------------------
def account_id(harness, email: str = MARCO) -> str:
    with harness.container.uow() as uow:
        return uow.accounts.get_by_email(email).id


def open_receipt(harness, policy: str = HOME):
    return next(r for r in harness.container.core_system().receipts(policy) if r.is_open)


def pay(harness, method: PaymentMethod, *, key: str = "key-0001", policy: str = HOME, receipts=None,
        account: str | None = None):
    ids = receipts if receipts is not None else [open_receipt(harness, policy).id]
    return harness.container.policy_requests().pay_receipts(PayReceipts(
        account or account_id(harness), policy, ids, method, key))


def choose(harness, session_id: str, outcome: PaymentOutcome) -> tuple[bytes, dict]:
    """The customer's choice on the provider's page; the signed notification the provider posted."""
    provider = harness.container.payment_provider()
    provider.choose(session_id, outcome)
    _, body, headers = provider.posted[-1]
    return body, headers


def notify(harness, body: bytes, headers: dict) -> bool:
    return harness.container.policy_requests().receive_payment_notification(body, headers)


def status(harness, number: str) -> RequestStatus:
    return harness.container.policy_requests().get(account_id(harness), number).status


def timeline(harness, number: str) -> list[RequestStatus]:
    return [e.status for e in harness.container.policy_requests().get(account_id(harness), number).events]


def follow_up_after(harness, seconds: float) -> int:
    harness.clock.advance(seconds=seconds)
    return harness.container.policy_requests().follow_up()



@pytest.fixture
def delay(harness) -> float:
    return harness.container.core_system().delay.total_seconds()


# --- the card journey ------------------------------------------------------------------------------
def test_a_card_payment_from_submission_to_completion(harness, seeded, delay):
    requests = harness.container.policy_requests()
    me = account_id(harness)
    before = requests.functions(me, HOME)
    paying = open_receipt(harness)
    assert before.function(DispositiveFunction.PAYMENT).allowed and [r.id for r in before.payable] == [paying.id]
    mails = len(harness.emails_to(MARCO))

    submitted = pay(harness, PaymentMethod.CARD)
    request = submitted.request
    assert submitted.redirect_url and request.payment_session in submitted.redirect_url
    assert request.status is S.AWAITING_PAYMENT and request.amount == paying.amount
    assert requests.functions(me, HOME).busy_receipts == {paying.id}
    assert len(harness.emails_to(MARCO)) == mails + 1  # «richiesta ricevuta»

    assert notify(harness, *choose(harness, request.payment_session, PaymentOutcome.SUCCEEDED))
    # Paid, then handed to the core system by the outbox step (run in-process here).
    assert timeline(harness, request.number) == [S.SUBMITTED, S.AWAITING_PAYMENT, S.PAID, S.HANDED_OVER]
    calls, keys = harness.container.core_system().counts()
    assert (calls, keys) == (1, 1)
    core = harness.container.core_system().request_status(request.id)
    assert core.state is CoreState.RECEIVED
    assert requests.get(me, request.number).core_reference == core.reference

    assert follow_up_after(harness, delay / 2) == 0  # the core system has not moved yet
    assert follow_up_after(harness, delay / 2) == 1
    assert status(harness, request.number) is S.TAKEN_IN_CHARGE
    assert follow_up_after(harness, delay) == 1
    assert timeline(harness, request.number) == [S.SUBMITTED, S.AWAITING_PAYMENT, S.PAID, S.HANDED_OVER,
                                                 S.TAKEN_IN_CHARGE, S.COMPLETED]
    assert follow_up_after(harness, delay) == 0  # nothing more to read
    # An email at each change the customer is told of: paid, taken in charge, completed.
    assert len(harness.emails_to(MARCO)) == mails + 4
    assert request.number in harness.emails_to(MARCO)[-1].body

    after = requests.functions(me, HOME)
    paid = next(r for r in after.receipts if r.id == paying.id)
    assert paid.paid_on is not None and not paid.is_open
    following = [r for r in after.receipts if r.is_open]
    assert len(following) == 1 and following[0].due_date > paying.due_date
    assert [r.id for r in after.payable] == [following[0].id] and following[0].id not in after.busy_receipts


def test_the_timeline_never_goes_backwards_and_matches_the_list(harness, seeded, delay):
    request = pay(harness, PaymentMethod.CARD).request
    notify(harness, *choose(harness, request.payment_session, PaymentOutcome.SUCCEEDED))
    follow_up_after(harness, 2 * delay)
    found = harness.container.policy_requests().get(account_id(harness), request.number.lower())  # any case
    moments = [e.at for e in found.events]
    assert moments == sorted(moments)
    listed = harness.container.policy_requests().list(account_id(harness))
    assert [r.number for r in listed] == [request.number] and listed[0].events == found.events


# --- refused, abandoned, SEPA, bank transfer ----------------------------------------------------------
@pytest.mark.parametrize("outcome, final", [(PaymentOutcome.REFUSED, S.PAYMENT_REFUSED),
                                            (PaymentOutcome.ABANDONED, S.PAYMENT_ABANDONED)])
def test_a_refused_or_abandoned_payment_ends_the_request_and_the_receipt_can_be_paid_again(
        harness, seeded, delay, outcome, final):
    request = pay(harness, PaymentMethod.CARD).request
    mails = len(harness.emails_to(MARCO))
    assert notify(harness, *choose(harness, request.payment_session, outcome))
    assert timeline(harness, request.number) == [S.SUBMITTED, S.AWAITING_PAYMENT, final]
    found = harness.container.policy_requests().get(account_id(harness), request.number)
    if outcome is PaymentOutcome.REFUSED:
        assert found.events[-1].reason  # the provider's reason, shown to the customer
    assert len(harness.emails_to(MARCO)) == mails + 1
    assert harness.container.core_system().counts() == (0, 0)  # never handed over
    follow_up_after(harness, 3 * delay)
    assert status(harness, request.number) is final  # final stays final
    again = pay(harness, PaymentMethod.CARD, key="key-0002")  # a new request for the same receipt
    assert again.request.number != request.number and again.request.status is S.AWAITING_PAYMENT


def test_sepa_waits_for_the_debit_after_the_mandate_then_is_paid(harness, seeded, delay):
    request = pay(harness, PaymentMethod.SEPA_DIRECT_DEBIT).request
    assert notify(harness, *choose(harness, request.payment_session, PaymentOutcome.PENDING))
    found = harness.container.policy_requests().get(account_id(harness), request.number)
    assert found.status is S.AWAITING_PAYMENT and "mandate_accepted_at" in found.payload
    assert follow_up_after(harness, delay / 2) == 0 and status(harness, request.number) is S.AWAITING_PAYMENT
    provider = harness.container.payment_provider()
    harness.clock.advance(seconds=provider.sepa_delay.total_seconds())
    assert provider.deliver_due() == 1  # the debit confirmed
    assert notify(harness, *provider.posted[-1][1:])
    assert timeline(harness, request.number)[-2:] == [S.PAID, S.HANDED_OVER]


def test_a_bank_transfer_is_paid_when_the_core_system_sees_it_arrive(harness, seeded, delay):
    submitted = pay(harness, PaymentMethod.BANK_TRANSFER)
    request = submitted.request
    assert submitted.redirect_url is None and submitted.bank_account is not None
    assert submitted.bank_account.iban and request.payment_session is None
    assert follow_up_after(harness, delay / 2) == 0
    assert status(harness, request.number) is S.AWAITING_PAYMENT
    assert follow_up_after(harness, delay / 2) == 1
    assert timeline(harness, request.number)[-2:] == [S.PAID, S.HANDED_OVER]
    assert harness.container.core_system().counts() == (1, 1)


def test_a_method_the_product_does_not_accept_is_refused(harness, seeded):
    with pytest.raises(PaymentMethodNotAllowed):
        pay(harness, PaymentMethod.BANK_TRANSFER, policy=MOTOR)  # motor: card and SEPA only


def test_receipts_not_payable_are_refused(harness, seeded):
    for ids in ([], ["DA20040288-19990101"], [open_receipt(harness, MOTOR).id]):  # none, unknown, another policy
        with pytest.raises(ReceiptsInvalid):
            pay(harness, PaymentMethod.CARD, receipts=ids)


# --- rejection ---------------------------------------------------------------------------------------
def test_the_demo_core_rejects_what_is_handed_over_on_its_demo_policy_with_a_reason(harness, seeded, delay):
    # Only premium payments exist so far, and REJECTED_BY_DEMO_CORE is a single-premium Vita policy with
    # no receipt to pay: no request of Area Clienti can reach it yet, so the rejection is tested on the
    # demo core system directly.
    core = harness.container.core_system()
    handoff = HandOff(key="k-rejected", request_number="RP-2026-000999", kind="data_change",
                      policy_number=REJECTED_BY_DEMO_CORE, party_id="x", payload={},
                      submitted_at=harness.clock.now())
    assert core.hand_over(handoff).state is CoreState.RECEIVED
    harness.clock.advance(seconds=delay)
    assert core.request_status("k-rejected").state is CoreState.TAKEN_IN_CHARGE
    harness.clock.advance(seconds=delay)
    rejected = core.request_status("k-rejected")
    assert (rejected.state, rejected.reason) == (CoreState.REJECTED, DEMO_CORE_REJECTION)
    assert core.hand_over(handoff) == rejected and core.counts() == (2, 1)  # the same key: the same answer
    assert harness.container.core_system().receipts(REJECTED_BY_DEMO_CORE) == []


def test_a_rejection_by_the_core_system_reaches_the_request_with_its_reason(harness, seeded, delay):
    # The use case's side of a rejection: a paid request whose hand-off the core system rejects.
    core = harness.container.core_system()
    request = pay(harness, PaymentMethod.CARD).request
    original = core._status

    def rejecting(received):
        found = original(received)
        if found.state is CoreState.COMPLETED:
            return found.__class__(CoreState.REJECTED, found.reference, found.at, "Dati non coerenti")
        return found

    core._status = rejecting
    notify(harness, *choose(harness, request.payment_session, PaymentOutcome.SUCCEEDED))
    follow_up_after(harness, 2 * delay)
    found = harness.container.policy_requests().get(account_id(harness), request.number)
    assert [e.status for e in found.events][-3:] == [S.HANDED_OVER, S.TAKEN_IN_CHARGE, S.REJECTED]
    assert found.events[-1].reason == "Dati non coerenti"
    assert "Dati non coerenti" in harness.emails_to(MARCO)[-1].body


# --- what is refused -------------------------------------------------------------------------------
def test_the_same_receipt_cannot_be_paid_twice_while_a_request_is_open(harness, seeded):
    pay(harness, PaymentMethod.CARD, key="key-0001")
    with pytest.raises(ReceiptAlreadyInPayment):
        pay(harness, PaymentMethod.CARD, key="key-0002")
    with pytest.raises(ReceiptAlreadyInPayment):
        pay(harness, PaymentMethod.BANK_TRANSFER, key="key-0003")
    assert len(harness.container.policy_requests().list(account_id(harness))) == 1


def test_the_same_idempotency_key_answers_the_same_request(harness, seeded):
    first = pay(harness, PaymentMethod.CARD, key="key-0001")
    again = pay(harness, PaymentMethod.CARD, key="key-0001")
    assert again.repeated and not first.repeated
    assert again.request.number == first.request.number and again.redirect_url == first.redirect_url
    assert len(harness.container.policy_requests().list(account_id(harness))) == 1


def test_another_customer_s_policy_or_request_is_not_found(harness, seeded):
    request = pay(harness, PaymentMethod.CARD).request
    valeria = account_id(harness, VALERIA)
    requests = harness.container.policy_requests()
    with pytest.raises(NotFound):
        requests.functions(valeria, HOME)
    with pytest.raises(NotFound):
        pay(harness, PaymentMethod.CARD, key="key-0009", account=valeria)
    with pytest.raises(NotFound):
        requests.get(valeria, request.number)
    assert requests.list(valeria) == []


def test_an_expired_document_closes_the_functions_with_the_identification_reason(harness, seeded):
    valeria = account_id(harness, VALERIA)
    policy = "DA20041530"
    payment = harness.container.policy_requests().functions(valeria, policy).function(DispositiveFunction.PAYMENT)
    assert payment.refusal is Refusal.IDENTIFICATION and payment.gate.reason.value == "document_expired"
    with pytest.raises(FunctionNotAvailable) as refused:
        pay(harness, PaymentMethod.CARD, policy=policy, account=valeria)
    assert refused.value.params["refusal"] == "identification"
    assert refused.value.params["gate"] == "document_expired"


def test_a_function_not_live_yet_says_from_when(harness, seeded):
    # A Vita policy's suspension goes live on the next 1 July in the demo (a motor policy's is live).
    found = harness.container.policy_requests().functions(account_id(harness), "VI10011940")
    suspension = found.function(DispositiveFunction.SUSPENSION)
    assert suspension.refusal is Refusal.NOT_LIVE_YET
    assert suspension.live_from.month == 7 and suspension.live_from.day == 1
    assert suspension.live_from > harness.clock.now().date()


# --- notifications that must change nothing ---------------------------------------------------------
def test_a_duplicate_or_replayed_notification_changes_nothing(harness, seeded, delay):
    request = pay(harness, PaymentMethod.CARD).request
    body, headers = choose(harness, request.payment_session, PaymentOutcome.SUCCEEDED)
    assert notify(harness, body, headers)
    after_first = timeline(harness, request.number)
    mails = len(harness.emails_to(MARCO))
    assert not notify(harness, body, headers)  # the same delivery again
    harness.clock.advance(seconds=60)
    provider = harness.container.payment_provider()
    replay = {SIGNATURE_HEADER: sign(provider._key, body, int(harness.clock.now().timestamp()))}
    assert not notify(harness, body, replay)  # the same event re-signed later: same event id
    assert timeline(harness, request.number) == after_first
    assert len(harness.emails_to(MARCO)) == mails
    assert harness.container.core_system().counts() == (1, 1)
    with harness.container.uow() as uow:
        ignored = [e.details["why"] for e in uow.audit.list(limit=100)
                   if e.kind.value == "payment_notification_ignored"]
    assert ignored == ["duplicate", "duplicate"]  # told apart by event id, not only by the life cycle


def test_a_late_outcome_after_a_final_one_changes_nothing(harness, seeded):
    request = pay(harness, PaymentMethod.CARD).request
    notify(harness, *choose(harness, request.payment_session, PaymentOutcome.ABANDONED))
    provider = harness.container.payment_provider()
    late = json.dumps({"id": "evt_late", "session": request.payment_session, "reference": request.number,
                       "outcome": "succeeded", "at": harness.clock.now().isoformat()}).encode()
    headers = {SIGNATURE_HEADER: sign(provider._key, late, int(harness.clock.now().timestamp()))}
    assert not notify(harness, late, headers)
    assert status(harness, request.number) is S.PAYMENT_ABANDONED


@pytest.mark.parametrize("forge", ["unsigned", "wrong_key", "altered", "too_old", "other_session"])
def test_a_forged_notification_changes_nothing_and_is_audited(harness, seeded, forge):
    request = pay(harness, PaymentMethod.CARD).request
    provider = harness.container.payment_provider()
    now = int(harness.clock.now().timestamp())
    event = {"id": "evt_forged", "session": request.payment_session, "reference": request.number,
             "outcome": "succeeded", "at": harness.clock.now().isoformat()}
    body = json.dumps(event).encode()
    headers = {SIGNATURE_HEADER: sign(provider._key, body, now)}
    if forge == "unsigned":
        headers = {}
    elif forge == "wrong_key":
        headers = {SIGNATURE_HEADER: sign(b"not the provider's key", body, now)}
    elif forge == "altered":
        body = json.dumps({**event, "outcome": "succeeded", "reference": request.number + " "}).encode()
    elif forge == "too_old":
        headers = {SIGNATURE_HEADER: sign(provider._key, body, now - 3600)}
    if forge == "other_session":  # correctly signed, but for a session that is not the request's
        body = json.dumps({**event, "session": "ps_someone_else"}).encode()
        assert not notify(harness, body, {SIGNATURE_HEADER: sign(provider._key, body, now)})
        assert "payment_notification_ignored" in harness.audit_kinds(account_id(harness))
    else:
        with pytest.raises(InvalidNotification):
            notify(harness, body, headers)
        assert "payment_notification_refused" in harness.audit_kinds()
    assert status(harness, request.number) is S.AWAITING_PAYMENT
    assert harness.container.core_system().counts() == (0, 0)


def test_the_hand_off_is_one_outbox_step_and_running_it_again_hands_nothing_twice(harness, seeded, delay):
    request = pay(harness, PaymentMethod.CARD).request
    notify(harness, *choose(harness, request.payment_session, PaymentOutcome.SUCCEEDED))
    requests = harness.container.policy_requests()
    with harness.container.uow() as uow:  # a retry of the step after it was done: not ready any more
        requests.hand_over(uow, now=harness.clock.now(), request_id=request.id)
        uow.commit()
    assert harness.container.core_system().counts() == (1, 1)
    assert timeline(harness, request.number).count(S.HANDED_OVER) == 1


def test_card_sessions_left_open_never_starve_the_follow_up_of_bank_transfers(harness, seeded, delay):
    # Customers who close the provider's page leave card requests awaiting payment with no notification
    # ever coming; more of them than one batch of the follow-up must not hide a bank transfer behind them.
    from areaclienti.domain.receipts import Receipt, ReceiptKind

    core = harness.container.core_system()
    policy = core.find_policy(HOME)
    receipts = [Receipt(f"{HOME}-R{k:04d}", HOME, ReceiptKind.INSTALMENT, policy.premium.amount,
                        policy.premium.next_due_date + timedelta(days=k)) for k in range(12)]
    core.receipts = lambda number: list(receipts) if number == HOME else []
    for k in range(11):
        pay(harness, PaymentMethod.CARD, key=f"card-{k:04d}", receipts=[receipts[k].id])
        harness.clock.advance(seconds=1)
    transfer = pay(harness, PaymentMethod.BANK_TRANSFER, key="transfer", receipts=[receipts[11].id]).request
    harness.clock.advance(seconds=delay)
    assert harness.container.policy_requests().follow_up(limit=10) == 1
    assert status(harness, transfer.number) in (S.HANDED_OVER, S.PAID)


def test_a_payment_left_on_the_provider_page_is_abandoned_and_frees_its_receipt(harness, seeded):
    from areaclienti.app.use_cases.requests import EXPIRED_PAYMENT, PAYMENT_WINDOW

    card = pay(harness, PaymentMethod.CARD).request
    sepa = pay(harness, PaymentMethod.SEPA_DIRECT_DEBIT, key="key-sepa", policy=MOTOR).request
    assert notify(harness, *choose(harness, sepa.payment_session, PaymentOutcome.PENDING))  # mandate signed
    assert harness.container.policy_requests().follow_up() == 0
    harness.clock.advance(seconds=PAYMENT_WINDOW.total_seconds() - 1)
    assert harness.container.policy_requests().follow_up() == 0
    harness.clock.advance(seconds=1)
    assert harness.container.policy_requests().follow_up() == 1
    found = harness.container.policy_requests().get(account_id(harness), card.number)
    assert found.status is S.PAYMENT_ABANDONED and found.events[-1].reason == EXPIRED_PAYMENT
    assert status(harness, sepa.number) is S.AWAITING_PAYMENT  # its debit is on its way
    provider = harness.container.payment_provider()
    posted = len(provider.posted)
    provider.choose(card.payment_session, PaymentOutcome.SUCCEEDED)  # the page expired: nothing is paid
    assert len(provider.posted) == posted
    again = pay(harness, PaymentMethod.CARD, key="key-again")
    assert again.request.status is S.AWAITING_PAYMENT
