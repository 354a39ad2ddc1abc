"""The account's own contacts changed from the profile (R-DISP-DATA): the login email and the mobile.

Both ask the current password again. A new login email is confirmed by a single-use link to it (until
then the old one logs in) and the old address is told, with a link to undo the change; a new mobile is
confirmed by an SMS code to it (the limits of registration codes), and the old number and the email are
told. An address that already logs in another account answers the same as a free one: no link goes to
it, its holder is told instead.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from areaclienti.domain.accounts import Account
from areaclienti.domain.audit import AuditEvent, AuditEventKind
from areaclienti.domain.contacts import mask_email, mask_mobile, normalise_email, normalise_mobile
from areaclienti.domain.errors import ContactUnchanged, EmailInUse, FlowExpired, LinkInvalid, NotFound, OtpInvalid
from areaclienti.domain.links import LINK_LIFETIMES, EmailLink, LinkPurpose
from areaclienti.domain.otp import OtpPurpose
from areaclienti.domain.throttling import ThrottleSettings

from .. import messages
from ..calendar import italian_moment
from ..notifications import Notifier
from ..ports.clock import Clock
from ..ports.links import LinkBuilder
from ..ports.security import PasswordHasher, SecretGenerator, SecretHasher
from ..ports.unit_of_work import UnitOfWork
from .otp import OtpService
from .passwords import signed_in_with_password


@dataclass(frozen=True)
class ChangeLoginEmail:
    account_id: str
    current_password: str
    email: str


@dataclass(frozen=True)
class ChangeMobile:
    account_id: str
    current_password: str
    mobile: str


@dataclass(frozen=True)
class ConfirmMobile:
    account_id: str
    flow_token: str
    code: str


@dataclass(frozen=True)
class MobileChangeStep:
    """The browser keeps ``flow_token`` to type the code sent to ``masked_mobile``."""

    flow_token: str
    masked_mobile: str


@dataclass(frozen=True)
class PendingContacts:
    """What the profile shows «in attesa di conferma» beside the current values."""

    email: str | None = None  # the new login email whose link is not used yet
    email_until: datetime | None = None
    mobile: str | None = None  # the new mobile (masked) whose code is still open
    mobile_until: datetime | None = None


@dataclass(frozen=True)
class EmailLinkView:
    """What an emailed link is for, so its page can say it before the customer confirms."""

    purpose: LinkPurpose
    email: str | None  # CHANGE_EMAIL: the new address; CANCEL_EMAIL_CHANGE: the address it gives back


@dataclass
class AccountContacts:
    uow_factory: Callable[[], UnitOfWork]
    clock: Clock
    secrets: SecretGenerator
    hasher: SecretHasher
    password_hasher: PasswordHasher
    throttle_settings: ThrottleSettings
    otp: OtpService
    notifier: Notifier
    links: LinkBuilder

    # --- what is pending ---------------------------------------------------------------------------
    def pending(self, account_id: str) -> PendingContacts:
        """The changes awaiting their link or code; NotFound when the account cannot log in."""
        now = self.clock.now()
        with self.uow_factory() as uow:
            account = uow.accounts.get(account_id)
            if account is None or not account.can_log_in:
                raise NotFound()
            link = uow.links.newest_open(account.id, LinkPurpose.CHANGE_EMAIL, now)
            codes = [c for c in uow.otps.open_for_subject(account.party_id.value)
                     if c.purpose is OtpPurpose.MOBILE_CHANGE and c.account_id == account.id and c.is_open(now)]
        code = max(codes, key=lambda c: c.created_at, default=None)
        return PendingContacts(
            email=link.new_email if link else None, email_until=link.expires_at if link else None,
            mobile=mask_mobile(code.destination) if code else None, mobile_until=code.expires_at if code else None,
        )

    # --- login email ---------------------------------------------------------------------------------
    def change_login_email(self, cmd: ChangeLoginEmail) -> str:
        """Ask to log in with another address: a link to confirm it goes there, a notice with a link to
        undo it to the current one. Returns the new address, as typed and normalised.

        Raises:
            InvalidEmail, WrongCurrentPassword, TemporarilyLocked, ContactUnchanged.
        """
        new_email = normalise_email(cmd.email)
        now = self.clock.now()
        with self.uow_factory() as uow:
            account = self._with_password(uow, cmd.account_id, cmd.current_password, now, "email_change")
            if new_email == account.email:
                raise ContactUnchanged(field="email")
            assert account.email is not None  # every account that logs in has its login email
            # A newer request replaces the older: only its link confirms.
            uow.links.void_open(account.id, LinkPurpose.CHANGE_EMAIL, now)
            token = self._issue(uow, account, LinkPurpose.CHANGE_EMAIL, new_email, now)
            holder = uow.accounts.get_by_email(new_email)
            if holder is not None and holder.id != account.id:
                # The same answer as for a free address (no enumeration); the link is never sent, so the
                # change stays pending until it expires, and the other account's holder is told.
                subject, body = messages.email_already_registered_email(self.links.login(), email_change=True)
                self.notifier.email(uow, to=new_email, subject=subject, body=body, now=now)
            else:
                hours = int(LINK_LIFETIMES[LinkPurpose.CHANGE_EMAIL].total_seconds() // 3600)
                subject, body = messages.confirm_email_change_email(
                    account.display_name, self.links.confirm_email_change(token), hours)
                self.notifier.email(uow, to=new_email, subject=subject, body=body, now=now)
            cancel = self._issue(uow, account, LinkPurpose.CANCEL_EMAIL_CHANGE, account.email, now)
            days = LINK_LIFETIMES[LinkPurpose.CANCEL_EMAIL_CHANGE].days
            subject, body = messages.email_change_requested_email(
                account.display_name, mask_email(new_email), italian_moment(now),
                self.links.cancel_email_change(cancel), days)
            self.notifier.email(uow, to=account.email, subject=subject, body=body, now=now)
            uow.audit.add(AuditEvent(AuditEventKind.EMAIL_CHANGE_REQUESTED, now, account_id=account.id,
                                     subject=self.hasher.hash("email:" + new_email),
                                     details={"to": mask_email(new_email)}))
            uow.commit()
        return new_email

    def email_link(self, token: str) -> EmailLinkView:
        """What a confirmation or undo link is for; LinkInvalid when used, expired or unknown."""
        with self.uow_factory() as uow:
            link, _ = self._usable(uow, token, LinkPurpose.CHANGE_EMAIL, LinkPurpose.CANCEL_EMAIL_CHANGE)
        return EmailLinkView(link.purpose, link.new_email)

    def confirm_login_email(self, token: str) -> str:
        """The link to the new address was opened and confirmed: from now on it is the login email.

        Returns:
            The new login email.
        Raises:
            LinkInvalid (used, expired, replaced by a newer request, undone), EmailInUse (another account
            took the address meanwhile).
        """
        now = self.clock.now()
        with self.uow_factory() as uow:
            link, account = self._usable(uow, token, LinkPurpose.CHANGE_EMAIL)
            assert link.new_email is not None
            holder = uow.accounts.get_by_email(link.new_email)
            if holder is not None and holder.id != account.id:
                raise EmailInUse(field=None)
            if not uow.links.consume(link.id, now):
                raise LinkInvalid()
            old = account.email
            account.change_login_email(link.new_email)
            uow.accounts.save(account)
            subject, body = messages.email_changed_email(account.display_name, italian_moment(now))
            self.notifier.email(uow, to=link.new_email, subject=subject, body=body, now=now)
            uow.audit.add(AuditEvent(AuditEventKind.EMAIL_CHANGED, now, account_id=account.id, details={
                "from": mask_email(old) if old else None, "to": mask_email(link.new_email)}))
            uow.commit()
        return link.new_email

    def cancel_login_email_change(self, token: str) -> bool:
        """«Non sono stato io», from the old address: the pending change is dropped or, when already
        confirmed, the old address logs in again; every session of the account ends either way.

        Returns:
            True when the old address was given back (the change had been confirmed).
        Raises:
            LinkInvalid.
        """
        now = self.clock.now()
        with self.uow_factory() as uow:
            link, account = self._usable(uow, token, LinkPurpose.CANCEL_EMAIL_CHANGE)
            if not uow.links.consume(link.id, now):
                raise LinkInvalid()
            uow.links.void_open(account.id, LinkPurpose.CHANGE_EMAIL, now)
            restored = False
            if link.new_email and account.email != link.new_email:
                holder = uow.accounts.get_by_email(link.new_email)
                if holder is None:
                    account.change_login_email(link.new_email)
                    uow.accounts.save(account)
                    restored = True
            ended = uow.sessions.delete_for_account(account.id)
            uow.audit.add(AuditEvent(AuditEventKind.EMAIL_CHANGE_CANCELLED, now, account_id=account.id,
                                     details={"address_given_back": restored}))
            uow.audit.add(AuditEvent(AuditEventKind.SESSIONS_REVOKED, now, account_id=account.id,
                                     details={"count": ended}))
            uow.commit()
        return restored

    # --- mobile ------------------------------------------------------------------------------------
    def change_mobile(self, cmd: ChangeMobile) -> MobileChangeStep:
        """Ask to use another mobile: a code goes to it, to be typed back (``confirm_mobile``).

        Raises:
            InvalidMobile (a landline too), WrongCurrentPassword, TemporarilyLocked, ContactUnchanged,
            OtpSendRefused.
        """
        mobile = normalise_mobile(cmd.mobile)
        now = self.clock.now()
        with self.uow_factory() as uow:
            account = self._with_password(uow, cmd.account_id, cmd.current_password, now, "mobile_change")
            if mobile == account.mobile:
                raise ContactUnchanged(field="mobile")
            token = self.secrets.token()
            self.otp.send(uow, purpose=OtpPurpose.MOBILE_CHANGE, subject=account.party_id.value,
                          destination=mobile, flow_hash=self.hasher.hash(token), now=now, account_id=account.id)
            uow.audit.add(AuditEvent(AuditEventKind.MOBILE_CHANGE_REQUESTED, now, account_id=account.id,
                                     details={"to": mask_mobile(mobile)}))
            uow.commit()
        return MobileChangeStep(token, mask_mobile(mobile))

    def resend_mobile_code(self, account_id: str, flow_token: str) -> MobileChangeStep:
        """A new code to the same new number (the previous one stops working).

        Raises:
            FlowExpired (no such change of this account), OtpSendRefused.
        """
        now = self.clock.now()
        flow_hash = self.hasher.hash(flow_token or "")
        with self.uow_factory() as uow:
            previous = uow.otps.latest_for_flow(flow_hash)
            if previous is None or previous.purpose is not OtpPurpose.MOBILE_CHANGE or previous.account_id != account_id:
                raise FlowExpired()
            self.otp.send(uow, purpose=OtpPurpose.MOBILE_CHANGE, subject=previous.subject,
                          destination=previous.destination, flow_hash=flow_hash, now=now, account_id=account_id)
            uow.commit()
        return MobileChangeStep(flow_token, mask_mobile(previous.destination))

    def confirm_mobile(self, cmd: ConfirmMobile) -> str:
        """The code sent to the new number, typed back: it becomes the profile's mobile. Returns it masked.

        Raises:
            OtpInvalid (wrong, expired, replaced, or a code of another flow), OtpAttemptsExhausted.
        """
        now = self.clock.now()
        with self.uow_factory() as uow:
            account = uow.accounts.get(cmd.account_id)
            if account is None or not account.can_log_in:
                raise OtpInvalid()
            challenge = self.otp.verify(uow, purpose=OtpPurpose.MOBILE_CHANGE,
                                        flow_hash=self.hasher.hash(cmd.flow_token or ""), code=cmd.code, now=now)
            if challenge.account_id != account.id:
                raise OtpInvalid()  # rolls back the use of the code
            old, new = account.mobile, challenge.destination
            account.change_mobile(new)
            uow.accounts.save(account)
            when = italian_moment(now)
            if old and old != new:
                self.notifier.sms(uow, to=old, text=messages.mobile_changed_sms(mask_mobile(new)), now=now)
            if account.email:
                subject, body = messages.mobile_changed_email(
                    account.display_name, mask_mobile(old) if old else None, mask_mobile(new), when)
                self.notifier.email(uow, to=account.email, subject=subject, body=body, now=now)
            uow.audit.add(AuditEvent(AuditEventKind.MOBILE_CHANGED, now, account_id=account.id, details={
                "from": mask_mobile(old) if old else None, "to": mask_mobile(new)}))
            uow.commit()
        return mask_mobile(new)

    # --- shared steps ------------------------------------------------------------------------------
    def _with_password(self, uow: UnitOfWork, account_id: str, password: str, now: datetime, during: str) -> Account:
        return signed_in_with_password(uow, account_id, password, now=now, password_hasher=self.password_hasher,
                                       throttle_settings=self.throttle_settings, during=during)

    def _issue(self, uow: UnitOfWork, account: Account, purpose: LinkPurpose, email: str, now: datetime) -> str:
        token = self.secrets.token()
        uow.links.add(EmailLink.issue(link_id=self.secrets.new_id(), purpose=purpose, account_id=account.id,
                                      token_hash=self.hasher.hash(token), now=now, new_email=email))
        return token

    def _usable(self, uow: UnitOfWork, token: str, *purposes: LinkPurpose) -> tuple[EmailLink, Account]:
        link = uow.links.get_by_token_hash(self.hasher.hash(token or ""))
        if link is None or link.purpose not in purposes:
            raise LinkInvalid()
        link.ensure_usable(self.clock.now())
        account = uow.accounts.get(link.account_id)
        if account is None or not account.can_log_in:
            raise LinkInvalid()
        return link, account
