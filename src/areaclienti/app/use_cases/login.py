"""Login and logout (SPEC §8): throttled per typed email, the same answer for unknown accounts."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from areaclienti.domain.audit import AuditEvent, AuditEventKind
from areaclienti.domain.contacts import normalise_email
from areaclienti.domain.errors import InvalidCredentials, InvalidEmail, TemporarilyLocked
from areaclienti.domain.throttling import FailureKind, ThrottleSettings

from ..ports.clock import Clock
from ..ports.security import PasswordHasher, SecretHasher
from ..ports.unit_of_work import UnitOfWork


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
        try:
            address = normalise_email(cmd.email)
        except InvalidEmail:
            address = (cmd.email or "").strip().lower()
        key = self.hasher.hash("email:" + address)
        with self.uow_factory() as uow:
            record = uow.throttles.get(key, FailureKind.PASSWORD)
            try:
                record.ensure_may_try(now, self.throttle_settings)
            except TemporarilyLocked:
                self.password_hasher.dummy_verify()
                raise
            account = uow.accounts.get_by_email(address)
            if account is not None and account.can_log_in and account.password_hash:
                ok = self.password_hasher.verify(account.password_hash, cmd.password)
            else:
                self.password_hasher.dummy_verify()
                ok = False
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
