"""Policy requests (SPEC §4): what every dispositive function shares, and the first of them, paying premiums.

A request is stored with its timeline in the same transaction as the outbox items it starts (the emails,
its hand-off to the core system), so nothing is lost and the core system gets it exactly once. The
periodic job ``follow_up`` reads back where the core system stands and whether a bank transfer arrived.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from datetime import datetime, timedelta
from decimal import Decimal

from areaclienti.domain.audit import AuditEvent, AuditEventKind
from areaclienti.domain.availability import Availability, availabilities, availability
from areaclienti.domain.errors import (
    AmountOutOfRange,
    FunctionNotAvailable,
    InvalidTransition,
    RejectionNoteRequired,
    QuestionnairesInvalid,
    NotFound,
    PaymentMethodNotAllowed,
    PaymentServiceUnavailable,
    ReceiptAlreadyInPayment,
    ReceiptsInvalid,
)
from areaclienti.domain.policies import Company
from areaclienti.domain.products import DispositiveFunction, PaymentMethod, ProductRules
from areaclienti.domain.receipts import Receipt, payable
from areaclienti.domain.questionnaires import QuestionnaireCode, QuestionnaireInvalid, QuestionnaireOutdated
from areaclienti.domain.questionnaires import current as current_questionnaire
from areaclienti.domain.questionnaires import flags as questionnaire_flags
from areaclienti.domain.questionnaires import validate as validate_questionnaire
from areaclienti.domain.requests import (
    FINAL,
    WITH_THE_CORE_SYSTEM,
    PolicyRequest,
    RequestKind,
    RequestStatus,
    euro,
    request_number,
)

from .. import messages
from ..calendar import italian_day
from ..notifications import Notifier
from ..ports.clock import Clock
from ..ports.core_system import CoreState, HandOff, PolicyCoreSystem
from ..ports.links import LinkBuilder
from ..ports.payments import InvalidNotification, PaymentOrder, PaymentOutcome, PaymentProvider
from ..ports.repositories import DuplicateRequest, OutboxKind
from ..ports.security import SecretGenerator
from ..ports.unit_of_work import UnitOfWork
from .policies import CustomerPolicies, PolicyDetail

log = logging.getLogger(__name__)
S = RequestStatus
# Statuses in which a premium receipt counts as being paid by its request.
RECEIPT_IN_PAYMENT = frozenset(S) - FINAL - {S.SUBMITTED} | {S.COMPLETED}
_NOTIFY_STATUSES = frozenset({S.PAID, S.PAYMENT_REFUSED, S.PAYMENT_ABANDONED, S.TAKEN_IN_CHARGE, S.COMPLETED,
                              S.REJECTED})
# A card or SEPA payment not made on the provider's page within this time is abandoned, and its receipts
# free again (the provider's sessions expire after 30 minutes; a little grace for its last notification).
PAYMENT_WINDOW = timedelta(minutes=35)
EXPIRED_PAYMENT = "Il pagamento non è stato completato entro il tempo previsto: puoi ripeterlo dalla pagina della polizza."
_CORE_TO_STATUS = {CoreState.TAKEN_IN_CHARGE: S.TAKEN_IN_CHARGE, CoreState.COMPLETED: S.COMPLETED,
                   CoreState.REJECTED: S.REJECTED}


@dataclass(frozen=True)
class BankAccount:
    """Where customers send bank transfers, one per company."""

    holder: str
    iban: str


@dataclass(frozen=True)
class PolicyFunctions:
    """The policy detail with what the customer may do on it today (R-INFO, SPEC §4)."""

    detail: PolicyDetail
    rules: ProductRules | None
    functions: list[Availability]
    receipts: list[Receipt]  # open and recently paid (IVASS art. 42 c.3)
    payable: list[Receipt]  # what the payment function may pay today
    busy_receipts: frozenset[str] = frozenset()  # being paid by an open request

    def function(self, function: DispositiveFunction) -> Availability | None:
        return next((a for a in self.functions if a.function is function), None)


@dataclass(frozen=True)
class PayReceipts:
    account_id: str
    policy_number: str
    receipt_ids: Sequence[str]
    method: PaymentMethod
    idempotency_key: str


@dataclass(frozen=True)
class PayAdditional:
    account_id: str
    policy_number: str
    amount: Decimal | str
    method: PaymentMethod
    # questionnaire code -> {"version": int, "answers": {question id: value}} as the customer posted them
    questionnaires: Mapping[str, Mapping[str, Any]]
    idempotency_key: str


def answer_questionnaires(posted: Mapping[str, Mapping[str, Any]], *, is_company: bool, now: datetime) -> dict:
    """The three questionnaires validated against their current versions: what a request keeps
    (``questionnaires``), and the flags that hold it for review (``review``), never shown to the customer.

    Raises:
        QuestionnaireOutdated: answers posted against an older version.
        QuestionnairesInvalid: every problem of every questionnaire at once, by questionnaire and question.
    """
    kept: dict[str, dict] = {}
    problems: dict[str, dict[str, str]] = {}
    raised: set[str] = set()
    for code in QuestionnaireCode:
        form = posted.get(code.value) or {}
        definition = current_questionnaire(code)
        if form.get("version") not in (None, definition.version):
            raise QuestionnaireOutdated(questionnaire=code.value)
        try:
            answers = validate_questionnaire(definition, form.get("answers") or {}, is_company=is_company)
        except QuestionnaireInvalid as invalid:
            problems[code.value] = invalid.problems
            continue
        kept[code.value] = {"version": definition.version, "answers": answers, "given_at": now.isoformat()}
        raised.update(f.value for f in questionnaire_flags(definition, answers))
    if problems:
        raise QuestionnairesInvalid(problems=problems)
    return {"questionnaires": kept, "review": {"flags": sorted(raised)}}


@dataclass(frozen=True)
class Submitted:
    request: PolicyRequest
    redirect_url: str | None = None  # the provider's page, for card and SEPA
    bank_account: BankAccount | None = None  # for a bank transfer: where to send it (reference: the number)
    repeated: bool = False  # the same submission seen before (double click, second tab, retried POST)


@dataclass
class PolicyRequests:
    uow_factory: Callable[[], UnitOfWork]
    core: PolicyCoreSystem
    clock: Clock
    secrets: SecretGenerator
    notifier: Notifier
    payments: PaymentProvider
    links: LinkBuilder
    policies: CustomerPolicies
    bank_accounts: Mapping[Company, BankAccount] = field(default_factory=dict)

    # --- what the customer may do ------------------------------------------------------------------------
    def functions(self, account_id: str, policy_number: str) -> PolicyFunctions:
        """The policy, the functions its product offers (each allowed or with its reason) and its receipts.

        Raises:
            NotFound: not the customer's policy (or not visible any more).
        """
        detail = self.policies.detail(account_id, policy_number)
        today = italian_day(self.clock.now())
        rules = self.core.product_rules(detail.policy.product.code)
        found = availabilities(policy=detail.policy, roles=detail.my_roles, rules=rules, gate=detail.customer.gate,
                               today=today)
        receipts = self.core.receipts(detail.policy.number)
        pay = next((a for a in found if a.function is DispositiveFunction.PAYMENT and a.allowed), None)
        busy: frozenset[str] = frozenset()
        if pay is not None:  # only a customer who may pay has receipts in payment worth a query
            with self.uow_factory() as uow:
                busy = self._receipts_in_payment(uow, account_id, detail.policy.number)
        return PolicyFunctions(detail, rules, found, receipts,
                               payable(receipts, pay.scope, today) if pay and pay.scope else [], busy)

    def allowed(self, account_id: str, policy_number: str, function: DispositiveFunction
                 ) -> tuple[PolicyDetail, ProductRules, Availability]:
        detail = self.policies.detail(account_id, policy_number)
        rules = self.core.product_rules(detail.policy.product.code)
        found = availability(function, policy=detail.policy, roles=detail.my_roles, rules=rules,
                             gate=detail.customer.gate, today=italian_day(self.clock.now()))
        if not found.allowed or rules is None:
            raise FunctionNotAvailable(refusal=found.refusal.value if found.refusal else None,
                                       live_from=found.live_from,
                                       gate=found.gate.reason.value if found.gate else None)
        return detail, rules, found

    # --- R-DISP-PAY, Danni: open receipts ---------------------------------------------------------------
    def pay_receipts(self, cmd: PayReceipts) -> Submitted:
        """Start paying the chosen open receipts with the chosen method.

        Card and SEPA open a session on the provider's page (``redirect_url``); a bank transfer answers
        where to send it. The same idempotency key again answers the request it created.

        Raises:
            NotFound, FunctionNotAvailable, ReceiptsInvalid, ReceiptAlreadyInPayment, PaymentMethodNotAllowed,
            PaymentServiceUnavailable.
        """
        with self.uow_factory() as uow:
            earlier = uow.requests.get_by_key(cmd.account_id, cmd.idempotency_key)
        if earlier is not None:
            return self._submitted(earlier, repeated=True)
        detail, rules, allowed = self.allowed(cmd.account_id, cmd.policy_number, DispositiveFunction.PAYMENT)
        policy = detail.policy
        now = self.clock.now()
        open_ = {r.id: r for r in payable(self.core.receipts(policy.number), allowed.scope, italian_day(now))}
        ids = list(dict.fromkeys(cmd.receipt_ids))
        if not ids or any(i not in open_ for i in ids):
            raise ReceiptsInvalid()
        if cmd.method not in rules.payment_methods:
            raise PaymentMethodNotAllowed()
        chosen = [open_[i] for i in ids]
        return self._submit_payment(
            cmd.account_id, cmd.idempotency_key, detail, RequestKind.PREMIUM_PAYMENT, cmd.method,
            sum((r.amount for r in chosen), Decimal("0.00")),
            f"Polizza {policy.number}: " + ", ".join(
                f"quietanza del {r.due_date.strftime('%d/%m/%Y')}" for r in chosen),
            {"receipts": [{"id": r.id, "kind": r.kind.value, "amount": str(r.amount),
                           "due_date": r.due_date.isoformat()} for r in chosen]},
            busy_receipts=set(ids))

    # --- R-DISP-PAY, Vita: versamento aggiuntivo, with the questionnaires (R-DISP-Q) ---------------------
    def pay_additional(self, cmd: PayAdditional) -> Submitted:
        """An additional payment on a Vita policy: an amount within the product's limits, the method, and the
        three questionnaires; answers that need attention hold the request «in verifica» once paid.

        Raises:
            NotFound, FunctionNotAvailable, AmountOutOfRange, PaymentMethodNotAllowed, QuestionnaireOutdated,
            QuestionnairesInvalid, PaymentServiceUnavailable.
        """
        with self.uow_factory() as uow:
            earlier = uow.requests.get_by_key(cmd.account_id, cmd.idempotency_key)
        if earlier is not None:
            return self._submitted(earlier, repeated=True)
        detail, rules, _ = self.allowed(cmd.account_id, cmd.policy_number, DispositiveFunction.PAYMENT)
        limits = rules.additional_payment
        if limits is None or detail.policy.company is not Company.VITA:
            raise FunctionNotAvailable(refusal="not_offered")
        try:
            amount = euro(cmd.amount)
        except (ValueError, ArithmeticError):
            raise AmountOutOfRange(minimum=limits.minimum, maximum=limits.maximum) from None
        if not limits.admits(amount):
            raise AmountOutOfRange(minimum=limits.minimum, maximum=limits.maximum)
        if cmd.method not in rules.payment_methods:
            raise PaymentMethodNotAllowed()
        answered = answer_questionnaires(cmd.questionnaires, is_company=detail.customer.is_company,
                                         now=self.clock.now())
        return self._submit_payment(
            cmd.account_id, cmd.idempotency_key, detail, RequestKind.ADDITIONAL_PAYMENT, cmd.method, amount,
            f"Polizza {detail.policy.number}: versamento aggiuntivo", answered)

    def last_answers(self, account_id: str) -> dict[str, dict]:
        """The customer's latest answers to each questionnaire (version, answers, when given), to pre-fill
        the next one: only what changed needs typing."""
        found: dict[str, dict] = {}
        with self.uow_factory() as uow:
            for request in uow.requests.for_account(account_id, limit=50):  # newest first
                for code, given in request.payload.get("questionnaires", {}).items():
                    found.setdefault(code, given)
        return found

    def _submit_payment(self, account_id: str, key: str, detail: PolicyDetail, kind: RequestKind,
                        method: PaymentMethod, amount: Decimal, description: str, payload: dict,
                        busy_receipts: set[str] | None = None) -> Submitted:
        policy = detail.policy
        now = self.clock.now()
        with self.uow_factory() as uow:
            number = request_number(now.year, uow.requests.next_number(now.year))
            uow.commit()
        session = None
        if method is not PaymentMethod.BANK_TRANSFER:
            try:
                session = self.payments.start(PaymentOrder(
                    reference=number, amount=amount, method=method, description=description,
                    return_url=self.links.payment_return(number), notify_url=self.links.payment_notifications()))
            except Exception as error:
                log.warning("payment provider refused to open a session for %s: %s", number, error)
                raise PaymentServiceUnavailable() from error
        request = PolicyRequest.submit(
            at=now, id=self.secrets.new_id(), number=number, account_id=account_id,
            party_id=detail.customer.party_id, policy_number=policy.number, kind=kind,
            payload={"company": policy.company.value, "product": policy.product.code, **payload,
                     # kept so that the same submission again (a double click) leads to the same page
                     **({"payment_page": session.redirect_url} if session else {})},
            idempotency_key=key, amount=amount, payment_method=method,
            payment_session=session.id if session else None)
        with self.uow_factory() as uow:
            # Two tabs paying one receipt at once: the second waits here, then sees the first's request.
            uow.requests.hold_submissions_of(account_id)
            if busy_receipts and self._receipts_in_payment(uow, account_id, policy.number) & busy_receipts:
                # The same submission may have been stored meanwhile (a double click answered by two
                # threads): its receipts are busy, but with its own key, so it answers that request.
                earlier = uow.requests.get_by_key(account_id, key)
                if earlier is not None:
                    return self._submitted(earlier, repeated=True)
                raise ReceiptAlreadyInPayment()
            try:
                uow.requests.add(request)
            except DuplicateRequest:
                uow.rollback()
                found = uow.requests.get_by_key(account_id, key)
                assert found is not None
                return self._submitted(found, repeated=True)
            uow.audit.add(AuditEvent(AuditEventKind.REQUEST_SUBMITTED, now, account_id=account_id,
                                     details={"number": number, "kind": request.kind.value,
                                              "flagged": request.flagged}))
            self.tell(uow, request, detail.customer.display_name, detail.customer.email, now)
            uow.commit()
        return self._submitted(request, redirect_url=session.redirect_url if session else None)

    def submit(self, account_id: str, key: str, detail: PolicyDetail, kind: RequestKind, payload: dict,
               within: Callable[[UnitOfWork, PolicyRequest], None] | None = None) -> PolicyRequest:
        """Store a request that is not a payment and hand it to the core system (or hold it «in verifica»
        when flagged), in one transaction with ``within`` (which may attach files); the same key again
        answers the request it created."""
        now = self.clock.now()
        with self.uow_factory() as uow:
            earlier = uow.requests.get_by_key(account_id, key)
            if earlier is not None:
                return earlier
            number = request_number(now.year, uow.requests.next_number(now.year))
            request = PolicyRequest.submit(
                at=now, id=self.secrets.new_id(), number=number, account_id=account_id,
                party_id=detail.customer.party_id, policy_number=detail.policy.number, kind=kind,
                payload={"company": detail.policy.company.value, "product": detail.policy.product.code, **payload},
                idempotency_key=key)
            if request.needs_review():
                request.advance(S.UNDER_REVIEW, now)
            try:
                uow.requests.add(request)
            except DuplicateRequest:
                uow.rollback()
                found = uow.requests.get_by_key(account_id, key)
                assert found is not None
                return found
            if within is not None:
                within(uow, request)
            if request.ready_for_core_system():
                self.notifier.add(uow, OutboxKind.HAND_OVER_REQUEST, {"request_id": request.id}, now=now)
            uow.audit.add(AuditEvent(AuditEventKind.REQUEST_SUBMITTED, now, account_id=account_id,
                                     details={"number": number, "kind": kind.value, "flagged": request.flagged}))
            self.tell(uow, request, detail.customer.display_name, detail.customer.email, now)
            uow.commit()
        return request

    def _submitted(self, request: PolicyRequest, *, redirect_url: str | None = None,
                   repeated: bool = False) -> Submitted:
        bank = None
        if repeated and redirect_url is None and request.status is S.AWAITING_PAYMENT:
            redirect_url = request.payload.get("payment_page")
        if request.payment_method is PaymentMethod.BANK_TRANSFER:
            bank = self.bank_accounts.get(Company(request.payload.get("company", "danni")))
        return Submitted(request, redirect_url, bank, repeated)

    @staticmethod
    def _receipts_in_payment(uow: UnitOfWork, account_id: str, policy_number: str) -> frozenset[str]:
        busy: set[str] = set()
        for request in uow.requests.for_account(account_id, limit=200):
            if (request.kind is RequestKind.PREMIUM_PAYMENT and request.policy_number == policy_number
                    and request.status in RECEIPT_IN_PAYMENT):
                busy.update(r["id"] for r in request.payload.get("receipts", ()))
        return frozenset(busy)

    # --- «Le mie richieste» ------------------------------------------------------------------------------
    def list(self, account_id: str) -> list[PolicyRequest]:
        with self.uow_factory() as uow:
            return uow.requests.for_account(account_id)

    def get(self, account_id: str, number: str) -> PolicyRequest:
        """One of the customer's requests; NotFound for anyone else's (same answer as a missing one)."""
        with self.uow_factory() as uow:
            request = uow.requests.get_by_number((number or "").strip().upper())
        if request is None or request.account_id != account_id:
            raise NotFound()
        return request

    # --- the payment provider's notifications -----------------------------------------------------------
    def receive_payment_notification(self, body: bytes, headers: Mapping[str, str]) -> bool:
        """Apply a signed notification; True when it changed a request.

        A duplicate or a replay (same event id), or one for an unknown request or session, changes
        nothing. The return page never marks anything paid: only this does.

        Raises:
            InvalidNotification: forged, altered or too old (audited).
        """
        now = self.clock.now()
        try:
            note = self.payments.parse_notification(body, headers, now)
        except InvalidNotification as error:
            with self.uow_factory() as uow:
                uow.audit.add(AuditEvent(AuditEventKind.PAYMENT_NOTIFICATION_REFUSED, now,
                                         details={"why": str(error)[:200]}))
                uow.commit()
            raise
        with self.uow_factory() as uow:
            ignored = None
            request = None
            if not uow.requests.first_time_seen(note.event_id, now):
                ignored = "duplicate"
            else:
                request = uow.requests.get_by_number(note.reference)
                if request is not None:
                    request = uow.requests.get(request.id, lock=True)
                if request is None or request.payment_session != note.session_id:
                    ignored = "unknown_request"
            if ignored is None and request is not None:
                ignored = self._apply_payment(uow, request, note.outcome, note.reason, now)
            if ignored is not None:
                uow.audit.add(AuditEvent(AuditEventKind.PAYMENT_NOTIFICATION_IGNORED, now,
                                         account_id=request.account_id if request else None,
                                         details={"event": note.event_id, "why": ignored,
                                                  "outcome": note.outcome.value}))
            uow.commit()
        return ignored is None

    def _apply_payment(self, uow: UnitOfWork, request: PolicyRequest, outcome: PaymentOutcome,
                       reason: str | None, now: datetime) -> str | None:
        """The request's move for a payment outcome; the reason it was ignored, or None."""
        if outcome is PaymentOutcome.PENDING:  # SEPA: the mandate is signed, the debit comes later
            if request.status is not S.AWAITING_PAYMENT:
                return "not_awaiting_payment"
            request.payload = {**request.payload, "mandate_accepted_at": now.isoformat()}
            uow.requests.save(request)
            return None
        target = {PaymentOutcome.SUCCEEDED: S.PAID, PaymentOutcome.REFUSED: S.PAYMENT_REFUSED,
                  PaymentOutcome.ABANDONED: S.PAYMENT_ABANDONED}[outcome]
        if not request.can_become(target):
            return "late"
        self._move(uow, request, target, now, reason)
        return None

    # --- the operators' review of flagged requests (R-DISP-Q) ---------------------------------------------
    def release(self, operator_id: str, number: str) -> PolicyRequest:
        """An operator releases a request «in verifica»: it goes on to the core system (one outbox item).

        Raises:
            NotFound, InvalidTransition (not waiting for review: released or rejected meanwhile).
        """
        return self._review(operator_id, number, S.RELEASED, None, AuditEventKind.REQUEST_RELEASED)

    def reject_after_review(self, operator_id: str, number: str, reason: str) -> PolicyRequest:
        """An operator rejects a request «in verifica», with a reason the customer reads.

        Raises:
            NotFound, InvalidTransition, RejectionNoteRequired (an empty reason).
        """
        reason = (reason or "").strip()
        if not reason:
            raise RejectionNoteRequired()
        return self._review(operator_id, number, S.REJECTED, reason[:1000], AuditEventKind.REQUEST_REJECTED)

    def _review(self, operator_id: str, number: str, status: RequestStatus, reason: str | None,
                audit: AuditEventKind) -> PolicyRequest:
        now = self.clock.now()
        with self.uow_factory() as uow:
            found = uow.requests.get_by_number((number or "").strip().upper())
            if found is None:
                raise NotFound()
            request = uow.requests.get(found.id, lock=True)  # two operators at once: one decides
            assert request is not None
            if request.status is not S.UNDER_REVIEW:
                raise InvalidTransition(current=request.status.value)
            self._move(uow, request, status, now, reason)
            uow.audit.add(AuditEvent(audit, now, account_id=request.account_id,
                                     details={"number": request.number, "operator": operator_id,
                                              **({"reason": reason} if reason else {})}))
            uow.commit()
        return request

    # --- the core system ----------------------------------------------------------------------------------
    def hand_over(self, uow: UnitOfWork, *, now: datetime, request_id: str) -> None:
        """Outbox step: give the request to the core system; the idempotency key is the request's id, so
        a retry after a crash gets the first answer back and the core system counts it once."""
        # The core system is called before our lock is taken: on SQLite the lock is the database's one write
        # lock, and the demo core system writes its ledger there on another connection (it waited on us until
        # the busy timeout, and failed every time). Its key makes a second call harmless.
        seen = uow.requests.get(request_id)
        if seen is None or not seen.ready_for_core_system():
            return
        answer = self.core.hand_over(HandOff(
            key=seen.id, request_number=seen.number, kind=seen.kind.value,
            policy_number=seen.policy_number, party_id=seen.party_id, payload=seen.payload,
            submitted_at=seen.created_at))
        request = uow.requests.get(request_id, lock=True)
        if request is None or not request.ready_for_core_system():
            return  # handed over meanwhile by another attempt
        request.core_reference = answer.reference
        self._move(uow, request, S.HANDED_OVER, now)
        self._follow_core(uow, request, answer.state, answer.reason, now)

    def follow_up(self, limit: int = 200) -> int:
        """Periodic job: where the core system stands on the requests it has, and which bank transfers
        arrived; how many requests moved."""
        moved = 0
        with self.uow_factory() as uow:
            # Card and SEPA payments are told by the provider, not read here: asked for apart, so that
            # sessions the customers left open never fill the batch and starve the rest.
            waiting = [*uow.requests.in_status(list(WITH_THE_CORE_SYSTEM), limit=limit),
                       *uow.requests.in_status([S.AWAITING_PAYMENT], limit=limit,
                                               payment_method=PaymentMethod.BANK_TRANSFER)]
        for seen in waiting:
            now = self.clock.now()
            if seen.status is S.AWAITING_PAYMENT:
                if self.core.transfer_received(seen.number, seen.created_at) is None:
                    continue
            else:
                status = self.core.request_status(seen.id)
                if status is None or _CORE_TO_STATUS.get(status.state) in (None, seen.status):
                    continue
            with self.uow_factory() as uow:
                request = uow.requests.get(seen.id, lock=True)
                if request is None or request.status is not seen.status:
                    continue  # moved meanwhile by someone else
                if request.status is S.AWAITING_PAYMENT:
                    self._move(uow, request, S.PAID, now)
                else:
                    self._follow_core(uow, request, status.state, status.reason, now)
                uow.commit()
            moved += 1
        return moved + self._abandon_expired_payments(limit)

    def _abandon_expired_payments(self, limit: int) -> int:
        """Card and SEPA payments left on the provider's page (closed, forgotten) end as abandoned, so their
        receipts can be paid again; a SEPA mandate already signed waits for its debit instead."""
        now = self.clock.now()
        moved = 0
        with self.uow_factory() as uow:
            waiting = [r for method in (PaymentMethod.CARD, PaymentMethod.SEPA_DIRECT_DEBIT)
                       for r in uow.requests.in_status([S.AWAITING_PAYMENT], limit=limit, payment_method=method)]
        for seen in waiting:
            if seen.created_at > now - PAYMENT_WINDOW or "mandate_accepted_at" in seen.payload:
                continue
            with self.uow_factory() as uow:
                request = uow.requests.get(seen.id, lock=True)
                if request is None or request.status is not S.AWAITING_PAYMENT:
                    continue
                self._move(uow, request, S.PAYMENT_ABANDONED, now, EXPIRED_PAYMENT)
                uow.commit()
            moved += 1
        return moved

    def _follow_core(self, uow: UnitOfWork, request: PolicyRequest, state: CoreState, reason: str | None,
                     now: datetime) -> None:
        target = _CORE_TO_STATUS.get(state)
        if target is None or target is request.status:
            return
        if target in (S.COMPLETED, S.REJECTED) and request.status is S.HANDED_OVER:
            self._move(uow, request, S.TAKEN_IN_CHARGE, now)  # the timeline never skips a step
        self._move(uow, request, target, now, reason)

    def _move(self, uow: UnitOfWork, request: PolicyRequest, status: RequestStatus, now: datetime,
              reason: str | None = None) -> None:
        """Advance, store, tell the customer, and hand a paid request to the core system (one outbox item)."""
        request.advance(status, now, reason)
        if request.needs_review():  # paid, but some answers need a person: «in verifica» until released
            request.advance(S.UNDER_REVIEW, now)
        uow.requests.save(request)
        if request.ready_for_core_system():
            self.notifier.add(uow, OutboxKind.HAND_OVER_REQUEST, {"request_id": request.id}, now=now)
        if status in _NOTIFY_STATUSES:
            account = uow.accounts.get(request.account_id)
            if account is not None:
                self.tell(uow, request, account.display_name, account.email, now)

    def tell(self, uow: UnitOfWork, request: PolicyRequest, name: str | None, email: str | None,
              now: datetime) -> None:
        if not email:
            return
        subject, body = messages.request_status_email(
            name, request.number, request.kind.value, request.policy_number, request.status.value,
            request.events[-1].reason, self.links.request(request.number))
        self.notifier.email(uow, to=email, subject=subject, body=body, now=now)
