"""Identification by video selfie (SPEC §3, R-ID-1..6) and the gate to the dispositive functions.

An ``IdentificationAttempt`` is one try at proving who the customer is: a recorded video in which the
customer says a keyword shown on screen, the data of an identity document, the document's images, then
an operator's decision. Its life cycle:

    draft (video, then document data, then files)
      -> submitted (first identification)                          -> approved | rejected
      -> awaiting confirmation (document update: SMS code) -> submitted -> approved | rejected

Once submitted the customer can change nothing; a rejection lets them start a new attempt. The account
keeps the document in force (``RegisteredDocument``) until an operator approves a new one (R-ID-6).
"""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from .errors import (
    DocumentExpired,
    DocumentExpiryImplausible,
    DocumentNumberInvalid,
    DocumentNumberInvalidCharacters,
    IdentificationAlreadySubmitted,
    IdentificationIncomplete,
    InvalidTransition,
    KeywordChanged,
    RejectionNoteRequired,
)


class DocumentType(enum.Enum):
    CARTA_IDENTITA = "carta_identita"
    PATENTE = "patente"
    PASSAPORTO = "passaporto"


# The shapes of Italian document numbers, after removing spaces and making letters upper case.
#  - carta d'identità elettronica: CA12345AB; the paper card: AB1234567
#  - patente: U17654321C since 2013 (older ones start with the province: PD1234567A)
#  - passaporto: YA1234567
DOCUMENT_NUMBER_SHAPES: dict[DocumentType, tuple[re.Pattern[str], str]] = {
    DocumentType.CARTA_IDENTITA: (re.compile(r"[A-Z]{2}\d{5}[A-Z]{2}|[A-Z]{2}\d{7}"), "CA12345AB"),
    DocumentType.PATENTE: (re.compile(r"[A-Z][A-Z0-9]{8}[A-Z]"), "U17654321C"),
    DocumentType.PASSAPORTO: (re.compile(r"[A-Z]{2}\d{7}"), "YA1234567"),
}
_SEPARATORS = re.compile(r"[\s\-.]")
# Checked before upper-casing: "ß" or the ligature "ﬁ" would otherwise become plain letters.
_ALPHANUMERIC = re.compile(r"[A-Za-z0-9]+")
# Italian documents last ten years, a carta d'identità up to the holder's next birthday after that.
MAX_VALIDITY_YEARS = 11


@dataclass(frozen=True)
class IdentityDocument:
    type: DocumentType
    number: str
    expires_on: date

    def is_valid_on(self, day: date) -> bool:
        """A document is valid up to and including its expiry date."""
        return day <= self.expires_on


def normalise_document_number(raw: str) -> str:
    return _without_separators(raw).upper()


def _without_separators(raw: str) -> str:
    return _SEPARATORS.sub("", raw or "")


def parse_document(type_: DocumentType, raw_number: str, expires_on: date, *, today: date) -> IdentityDocument:
    """The document the customer typed, checked for shape and validity today (R-ID-3).

    Raises:
        DocumentNumberInvalidCharacters: anything but letters and digits (spaces and dashes are dropped).
        DocumentNumberInvalid: letters and digits, but not in the shape of this kind of document.
        DocumentExpired: the expiry date is before today.
        DocumentExpiryImplausible: the expiry is further ahead than any Italian document lasts.
    """
    typed = _without_separators(raw_number)
    if not _ALPHANUMERIC.fullmatch(typed):
        raise DocumentNumberInvalidCharacters()
    number = typed.upper()
    shape, example = DOCUMENT_NUMBER_SHAPES[type_]
    if not shape.fullmatch(number):
        raise DocumentNumberInvalid(example=example)
    if expires_on < today:
        raise DocumentExpired(expired_on=expires_on)
    if expires_on > _add_years(today, MAX_VALIDITY_YEARS):
        raise DocumentExpiryImplausible()
    return IdentityDocument(type_, number, expires_on)


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# --- files ---------------------------------------------------------------------------------------
class FileRole(enum.Enum):
    VIDEO = "video"
    DOCUMENT = "document"


