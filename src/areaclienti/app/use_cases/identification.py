"""The customer's side of identification by video selfie (R-ID-1..3, R-ID-5, R-ID-6, R-LEG-3).

Files are written to the storage port before the transaction that attaches them, and removed again if
that transaction fails: a broken upload leaves no half submission, and what was already attached stays.
Files an attempt no longer uses (a retaken video, replaced images) are removed after the commit.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import BinaryIO

from areaclienti.domain.accounts import Account
from areaclienti.domain.audit import AuditEvent, AuditEventKind
from areaclienti.domain.contacts import mask_mobile
from areaclienti.domain.errors import (
    FileRejected,
    IdentificationAlreadySubmitted,
    IdentificationNotAllowed,
    InvalidTransition,
    NotFound,
)
from areaclienti.domain.identification import (
    AttemptKind,
    AttemptStatus,
    DocumentType,
    DraftStep,
    FileRole,
    Gate,
    IdentificationAttempt,
    RejectionReason,
    StoredFile,
    UploadLimits,
    parse_document,
)
from areaclienti.domain.keywords import KEYWORDS
from areaclienti.domain.otp import OtpPurpose

from ..calendar import italian_day
from ..ports.clock import Clock
from ..ports.security import SecretGenerator, SecretHasher
from ..ports.storage import FileStorage
from ..ports.unit_of_work import UnitOfWork
from ..uploads import Upload, UploadPipeline, UploadRule
from .otp import OtpService
from .policies import CustomerProfile, profile_of


@dataclass(frozen=True)
class GiveDocument:
    account_id: str
    attempt_id: str
    document_type: DocumentType
    document_number: str
    expires_on: date


@dataclass(frozen=True)
class SendDocumentFiles:
    """«conferma invio»: front and back as two files, or a single file with both sides."""

    account_id: str
    attempt_id: str
    front: Upload
    back: Upload | None = None


@dataclass(frozen=True)
class IdentificationStatus:
    """What the customer's pages show: the gate (R-ID-5), the attempt in progress, the last outcome."""

    gate: Gate
    identified: bool
    attempt: IdentificationAttempt | None  # the open attempt, if any
    last_rejection: RejectionReason | None
    last_rejection_note: str
    mobile_masked: str | None
    is_legacy: bool
    customer: CustomerProfile  # for the page header, from the same reads

    @property
    def next_step(self) -> DraftStep | None:
        return self.attempt.next_step if self.attempt else None

    @property
    def may_start(self) -> bool:
        return self.attempt is None or self.attempt.status is not AttemptStatus.SUBMITTED


@dataclass(frozen=True)
class Confirmation:
    """After «conferma invio»: sent to the operators, or (document update) waiting for the SMS code."""

    submitted: bool
    masked_mobile: str | None = None


