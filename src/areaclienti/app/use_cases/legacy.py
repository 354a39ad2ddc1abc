"""Customers of the old consultative area (R-LEG-2, R-LEG-4): first access with a new password.

email + mobile -> SMS code -> either the set-password link or, when the personal data on file do not
match the core system, a notice with the steps for a new registration. Every answer looks alike.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from areaclienti.domain.accounts import AccountStatus
from areaclienti.domain.audit import AuditEvent, AuditEventKind
from areaclienti.domain.contacts import normalise_email, normalise_mobile
from areaclienti.domain.eligibility import visible_policies
from areaclienti.domain.errors import MobileDiffersFromRecords, OtpInvalid, OtpSendRefused
from areaclienti.domain.otp import OtpPurpose

from .. import messages
from ..notifications import Notifier
from ..calendar import italian_day
from ..ports.clock import Clock
from ..ports.core_system import PolicyCoreSystem
from ..ports.repositories import OutboxKind
from ..ports.links import LinkBuilder
from ..ports.security import SecretGenerator, SecretHasher
from ..ports.unit_of_work import UnitOfWork
from .otp import OtpService
from .registration import send_set_password_link

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StartFirstAccess:
    email: str
    mobile: str


@dataclass
class LegacyFirstAccess:
    uow_factory: Callable[[], UnitOfWork]
    core: PolicyCoreSystem
    clock: Clock
    secrets: SecretGenerator
    hasher: SecretHasher
    otp: OtpService
    notifier: Notifier
    links: LinkBuilder

    def start(self, cmd: StartFirstAccess) -> str:
        """Always a flow token; the code goes to the typed mobile only if the email is an old-area account.

        The lookup happens in the background (an outbox item), so both answers cost the request the same.

        Raises:
            InvalidEmail, InvalidMobile: only for input that is malformed.
        """
        address = normalise_email(cmd.email)
        mobile = normalise_mobile(cmd.mobile)
        token = self.secrets.token()
        with self.uow_factory() as uow:
            self.notifier.add(uow, OutboxKind.BEGIN_FIRST_ACCESS,
                              {"email": address, "mobile": mobile, "flow_hash": self.hasher.hash(token)},
                              now=self.clock.now())
            uow.commit()
        return token

    def begin(self, uow: UnitOfWork, *, now: datetime, email: str, mobile: str, flow_hash: str) -> None:
        """Background half of ``start`` (an outbox step, inside its transaction)."""
        account = uow.accounts.get_by_email(email)
        if account is None or account.status is not AccountStatus.LEGACY_PENDING:
            return
        try:
            account.start_legacy_activation(mobile=mobile, flow_hash=flow_hash, now=now)
        except MobileDiffersFromRecords:
            # Silent, like an unknown email: saying so would confirm the account exists.
            uow.audit.add(AuditEvent(AuditEventKind.LEGACY_ACTIVATION_STARTED, now, account_id=account.id,
                                     details={"refused": "mobile_differs_from_records"}))
            return
        try:
            self.otp.send_or_reuse(uow, purpose=OtpPurpose.LEGACY_ACTIVATION, subject=account.party_id.value,
                                   destination=mobile, flow_hash=flow_hash, now=now, account_id=account.id)
        except OtpSendRefused:
            return  # refusing aloud would reveal the account; the customer may ask again later
        uow.accounts.save(account)
        uow.audit.add(AuditEvent(AuditEventKind.LEGACY_ACTIVATION_STARTED, now, account_id=account.id))

    def verify(self, flow_token: str, code: str) -> None:
        """Check the code; then email the set-password link, or the new-registration steps (R-LEG-4).

        Raises:
            OtpInvalid, OtpAttemptsExhausted.
        """
        now = self.clock.now()
        flow_hash = self.hasher.hash(flow_token or "")
        with self.uow_factory() as uow:
            account = uow.accounts.get_by_flow_hash(flow_hash)
            # Unknown flows fail inside verify, exactly like wrong codes (same answer, same writes).
            challenge = self.otp.verify(uow, purpose=OtpPurpose.LEGACY_ACTIVATION, flow_hash=flow_hash,
                                        code=code, now=now, generic=True)
            if account is None or account.status is not AccountStatus.LEGACY_PENDING:
                raise OtpInvalid()
            # The account stays legacy until the new password is set, so first access can start over and
            # no new registration can take the account meanwhile (R-LEG-1).
            account.confirm_legacy_mobile(challenge.destination)
            party = self.core.find_party(account.party_id)
            policies = self.core.policies_of(account.party_id) if party else []
            if party is None or not visible_policies(policies, account.party_id, italian_day(now)):
                account.close()
                uow.audit.add(AuditEvent(AuditEventKind.LEGACY_DATA_WRONG, now, account_id=account.id))
                assert account.email is not None
                subject, body = messages.legacy_wrong_data_email(account.display_name, self.links.register())
                self.notifier.email(uow, to=account.email, subject=subject, body=body, now=now)
            else:
                account.display_name = party.display_name
                send_set_password_link(uow, account, secrets=self.secrets, hasher=self.hasher,
                                       notifier=self.notifier, links=self.links, now=now)
            uow.accounts.save(account)
            uow.commit()
