"""Operators of the back-office: created by the CLI, signed in with password then TOTP (SPEC §8).

Login has two steps. ``check_password`` answers alike for unknown emails and wrong passwords and is
throttled per typed email, like the customers' login; it returns a ``PendingLogin`` that the web layer
keeps in the (not yet signed-in) session for a few minutes. ``enrol`` (first login) or ``check_code``
(every later one) finishes it. TOTP failures are counted apart from password failures.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from areaclienti.domain.audit import AuditEvent, AuditEventKind
from areaclienti.domain.contacts import normalise_email
from areaclienti.domain.errors import InvalidCredentials, OperatorExists, TemporarilyLocked, TotpInvalid
from areaclienti.domain.operators import Operator, OperatorSessionSettings
from areaclienti.domain.passwords import check_new_password, personal_fragments
from areaclienti.domain.throttling import FailureKind, FailureRecord, ThrottleSettings

from ..ports.clock import Clock
from ..ports.security import PasswordBlocklist, PasswordHasher, SecretGenerator, SecretHasher, TotpAuthenticator
from ..ports.unit_of_work import UnitOfWork
from .login import password_throttle, typed_address, verify_or_pretend

ISSUER = "Area Clienti back-office"


@dataclass(frozen=True)
class PendingLogin:
    """The password was right; the second factor is still to come."""

    operator_id: str
    started_at: datetime
    needs_enrolment: bool


@dataclass(frozen=True)
class Enrolment:
    secret: str
    provisioning_uri: str


@dataclass(frozen=True)
class OperatorView:
    id: str
    email: str
    display_name: str
    enrolled: bool
    active: bool
    # When the second factor in use was enrolled: a session signed in with an earlier one (before a
    # reset of the second factor) is no longer valid, even once a new one is enrolled.
    enrolled_at: datetime | None = None


def _view(operator: Operator) -> OperatorView:
    return OperatorView(operator.id, operator.email, operator.display_name, operator.enrolled, operator.active,
                        operator.totp_enrolled_at)


@dataclass
class OperatorAccess:
    uow_factory: Callable[[], UnitOfWork]
    clock: Clock
    secrets: SecretGenerator
    hasher: SecretHasher
    password_hasher: PasswordHasher
    blocklist: PasswordBlocklist
    totp: TotpAuthenticator
    throttle_settings: ThrottleSettings
    session_settings: OperatorSessionSettings

    # --- administration (CLI) ---------------------------------------------------------------------
    def create(self, *, email: str, display_name: str, password: str) -> OperatorView:
        """A new operator, who enrols a second factor at the first login.

        Raises:
            InvalidEmail, PasswordRejected, OperatorExists.
        """
        address = normalise_email(email)
        check_new_password(password, None, personal_data=personal_fragments(tax_code=None, email=address),
                           is_common=self.blocklist.is_common)
        now = self.clock.now()
        operator = Operator(id=self.secrets.new_id(), email=address, display_name=display_name.strip() or address,
                            password_hash=self.password_hasher.hash(password), created_at=now)
        with self.uow_factory() as uow:
            if uow.operators.get_by_email(address) is not None:
                raise OperatorExists()
            uow.operators.add(operator)
            uow.audit.add(AuditEvent(AuditEventKind.OPERATOR_CREATED, now, details={"operator": operator.id}))
            uow.commit()
        return _view(operator)

    def reset_second_factor(self, email: str) -> OperatorView:
        """A lost phone: the operator enrols again at the next login."""
        with self.uow_factory() as uow:
            operator = uow.operators.get_by_email(normalise_email(email))
            if operator is None:
                raise InvalidCredentials()
            operator.reset_second_factor()
            uow.operators.save(operator)
            uow.audit.add(AuditEvent(AuditEventKind.OPERATOR_TOTP_RESET, self.clock.now(),
                                     details={"operator": operator.id}))
            uow.commit()
        return _view(operator)

    def list(self) -> list[OperatorView]:
        with self.uow_factory() as uow:
            return [_view(o) for o in uow.operators.list()]

    # --- login ------------------------------------------------------------------------------------
    def check_password(self, email: str, password: str) -> PendingLogin:
        """Step one. Raises InvalidCredentials (unknown or wrong alike) or TemporarilyLocked (also on the
        failure that locks)."""
        now = self.clock.now()
        address = typed_address(email)
        key = self.hasher.hash("operator:" + address)
        with self.uow_factory() as uow:
            record = password_throttle(uow, key, now, self.throttle_settings, self.password_hasher)
            operator = uow.operators.get_by_email(address)
            usable = operator is not None and operator.active
            ok = verify_or_pretend(self.password_hasher, operator.password_hash if usable else None, password)
            if not ok:
                locked = record.record_failure(now, self.throttle_settings)
                uow.throttles.save(record)
                uow.audit.add(AuditEvent(AuditEventKind.OPERATOR_LOGIN_FAILED, now, subject=key,
                                         details={"step": "password"}))
                self._audit_lock(uow, record, now, locked, subject=key, details={"step": "password"})
                uow.commit()
                if locked:
                    raise TemporarilyLocked(retry_after=record.locked_until)
                raise InvalidCredentials()
            assert operator is not None
            record.record_success()
            uow.throttles.save(record)
            if self.password_hasher.needs_rehash(operator.password_hash):
                operator.password_hash = self.password_hasher.hash(password)
                uow.operators.save(operator)
            uow.commit()
            return PendingLogin(operator.id, now, needs_enrolment=not operator.enrolled)

    def begin_enrolment(self, pending: PendingLogin) -> Enrolment:
        """First login: a new secret to scan as a QR code (a new one on every visit until confirmed)."""
        with self.uow_factory() as uow:
            operator = self._pending_operator(uow, pending)
            operator.begin_enrolment(self.totp.new_secret())
            uow.operators.save(operator)
            uow.commit()
            assert operator.totp_secret is not None
            uri = self.totp.provisioning_uri(operator.totp_secret, account_name=operator.email, issuer=ISSUER)
            return Enrolment(operator.totp_secret, uri)

    def check_code(self, pending: PendingLogin, code: str) -> OperatorView:
        """Step two (or the end of enrolment): a TOTP code, each used once. Returns the signed-in operator.

        Raises:
            TotpInvalid, TemporarilyLocked, InvalidCredentials (the half-done login expired).
        """
        now = self.clock.now()
        with self.uow_factory() as uow:
            operator = self._pending_operator(uow, pending, for_update=True)
            record = uow.throttles.get("operator-totp:" + operator.id, FailureKind.OTP)
            record.ensure_may_try(now, self.throttle_settings)
            step = self.totp.matching_step(operator.totp_secret or "", code, now) if operator.totp_secret else None
            if step is None or not operator.accept_totp_step(step):
                locked = record.record_failure(now, self.throttle_settings)
                uow.throttles.save(record)
                uow.audit.add(AuditEvent(AuditEventKind.OPERATOR_LOGIN_FAILED, now,
                                         details={"operator": operator.id, "step": "totp"}))
                self._audit_lock(uow, record, now, locked, details={"operator": operator.id, "step": "totp"})
                uow.commit()
                if locked:
                    raise TemporarilyLocked(retry_after=record.locked_until)
                raise TotpInvalid()
            record.record_success()
            uow.throttles.save(record)
            if not operator.enrolled:
                operator.complete_enrolment(now)
                uow.audit.add(AuditEvent(AuditEventKind.OPERATOR_TOTP_ENROLLED, now,
                                         details={"operator": operator.id}))
            uow.operators.save(operator)
            uow.audit.add(AuditEvent(AuditEventKind.OPERATOR_LOGIN_SUCCEEDED, now, details={"operator": operator.id}))
            uow.commit()
            return _view(operator)

    def signed_in(self, operator_id: str) -> OperatorView | None:
        """The operator of a live back-office session, or None if removed or disabled since."""
        with self.uow_factory() as uow:
            operator = uow.operators.get(operator_id)
        return _view(operator) if operator is not None and operator.active and operator.enrolled else None

    def logout(self, operator_id: str) -> None:
        now = self.clock.now()
        with self.uow_factory() as uow:
            uow.audit.add(AuditEvent(AuditEventKind.OPERATOR_LOGOUT, now, details={"operator": operator_id}))
            uow.commit()

    @staticmethod
    def _audit_lock(uow: UnitOfWork, record: FailureRecord, now: datetime, locked: bool, *,
                    subject: str | None = None, details: dict) -> None:
        """A lock is a security event of its own (SPEC §8), as for the customers' login."""
        if locked and record.locked_until is not None:
            uow.audit.add(AuditEvent(AuditEventKind.ACCOUNT_LOCKED, now, subject=subject,
                                     details={**details, "until": record.locked_until.isoformat()}))

    def _pending_operator(self, uow: UnitOfWork, pending: PendingLogin, *, for_update: bool = False) -> Operator:
        now = self.clock.now()
        if now - pending.started_at > self.session_settings.second_factor_window:
            raise InvalidCredentials()
        operator = uow.operators.get(pending.operator_id, for_update=for_update)
        if operator is None or not operator.active:
            raise InvalidCredentials()
        return operator
