"""A customer's Area Clienti account and its life cycle.

registration started -> contacts given -> mobile verified -> consultative (password set, identification
pending). Accounts imported from the old consultative area start as legacy pending and reach
consultative through the first-access flow (R-LEG-2). Later states arrive with identification.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime

from .errors import AlreadyRegistered, InvalidTransition, LegacyAccountExists, MobileDiffersFromRecords
from .identification import AttemptStatus, Gate, IdentityDocument, RegisteredDocument, dispositive_gate
from .parties import PartyId


class AccountStatus(enum.Enum):
    REGISTRATION_STARTED = "registration_started"
    CONTACTS_GIVEN = "contacts_given"
    MOBILE_VERIFIED = "mobile_verified"
    CONSULTATIVE = "consultative"
    LEGACY_PENDING = "legacy_pending"
    CLOSED = "closed"


class AccountOrigin(enum.Enum):
    REGISTRATION = "registration"
    LEGACY = "legacy"


PENDING_REGISTRATION = frozenset(
    {AccountStatus.REGISTRATION_STARTED, AccountStatus.CONTACTS_GIVEN, AccountStatus.MOBILE_VERIFIED}
)
CAN_LOG_IN = frozenset({AccountStatus.CONSULTATIVE})


@dataclass
class Account:
    id: str
    party_id: PartyId
    status: AccountStatus
    origin: AccountOrigin
    created_at: datetime
    policy_number: str | None = None
    email: str | None = None
    mobile: str | None = None
    password_hash: str | None = None
    privacy_accepted_at: datetime | None = None
    marketing_consent: bool = False
    marketing_consent_at: datetime | None = None
    flow_hash: str | None = None
    flow_started_at: datetime | None = None
    contacts_from_issuance: bool = False
    password_changed_at: datetime | None = None
    display_name: str | None = None
    registered_document: RegisteredDocument | None = None  # set when an operator approves (R-ID-4)
    extra: dict = field(default_factory=dict)

    # --- registration -----------------------------------------------------------------------------
    @classmethod
    def start_registration(
        cls,
        *,
        account_id: str,
        party_id: PartyId,
        policy_number: str,
        flow_hash: str,
        marketing_consent: bool,
        now: datetime,
    ) -> "Account":
        account = cls(
            id=account_id,
            party_id=party_id,
            status=AccountStatus.REGISTRATION_STARTED,
            origin=AccountOrigin.REGISTRATION,
            created_at=now,
        )
        account.restart_registration(
            policy_number=policy_number, flow_hash=flow_hash, marketing_consent=marketing_consent, now=now
        )
        return account

    def restart_registration(
        self, *, policy_number: str, flow_hash: str, marketing_consent: bool, now: datetime
    ) -> None:
        """A registration left half-way may be started again; a finished one may not."""
        ensure_may_register(self)
        self.status = AccountStatus.REGISTRATION_STARTED
        self.origin = AccountOrigin.REGISTRATION
        self.password_hash = None
        self.policy_number = policy_number
        self.flow_hash = flow_hash
        self.flow_started_at = now
        self.privacy_accepted_at = now
        self.marketing_consent = marketing_consent
        self.marketing_consent_at = now
        self.email = None
        self.mobile = None
        self.contacts_from_issuance = False

    def give_contacts(self, *, email: str, mobile: str, from_issuance: bool = False) -> None:
        self._require(AccountStatus.REGISTRATION_STARTED)
        self.email, self.mobile = email, mobile
        self.contacts_from_issuance = from_issuance
        self.status = AccountStatus.CONTACTS_GIVEN

    def verify_mobile(self) -> None:
        self._require(AccountStatus.CONTACTS_GIVEN, AccountStatus.LEGACY_PENDING)
        if self.mobile is None or self.flow_hash is None:
            # A legacy account verifies a mobile only once its first-access flow asked for one (R-LEG-2).
            raise InvalidTransition(current=self.status.value)
        self.status = AccountStatus.MOBILE_VERIFIED

    def set_password(self, password_hash: str, now: datetime) -> None:
        """First password (end of registration or of legacy first access) or a reset.

        A legacy account takes it only once first access has started: its link is emailed after the
        SMS code, and until then the account stays legacy, so no new registration can take it (R-LEG-1).
        """
        self._require(AccountStatus.MOBILE_VERIFIED, AccountStatus.CONSULTATIVE, AccountStatus.LEGACY_PENDING)
        if self.status is AccountStatus.LEGACY_PENDING and (self.flow_hash is None or self.mobile is None):
            raise InvalidTransition(current=self.status.value)
        self.password_hash = password_hash
        self.password_changed_at = now
        self.status = AccountStatus.CONSULTATIVE
        self.flow_hash = None
        self.flow_started_at = None

    def rehash_password(self, password_hash: str) -> None:
        """Same password, stronger parameters."""
        self.password_hash = password_hash

    # --- legacy (R-LEG) ---------------------------------------------------------------------------
    @classmethod
    def import_legacy(
        cls, *, account_id: str, party_id: PartyId, email: str, mobile: str | None, display_name: str, now: datetime
    ) -> "Account":
        return cls(
            id=account_id,
            party_id=party_id,
            status=AccountStatus.LEGACY_PENDING,
            origin=AccountOrigin.LEGACY,
            created_at=now,
            email=email,
            mobile=mobile,
            display_name=display_name,
        )

    def start_legacy_activation(self, *, mobile: str, flow_hash: str, now: datetime) -> None:
        """First access begins: the code goes to ``mobile``, which is recorded only once verified.

        Raises:
            InvalidTransition: not a legacy account waiting for first access.
            MobileDiffersFromRecords: the old area holds another mobile for this customer; a code to a
                number the customer typed would let whoever knows the email put their phone on the account.
        """
        self._require(AccountStatus.LEGACY_PENDING)
        if self.mobile is not None and self.mobile != mobile:
            raise MobileDiffersFromRecords()
        self.flow_hash = flow_hash
        self.flow_started_at = now

    def confirm_legacy_mobile(self, mobile: str) -> None:
        """The first-access code sent to ``mobile`` was typed back: the number is the customer's."""
        self._require(AccountStatus.LEGACY_PENDING)
        if self.flow_hash is None:
            raise InvalidTransition(current=self.status.value)
        self.mobile = mobile

    # --- contacts changed from the profile (the link to the new address, the code to the new number) ----
    def change_login_email(self, email: str) -> None:
        self._require(AccountStatus.CONSULTATIVE)
        self.email = email

    def change_mobile(self, mobile: str) -> None:
        self._require(AccountStatus.CONSULTATIVE)
        self.mobile = mobile

    def close(self) -> None:
        """Closed accounts neither log in nor block a new registration (R-LEG-4)."""
        self.status = AccountStatus.CLOSED
        self.flow_hash = None

    # --- queries ----------------------------------------------------------------------------------
    @property
    def is_registered(self) -> bool:
        return self.status is AccountStatus.CONSULTATIVE

    @property
    def can_log_in(self) -> bool:
        return self.status in CAN_LOG_IN and self.password_hash is not None

    @property
    def identification_pending(self) -> bool:
        """Not identified yet: the account stays consultative until an operator approves (R-REG-4)."""
        return self.registered_document is None

    def gate(self, today: date, open_attempt: AttemptStatus | None = None) -> Gate:
        """R-ID-5: may the account use the dispositive functions today, and if not, why."""
        if self.status is not AccountStatus.CONSULTATIVE:
            return dispositive_gate(None, today, None)
        return dispositive_gate(self.registered_document, today, open_attempt)

    # --- identification (R-ID-4, R-ID-6) ----------------------------------------------------------
    def register_document(self, document: IdentityDocument, now: datetime) -> None:
        """An operator approved the video selfie: this document is now the one in force. The first
        approval identifies the account; a later one (document update) replaces the document only."""
        self._require(AccountStatus.CONSULTATIVE)
        identified_at = self.registered_document.identified_at if self.registered_document else now
        self.registered_document = RegisteredDocument(identified_at, document)

    def _require(self, *allowed: AccountStatus) -> None:
        if self.status not in allowed:
            raise InvalidTransition(current=self.status.value)


def ensure_may_register(existing: Account | None) -> None:
    """R-LEG-1: an account of the old area blocks a new registration, as does a finished one.

    Raises:
        LegacyAccountExists: the party already has an account of the old consultative area.
        AlreadyRegistered: the party already finished a registration.
    """
    if existing is None or existing.status is AccountStatus.CLOSED:
        return
    if existing.origin is AccountOrigin.LEGACY and existing.status is not AccountStatus.CONSULTATIVE:
        raise LegacyAccountExists()
    if existing.status in PENDING_REGISTRATION:
        return
    raise AlreadyRegistered()
