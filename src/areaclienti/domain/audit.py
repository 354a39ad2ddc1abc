"""Security events, one record each (SPEC §8). Never an OTP, a password or a full IBAN."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime


class AuditEventKind(enum.Enum):
    REGISTRATION_STARTED = "registration_started"
    LOGIN_SUCCEEDED = "login_succeeded"
    LOGIN_FAILED = "login_failed"
    ACCOUNT_LOCKED = "account_locked"
    LOGOUT = "logout"
    OTP_SENT = "otp_sent"
    OTP_SEND_REFUSED = "otp_send_refused"
    OTP_FAILED = "otp_failed"
    OTP_VERIFIED = "otp_verified"
    PASSWORD_SET = "password_set"
    PASSWORD_CHANGED = "password_changed"
    PASSWORD_RESET_REQUESTED = "password_reset_requested"
    PASSWORD_RESET = "password_reset"
    SESSIONS_REVOKED = "sessions_revoked"
    LEGACY_ACTIVATION_STARTED = "legacy_activation_started"
    LEGACY_DATA_WRONG = "legacy_data_wrong"
    IDENTIFICATION_STARTED = "identification_started"
    IDENTIFICATION_SUBMITTED = "identification_submitted"
    IDENTIFICATION_APPROVED = "identification_approved"
    IDENTIFICATION_REJECTED = "identification_rejected"
    FILE_REJECTED = "file_rejected"
    OPERATOR_CREATED = "operator_created"
    OPERATOR_LOGIN_SUCCEEDED = "operator_login_succeeded"
    OPERATOR_LOGIN_FAILED = "operator_login_failed"
    OPERATOR_TOTP_ENROLLED = "operator_totp_enrolled"
    OPERATOR_TOTP_RESET = "operator_totp_reset"
    OPERATOR_LOGOUT = "operator_logout"
    REQUEST_SUBMITTED = "request_submitted"
    REQUEST_RELEASED = "request_released"  # an operator released a request held «in verifica»
    REQUEST_REJECTED = "request_rejected"  # an operator rejected it, with the reason the customer reads
    REQUEST_WITHDRAWN = "request_withdrawn"  # the customer withdrew a scheduled suspension
    ASSISTANCE_REQUESTED = "assistance_requested"  # a request for assistance (or a complaint) was sent
    ASSISTANCE_HANDLED = "assistance_handled"  # an operator answered, noted, took or closed one
    REQUEST_IBAN_REVEALED = "request_iban_revealed"  # an operator asked to see a full IBAN
    HANDOFF_RETRIED = "handoff_retried"  # an operator gave a dead hand-off a new round of attempts
    PAYMENT_NOTIFICATION_REFUSED = "payment_notification_refused"  # forged, altered, too old
    PAYMENT_NOTIFICATION_IGNORED = "payment_notification_ignored"  # duplicate, replay, unknown or late
    EMAIL_CHANGE_REQUESTED = "email_change_requested"  # a link went (or, for a taken address, did not) to it
    EMAIL_CHANGED = "email_changed"
    EMAIL_CHANGE_CANCELLED = "email_change_cancelled"  # from the old address: «non sono stato io»
    MOBILE_CHANGE_REQUESTED = "mobile_change_requested"
    MOBILE_CHANGED = "mobile_changed"
    SMS_DELIVERY_REPORTED = "sms_delivery_reported"  # the SMS provider's signed status of a message we sent


@dataclass(frozen=True)
class AuditEvent:
    kind: AuditEventKind
    at: datetime  # UTC
    account_id: str | None = None
    subject: str | None = None  # a keyed hash of what was typed (email), never the secret itself
    details: dict = field(default_factory=dict)
