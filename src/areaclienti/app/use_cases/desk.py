"""The operators' requests desk (R-DISP-Q, SPEC §8): every customer's requests with filters, one request with
its timeline and its questionnaire answers (the flagged ones marked), the decision on a request held
«in verifica», and the hand-offs to the core system that died, with a new round of attempts.

Operators see what the review needs and no more: an IBAN is masked unless an operator asks for it, and the
asking is audited, as every decision and every retry is.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from areaclienti.domain.accounts import Account
from areaclienti.domain.audit import AuditEvent, AuditEventKind
from areaclienti.domain.errors import NotFound
from areaclienti.domain.questionnaires import Question, QuestionnaireCode, definition
from areaclienti.domain.requests import PolicyRequest, RequestKind, RequestStatus, masked_iban

from ..ports.clock import Clock
from ..ports.repositories import OutboxItem, OutboxKind
from ..ports.security import SecretBox
from ..ports.unit_of_work import UnitOfWork
from .requests import PolicyRequests

MAX_ROWS = 200
# Dead items are read this many at a time and the hand-offs kept: other kinds (emails, SMS) die too.
DEAD_SCAN = 500


@dataclass(frozen=True)
class DeskFilters:
    """What the list shows: empty kinds/statuses and flagged None mean any."""

    kinds: tuple[RequestKind, ...] = ()
    statuses: tuple[RequestStatus, ...] = ()
    flagged: bool | None = None
    older_than_days: int | None = None
    oldest_first: bool = False
    limit: int = 100


@dataclass(frozen=True)
class DeskRow:
    request: PolicyRequest
    customer_name: str
    party_id: str


@dataclass(frozen=True)
class Answer:
    question: Question  # its Italian text, its options
    value: str
    flagged: bool  # this answer raised the question's flag


@dataclass(frozen=True)
class AnsweredQuestionnaire:
    code: str
    version: int
    title: str | None  # None: a version this code no longer knows (the raw answers are shown)
    given_at: str | None
    answers: list[Answer] = field(default_factory=list)
    unknown: dict[str, Any] = field(default_factory=dict)  # answers to questions the definition lacks

    @property
    def flagged(self) -> bool:
        return any(a.flagged for a in self.answers)


@dataclass(frozen=True)
class DeskDetail:
    request: PolicyRequest
    customer_name: str
    party_id: str
    questionnaires: list[AnsweredQuestionnaire]
    flags: list[str]
    iban_masked: str | None  # the full IBAN only through reveal_iban

    @property
    def awaits_review(self) -> bool:
        return self.request.status is RequestStatus.UNDER_REVIEW


@dataclass(frozen=True)
class DeadHandOff:
    item_id: str
    request_number: str | None  # None: the payload could not be read, or the request is gone
    attempts: int
    last_error: str | None
    created_at: datetime


def answered(payload: dict[str, Any]) -> list[AnsweredQuestionnaire]:
    """Each questionnaire kept with a request, read against the version it answered."""
    found = []
    for code, given in (payload.get("questionnaires") or {}).items():
        answers = dict(given.get("answers") or {})
        version = given.get("version")
        try:
            questionnaire = definition(QuestionnaireCode(code), version) if isinstance(version, int) else None
        except ValueError:
            questionnaire = None
        if questionnaire is None:
            found.append(AnsweredQuestionnaire(code, version or 0, None, given.get("given_at"), unknown=answers))
            continue
        lines = []
        for question in questionnaire.questions:
            if question.id in answers:
                value = str(answers.pop(question.id))
                lines.append(Answer(question, value, question.flag is not None and value in question.flag_values))
        found.append(AnsweredQuestionnaire(code, version, questionnaire.title, given.get("given_at"), lines,
                                           unknown=answers))
    return found


@dataclass
class RequestsDesk:
    uow_factory: Callable[[], UnitOfWork]
    clock: Clock
    box: SecretBox
    requests: PolicyRequests

    def list(self, filters: DeskFilters) -> list[DeskRow]:
        """The requests that pass the filters, each with its customer's name (one read for the accounts)."""
        before = None
        if filters.older_than_days is not None:
            before = self.clock.now() - timedelta(days=max(filters.older_than_days, 0))
        with self.uow_factory() as uow:
            found = uow.requests.search(kinds=filters.kinds, statuses=filters.statuses, flagged=filters.flagged,
                                        created_before=before, limit=min(max(filters.limit, 1), MAX_ROWS),
                                        oldest_first=filters.oldest_first)
            accounts = uow.accounts.get_many(list({r.account_id for r in found}))
        return [DeskRow(r, *_who(accounts.get(r.account_id), r)) for r in found]

    def detail(self, number: str) -> DeskDetail:
        """One request with its timeline and its questionnaires, the flagged answers marked.

        Raises:
            NotFound: no request with this number.
        """
        with self.uow_factory() as uow:
            request = uow.requests.get_by_number(_number(number))
            if request is None:
                raise NotFound()
            account = uow.accounts.get(request.account_id)
        iban = request.payload.get("iban")
        return DeskDetail(request, *_who(account, request), answered(request.payload),
                          list((request.payload.get("review") or {}).get("flags") or []),
                          masked_iban(iban) if iban else None)

    def reveal_iban(self, operator_id: str, number: str) -> str:
        """The request's full IBAN, for an operator who asks; the asking is audited.

        Raises:
            NotFound: no such request, or it holds no IBAN.
        """
        now = self.clock.now()
        with self.uow_factory() as uow:
            request = uow.requests.get_by_number(_number(number))
            iban = request.payload.get("iban") if request is not None else None
            if request is None or not iban:
                raise NotFound()
            uow.audit.add(AuditEvent(AuditEventKind.REQUEST_IBAN_REVEALED, now, account_id=request.account_id,
                                     details={"number": request.number, "operator": operator_id}))
            uow.commit()
        return str(iban)

    def release(self, operator_id: str, number: str) -> PolicyRequest:
        """Release a request «in verifica» to the core system (audited). Raises NotFound, InvalidTransition."""
        return self.requests.release(operator_id, _number(number))

    def reject(self, operator_id: str, number: str, reason: str) -> PolicyRequest:
        """Reject a request «in verifica» with the reason the customer reads (audited).

        Raises:
            NotFound, InvalidTransition, RejectionNoteRequired.
        """
        return self.requests.reject_after_review(operator_id, _number(number), reason)

    def dead_hand_offs(self, limit: int = 100) -> list[DeadHandOff]:
        """Hand-offs to the core system that failed every attempt, newest first, with their request number."""
        with self.uow_factory() as uow:
            items = [i for i in uow.outbox.dead(limit=DEAD_SCAN) if i.kind is OutboxKind.HAND_OVER_REQUEST][:limit]
            numbers = {}
            for item in items:
                request_id = self._request_id(item)
                request = uow.requests.get(request_id) if request_id else None
                numbers[item.id] = request.number if request else None
        return [DeadHandOff(i.id, numbers[i.id], i.attempts, i.last_error, i.created_at) for i in items]

    def retry_hand_off(self, operator_id: str, item_id: str) -> bool:
        """A dead hand-off gets a new round of attempts (the relay hands it over), audited in the same
        transaction; False when it is not a dead hand-off (retried meanwhile by another operator)."""
        now = self.clock.now()
        with self.uow_factory() as uow:
            item = uow.outbox.get(item_id)
            if item is None or item.kind is not OutboxKind.HAND_OVER_REQUEST or not uow.outbox.revive(item_id, now=now):
                return False
            request_id = self._request_id(item)
            request = uow.requests.get(request_id) if request_id else None
            uow.audit.add(AuditEvent(AuditEventKind.HANDOFF_RETRIED, now,
                                     account_id=request.account_id if request else None,
                                     details={"item": item_id, "operator": operator_id,
                                              "number": request.number if request else None}))
            uow.commit()
        return True

    def _request_id(self, item: OutboxItem) -> str | None:
        try:
            return json.loads(self.box.open(item.sealed_payload or "")).get("request_id")
        except ValueError:
            return None


def _number(number: str) -> str:
    return (number or "").strip().upper()


def _who(account: Account | None, request: PolicyRequest) -> tuple[str, str]:
    if account is None:
        return request.party_id, request.party_id
    return account.display_name or account.party_id.value, account.party_id.value

