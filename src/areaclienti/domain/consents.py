"""The customer's privacy and marketing consents, and their history (issue 12; IVASS Reg. 41/2018 art. 43).

The privacy consent is the condition of the account itself: given at registration, it cannot be withdrawn
while the account is open. The marketing consent (promotional content in the reserved area) is optional
and may be given and withdrawn at any time; every change is kept as a ``ConsentEvent``.

Accounts older than the history (the demo seed, registrations before it) carry their consents only on the
account (``privacy_accepted_at``, ``marketing_consent_at``): the current state falls back to those.
"""
from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from .accounts import Account
from .errors import PrivacyConsentRequired


class ConsentKind(enum.StrEnum):
    PRIVACY = "privacy"
    MARKETING = "marketing"


class ConsentChannel(enum.StrEnum):
    """Where a consent was given or withdrawn."""

    REGISTRATION = "registration"
    WEB = "web"
    API = "api"


@dataclass(frozen=True)
class ConsentEvent:
    """One change of one consent: given (True) or withdrawn (False), when and from which channel."""

    id: str
    account_id: str
    consent: ConsentKind
    given: bool
    at: datetime  # UTC
    channel: ConsentChannel


@dataclass(frozen=True)
class ConsentState:
    """A consent as it stands: given or not, and since when (None: never given nor recorded)."""

    consent: ConsentKind
    given: bool
    since: datetime | None


def current_state(account: Account, events: Iterable[ConsentEvent], consent: ConsentKind) -> ConsentState:
    """The newest event of ``consent`` decides; without one, what the account itself records.

    The account's own fields are the authority on *whether* the consent is given (the dashboard reads
    them); the history says since when. They agree whenever every change goes through ``change_consent``.
    """
    given = account.privacy_accepted_at is not None if consent is ConsentKind.PRIVACY else account.marketing_consent
    newest = max((e for e in events if e.consent is consent), key=lambda e: e.at, default=None)
    if newest is not None and newest.given == given:
        return ConsentState(consent, given, newest.at)
    since = account.privacy_accepted_at if consent is ConsentKind.PRIVACY else account.marketing_consent_at
    return ConsentState(consent, given, since)


def registration_events(account: Account, *, new_id, channel: ConsentChannel = ConsentChannel.REGISTRATION
                        ) -> list[ConsentEvent]:
    """The consents a registration (re)started records: privacy accepted, marketing given or refused."""
    assert account.privacy_accepted_at is not None, "registration always accepts the privacy notice"
    at = account.privacy_accepted_at
    return [
        ConsentEvent(new_id(), account.id, ConsentKind.PRIVACY, True, at, channel),
        ConsentEvent(new_id(), account.id, ConsentKind.MARKETING, account.marketing_consent,
                     account.marketing_consent_at or at, channel),
    ]


def change_consent(account: Account, consent: ConsentKind, given: bool, *, now: datetime, event_id: str,
                   channel: ConsentChannel) -> ConsentEvent | None:
    """Give or withdraw a consent on the account; the event to record, or None when nothing changes.

    Raises:
        PrivacyConsentRequired: withdrawing the privacy consent while the account is open (it is the
            condition of the service: closing the account is the way to withdraw it).
    """
    if consent is ConsentKind.PRIVACY:
        if not given:
            raise PrivacyConsentRequired()
        if account.privacy_accepted_at is not None:
            return None
        account.privacy_accepted_at = now
    else:
        if account.marketing_consent == given:
            return None
        account.marketing_consent = given
        account.marketing_consent_at = now
    return ConsentEvent(event_id, account.id, consent, given, now, channel)
