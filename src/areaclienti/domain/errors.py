"""One base error for every broken business rule.

Each error has a stable ``code`` that the entrypoints turn into a translated, user-facing message,
an optional ``field`` naming the input at fault, and ``params`` for the message.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any


class DomainError(Exception):
    code = "domain_error"
    field: str | None = None

    def __init__(self, field: str | None = None, **params: Any) -> None:
        super().__init__(self.code)
        if field is not None:
            self.field = field
        self.params = params

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"{type(self).__name__}(field={self.field!r}, params={self.params!r})"


# --- parties -------------------------------------------------------------------------------------
class InvalidPartyId(DomainError):
    code = "party_id_invalid"
    field = "party_id"


class InvalidTaxCode(InvalidPartyId):
    code = "tax_code_invalid"


class InvalidVatNumber(InvalidPartyId):
    code = "vat_number_invalid"


# --- eligibility ---------------------------------------------------------------------------------
class PolicyDataMismatch(DomainError):
    """The typed policy does not exist or the typed person holds no role on it (one answer for both)."""

    code = "policy_data_mismatch"


class RoleDoesNotQualify(DomainError):
    code = "role_does_not_qualify"


class PolicyTooOld(DomainError):
    code = "policy_too_old"


class PolicyNotFound(DomainError):
    code = "policy_not_found"


# --- accounts ------------------------------------------------------------------------------------
class AlreadyRegistered(DomainError):
    code = "already_registered"


class LegacyAccountExists(DomainError):
    code = "legacy_account_exists"


class InvalidTransition(DomainError):
    code = "invalid_transition"


class PrivacyNotAccepted(DomainError):
    code = "privacy_not_accepted"
    field = "privacy_accepted"


class InvalidEmail(DomainError):
    code = "email_invalid"
    field = "email"


class InvalidMobile(DomainError):
    code = "mobile_invalid"
    field = "mobile"


class FlowExpired(DomainError):
    """The multi-step flow the browser holds is unknown, finished or too old: start again."""

    code = "flow_expired"


# --- OTP -----------------------------------------------------------------------------------------
class OtpInvalid(DomainError):
    """Wrong, expired, used or voided code: one answer for all, so nothing leaks."""

    code = "otp_invalid"
    field = "code"


class OtpAttemptsExhausted(DomainError):
    code = "otp_attempts_exhausted"
    field = "code"


class OtpSendRefused(DomainError):
    """Too many codes or too soon after the previous one; ``retry_after`` says when to try again."""

    code = "otp_send_refused"

    def __init__(self, retry_after: datetime, **params: Any) -> None:
        super().__init__(retry_after=retry_after, **params)
        self.retry_after = retry_after


# --- passwords and login -------------------------------------------------------------------------
class PasswordRejected(DomainError):
    field = "password"
    code = "password_rejected"


class PasswordTooShort(PasswordRejected):
    code = "password_too_short"


class PasswordTooLong(PasswordRejected):
    code = "password_too_long"


class PasswordTooCommon(PasswordRejected):
    code = "password_too_common"


class PasswordContainsPersonalData(PasswordRejected):
    code = "password_contains_personal_data"


class PasswordsDoNotMatch(PasswordRejected):
    code = "passwords_do_not_match"
    field = "password_confirm"


class WrongCurrentPassword(DomainError):
    code = "wrong_current_password"
    field = "current_password"


class InvalidCredentials(DomainError):
    code = "invalid_credentials"


class TemporarilyLocked(DomainError):
    """Too many failures for this identifier; ``retry_after`` says when to try again."""

    code = "temporarily_locked"

    def __init__(self, retry_after: datetime, **params: Any) -> None:
        super().__init__(retry_after=retry_after, **params)
        self.retry_after = retry_after


class LinkInvalid(DomainError):
    """The emailed link is unknown, used or expired."""

    code = "link_invalid"


class NotFound(DomainError):
    code = "not_found"


class EmailInUse(DomainError):
    """The login email already belongs to another Area Clienti profile."""

    code = "email_in_use"
    field = "email"


class MobileDiffersFromRecords(DomainError):
    """First access: the typed mobile is not the one the old area holds for this customer."""

    code = "mobile_differs_from_records"
    field = "mobile"


# --- identification (R-ID) -----------------------------------------------------------------------
class DocumentNumberInvalidCharacters(DomainError):
    code = "document_number_characters"
    field = "document_number"


class DocumentNumberInvalid(DomainError):
    code = "document_number_invalid"
    field = "document_number"


class DocumentExpired(DomainError):
    code = "document_expired"
    field = "expires_on"


class DocumentExpiryImplausible(DomainError):
    code = "document_expiry_implausible"
    field = "expires_on"


class IdentificationIncomplete(DomainError):
    """A step is missing (``missing``: video, document, files)."""

    code = "identification_incomplete"


class KeywordChanged(DomainError):
    """The video was recorded for a keyword that is no longer the attempt's: «registra di nuovo» drew a new
    one meanwhile (another tab). ``keyword`` is the current one."""

    code = "keyword_changed"


class IdentificationAlreadySubmitted(DomainError):
    code = "identification_already_submitted"


class IdentificationNotAllowed(DomainError):
    """The account cannot start this procedure now (``why``: identified, under_review, not_identified)."""

    code = "identification_not_allowed"


class FileRejected(DomainError):
    """An upload refused; ``role`` says which (video or document) and ``name`` the file's name."""

    code = "file_rejected"


