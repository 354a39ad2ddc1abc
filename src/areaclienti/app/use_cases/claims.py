"""Claims (R-DISP-CLAIM): the report with its documents and photos, and documents added later.

Files go through the one upload pipeline (``app/uploads.py``) as soon as the customer picks them: each is
*staged* (checked, cleaned, stored, shown with its progress) and may be removed before sending; sending the
claim attaches the staged files to it in the same transaction that stores the request. Documents added
after sending («integra documenti») add a step to the timeline and reach the core system as their own
hand-off (an outbox item keyed by the batch).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, BinaryIO

from areaclienti.domain.attachments import Attachment
from areaclienti.domain.claims import (
    MAX_FILES,
    TEXT_MAX,
    ChecklistItem,
    ClaimKind,
    ClaimKindNotCovered,
    DocumentKind,
    TooManyFiles,
    check_event_date,
    checklist,
    cover_period,
    event_moment,
    kinds_available,
    missing_documents,
)
from areaclienti.domain.errors import ClaimIncomplete, InvalidTransition, NotFound
from areaclienti.domain.identification import UploadLimits
from areaclienti.domain.policies import Company
from areaclienti.domain.products import DispositiveFunction
from areaclienti.domain.requests import PolicyRequest, RequestKind, RequestStep, checked_iban

from ..calendar import italian_day
from ..notifications import Notifier
from ..ports.clock import Clock
from ..ports.core_system import HandOff, PolicyCoreSystem
from ..ports.repositories import OutboxKind
from ..ports.security import SecretGenerator
from ..ports.storage import FileStorage
from ..ports.unit_of_work import UnitOfWork
from ..uploads import Upload, UploadPipeline, UploadRule
from .policies import PolicyDetail
from .requests import PolicyRequests, answer_questionnaires


@dataclass(frozen=True)
class ClaimForm:
    """What the claim page needs: the kinds this product covers, the days the event may be, the files
    already staged, and for Vita the last questionnaire answers."""

    detail: PolicyDetail
    kinds: tuple[ClaimKind, ...]
    first_day: date
    last_day: date
    staged: list[Attachment]
    checklists: dict[ClaimKind, tuple[ChecklistItem, ...]]
    max_files: int = MAX_FILES
    last_answers: dict[str, dict] = field(default_factory=dict)

    @property
    def is_vita(self) -> bool:
        return self.detail.policy.company is Company.VITA


@dataclass(frozen=True)
class ReportClaim:
    account_id: str
    policy_number: str
    kind: str
    event_date: date | None
    description: str
    idempotency_key: str
    attachment_ids: Sequence[str] = ()
    event_time: str | None = None  # HH:MM, Italian time
    place: str = ""
    counterparty: Mapping[str, str] | None = None  # name, plate, insurer
    cai_signed: bool = False
    iban: str | None = None  # Vita: the account for the payout
    iban_holder: str | None = None
    questionnaires: Mapping[str, Mapping[str, Any]] | None = None  # Vita


@dataclass
class Claims:
    uow_factory: Callable[[], UnitOfWork]
    clock: Clock
    secrets: SecretGenerator
    requests: PolicyRequests
    core: PolicyCoreSystem
    notifier: Notifier
    uploads: UploadPipeline
    storage: FileStorage
    limits: UploadLimits
    max_files: int = MAX_FILES

    def form(self, account_id: str, policy_number: str) -> ClaimForm:
        """Raises NotFound, FunctionNotAvailable."""
        detail, _, allowed = self.requests.allowed(account_id, policy_number, DispositiveFunction.CLAIM)
        today = italian_day(self.clock.now())
        first, last = cover_period(detail.policy, allowed.scope, today)
        kinds = kinds_available(detail.policy, today)
        with self.uow_factory() as uow:
            staged = uow.attachments.staged(account_id, detail.policy.number)
        answers = self.requests.last_answers(account_id) if detail.policy.company is Company.VITA else {}
        return ClaimForm(detail, kinds, first, last, staged, {k: checklist(k) for k in kinds}, self.max_files,
                         answers)

    # --- files picked before sending ------------------------------------------------------------------------
    def stage(self, account_id: str, upload: Upload | None, document: str, *,
              policy_number: str | None = None) -> Attachment:
        """Check, clean and keep one file for a claim being written on ``policy_number`` (or for «integra
        documenti» on a claim of that policy); it shows with its name on that policy's forms until sent.

        Raises:
            TooManyFiles, ClaimIncomplete (what the file is), and the pipeline's file refusals.
        """
        try:
            kind = DocumentKind(document)
        except ValueError:
            raise ClaimIncomplete(missing="document") from None
        with self.uow_factory() as uow:
            if len(uow.attachments.staged(account_id, policy_number)) >= self.max_files:
                raise TooManyFiles(max=self.max_files)
        stored = self.uploads.keep(upload, UploadRule("document", self.limits.document_types,
                                                      self.limits.min_document_bytes, self.limits.max_document_bytes))
        attachment = Attachment(self.secrets.new_id(), account_id, kind.value, stored,
                                ((upload.filename if upload else "") or "file")[:255], self.clock.now(),
                                policy_number=policy_number)
        try:
            with self.uow_factory() as uow:
                if len(uow.attachments.staged(account_id, policy_number)) >= self.max_files:  # another tab
                    raise TooManyFiles(max=self.max_files)
                uow.attachments.add(attachment)
                uow.commit()
        except Exception:
            self.storage.delete(stored.key)
            raise
        return attachment

    def discard(self, account_id: str, attachment_id: str) -> None:
        """Remove a staged file before sending; NotFound for anything else (sent, or someone else's)."""
        with self.uow_factory() as uow:
            found = uow.attachments.get(attachment_id)
            if found is None or found.account_id != account_id or found.request_id is not None:
                raise NotFound()
            uow.attachments.delete(attachment_id)
            uow.on_commit(lambda: self.storage.delete(found.file.key))
            uow.commit()

    # --- the report ----------------------------------------------------------------------------------------------
    def report(self, cmd: ReportClaim) -> PolicyRequest:
        """Send a claim with its staged files; the same idempotency key again answers the same request.

        Raises:
            NotFound, FunctionNotAvailable, ClaimKindNotCovered, ClaimIncomplete, ClaimDateInFuture,
            ClaimDateOutsideCover, IbanInvalid, TooManyFiles, QuestionnairesInvalid, QuestionnaireOutdated.
        """
        detail, _, allowed = self.requests.allowed(cmd.account_id, cmd.policy_number, DispositiveFunction.CLAIM)
        policy = detail.policy
        try:
            kind = ClaimKind(cmd.kind)
        except ValueError:
            raise ClaimKindNotCovered() from None
        today = italian_day(self.clock.now())
        if kind not in kinds_available(policy, today):
            raise ClaimKindNotCovered()
        if cmd.event_date is None:
            raise ClaimIncomplete(missing="event_date")
        check_event_date(cmd.event_date, policy=policy, scope=allowed.scope, today=today, kind=kind)
        description = (cmd.description or "").strip()
        if not description and policy.company is not Company.VITA:
            raise ClaimIncomplete(missing="description")
        if len(description) > TEXT_MAX or len(cmd.place or "") > 200:
            raise ClaimIncomplete(missing="too_long")
        payload: dict[str, Any] = {"claim": {
            "kind": kind.value, "event": event_moment(cmd.event_date, cmd.event_time), "place": (cmd.place or "").strip(),
            "description": description, "cai_signed": bool(cmd.cai_signed and kind is ClaimKind.COLLISION),
            "counterparty": {k: (v or "").strip()[:100] for k, v in (cmd.counterparty or {}).items()
                             if k in ("name", "plate", "insurer") and (v or "").strip()},
        }}
        if policy.company is Company.VITA:
            payload["iban"] = checked_iban(cmd.iban)
            holder = (cmd.iban_holder or "").strip()
            if not holder:
                raise ClaimIncomplete(missing="iban_holder")
            payload["iban_holder"] = holder[:100]
            payload.update(answer_questionnaires(cmd.questionnaires or {}, is_company=detail.customer.is_company,
                                                 now=self.clock.now()))
        ids = list(dict.fromkeys(cmd.attachment_ids))
        if len(ids) > self.max_files:
            raise TooManyFiles(max=self.max_files)

        def attach(uow: UnitOfWork, request: PolicyRequest) -> None:
            staged = {a.id: a for a in uow.attachments.staged(cmd.account_id, policy.number)}
            chosen = [staged[i] for i in ids if i in staged]
            uow.attachments.attach([a.id for a in chosen], account_id=cmd.account_id, request_id=request.id,
                                   batch=request.id)
            request.payload = {**request.payload, "documents": [_described(a) for a in chosen],
                               "missing_documents": [d.value for d in missing_documents(
                                   kind, [DocumentKind(a.document) for a in chosen], cai_signed=cmd.cai_signed)]}
            uow.requests.save(request)

        return self.requests.submit(cmd.account_id, cmd.idempotency_key, detail, RequestKind.CLAIM, payload, attach)

    # --- «integra documenti» -------------------------------------------------------------------------------------
    def add_documents(self, account_id: str, number: str, attachment_ids: Sequence[str]) -> PolicyRequest:
        """Attach more staged files to a claim already sent: a step on its timeline and a hand-off of its own.

        Raises:
            NotFound (not the customer's claim), InvalidTransition (a claim already closed), ClaimIncomplete
            (no file), TooManyFiles.
        """
        found = self.requests.get(account_id, number)
        if found.kind is not RequestKind.CLAIM:
            raise NotFound()
        now = self.clock.now()
        with self.uow_factory() as uow:
            request = uow.requests.get(found.id, lock=True)
            assert request is not None
            if request.is_final:
                raise InvalidTransition(current=request.status.value)
            staged = {a.id: a for a in uow.attachments.staged(account_id, request.policy_number)}
            chosen = [staged[i] for i in dict.fromkeys(attachment_ids) if i in staged]
            if not chosen:
                raise ClaimIncomplete(missing="files")
            if len(uow.attachments.for_request(request.id)) + len(chosen) > self.max_files:
                raise TooManyFiles(max=self.max_files)
            batch = self.secrets.new_id()
            uow.attachments.attach([a.id for a in chosen], account_id=account_id, request_id=request.id, batch=batch)
            request.add_step(RequestStep.DOCUMENTS_ADDED, now)
            uow.requests.save(request)
            self.notifier.add(uow, OutboxKind.HAND_OVER_DOCUMENTS, {"request_id": request.id, "batch": batch}, now=now)
            uow.commit()
        return request

    def attachments(self, account_id: str, number: str) -> list[Attachment]:
        request = self.requests.get(account_id, number)
        with self.uow_factory() as uow:
            return uow.attachments.for_request(request.id)

    def open_file(self, account_id: str, attachment_id: str) -> tuple[BinaryIO, Attachment]:
        """One of the customer's own files (staged or sent); NotFound for anyone else's."""
        found = self._own_attachment(account_id, attachment_id)
        return self.storage.open(found.file.key), found

    def file_link(self, account_id: str, attachment_id: str, *, seconds: int) -> tuple[str | None, Attachment]:
        """A link straight to the storage for one of the customer's own files, saved as ``download_name``.

        Returns:
            The link, valid for ``seconds`` (None when the storage gives no links: stream ``open_file``),
            and the attachment.

        Raises:
            NotFound: the file is anyone else's, or there is none.
        """
        found = self._own_attachment(account_id, attachment_id)
        link = self.storage.download_url(found.file.key, filename=download_name(found),
                                         content_type=found.file.content_type, seconds=seconds)
        return link, found

    def _own_attachment(self, account_id: str, attachment_id: str) -> Attachment:
        with self.uow_factory() as uow:
            found = uow.attachments.get(attachment_id)
        if found is None or found.account_id != account_id:
            raise NotFound()
        return found

    def hand_over_documents(self, uow: UnitOfWork, *, now: datetime, request_id: str, batch: str) -> None:
        """Outbox step: the documents of one «integra documenti» to the core system, keyed by the batch."""
        request = uow.requests.get(request_id)
        if request is None:
            return
        documents = [_described(a) for a in uow.attachments.for_request(request_id) if a.batch == batch]
        self.core.hand_over(HandOff(
            key=batch, request_number=request.number, kind="claim_documents", policy_number=request.policy_number,
            party_id=request.party_id, payload={"request": request.id, "documents": documents}, submitted_at=now))


def download_name(attachment: Attachment) -> str:
    """A server-made name for a customer's file: nothing the customer typed reaches a header."""
    return f"{attachment.document}-{attachment.id[:8]}{attachment.file.suffix}"


def _described(attachment: Attachment) -> dict[str, Any]:
    return {"id": attachment.id, "document": attachment.document, "name": attachment.name,
            "content_type": attachment.file.content_type, "size": attachment.file.size}


__all__ = ["ClaimForm", "Claims", "ReportClaim"]
