"""Login and logout (SPEC §8): throttled per typed email, the same answer for unknown accounts."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import NoReturn

from areaclienti.domain.audit import AuditEvent, AuditEventKind
from areaclienti.domain.contacts import normalise_email
from areaclienti.domain.errors import InvalidCredentials, InvalidEmail, TemporarilyLocked
from areaclienti.domain.throttling import FailureKind, FailureRecord, ThrottleSettings

from ..ports.clock import Clock
from ..ports.security import PasswordHasher, SecretHasher
from ..ports.unit_of_work import UnitOfWork
from .sessions import SessionManager


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


@dataclass(frozen=True)
class NewSession:
    """The session a successful login starts: a new id whenever the signed-in identity changes (SPEC §8)."""

    data: dict
    replaces: str | None = None  # the id the browser had: ended in the same transaction
    user_agent: str | None = None


@dataclass(frozen=True)
class SignedIn:
    account_id: str
    session_id: str


@dataclass
class Login:
    """Costs one password verification and two short transactions: the first counts the try (one
    statement, ``ThrottleRepository.charge``) and reads the account; the verification runs with no
    transaction open and no row locked; the second records the outcome, its audit and the new session."""

    uow_factory: Callable[[], UnitOfWork]
    clock: Clock
    hasher: SecretHasher
    password_hasher: PasswordHasher
    throttle_settings: ThrottleSettings
    sessions: SessionManager

    def __call__(self, cmd: LogIn) -> str:
        """Check the credentials; returns the account id.

        Raises:
            InvalidCredentials: wrong email or password, or an account that cannot log in yet.
            TemporarilyLocked: too many failures for this email (known or not).
        """
        return self._log_in(cmd, None)[0]

    def start_session(self, cmd: LogIn, session: NewSession) -> SignedIn:
        """Check the credentials and start ``session`` for the account, in the transaction that records
        the login. Raises as ``__call__``."""
        account_id, session_id = self._log_in(cmd, session)
        assert session_id is not None
        return SignedIn(account_id, session_id)

    def _log_in(self, cmd: LogIn, session: NewSession | None) -> tuple[str, str | None]:
        now, settings = self.clock.now(), self.throttle_settings
        address = typed_address(cmd.email)
        key = self.hasher.hash("email:" + address)
        with self.uow_factory() as uow:
            # Counted as a failure before the verification: tries made at once cannot all slip past the
            # progressive delay while the first is being verified.
            record = uow.throttles.charge(key, FailureKind.PASSWORD, now, settings)
            if record is None:
                retry_after = uow.throttles.get(key, FailureKind.PASSWORD).next_allowed_at(settings) or now
                account = None
            else:
                account = uow.accounts.get_by_email(address)
                uow.commit()
        if record is None:
            self.password_hasher.dummy_verify()  # a locked identity answers as slowly as any other
            raise TemporarilyLocked(retry_after=retry_after)
        usable = account is not None and account.can_log_in and account.password_hash
        ok = verify_or_pretend(self.password_hasher, account.password_hash if usable else None, cmd.password)
        if not ok:
            self._failed(key, record, now, account.id if account else None)
        assert account is not None and account.password_hash is not None
        rehashed = (self.password_hasher.hash(cmd.password)
                    if self.password_hasher.needs_rehash(account.password_hash) else None)
        with self.uow_factory() as uow:
            record.record_success()
            uow.throttles.save(record)
            if rehashed is not None:
                fresh = uow.accounts.get(account.id)
                if fresh is not None and fresh.password_hash == account.password_hash:  # not changed meanwhile
                    fresh.rehash_password(rehashed)
                    uow.accounts.save(fresh)
            uow.audit.add(AuditEvent(AuditEventKind.LOGIN_SUCCEEDED, now, account_id=account.id, subject=key))
            session_id = None
            if session is not None:
                session_id = self.sessions.start(uow, session.data, account.id, session.user_agent,
                                                 replaces=session.replaces)
            uow.commit()
        return account.id, session_id

    def _failed(self, key: str, record: FailureRecord, now: datetime, account_id: str | None) -> NoReturn:
        """The try already counted failed: lock when it is a failure that locks, audit it, and say so."""
        locked = record.lock_if_due(now, self.throttle_settings)
        with self.uow_factory() as uow:
            if locked:
                assert record.locked_until is not None
                uow.throttles.lock(key, FailureKind.PASSWORD, record.locked_until)
            uow.audit.add(AuditEvent(AuditEventKind.LOGIN_FAILED, now, account_id=account_id, subject=key))
            if locked:
                uow.audit.add(AuditEvent(AuditEventKind.ACCOUNT_LOCKED, now, account_id=account_id,
                                         subject=key, details={"until": record.locked_until.isoformat()}))
            uow.commit()
        if locked:
            raise TemporarilyLocked(retry_after=record.locked_until)
        raise InvalidCredentials()


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
