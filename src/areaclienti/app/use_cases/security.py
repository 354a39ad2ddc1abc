"""The customer's own security page (issue 12): the sessions open on the account and the recent security
events; and the purge of expired server-side sessions (a periodic job and a CLI command)."""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from areaclienti.domain.audit import AuditEvent, AuditEventKind
from areaclienti.domain.errors import NotFound
from areaclienti.domain.sessions import SessionSettings, session_is_alive

from ..ports.clock import Clock
from ..ports.repositories import WebSession
from ..ports.unit_of_work import UnitOfWork

EVENTS_SHOWN = 20
API_SESSION = "api"  # the realm written in the data of a JSON API token's session

# What the customer reads as «their» security events; the rest of the audit log is the operators' (requests,
# payments, back-office) or noise (every code sent).
NOT_SHOWN = frozenset({
    AuditEventKind.OTP_SENT,
    AuditEventKind.FILE_REJECTED,
    AuditEventKind.REQUEST_SUBMITTED,
    AuditEventKind.REQUEST_RELEASED,
    AuditEventKind.REQUEST_REJECTED,
    AuditEventKind.REQUEST_WITHDRAWN,
    AuditEventKind.REQUEST_IBAN_REVEALED,
    AuditEventKind.HANDOFF_RETRIED,
    AuditEventKind.PAYMENT_NOTIFICATION_REFUSED,
    AuditEventKind.PAYMENT_NOTIFICATION_IGNORED,
    AuditEventKind.SMS_DELIVERY_REPORTED,
    AuditEventKind.ASSISTANCE_REQUESTED,  # the assistance pages show the customer's requests and answers
    AuditEventKind.ASSISTANCE_HANDLED,
    # The operators' own (never written with a customer's account, listed so that every kind is decided).
    AuditEventKind.OPERATOR_CREATED,
    AuditEventKind.OPERATOR_LOGIN_SUCCEEDED,
    AuditEventKind.OPERATOR_LOGIN_FAILED,
    AuditEventKind.OPERATOR_TOTP_ENROLLED,
    AuditEventKind.OPERATOR_TOTP_RESET,
    AuditEventKind.OPERATOR_LOGOUT,
})


class Lifetimes(Protocol):
    idle_timeout: timedelta
    absolute_lifetime: timedelta


@dataclass(frozen=True)
class OpenSession:
    """One session of the account as its page shows it; ``handle`` names it in a form (never its id hash)."""

    handle: str
    created_at: datetime
    last_seen_at: datetime
    user_agent: str | None
    current: bool
    via_api: bool


@dataclass(frozen=True)
class SecurityOverview:
    sessions: list[OpenSession]  # this one first, then the most recently used
    events: list[AuditEvent]  # newest first, at most EVENTS_SHOWN


def session_handle(id_hash: str) -> str:
    """A short public name of a session: it identifies the row to its owner and opens nothing."""
    return hashlib.sha256(("handle:" + id_hash).encode()).hexdigest()[:24]


@dataclass
class AccountSecurity:
    uow_factory: Callable[[], UnitOfWork]
    clock: Clock
    settings: SessionSettings

    def overview(self, account_id: str, current_hash: str | None) -> SecurityOverview:
        """The account's live sessions (``current_hash`` marked as this device) and its last security events.

        Raises:
            NotFound: the account cannot log in (any more).
        """
        now = self.clock.now()
        with self.uow_factory() as uow:
            account = uow.accounts.get(account_id)
            if account is None or not account.can_log_in:
                raise NotFound()
            stored = uow.sessions.for_account(account_id)
            events = [e for e in uow.audit.list(account_id=account_id, limit=10 * EVENTS_SHOWN)
                      if e.kind not in NOT_SHOWN][:EVENTS_SHOWN]
        sessions = [_open(s, current_hash) for s in stored if self._alive(s, now)]
        sessions.sort(key=lambda s: not s.current)  # stable: the rest keep the most recent first
        return SecurityOverview(sessions, events)

    def end_session(self, account_id: str, handle: str, current_hash: str | None) -> bool:
        """End another session of the account («Esci da questo dispositivo»).

        Returns:
            False when there is no such session any more (ended or expired meanwhile) or it is this one.
        """
        now = self.clock.now()
        with self.uow_factory() as uow:
            found = next((s for s in uow.sessions.for_account(account_id)
                          if session_handle(s.id_hash) == handle and s.id_hash != current_hash), None)
            if found is None:
                return False
            uow.sessions.delete(found.id_hash)
            uow.audit.add(AuditEvent(AuditEventKind.SESSIONS_REVOKED, now, account_id=account_id,
                                     details={"count": 1, "by": "customer"}))
            uow.commit()
        return True

    def end_other_sessions(self, account_id: str, current_hash: str | None) -> int:
        """End every session of the account but this one («Esci da tutti gli altri dispositivi»); how many."""
        now = self.clock.now()
        with self.uow_factory() as uow:
            ended = uow.sessions.delete_for_account(account_id, keep=current_hash)
            if ended:
                uow.audit.add(AuditEvent(AuditEventKind.SESSIONS_REVOKED, now, account_id=account_id,
                                         details={"count": ended, "by": "customer"}))
            uow.commit()
        return ended

    def _alive(self, stored: WebSession, now: datetime) -> bool:
        return session_is_alive(created_at=stored.created_at, last_seen_at=stored.last_seen_at, now=now,
                                settings=self.settings)


def _open(stored: WebSession, current_hash: str | None) -> OpenSession:
    return OpenSession(session_handle(stored.id_hash), stored.created_at, stored.last_seen_at, stored.user_agent,
                       current=stored.id_hash == current_hash, via_api=stored.data.get("kind") == API_SESSION)


@dataclass
class SessionPurge:
    """Expired sessions are otherwise deleted only when presented again: most never are.

    The realms share the table and differ in lifetimes (customers, operators): a session goes only once
    past the longest of them, so no realm ever loses a session its own rules still keep alive.
    """

    uow_factory: Callable[[], UnitOfWork]
    clock: Clock
    lifetimes: Sequence[Lifetimes]

    def __call__(self) -> int:
        """Delete every expired session; how many."""
        now = self.clock.now()
        idle = max(l.idle_timeout for l in self.lifetimes)
        absolute = max(l.absolute_lifetime for l in self.lifetimes)
        with self.uow_factory() as uow:
            purged = uow.sessions.delete_expired(idle_before=now - idle, created_before=now - absolute)
            uow.commit()
        return purged