@dataclass(frozen=True)
class UploadLimits:
    """Size and type limits for what the customer sends (SPEC §8: uploads)."""

    max_video_bytes: int = 40 * 1024 * 1024
    min_video_bytes: int = 2 * 1024  # a few kilobytes: anything shorter holds no usable frame
    max_document_bytes: int = 10 * 1024 * 1024
    min_document_bytes: int = 100
    video_types: frozenset[str] = frozenset({"video/webm", "video/mp4", "video/quicktime"})
    document_types: frozenset[str] = frozenset({"image/jpeg", "image/png", "application/pdf"})

    def allowed_types(self, role: FileRole) -> frozenset[str]:
        return self.video_types if role is FileRole.VIDEO else self.document_types

    def max_bytes(self, role: FileRole) -> int:
        return self.max_video_bytes if role is FileRole.VIDEO else self.max_document_bytes

    def min_bytes(self, role: FileRole) -> int:
        return self.min_video_bytes if role is FileRole.VIDEO else self.min_document_bytes


# The file-name suffix of each accepted type: stored keys and download names end with it.
FILE_SUFFIXES = {"video/webm": ".webm", "video/mp4": ".mp4", "video/quicktime": ".mov", "image/jpeg": ".jpg",
                 "image/png": ".png", "application/pdf": ".pdf"}


@dataclass(frozen=True)
class StoredFile:
    """A file kept by the storage port under a server-made key; the type was read from its content."""

    key: str
    content_type: str
    size: int

    @property
    def suffix(self) -> str:
        return FILE_SUFFIXES.get(self.content_type, "")


# --- the attempt ---------------------------------------------------------------------------------
class AttemptKind(enum.Enum):
    FIRST = "first"  # the identification after registration (R-ID-1..4) or from the old area (R-LEG-3)
    DOCUMENT_UPDATE = "document_update"  # a new document for an identified account (R-ID-6)


class AttemptStatus(enum.Enum):
    DRAFT = "draft"
    AWAITING_CONFIRMATION = "awaiting_confirmation"  # document update: waits for the SMS code
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    ABANDONED = "abandoned"  # the customer confirmed nothing and the draft was dropped


OPEN_STATUSES = frozenset({AttemptStatus.DRAFT, AttemptStatus.AWAITING_CONFIRMATION, AttemptStatus.SUBMITTED})
CUSTOMER_EDITABLE = frozenset({AttemptStatus.DRAFT, AttemptStatus.AWAITING_CONFIRMATION})


class DraftStep(enum.Enum):
    """Where a customer stands in an open draft: what the next page asks."""

    VIDEO = "video"
    DOCUMENT = "document"
    FILES = "files"
    CONFIRMATION = "confirmation"
    DONE = "done"


class RejectionReason(enum.Enum):
    VIDEO_UNCLEAR = "video_unclear"
    KEYWORD_MISSING = "keyword_missing"
    FACE_MISMATCH = "face_mismatch"
    DOCUMENT_UNREADABLE = "document_unreadable"
    DOCUMENT_DATA_MISMATCH = "document_data_mismatch"
    PERSONAL_DATA_MISMATCH = "personal_data_mismatch"
    DOCUMENT_NOT_VALID = "document_not_valid"
    OTHER = "other"


MAX_NOTE_LENGTH = 1000


