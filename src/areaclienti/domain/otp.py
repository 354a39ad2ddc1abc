"""One-time codes sent by SMS (R-REG-3, SPEC §8).

The code itself is made outside (a CSPRNG through pyotp) and only its keyed hash comes here; every
rule is a plain function of the challenge and the time it is given.
"""
from __future__ import annotations

import enum
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from .errors import OtpAttemptsExhausted, OtpInvalid, OtpSendRefused


class OtpPurpose(enum.Enum):
    REGISTRATION = "registration"
    PASSWORD_RESET = "password_reset"
    LEGACY_ACTIVATION = "legacy_activation"
    DOCUMENT_UPDATE = "document_update"
    MOBILE_CHANGE = "mobile_change"  # to the new number, from the profile


@dataclass(frozen=True)
class OtpSettings:
    length: int = 5
    lifetime: timedelta = timedelta(minutes=5)
    max_attempts: int = 5
    max_sends: int = 3
    send_window: timedelta = timedelta(minutes=15)
    cooldown: timedelta = timedelta(seconds=60)


@dataclass
class OtpChallenge:
    id: str
    purpose: OtpPurpose
    subject: str  # the person the code is for (party id), so limits hold across parallel flows
    destination: str  # E.164 mobile number
    flow_hash: str  # the flow that asked for it: a code answers only there
    code_hash: str
    created_at: datetime
    expires_at: datetime
    max_attempts: int
    attempts: int = 0
    consumed_at: datetime | None = None
    voided_at: datetime | None = None
    account_id: str | None = None

    @classmethod
    def issue(
        cls,
        *,
        challenge_id: str,
        purpose: OtpPurpose,
        subject: str,
        destination: str,
        flow_hash: str,
        code_hash: str,
        now: datetime,
        settings: OtpSettings,
        account_id: str | None = None,
    ) -> "OtpChallenge":
        return cls(
            id=challenge_id,
            purpose=purpose,
            subject=subject,
            destination=destination,
            flow_hash=flow_hash,
            code_hash=code_hash,
            created_at=now,
            expires_at=now + settings.lifetime,
            max_attempts=settings.max_attempts,
            account_id=account_id,
        )

    def is_open(self, now: datetime) -> bool:
        return (
            self.consumed_at is None
            and self.voided_at is None
            and now < self.expires_at
            and self.attempts < self.max_attempts
        )

    def void(self, now: datetime) -> None:
        if self.consumed_at is None and self.voided_at is None:
            self.voided_at = now

    def check(self, candidate_hash: str, attempts_after: int, now: datetime) -> None:
        """Judge one try whose attempt was already counted (atomically, by the repository).

        Args:
            candidate_hash: keyed hash of the code the customer typed.
            attempts_after: the attempt counter once this try was counted.
            now: the time of the try.
        Raises:
            OtpInvalid: wrong, expired, used or voided.
            OtpAttemptsExhausted: wrong, and it was the last try allowed.
        """
        if self.consumed_at is not None or self.voided_at is not None or now >= self.expires_at:
            raise OtpInvalid()
        self.attempts = max(self.attempts, attempts_after)
        if attempts_after > self.max_attempts:
            # A try beyond the budget is never judged, or the right code would still open the door.
            raise OtpAttemptsExhausted()
        if not hmac.compare_digest(self.code_hash, candidate_hash):
            if attempts_after >= self.max_attempts:
                raise OtpAttemptsExhausted()
            raise OtpInvalid(attempts_left=self.max_attempts - attempts_after)
        self.consumed_at = now


def check_send_allowed(
    *,
    sends_to_subject: Sequence[datetime],
    sends_to_destination: Sequence[datetime],
    now: datetime,
    settings: OtpSettings,
) -> None:
    """At most ``max_sends`` codes per window per person and per number, and a cool-down between two.

    Raises:
        OtpSendRefused: with the first moment at which a new code may be sent.
    """
    retry_after = now
    for sends in (sends_to_subject, sends_to_destination):
        recent = sorted(t for t in sends if t > now - settings.send_window)
        if recent and recent[-1] + settings.cooldown > now:
            retry_after = max(retry_after, recent[-1] + settings.cooldown)
        if len(recent) >= settings.max_sends:
            retry_after = max(retry_after, recent[-settings.max_sends] + settings.send_window)
    if retry_after > now:
        raise OtpSendRefused(retry_after=retry_after)