@dataclass
class Identification:
    uow_factory: Callable[[], UnitOfWork]
    clock: Clock
    secrets: SecretGenerator
    hasher: SecretHasher
    otp: OtpService
    storage: FileStorage
    uploads: UploadPipeline
    limits: UploadLimits

    # --- reading ----------------------------------------------------------------------------------
    def status(self, account_id: str) -> IdentificationStatus:
        now = self.clock.now()
        with self.uow_factory() as uow:
            account = self._account(uow, account_id)
            attempt = uow.identifications.open_for_account(account_id)
            latest = attempt or uow.identifications.latest_for_account(account_id)
        rejected = latest if latest is not None and latest.status is AttemptStatus.REJECTED else None
        open_status = attempt.status if attempt else None
        gate = account.gate(italian_day(now), open_status)
        return IdentificationStatus(
            gate=gate,
            identified=account.registered_document is not None,
            attempt=attempt,
            last_rejection=rejected.rejection_reason if rejected else None,
            last_rejection_note=rejected.decision_note if rejected else "",
            mobile_masked=mask_mobile(account.mobile) if account.mobile else None,
            is_legacy=account.origin.value == "legacy",
            customer=profile_of(account, gate, open_status),
        )

    def open_file(self, account_id: str, attempt_id: str, index: int) -> tuple[BinaryIO, StoredFile]:
        """One of the customer's own document images, for the preview; NotFound for anybody else's."""
        stored = self._own_file(account_id, attempt_id, index)
        try:
            return self.storage.open(stored.key), stored
        except KeyError:
            raise NotFound() from None

    def file_link(self, account_id: str, attempt_id: str, index: int, *,
                  seconds: int) -> tuple[str | None, StoredFile]:
        """A link straight to the storage for one of the customer's own document files, saved as
        ``document_file_name``.

        Returns:
            The link, valid for ``seconds`` (None when the storage gives no links: stream ``open_file``),
            and the file.

        Raises:
            NotFound: anybody else's file, or none at that index.
        """
        stored = self._own_file(account_id, attempt_id, index)
        link = self.storage.download_url(stored.key, filename=document_file_name(index, stored),
                                         content_type=stored.content_type, seconds=seconds)
        return link, stored

    def _own_file(self, account_id: str, attempt_id: str, index: int) -> StoredFile:
        with self.uow_factory() as uow:
            attempt = uow.identifications.get(attempt_id)
        if attempt is None or attempt.account_id != account_id or not 0 <= index < len(attempt.document_files):
            raise NotFound()
        return attempt.document_files[index]

    # --- the steps --------------------------------------------------------------------------------
    def start(self, account_id: str) -> IdentificationAttempt:
        """«avvia video selfie»: the open draft, or a new attempt with a fresh keyword.

        An identified account starts a document update (R-ID-6); any other a first identification (R-ID-1,
        R-LEG-3).

        Raises:
            IdentificationAlreadySubmitted: an attempt waits for an operator; nothing can be added to it.
        """
        now = self.clock.now()
        with self.uow_factory() as uow:
            account = self._account(uow, account_id)
            attempt = uow.identifications.open_for_account(account_id, for_update=True)
            if attempt is not None:
                if attempt.status is AttemptStatus.SUBMITTED:
                    raise IdentificationAlreadySubmitted()
                return attempt
            kind = AttemptKind.DOCUMENT_UPDATE if account.registered_document else AttemptKind.FIRST
            attempt = IdentificationAttempt.start(attempt_id=self.secrets.new_id(), account_id=account_id,
                                                  kind=kind, keyword=self._keyword(), now=now)
            uow.identifications.add(attempt)
            uow.audit.add(AuditEvent(AuditEventKind.IDENTIFICATION_STARTED, now, account_id=account_id,
                                     details={"attempt": attempt.id, "kind": kind.value}))
            uow.commit()
            return attempt

    def new_take(self, account_id: str, attempt_id: str) -> str:
        """«registra di nuovo»: a new keyword for the next recording; returns it."""
        now = self.clock.now()
        with self.uow_factory() as uow:
            attempt = self._editable(uow, account_id, attempt_id)
            attempt.new_take(self._keyword(previous=attempt.keyword), now)
            uow.identifications.save(attempt)
            self._drop_replaced(uow, attempt)
            uow.commit()
            return attempt.keyword

    def send_video(self, account_id: str, attempt_id: str, video: Upload, *, take: int | None = None) -> None:
        """«completa video selfie»: keep the recording of the current keyword (R-ID-2).

        ``take`` is the take the recorder showed: a video recorded before a «registra di nuovo» made in
        another tab says the old keyword, and is refused (KeywordChanged) rather than kept under the new one.
        """
        self._check_editable(account_id, attempt_id, take=take)
        stored = self._store(video, FileRole.VIDEO, account_id=account_id)
        try:
            with self.uow_factory() as uow:
                attempt = self._editable(uow, account_id, attempt_id)
                attempt.attach_video(stored, self.clock.now(), take=take)
                uow.identifications.save(attempt)
                self._drop_replaced(uow, attempt)
                uow.commit()
        except BaseException:
            self.storage.delete(stored.key)
            raise

    def give_document(self, cmd: GiveDocument) -> None:
        """The document's type, number and expiry, checked before any file is sent (R-ID-3)."""
        now = self.clock.now()
        document = parse_document(cmd.document_type, cmd.document_number, cmd.expires_on, today=italian_day(now))
        with self.uow_factory() as uow:
            attempt = self._editable(uow, cmd.account_id, cmd.attempt_id)
            attempt.give_document(document, now)
            uow.identifications.save(attempt)
            uow.commit()

    def send_document_files(self, cmd: SendDocumentFiles) -> Confirmation:
        """Upload the document's images and «conferma invio» in one step: either everything is kept and
        sent, or nothing changes. A document update then waits for the SMS code (R-ID-6).

        Raises:
            FileRejected (and its kinds): a file empty, too large or of a type not accepted.
            DocumentExpired: the document typed earlier expired in the meantime.
            IdentificationAlreadySubmitted: already sent (a double click, another tab).
        """
        self._check_editable(account_id=cmd.account_id, attempt_id=cmd.attempt_id)
        stored: list[StoredFile] = []
        try:
            for upload in (cmd.front, cmd.back):
                if upload is not None:
                    stored.append(self._store(upload, FileRole.DOCUMENT, account_id=cmd.account_id))
            now = self.clock.now()
            with self.uow_factory() as uow:
                attempt = self._editable(uow, cmd.account_id, cmd.attempt_id)
                account = self._account(uow, cmd.account_id)
                attempt.attach_document_files(tuple(stored), now)
                attempt.confirm(now, today=italian_day(now))
                uow.identifications.save(attempt)
                confirmation = self._after_confirm(uow, account, attempt, now)
                self._drop_replaced(uow, attempt)
                uow.commit()
                return confirmation
        except BaseException:
            for file in stored:
                self.storage.delete(file.key)
            raise

    def confirm_with_code(self, account_id: str, attempt_id: str, code: str) -> None:
        """R-ID-6: the SMS code confirms a document update, which then goes to the operators."""
        now = self.clock.now()
        with self.uow_factory() as uow:
            attempt = self._own(uow, account_id, attempt_id, for_update=True)
            if attempt.status is not AttemptStatus.AWAITING_CONFIRMATION:
                raise IdentificationAlreadySubmitted() if attempt.status is AttemptStatus.SUBMITTED \
                    else InvalidTransition(current=attempt.status.value)
            self.otp.verify(uow, purpose=OtpPurpose.DOCUMENT_UPDATE, flow_hash=self._flow_hash(attempt),
                            code=code, now=now)
            attempt.confirm_with_code(now)
            uow.identifications.save(attempt)
            self._audit_submitted(uow, attempt, now)
            uow.commit()

    def resend_code(self, account_id: str, attempt_id: str) -> str:
        """A new SMS code for a document update waiting for confirmation; returns the masked number.

        Raises:
            OtpSendRefused: too soon after the last code, or too many codes (``retry_after`` says when).
        """
        now = self.clock.now()
        with self.uow_factory() as uow:
            attempt = self._own(uow, account_id, attempt_id, for_update=True)
            if attempt.status is not AttemptStatus.AWAITING_CONFIRMATION:
                raise InvalidTransition(current=attempt.status.value)
            account = self._account(uow, account_id)
            # The customer asked for a new code: reusing the open one silently would say "sent" and send nothing.
            masked = self._send_code(uow, account, attempt, now, reuse=False)
            uow.commit()
            return masked

    def abandon(self, account_id: str, attempt_id: str) -> None:
        """Drop a draft the customer no longer wants (nothing was sent to the operators)."""
        now = self.clock.now()
        with self.uow_factory() as uow:
            attempt = self._editable(uow, account_id, attempt_id)
            files = [f for f in (attempt.video, *attempt.document_files) if f is not None]
            attempt.abandon(now)
            uow.identifications.save(attempt)
            uow.on_commit(lambda: [self.storage.delete(f.key) for f in files])
            uow.commit()

    # --- helpers ----------------------------------------------------------------------------------
    def _keyword(self, previous: str | None = None) -> str:
        options = [k for k in KEYWORDS if k != previous]
        return self.secrets.choice(options)

    def _flow_hash(self, attempt: IdentificationAttempt) -> str:
        return self.hasher.hash("document-update:" + attempt.id)

    def _after_confirm(self, uow: UnitOfWork, account: Account, attempt: IdentificationAttempt, now) -> Confirmation:
        if attempt.status is AttemptStatus.AWAITING_CONFIRMATION:
            return Confirmation(submitted=False, masked_mobile=self._send_code(uow, account, attempt, now))
        self._audit_submitted(uow, attempt, now)
        return Confirmation(submitted=True)

    def _send_code(self, uow: UnitOfWork, account: Account, attempt: IdentificationAttempt, now, *,
                   reuse: bool = True) -> str:
        if account.mobile is None:
            raise IdentificationNotAllowed(why="no_mobile")
        send = self.otp.send_or_reuse if reuse else self.otp.send
        send(uow, purpose=OtpPurpose.DOCUMENT_UPDATE, subject=account.party_id.value, destination=account.mobile,
             flow_hash=self._flow_hash(attempt), now=now, account_id=account.id)
        return mask_mobile(account.mobile)

    @staticmethod
    def _audit_submitted(uow: UnitOfWork, attempt: IdentificationAttempt, now) -> None:
        uow.audit.add(AuditEvent(AuditEventKind.IDENTIFICATION_SUBMITTED, now, account_id=attempt.account_id,
                                 details={"attempt": attempt.id, "kind": attempt.kind.value,
                                          "files": len(attempt.document_files)}))

    def _drop_replaced(self, uow: UnitOfWork, attempt: IdentificationAttempt) -> None:
        replaced, attempt.replaced_files = list(attempt.replaced_files), []
        if replaced:
            uow.on_commit(lambda: [self.storage.delete(f.key) for f in replaced])

    @staticmethod
    def _account(uow: UnitOfWork, account_id: str) -> Account:
        account = uow.accounts.get(account_id)
        if account is None or not account.can_log_in:
            raise NotFound()
        return account

    @staticmethod
    def _own(uow: UnitOfWork, account_id: str, attempt_id: str, *, for_update: bool = False) -> IdentificationAttempt:
        """The attempt, if it is this customer's; another customer's id is answered as unknown."""
        attempt = uow.identifications.get(attempt_id, for_update=for_update)
        if attempt is None or attempt.account_id != account_id:
            raise NotFound()
        return attempt

    def _editable(self, uow: UnitOfWork, account_id: str, attempt_id: str) -> IdentificationAttempt:
        attempt = self._own(uow, account_id, attempt_id, for_update=True)
        if attempt.status is AttemptStatus.SUBMITTED or attempt.status is AttemptStatus.APPROVED:
            raise IdentificationAlreadySubmitted()
        if not attempt.is_open:
            raise InvalidTransition(current=attempt.status.value)
        return attempt

    def _check_editable(self, account_id: str, attempt_id: str, *, take: int | None = None) -> None:
        """Refuse before reading a large upload that could not be kept anyway."""
        with self.uow_factory() as uow:
            self._editable(uow, account_id, attempt_id).require_take(take)

    def _store(self, upload: Upload | None, role: FileRole, *, account_id: str) -> StoredFile:
        """Keep the file through the upload pipeline (type by content, size, inspection, re-encoding).
        A refusal is audited (a stream of refused files is worth noticing).

        Raises:
            FileMissing, FileEmpty, FileTooLarge, FileTypeNotAllowed, FileUnreadable, FileActiveContent,
            FileTooManyPixels.
        """
        try:
            return self.uploads.keep(upload, UploadRule(role.value, self.limits.allowed_types(role),
                                                        self.limits.min_bytes(role), self.limits.max_bytes(role)))
        except FileRejected as refused:
            with self.uow_factory() as uow:
                uow.audit.add(AuditEvent(AuditEventKind.FILE_REJECTED, self.clock.now(), account_id=account_id,
                                         details={"role": role.value, "why": refused.code}))
                uow.commit()
            raise


def document_file_name(index: int, stored: StoredFile) -> str:
    """The name a customer's document file is saved under: server-made, the side's number and its type."""
    return f"documento-{index + 1}{stored.suffix}"