@dataclass
class IdentificationAttempt:
    id: str
    account_id: str
    kind: AttemptKind
    keyword: str
    created_at: datetime
    status: AttemptStatus = AttemptStatus.DRAFT
    updated_at: datetime | None = None
    video: StoredFile | None = None
    document: IdentityDocument | None = None
    document_files: tuple[StoredFile, ...] = ()
    submitted_at: datetime | None = None
    decided_at: datetime | None = None
    decided_by: str | None = None  # the operator's id
    rejection_reason: RejectionReason | None = None
    decision_note: str = ""
    takes: int = 1  # how many keywords were shown (each «registra di nuovo» draws a new one)
    replaced_files: list[StoredFile] = field(default_factory=list, compare=False, repr=False)

    @classmethod
    def start(cls, *, attempt_id: str, account_id: str, kind: AttemptKind, keyword: str,
              now: datetime) -> "IdentificationAttempt":
        return cls(attempt_id, account_id, kind, keyword, now, updated_at=now)

    # --- the customer's steps (R-ID-2, R-ID-3) ----------------------------------------------------
    def new_take(self, keyword: str, now: datetime) -> None:
        """«registra di nuovo»: a new keyword for a new recording; a video already sent is dropped."""
        self._require_editable()
        self.keyword = keyword
        self.takes += 1
        self._replace_video(None, now)

    def attach_video(self, video: StoredFile, now: datetime, *, take: int | None = None) -> None:
        """«completa video selfie»: the recording of the current keyword. ``take`` is the take the recorder
        showed (None: not known); a video of an earlier take is refused, its keyword is no longer this one."""
        self._require_editable()
        self.require_take(take)
        self._replace_video(video, now)

    def require_take(self, take: int | None) -> None:
        if take is not None and take != self.takes:
            raise KeywordChanged(keyword=self.keyword, take=self.takes)

    def give_document(self, document: IdentityDocument, now: datetime) -> None:
        """The document's data, typed after the video (R-ID-3)."""
        self._require_editable()
        if self.video is None:
            raise IdentificationIncomplete(missing=DraftStep.VIDEO.value)
        self.document = document
        self.status = AttemptStatus.DRAFT
        self.updated_at = now

    def attach_document_files(self, files: tuple[StoredFile, ...], now: datetime) -> None:
        """Front and back as two files, or one file with both (R-ID-3)."""
        self._require_editable()
        if self.video is None:
            raise IdentificationIncomplete(missing=DraftStep.VIDEO.value)
        if self.document is None:
            raise IdentificationIncomplete(missing=DraftStep.DOCUMENT.value)
        if not 1 <= len(files) <= 2:
            raise IdentificationIncomplete(missing=DraftStep.FILES.value)
        self.replaced_files.extend(self.document_files)
        self.document_files = tuple(files)
        self.updated_at = now

    def confirm(self, now: datetime, *, today: date) -> None:
        """«conferma invio». A first identification goes to the operators at once; a document update
        waits for the SMS code (R-ID-6). The document must still be valid today.
        """
        self._require_editable()
        if self.video is None:
            raise IdentificationIncomplete(missing=DraftStep.VIDEO.value)
        if self.document is None:
            raise IdentificationIncomplete(missing=DraftStep.DOCUMENT.value)
        if not self.document_files:
            raise IdentificationIncomplete(missing=DraftStep.FILES.value)
        if not self.document.is_valid_on(today):
            raise DocumentExpired(expired_on=self.document.expires_on)
        if self.kind is AttemptKind.DOCUMENT_UPDATE:
            self.status = AttemptStatus.AWAITING_CONFIRMATION
            self.updated_at = now
        else:
            self._submit(now)

    def confirm_with_code(self, now: datetime) -> None:
        """The SMS code of a document update was typed back: the attempt goes to the operators."""
        if self.status is not AttemptStatus.AWAITING_CONFIRMATION:
            raise self._not_editable()
        self._submit(now)

    def abandon(self, now: datetime) -> None:
        self._require_editable()
        self.status = AttemptStatus.ABANDONED
        self.updated_at = now

    # --- the operator's decision (R-ID-4) ---------------------------------------------------------
    def approve(self, *, operator_id: str, now: datetime, note: str = "") -> IdentityDocument:
        self._require_submitted()
        assert self.document is not None
        self.status = AttemptStatus.APPROVED
        self._decided(operator_id, now, None, note)
        return self.document

    def reject(self, *, operator_id: str, reason: RejectionReason, now: datetime, note: str = "") -> None:
        self._require_submitted()
        note = (note or "").strip()
        if reason is RejectionReason.OTHER and not note:
            raise RejectionNoteRequired()
        self.status = AttemptStatus.REJECTED
        self._decided(operator_id, now, reason, note)

    # --- queries ----------------------------------------------------------------------------------
    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def next_step(self) -> DraftStep:
        if self.status not in CUSTOMER_EDITABLE:
            return DraftStep.DONE
        if self.status is AttemptStatus.AWAITING_CONFIRMATION:
            return DraftStep.CONFIRMATION
        if self.video is None:
            return DraftStep.VIDEO
        if self.document is None:
            return DraftStep.DOCUMENT
        # The files travel with «conferma invio»: a draft holding files (left by a retake or new data while
        # a document update awaited its code) asks for them again, never for a code that no longer counts.
        return DraftStep.FILES

    def waiting_time(self, now: datetime):
        """How long a submitted attempt has waited for an operator."""
        return now - (self.submitted_at or self.created_at)

    # --- internals --------------------------------------------------------------------------------
    def _submit(self, now: datetime) -> None:
        self.status = AttemptStatus.SUBMITTED
        self.submitted_at = now
        self.updated_at = now

    def _decided(self, operator_id: str, now: datetime, reason: RejectionReason | None, note: str) -> None:
        self.decided_by = operator_id
        self.decided_at = now
        self.updated_at = now
        self.rejection_reason = reason
        self.decision_note = (note or "").strip()[:MAX_NOTE_LENGTH]

    def _replace_video(self, video: StoredFile | None, now: datetime) -> None:
        if self.video is not None:
            self.replaced_files.append(self.video)
        self.video = video
        # A new recording invalidates what was typed after the old one only if the customer goes back;
        # the document data stay, so a retake does not make them type it again.
        self.status = AttemptStatus.DRAFT
        self.updated_at = now

    def _require_editable(self) -> None:
        if self.status not in CUSTOMER_EDITABLE:
            raise self._not_editable()

    def _not_editable(self) -> Exception:
        if self.status in (AttemptStatus.SUBMITTED, AttemptStatus.APPROVED):
            return IdentificationAlreadySubmitted()
        return InvalidTransition(current=self.status.value)

    def _require_submitted(self) -> None:
        if self.status is not AttemptStatus.SUBMITTED:
            raise InvalidTransition(current=self.status.value)


