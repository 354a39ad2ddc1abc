"""Back-office operators (R-ID-4, SPEC §8): separate accounts with a password and a TOTP second factor.

An operator is created by the CLI without a second factor; at the first login, after the password, the
back-office shows a QR code to enrol an authenticator app and asks for its first code. From then on every
login asks password then code. A code is accepted once: the time step it belongs to is remembered.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from .errors import InvalidTransition


@dataclass(frozen=True)
class OperatorSessionSettings:
    """Shorter than the customers' (SPEC §8: 15 min idle, 8 h absolute)."""

    idle_timeout: timedelta = timedelta(minutes=10)
    absolute_lifetime: timedelta = timedelta(hours=4)
    # Between the password and the code: a half-done login does not wait for ever.
    second_factor_window: timedelta = timedelta(minutes=5)


@dataclass
class Operator:
    id: str
    email: str
    display_name: str
    password_hash: str
    created_at: datetime
    totp_secret: str | None = None  # base32; set at enrolment start, trusted once a code confirms it
    totp_enrolled_at: datetime | None = None
    last_totp_step: int = -1
    active: bool = True

    @property
    def enrolled(self) -> bool:
        return self.totp_enrolled_at is not None

    def begin_enrolment(self, secret: str) -> None:
        """A new secret to show as a QR code; it counts only once a code made from it is typed back."""
        if self.enrolled:
            raise InvalidTransition(current="enrolled")
        self.totp_secret = secret

    def complete_enrolment(self, now: datetime) -> None:
        if self.totp_secret is None or self.enrolled:
            raise InvalidTransition(current="enrolled" if self.enrolled else "no_secret")
        self.totp_enrolled_at = now

    def reset_second_factor(self) -> None:
        """A lost phone: the next login enrols again (done by an administrator through the CLI)."""
        self.totp_secret = None
        self.totp_enrolled_at = None
        self.last_totp_step = -1

    def accept_totp_step(self, step: int) -> bool:
        """A valid code is used once: a step at or before the last accepted one is a replay."""
        if step <= self.last_totp_step:
            return False
        self.last_totp_step = step
        return True