class FileMissing(FileRejected):
    code = "file_missing"


class FileEmpty(FileRejected):
    code = "file_empty"


class FileTooLarge(FileRejected):
    code = "file_too_large"  # params: max_mb


class FileTypeNotAllowed(FileRejected):
    code = "file_type_not_allowed"


class FileUnreadable(FileRejected):
    """The type's magic bytes are there but the file cannot be decoded: broken, truncated, or only a header."""

    code = "file_unreadable"


class FileActiveContent(FileRejected):
    """A PDF that could run something when opened (scripts, actions, XFA forms, embedded files) or that is
    encrypted, so it cannot be looked into."""

    code = "file_active_content"  # params: why ("encrypted" or what was found, e.g. "javascript")


class FileTooManyPixels(FileRejected):
    """An image larger in pixels than any photo of a document (a decompression bomb, or nearly)."""

    code = "file_too_many_pixels"  # params: max_megapixels


class RejectionNoteRequired(DomainError):
    code = "rejection_note_required"
    field = "note"


# --- operators -----------------------------------------------------------------------------------
class TotpInvalid(DomainError):
    code = "totp_invalid"
    field = "code"


class OperatorExists(DomainError):
    code = "operator_exists"
    field = "email"


class FunctionNotAvailable(DomainError):
    """The function is not allowed on this policy today; ``refusal`` says why (domain.availability)."""

    code = "function_not_available"


class ReceiptsInvalid(DomainError):
    """No receipt chosen, or one that is not payable (paid meanwhile, not of this policy)."""

    code = "receipts_invalid"
    field = "receipts"


class ReceiptAlreadyInPayment(DomainError):
    """A chosen receipt is being paid by another request still open."""

    code = "receipt_already_in_payment"
    field = "receipts"


class PaymentMethodNotAllowed(DomainError):
    code = "payment_method_not_allowed"
    field = "method"


class PaymentServiceUnavailable(DomainError):
    """The payment provider could not open its page: nothing was stored, the customer may retry."""

    code = "payment_service_unavailable"


class AmountOutOfRange(DomainError):
    """An amount typed outside the product's online limits (``minimum``, ``maximum`` in euro)."""

    code = "amount_out_of_range"
    field = "amount"


class QuestionnairesInvalid(DomainError):
    """``problems``: questionnaire code -> question id -> what is wrong (see domain.questionnaires.validate)."""

    code = "questionnaires_invalid"


class ClaimIncomplete(DomainError):
    """A claim without something it needs: ``missing`` names it (event_date, description, iban_holder,
    document, files, too_long)."""

    code = "claim_incomplete"


class IbanInvalid(DomainError):
    code = "iban_invalid"
    field = "iban"


class IbanHolderMissing(DomainError):
    code = "iban_holder_missing"
    field = "iban_holder"


class PolicyAlreadySuspended(DomainError):
    """Suspending a policy whose cover is already suspended (reactivate it instead)."""

    code = "policy_already_suspended"


class PolicyNotSuspended(DomainError):
    """Reactivating a policy in force: there is nothing to reactivate."""

    code = "policy_not_suspended"


class SuspensionAlreadyScheduled(DomainError):
    """A suspension is already scheduled (``starts_at``): withdraw it before scheduling another."""

    code = "suspension_already_scheduled"


class SuspensionAlreadyStarted(DomainError):
    """Withdrawing a suspension that has started (or ended, or was never scheduled)."""

    code = "suspension_already_started"


class DayMissing(DomainError):
    """A suspension or reactivation without its day, or with a day or hour that is not one."""

    code = "day_missing"
    field = "day"


class PrivacyConsentRequired(DomainError):
    """Withdrawing the privacy consent while the account is open: it is the condition of the service."""

    code = "privacy_consent_required"


class ContactUnchanged(DomainError):
    """A login email or mobile «changed» into the one the profile already has (``field``: email or mobile)."""

    code = "contact_unchanged"


class SessionInUse(DomainError):
    """Ending, from the list of the account's sessions, the one the request comes from: that is logging out."""

    code = "session_in_use"
