"""The operators' review of identifications (R-ID-4): the queue, one attempt beside the core system's
personal data, its files, and the decision, which is audited and emailed to the customer."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import BinaryIO

from areaclienti.domain.accounts import Account
from areaclienti.domain.audit import AuditEvent, AuditEventKind
from areaclienti.domain.errors import DocumentExpired, NotFound
from areaclienti.domain.identification import (
    AttemptKind,
    AttemptStatus,
    IdentificationAttempt,
    RegisteredDocument,
    RejectionReason,
    StoredFile,
)

from .. import messages
from ..calendar import italian_day
from ..notifications import Notifier
from ..ports.clock import Clock
from ..ports.core_system import PolicyCoreSystem
from ..ports.links import LinkBuilder
from ..ports.storage import FileStorage
from ..ports.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class QueueItem:
    attempt_id: str
    customer_name: str
    party_id: str
    kind: AttemptKind
    submitted_at: datetime
    waiting: timedelta


@dataclass(frozen=True)
class PersonalData:
    """What the core system holds about the customer, to compare with the video and the document."""

    name: str
    party_id: str
    birth_date: date | None
    first_name: str | None
    last_name: str | None


@dataclass(frozen=True)
class ReviewView:
    attempt: IdentificationAttempt
    personal: PersonalData
    email: str | None
    registered: RegisteredDocument | None  # the document in force (a document update replaces it)
    waiting: timedelta


@dataclass
class IdentificationReview:
    uow_factory: Callable[[], UnitOfWork]
    clock: Clock
    core: PolicyCoreSystem
    storage: FileStorage
    notifier: Notifier
    links: LinkBuilder

    def queue(self, limit: int = 100) -> tuple[list[QueueItem], int]:
        """Submitted attempts, the longest-waiting first, and how many wait in all."""
        now = self.clock.now()
        with self.uow_factory() as uow:
            attempts = uow.identifications.submitted(limit=limit)
            total = uow.identifications.count_submitted()
            accounts = uow.accounts.get_many([a.account_id for a in attempts])
        items = []
        for attempt in attempts:
            account = accounts.get(attempt.account_id)
            if account is None:
                continue
            assert attempt.submitted_at is not None
            items.append(QueueItem(attempt.id, account.display_name or account.party_id.value,
                                   account.party_id.value, attempt.kind, attempt.submitted_at,
                                   attempt.waiting_time(now)))
        return items, total

    def detail(self, attempt_id: str) -> ReviewView:
        now = self.clock.now()
        with self.uow_factory() as uow:
            attempt = uow.identifications.get(attempt_id)
            if attempt is None or attempt.status in (AttemptStatus.DRAFT, AttemptStatus.AWAITING_CONFIRMATION,
                                                     AttemptStatus.ABANDONED):
                raise NotFound()  # nothing the customer has not sent is shown to operators
            account = self._account(uow, attempt)
        party = self.core.find_party(account.party_id)
        personal = PersonalData(
            name=party.name if party else (account.display_name or ""),
            party_id=account.party_id.value,
            birth_date=party.birth_date if party else None,
            first_name=getattr(party, "first_name", None),
            last_name=getattr(party, "last_name", None),
        )
        return ReviewView(attempt, personal, account.email, account.registered_document, attempt.waiting_time(now))

    def open_file(self, attempt_id: str, which: str) -> tuple[BinaryIO, StoredFile]:
        """The video (``which`` = "video") or a document image ("0", "1") of a sent attempt."""
        with self.uow_factory() as uow:
            attempt = uow.identifications.get(attempt_id)
        if attempt is None or attempt.submitted_at is None or attempt.status is AttemptStatus.ABANDONED:
            raise NotFound()
        if which == "video":
            stored = attempt.video
        elif which.isascii() and which.isdigit() and int(which) < len(attempt.document_files):  # not "²"
            stored = attempt.document_files[int(which)]
        else:
            stored = None
        if stored is None:
            raise NotFound()
        try:
            return self.storage.open(stored.key), stored
        except KeyError:
            raise NotFound() from None

    def approve(self, *, operator_id: str, attempt_id: str, note: str = "") -> None:
        """The customer is who they say: the document becomes the one in force (R-ID-4, R-ID-6).

        Raises:
            NotFound: no such attempt. InvalidTransition: already decided (by another operator).
            DocumentExpired: the document expired while waiting; it can only be rejected (R-ID-5).
        """
        now = self.clock.now()
        with self.uow_factory() as uow:
            attempt = self._submitted(uow, attempt_id)
            account = self._account(uow, attempt)
            if attempt.document is not None and not attempt.document.is_valid_on(italian_day(now)):
                raise DocumentExpired(expired_on=attempt.document.expires_on)
            document = attempt.approve(operator_id=operator_id, now=now, note=note)
            account.register_document(document, now)
            uow.identifications.save(attempt)
            uow.accounts.save(account)
            uow.audit.add(AuditEvent(AuditEventKind.IDENTIFICATION_APPROVED, now, account_id=account.id, details={
                "attempt": attempt.id, "operator": operator_id, "kind": attempt.kind.value,
                "note": attempt.decision_note}))
            if account.email:
                subject, body = messages.identification_approved_email(
                    account.display_name, attempt.kind is AttemptKind.DOCUMENT_UPDATE, self.links.login())
                self.notifier.email(uow, to=account.email, subject=subject, body=body, now=now)
            uow.commit()

    def reject(self, *, operator_id: str, attempt_id: str, reason: RejectionReason, note: str = "") -> None:
        """Not enough to identify the customer, who may repeat the procedure (R-ID-4).

        Raises:
            NotFound, InvalidTransition, RejectionNoteRequired (reason «other» without a note).
        """
        now = self.clock.now()
        with self.uow_factory() as uow:
            attempt = self._submitted(uow, attempt_id)
            account = self._account(uow, attempt)
            attempt.reject(operator_id=operator_id, reason=reason, now=now, note=note)
            uow.identifications.save(attempt)
            uow.audit.add(AuditEvent(AuditEventKind.IDENTIFICATION_REJECTED, now, account_id=account.id, details={
                "attempt": attempt.id, "operator": operator_id, "kind": attempt.kind.value,
                "reason": reason.value, "note": attempt.decision_note}))
            if account.email:
                subject, body = messages.identification_rejected_email(
                    account.display_name, reason.value, attempt.decision_note, self.links.identification())
                self.notifier.email(uow, to=account.email, subject=subject, body=body, now=now)
            uow.commit()

    @staticmethod
    def _submitted(uow: UnitOfWork, attempt_id: str) -> IdentificationAttempt:
        attempt = uow.identifications.get(attempt_id, for_update=True)
        if attempt is None:
            raise NotFound()
        return attempt

    @staticmethod
    def _account(uow: UnitOfWork, attempt: IdentificationAttempt) -> Account:
        account = uow.accounts.get(attempt.account_id)
        if account is None:
            raise NotFound()
        return account
