"""Setting, resetting and changing the password (R-REG-4, R-PWD-1, R-PWD-2)."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from areaclienti.domain.accounts import Account, AccountStatus
from areaclienti.domain.audit import AuditEvent, AuditEventKind
from areaclienti.domain.contacts import normalise_email
from areaclienti.domain.errors import (
    EmailInUse,
    LinkInvalid,
    OtpInvalid,
    OtpSendRefused,
    PasswordRejected,
    WrongCurrentPassword,
)
from areaclienti.domain.links import LINK_LIFETIMES, EmailLink, LinkPurpose
from areaclienti.domain.otp import OtpPurpose
from areaclienti.domain.passwords import check_new_password, personal_fragments
from areaclienti.domain.throttling import FailureKind, ThrottleSettings

from .. import messages
from ..calendar import italian_moment
from ..notifications import Notifier
from ..ports.clock import Clock
from ..ports.repositories import OutboxKind
from ..ports.links import LinkBuilder
from ..ports.security import PasswordBlocklist, PasswordHasher, SecretGenerator, SecretHasher
from ..ports.unit_of_work import UnitOfWork
from .otp import OtpService

log = logging.getLogger(__name__)


# The state an account must be in for each kind of link to still make sense (a registration started
# over, an account closed meanwhile: the link is simply no longer valid).
_STATUS_FOR_LINK = {
    LinkPurpose.SET_PASSWORD: {AccountStatus.MOBILE_VERIFIED, AccountStatus.LEGACY_PENDING},
    LinkPurpose.RESET_PASSWORD: {AccountStatus.CONSULTATIVE},
}


@dataclass(frozen=True)
class CompleteLink:
    token: str
    password: str
    password_confirm: str


@dataclass(frozen=True)
class ChangePassword:
    account_id: str
    current_password: str
    new_password: str
    new_password_confirm: str
    keep_session_hash: str | None = None


@dataclass
class PasswordRules:
    blocklist: PasswordBlocklist

    def check(self, account: Account, password: str, confirmation: str | None) -> None:
        """Raise the first password rule broken (length, personal data, common, confirmation)."""
        check_new_password(
            password, confirmation,
            personal_data=personal_fragments(tax_code=account.party_id.value, email=account.email),
            is_common=self.blocklist.is_common,
        )


@dataclass
class CompletePasswordLink:
    """Step 4 of registration, the end of first access (R-LEG-2) and of a reset: the emailed link."""

    uow_factory: Callable[[], UnitOfWork]
    clock: Clock
    hasher: SecretHasher
    password_hasher: PasswordHasher
    rules: PasswordRules
    notifier: Notifier

    def check(self, token: str) -> LinkPurpose:
        """What the link is for, so the page can say it; raises LinkInvalid when unusable."""
        with self.uow_factory() as uow:
            link = self._usable_link(uow, token)
            self._account_for(uow, link)
            return link.purpose

    def __call__(self, cmd: CompleteLink) -> str:
        """Set the password; a reset also ends every session of the account and tells the customer.

        Returns:
            The account id.
        Raises:
            LinkInvalid, PasswordRejected (and subclasses), EmailInUse (another account finished first
            with the same login email).
        """
        now = self.clock.now()
        with self.uow_factory() as uow:
            link = self._usable_link(uow, cmd.token)
            account = self._account_for(uow, link)
            self.rules.check(account, cmd.password, cmd.password_confirm)
            if account.email is not None:
                holder = uow.accounts.get_by_email(account.email)
                if holder is not None and holder.id != account.id:
                    # Another registration with the same email finished first: the login email is theirs.
                    raise EmailInUse()
            if not uow.links.consume(link.id, now):
                raise LinkInvalid()
            account.set_password(self.password_hasher.hash(cmd.password), now)
            uow.accounts.save(account)
            if link.purpose is LinkPurpose.RESET_PASSWORD:
                ended = uow.sessions.delete_for_account(account.id)
                uow.audit.add(AuditEvent(AuditEventKind.PASSWORD_RESET, now, account_id=account.id))
                uow.audit.add(AuditEvent(AuditEventKind.SESSIONS_REVOKED, now, account_id=account.id,
                                         details={"count": ended}))
                _tell_password_changed(uow, self.notifier, account, now, others_ended=True)
            else:
                uow.audit.add(AuditEvent(AuditEventKind.PASSWORD_SET, now, account_id=account.id))
            uow.commit()
        return account.id

    @staticmethod
    def _account_for(uow: UnitOfWork, link: EmailLink) -> Account:
        account = uow.accounts.get(link.account_id)
        # A link of another kind (an email change's) sets no password.
        if account is None or account.status not in _STATUS_FOR_LINK.get(link.purpose, ()):
            raise LinkInvalid()
        return account

    def _usable_link(self, uow: UnitOfWork, token: str) -> EmailLink:
        link = uow.links.get_by_token_hash(self.hasher.hash(token or ""))
        if link is None:
            raise LinkInvalid()
        link.ensure_usable(self.clock.now())
        return link


@dataclass
class PasswordReset:
    """R-PWD-1: email -> SMS code to the profile's mobile -> emailed link. Unknown emails answer alike."""

    uow_factory: Callable[[], UnitOfWork]
    clock: Clock
    secrets: SecretGenerator
    hasher: SecretHasher
    otp: OtpService
    notifier: Notifier
    links: LinkBuilder

    def request(self, email: str) -> str:
        """Start a reset; always returns a flow token, whether or not the email belongs to anyone.

        The lookup and the SMS happen in the background (an outbox item), so a known and an unknown
        address cost the request the same: one row written.

        Raises:
            InvalidEmail: only for an address that is not an email at all.
        """
        address = normalise_email(email)
        token = self.secrets.token()
        self._later(OutboxKind.BEGIN_PASSWORD_RESET, email=address, flow_hash=self.hasher.hash(token))
        return token

    def resend(self, flow_token: str) -> None:
        """A new code for the same reset; says nothing, and takes no longer, whether the flow is real."""
        self._later(OutboxKind.RESEND_PASSWORD_RESET_CODE, flow_hash=self.hasher.hash(flow_token or ""))

    def begin(self, uow: UnitOfWork, *, now: datetime, email: str, flow_hash: str) -> None:
        """Background half of ``request`` (an outbox step, inside its transaction): send the code if the
        address belongs to an active account."""
        account = uow.accounts.get_by_email(email)
        uow.audit.add(AuditEvent(AuditEventKind.PASSWORD_RESET_REQUESTED, now,
                                 account_id=account.id if account else None,
                                 subject=self.hasher.hash("email:" + email)))
        if account is not None and account.can_log_in and account.mobile:
            self._send_code(uow, account, flow_hash)

    def resend_code(self, uow: UnitOfWork, *, now: datetime, flow_hash: str) -> None:
        """Background half of ``resend`` (an outbox step)."""
        previous = uow.otps.latest_for_flow(flow_hash)
        if previous is None or previous.purpose is not OtpPurpose.PASSWORD_RESET or not previous.account_id:
            return
        account = uow.accounts.get(previous.account_id)
        if account is None or not account.can_log_in or not account.mobile:
            return
        self._send_code(uow, account, flow_hash)

    def _later(self, kind: OutboxKind, **payload: str) -> None:
        """Write the background half as an outbox item: with Redis down it waits, it is never lost."""
        with self.uow_factory() as uow:
            self.notifier.add(uow, kind, payload, now=self.clock.now())
            uow.commit()

    def verify(self, flow_token: str, code: str) -> None:
        """Check the SMS code; on success the reset link goes to the registration email.

        Raises:
            OtpInvalid, OtpAttemptsExhausted (unknown flows answer OtpInvalid, like a wrong code).
        """
        now = self.clock.now()
        with self.uow_factory() as uow:
            challenge = self.otp.verify(uow, purpose=OtpPurpose.PASSWORD_RESET,
                                        flow_hash=self.hasher.hash(flow_token or ""), code=code, now=now,
                                        generic=True)
            account = uow.accounts.get(challenge.account_id or "")
            if account is None or not account.can_log_in or account.email is None:
                raise OtpInvalid()
            token = self.secrets.token()
            uow.links.void_open(account.id, LinkPurpose.RESET_PASSWORD, now)
            uow.links.add(EmailLink.issue(link_id=self.secrets.new_id(), purpose=LinkPurpose.RESET_PASSWORD,
                                          account_id=account.id, token_hash=self.hasher.hash(token), now=now))
            minutes = int(LINK_LIFETIMES[LinkPurpose.RESET_PASSWORD].total_seconds() // 60)
            subject, body = messages.reset_password_email(account.display_name,
                                                          self.links.reset_password(token), minutes)
            self.notifier.email(uow, to=account.email, subject=subject, body=body, now=now)
            uow.commit()

    def _send_code(self, uow: UnitOfWork, account: Account, flow_hash: str) -> None:
        assert account.mobile is not None
        try:
            self.otp.send_or_reuse(uow, purpose=OtpPurpose.PASSWORD_RESET, subject=account.party_id.value,
                                   destination=account.mobile, flow_hash=flow_hash, now=self.clock.now(),
                                   account_id=account.id)
        except OtpSendRefused as refused:
            # Saying "too many codes" would tell a known address from an unknown one.
            uow.audit.add(AuditEvent(AuditEventKind.OTP_SEND_REFUSED, self.clock.now(), account_id=account.id,
                                     details={"purpose": "password_reset",
                                              "retry_after": refused.retry_after.isoformat()}))


@dataclass
class ChangePasswordHandler:
    """R-PWD-2: from the reserved area, with the current password."""

    uow_factory: Callable[[], UnitOfWork]
    clock: Clock
    password_hasher: PasswordHasher
    rules: PasswordRules
    notifier: Notifier
    throttle_settings: ThrottleSettings

    def __call__(self, cmd: ChangePassword) -> None:
        """Change the password; every other session of the account ends.

        Raises:
            WrongCurrentPassword, TemporarilyLocked, PasswordRejected (and subclasses).
        """
        now = self.clock.now()
        with self.uow_factory() as uow:
            account = signed_in_with_password(uow, cmd.account_id, cmd.current_password, now=now,
                                              password_hasher=self.password_hasher,
                                              throttle_settings=self.throttle_settings, during="password_change")
            try:
                self.rules.check(account, cmd.new_password, cmd.new_password_confirm)
            except PasswordRejected as rejected:
                # The rules name the fields of a first password; this form calls them «new».
                rejected.field = _CHANGE_FORM_FIELDS.get(rejected.field or "", rejected.field)
                raise
            account.set_password(self.password_hasher.hash(cmd.new_password), now)
            uow.accounts.save(account)
            ended = uow.sessions.delete_for_account(account.id, keep=cmd.keep_session_hash)
            uow.audit.add(AuditEvent(AuditEventKind.PASSWORD_CHANGED, now, account_id=account.id,
                                     details={"other_sessions_ended": ended}))
            _tell_password_changed(uow, self.notifier, account, now, others_ended=ended > 0)
            uow.commit()


_CHANGE_FORM_FIELDS = {"password": "new_password", "password_confirm": "new_password_confirm"}


def signed_in_with_password(uow: UnitOfWork, account_id: str, password: str, *, now: datetime,
                            password_hasher: PasswordHasher, throttle_settings: ThrottleSettings,
                            during: str) -> Account:
    """The signed-in account, once its current password is typed again (before a change of password,
    login email or mobile). Wrong tries count like failed logins of the account and lock it alike; a
    failure is committed before raising.

    Raises:
        WrongCurrentPassword, TemporarilyLocked.
    """
    account = uow.accounts.get(account_id)
    if account is None or not account.can_log_in or account.password_hash is None:
        raise WrongCurrentPassword()
    record = uow.throttles.get("account:" + account.id, FailureKind.PASSWORD)
    record.ensure_may_try(now, throttle_settings)
    if not password_hasher.verify(account.password_hash, password or ""):
        record.record_failure(now, throttle_settings)
        uow.throttles.save(record)
        uow.audit.add(AuditEvent(AuditEventKind.LOGIN_FAILED, now, account_id=account.id,
                                 details={"during": during}))
        uow.commit()
        raise WrongCurrentPassword()
    return account


def _tell_password_changed(uow: UnitOfWork, notifier: Notifier, account: Account, now, *, others_ended: bool) -> None:
    if account.email:
        subject, body = messages.password_changed_email(account.display_name, italian_moment(now), others_ended)
        notifier.email(uow, to=account.email, subject=subject, body=body, now=now)
