"""Single-use links sent by email (set password, reset password, confirm or undo a login email change)."""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from .errors import LinkInvalid


class LinkPurpose(enum.Enum):
    SET_PASSWORD = "set_password"
    RESET_PASSWORD = "reset_password"
    CHANGE_EMAIL = "change_email"  # to the new address: confirms it as the login email
    CANCEL_EMAIL_CHANGE = "cancel_email_change"  # to the old address: «non sono stato io»


LINK_LIFETIMES = {
    LinkPurpose.SET_PASSWORD: timedelta(hours=24),
    LinkPurpose.RESET_PASSWORD: timedelta(hours=1),
    LinkPurpose.CHANGE_EMAIL: timedelta(hours=24),
    # Longer than the change's own link: whoever reads the old mailbox late can still undo a change made
    # by someone who knew the password.
    LinkPurpose.CANCEL_EMAIL_CHANGE: timedelta(days=7),
}


@dataclass
class EmailLink:
    id: str
    purpose: LinkPurpose
    account_id: str
    token_hash: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    # CHANGE_EMAIL: the address the link confirms; CANCEL_EMAIL_CHANGE: the address it gives back.
    new_email: str | None = None

    @classmethod
    def issue(
        cls, *, link_id: str, purpose: LinkPurpose, account_id: str, token_hash: str, now: datetime,
        lifetime: timedelta | None = None, new_email: str | None = None,
    ) -> "EmailLink":
        return cls(
            id=link_id,
            purpose=purpose,
            account_id=account_id,
            token_hash=token_hash,
            created_at=now,
            expires_at=now + (LINK_LIFETIMES[purpose] if lifetime is None else lifetime),
            new_email=new_email,
        )

    def is_usable(self, now: datetime) -> bool:
        return self.used_at is None and now < self.expires_at

    def ensure_usable(self, now: datetime) -> None:
        if not self.is_usable(now):
            raise LinkInvalid()

    def use(self, now: datetime) -> None:
        self.ensure_usable(now)
        self.used_at = now
