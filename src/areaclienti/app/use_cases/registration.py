"""Registration in four steps (R-REG-1..4, R-LEG-1).

1. tax code / VAT number + policy number + privacy  -> a flow token for the browser
2. email + mobile (skipped when given at policy issuance) -> an SMS code
3. the SMS code -> an email with a single-use link
4. the link -> the password (see ``passwords.CompletePasswordLink``)
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from areaclienti.domain.accounts import Account, AccountStatus, ensure_may_register
from areaclienti.domain.audit import AuditEvent, AuditEventKind
from areaclienti.domain.consents import registration_events
from areaclienti.domain.contacts import mask_mobile, normalise_email, normalise_mobile
from areaclienti.domain.eligibility import check_can_register_with
from areaclienti.domain.errors import FlowExpired, PrivacyNotAccepted
from areaclienti.domain.links import LINK_LIFETIMES, EmailLink, LinkPurpose
from areaclienti.domain.otp import OtpPurpose
from areaclienti.domain.parties import parse_party_id
from areaclienti.domain.policies import normalise_policy_number

from .. import messages
from ..notifications import Notifier
from ..calendar import italian_day
from ..ports.clock import Clock
from ..ports.core_system import PolicyCoreSystem
from ..ports.links import LinkBuilder
from ..ports.repositories import PartyHasAccount
from ..ports.security import SecretGenerator, SecretHasher
from ..ports.unit_of_work import UnitOfWork
from .otp import OtpService

FLOW_LIFETIME = timedelta(minutes=30)


@dataclass(frozen=True)
class StartRegistration:
    party_id: str
    policy_number: str
    privacy_accepted: bool
    marketing_consent: bool = False


@dataclass(frozen=True)
class GiveContacts:
    flow_token: str
    email: str
    mobile: str


@dataclass(frozen=True)
class VerifyMobile:
    flow_token: str
    code: str


@dataclass(frozen=True)
class RegistrationStep:
    """Where the browser goes next: ``contacts`` (step 2) or ``otp`` (step 3), and to which number."""

    flow_token: str
    next_step: str
    masked_mobile: str | None = None


@dataclass
class Registration:
    uow_factory: Callable[[], UnitOfWork]
    core: PolicyCoreSystem
    clock: Clock
    secrets: SecretGenerator
    hasher: SecretHasher
    otp: OtpService
    notifier: Notifier
    links: LinkBuilder

    def start(self, cmd: StartRegistration) -> RegistrationStep:
        """Step 1: check who may register with which policy, and open the flow.

        Raises:
            InvalidPartyId (and subclasses), PrivacyNotAccepted, PolicyDataMismatch, RoleDoesNotQualify,
            PolicyTooOld, LegacyAccountExists, AlreadyRegistered, OtpSendRefused (contacts at issuance).
        """
        party_id = parse_party_id(cmd.party_id)
        if not cmd.privacy_accepted:
            raise PrivacyNotAccepted()
        now = self.clock.now()
        policy = self.core.find_policy(normalise_policy_number(cmd.policy_number))
        check_can_register_with(policy, party_id, italian_day(now))
        assert policy is not None  # checked above
        token = self.secrets.token()
        flow_hash = self.hasher.hash(token)
        try:
            return self._open_flow(cmd, party_id, policy, token, flow_hash, now)
        except PartyHasAccount:  # a first registration of the same party won the race: start over on it
            return self._open_flow(cmd, party_id, policy, token, flow_hash, now)

    def _open_flow(self, cmd: StartRegistration, party_id, policy, token: str, flow_hash: str,
                   now) -> RegistrationStep:
        with self.uow_factory() as uow:
            account = uow.accounts.get_by_party(party_id)
            ensure_may_register(account)
            if account is None:
                account = Account.start_registration(
                    account_id=self.secrets.new_id(), party_id=party_id, policy_number=policy.number,
                    flow_hash=flow_hash, marketing_consent=cmd.marketing_consent, now=now,
                )
                party = self.core.find_party(party_id)
                account.display_name = party.display_name if party else None
                uow.accounts.add(account)
            else:
                account.restart_registration(
                    policy_number=policy.number, flow_hash=flow_hash,
                    marketing_consent=cmd.marketing_consent, now=now,
                )
                # A link emailed by the abandoned attempt must not finish the new one.
                uow.links.void_open(account.id, LinkPurpose.SET_PASSWORD, now)
            uow.audit.add(AuditEvent(AuditEventKind.REGISTRATION_STARTED, now, account_id=account.id,
                                     details={"marketing_consent": cmd.marketing_consent}))
            for event in registration_events(account, new_id=self.secrets.new_id):
                uow.consents.add(event)
            step = RegistrationStep(token, "contacts")
            issued = policy.contacts_for(party_id)
            if issued is not None:
                holder = uow.accounts.get_by_email(issued.email)
                if holder is not None and holder.id != account.id:
                    issued = None  # that email already logs in elsewhere: ask for contacts (step 2)
            if issued is not None:
                account.give_contacts(email=issued.email, mobile=issued.mobile, from_issuance=True)
                self._send_code(uow, account)
                step = RegistrationStep(token, "otp", mask_mobile(issued.mobile))
            uow.accounts.save(account)
            uow.commit()
        return step

    def give_contacts(self, cmd: GiveContacts) -> RegistrationStep:
        """Step 2: the login email and the mobile number, then the first SMS code.

        Raises:
            FlowExpired, InvalidEmail, InvalidMobile, OtpSendRefused.
        """
        email = normalise_email(cmd.email)
        mobile = normalise_mobile(cmd.mobile)
        with self.uow_factory() as uow:
            account = self._account_in_flow(uow, cmd.flow_token, AccountStatus.REGISTRATION_STARTED)
            # An address already in use is accepted here and handled by email after the code (see
            # verify_mobile): refusing it now would tell anyone which addresses have a profile.
            account.give_contacts(email=email, mobile=mobile)
            self._send_code(uow, account)
            uow.accounts.save(account)
            uow.commit()
        return RegistrationStep(cmd.flow_token, "otp", mask_mobile(mobile))

    def resend_code(self, flow_token: str) -> RegistrationStep:
        """Step 3 again: a new code (the previous one stops working).

        Raises:
            FlowExpired, OtpSendRefused.
        """
        with self.uow_factory() as uow:
            account = self._account_in_flow(uow, flow_token, AccountStatus.CONTACTS_GIVEN)
            self._send_code(uow, account)
            uow.commit()
        assert account.mobile is not None
        return RegistrationStep(flow_token, "otp", mask_mobile(account.mobile))

    def verify_mobile(self, cmd: VerifyMobile) -> str:
        """Step 3: the SMS code; on success the set-password link goes to the email. Returns the masked email.

        Raises:
            FlowExpired, OtpInvalid, OtpAttemptsExhausted.
        """
        now = self.clock.now()
        with self.uow_factory() as uow:
            account = self._account_in_flow(uow, cmd.flow_token, AccountStatus.CONTACTS_GIVEN)
            self.otp.verify(uow, purpose=OtpPurpose.REGISTRATION, flow_hash=account.flow_hash or "",
                            code=cmd.code, now=now)
            account.verify_mobile()
            uow.accounts.save(account)
            holder = uow.accounts.get_by_email(account.email or "")
            if holder is not None and holder.id != account.id:
                subject, body = messages.email_already_registered_email(self.links.login())
                self.notifier.email(uow, to=holder.email or "", subject=subject, body=body, now=now)
            else:
                send_set_password_link(uow, account, secrets=self.secrets, hasher=self.hasher,
                                       notifier=self.notifier, links=self.links, now=now)
            uow.commit()
        assert account.email is not None
        return account.email

    def _account_in_flow(self, uow: UnitOfWork, flow_token: str, status: AccountStatus) -> Account:
        account = uow.accounts.get_by_flow_hash(self.hasher.hash(flow_token or ""))
        now = self.clock.now()
        if (
            account is None
            or account.status is not status
            or account.flow_started_at is None
            or now - account.flow_started_at > FLOW_LIFETIME
        ):
            raise FlowExpired()
        return account

    def _send_code(self, uow: UnitOfWork, account: Account) -> None:
        assert account.mobile is not None and account.flow_hash is not None
        self.otp.send(uow, purpose=OtpPurpose.REGISTRATION, subject=account.party_id.value,
                      destination=account.mobile, flow_hash=account.flow_hash, now=self.clock.now(),
                      account_id=account.id)


def send_set_password_link(
    uow: UnitOfWork, account: Account, *, secrets: SecretGenerator, hasher: SecretHasher,
    notifier: Notifier, links: LinkBuilder, now,
) -> None:
    """Email a single-use link to set the first password (end of registration or of legacy first access)."""
    assert account.email is not None
    token = secrets.token()
    uow.links.void_open(account.id, LinkPurpose.SET_PASSWORD, now)
    uow.links.add(EmailLink.issue(link_id=secrets.new_id(), purpose=LinkPurpose.SET_PASSWORD,
                                  account_id=account.id, token_hash=hasher.hash(token), now=now))
    hours = int(LINK_LIFETIMES[LinkPurpose.SET_PASSWORD].total_seconds() // 3600)
    subject, body = messages.set_password_email(account.display_name, links.set_password(token), hours)
    notifier.email(uow, to=account.email, subject=subject, body=body, now=now)
