"""Login and logout (SPEC §8): throttled per typed email, the same answer for unknown accounts."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from areaclienti.domain.audit import AuditEvent, AuditEventKind
from areaclienti.domain.contacts import normalise_email
from areaclienti.domain.errors import InvalidCredentials, InvalidEmail, TemporarilyLocked
from areaclienti.domain.throttling import FailureKind, FailureRecord, ThrottleSettings

from ..ports.clock import Clock
from ..ports.security import PasswordHasher, SecretHasher
from ..ports.unit_of_work import UnitOfWork


def typed_address(raw: str) -> str:
    """The login email as typed, normalised when it is an address: failures are counted per what was
    typed, whether or not an account has it."""
    try:
        return normalise_email(raw)
    except InvalidEmail:
        return (raw or "").strip().lower()


def password_throttle(uow: UnitOfWork, key: str, now: datetime, settings: ThrottleSettings,
                      password_hasher: PasswordHasher) -> FailureRecord:
    """The password-failure record of ``key``, held for the unit of work. Raises TemporarilyLocked after
    spending a verification's time, so a locked identity answers as slowly as any other."""
    record = uow.throttles.get(key, FailureKind.PASSWORD)
    try:
        record.ensure_may_try(now, settings)
    except TemporarilyLocked:
        password_hasher.dummy_verify()
        raise
    return record


def verify_or_pretend(password_hasher: PasswordHasher, password_hash: str | None, password: str) -> bool:
    """Check the password against the hash; without a hash (no such login), spend the same time and fail."""
    if password_hash is None:
        password_hasher.dummy_verify()
        return False
    return password_hasher.verify(password_hash, password)


@dataclass(frozen=True)
class LogIn:
    email: str
    password: str


@dataclass
class Login:
    uow_factory: Callable[[], UnitOfWork]
    clock: Clock
    hasher: SecretHasher
    password_hasher: PasswordHasher
    throttle_settings: ThrottleSettings

    def __call__(self, cmd: LogIn) -> str:
        """Check the credentials; returns the account id.

        Raises:
            InvalidCredentials: wrong email or password, or an account that cannot log in yet.
            TemporarilyLocked: too many failures for this email (known or not).
        """
        now = self.clock.now()
        address = typed_address(cmd.email)
        key = self.hasher.hash("email:" + address)
        with self.uow_factory() as uow:
            record = password_throttle(uow, key, now, self.throttle_settings, self.password_hasher)
            account = uow.accounts.get_by_email(address)
            usable = account is not None and account.can_log_in and account.password_hash
            ok = verify_or_pretend(self.password_hasher, account.password_hash if usable else None, cmd.password)
            account_id = account.id if account else None
            if not ok:
                locked = record.record_failure(now, self.throttle_settings)
                uow.throttles.save(record)
                uow.audit.add(AuditEvent(AuditEventKind.LOGIN_FAILED, now, account_id=account_id, subject=key))
                if locked:
                    uow.audit.add(AuditEvent(AuditEventKind.ACCOUNT_LOCKED, now, account_id=account_id,
                                             subject=key, details={"until": record.locked_until.isoformat()}))
                uow.commit()
                if locked:
                    raise TemporarilyLocked(retry_after=record.locked_until)
                raise InvalidCredentials()
            assert account is not None and account.password_hash is not None
            record.record_success()
            uow.throttles.save(record)
            if self.password_hasher.needs_rehash(account.password_hash):
                account.rehash_password(self.password_hasher.hash(cmd.password))
                uow.accounts.save(account)
            uow.audit.add(AuditEvent(AuditEventKind.LOGIN_SUCCEEDED, now, account_id=account.id, subject=key))
            uow.commit()
            return account.id


@dataclass
class Logout:
    uow_factory: Callable[[], UnitOfWork]
    clock: Clock

    def __call__(self, account_id: str, session_hash: str) -> None:
        """End the session and record the logout."""
        with self.uow_factory() as uow:
            uow.sessions.delete(session_hash)
            uow.audit.add(AuditEvent(AuditEventKind.LOGOUT, self.clock.now(), account_id=account_id))
            uow.commit()