# --- the gate (R-ID-5) ---------------------------------------------------------------------------
class GateReason(enum.Enum):
    ALLOWED = "allowed"
    NOT_IDENTIFIED = "not_identified"  # no identification started, or the last one was rejected
    IN_PROGRESS = "in_progress"  # a draft the customer has not sent yet
    UNDER_REVIEW = "under_review"  # sent, waiting for an operator
    DOCUMENT_EXPIRED = "document_expired"  # identified, but the registered document is no longer valid


@dataclass(frozen=True)
class RegisteredDocument:
    """The identity document in force on an account, and when the account was first identified."""

    identified_at: datetime
    document: IdentityDocument


@dataclass(frozen=True)
class Gate:
    reason: GateReason
    document_expires_on: date | None = None

    @property
    def allowed(self) -> bool:
        return self.reason is GateReason.ALLOWED


def dispositive_gate(registered: RegisteredDocument | None, today: date,
                     open_attempt: AttemptStatus | None = None) -> Gate:
    """R-ID-5: may this account use the dispositive functions today?

    Only an identified account whose registered document is valid on ``today`` may. An attempt in
    progress never grants anything; it only tells the customer what is happening. A document update
    under review leaves the document in force as it is (R-ID-6).
    """
    if registered is not None and registered.document.is_valid_on(today):
        return Gate(GateReason.ALLOWED, registered.document.expires_on)
    expires_on = registered.document.expires_on if registered is not None else None
    if open_attempt is AttemptStatus.SUBMITTED:
        return Gate(GateReason.UNDER_REVIEW, expires_on)
    if open_attempt in (AttemptStatus.DRAFT, AttemptStatus.AWAITING_CONFIRMATION):
        return Gate(GateReason.IN_PROGRESS, expires_on)
    if registered is not None:
        return Gate(GateReason.DOCUMENT_EXPIRED, expires_on)
    return Gate(GateReason.NOT_IDENTIFIED)
