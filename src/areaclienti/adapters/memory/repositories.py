"""The repositories in memory: the fakes behind the use-case unit tests.

They behave as the SQL adapters do, so a unit test that passes here passes on the database too:

* Objects handed out are copies; a change is seen by others only after ``save`` and ``commit``.
* Each transaction keeps its own writes on top of the committed data (read committed) and rolls
  them back unless committed.
* Writing a row locks it until the transaction ends, so the atomic operations (``count_attempt``,
  ``consume``, ``mark_sent``) are atomic across threads, as the conditional UPDATEs are on SQL.
* Datetimes must be timezone-aware and come back in UTC; dict fields must be JSON (they come back
  as JSON would give them), and the unique keys of the tables are enforced.
"""
from __future__ import annotations

import copy
import dataclasses
import json
import threading
import time
from collections.abc import Callable, Hashable, Iterator, Sequence
from datetime import datetime, timezone
from typing import Any

from areaclienti.app.ports.repositories import (
    AccountRepository,
    AttachmentRepository,
    AuditLog,
    ConsentRepository,
    IdentificationRepository,
    LinkRepository,
    OperatorRepository,
    OtpRepository,
    DuplicateRequest,
    Outbox,
    OutboxItem,
    OutboxStatus,
    PartyHasAccount,
    RateCounters,
    RequestRepository,
    SessionRepository,
    ThrottleRepository,
    TicketFilter,
    TicketRepository,
    WebSession,
)
from areaclienti.domain.accounts import Account, AccountStatus
from areaclienti.domain.assistance import Ticket
from areaclienti.domain.attachments import Attachment
from areaclienti.domain.audit import AuditEvent
from areaclienti.domain.consents import ConsentEvent
from areaclienti.domain.errors import IdentificationAlreadySubmitted, OperatorExists, TemporarilyLocked
from areaclienti.domain.identification import AttemptStatus, IdentificationAttempt
from areaclienti.domain.links import EmailLink, LinkPurpose
from areaclienti.domain.operators import Operator
from areaclienti.domain.otp import OtpChallenge
from areaclienti.domain.parties import PartyId
from areaclienti.domain.products import PaymentMethod
from areaclienti.domain.requests import PolicyRequest, RequestKind, RequestStatus
from areaclienti.domain.throttling import FailureKind, FailureRecord, ThrottleSettings

# The statuses in which an email is a login email, unique among accounts (as the partial index on SQL).
EMAIL_UNIQUE_STATUSES = frozenset({AccountStatus.CONSULTATIVE, AccountStatus.LEGACY_PENDING})
LOCK_TIMEOUT_SECONDS = 10.0

ACCOUNTS, OTPS, LINKS, THROTTLES, OUTBOX, SESSIONS, IDENTIFICATIONS, OPERATORS = (
    "accounts", "otps", "links", "throttles", "outbox", "sessions", "identifications", "operators",
)
REQUESTS, REQUEST_KEYS, SEQUENCES, PAYMENT_EVENTS = "requests", "request_keys", "sequences", "payment_events"
ATTACHMENTS = "attachments"
CONSENTS = "consent_events"
TICKETS, TICKET_SEQUENCES, RATE_COUNTERS = "tickets", "ticket_sequences", "rate_counters"
_DELETED = object()


class ConstraintViolation(ValueError):
    """A write that the database would refuse (duplicate key, unknown account)."""


class LockTimeout(RuntimeError):
    """A row stayed locked by another unit of work: on a database this would hang or deadlock."""


class InMemoryStore:
    """The committed data, shared by every ``InMemoryUnitOfWork`` built on it.

    Tests may read the attributes directly (``store.outbox``, ``store.audit``) but should not
    change them while a unit of work is open.
    """

    def __init__(self) -> None:
        self.accounts: dict[str, Account] = {}
        self.otps: dict[str, OtpChallenge] = {}
        self.links: dict[str, EmailLink] = {}
        self.throttles: dict[tuple[str, FailureKind], FailureRecord] = {}
        self.outbox: dict[str, OutboxItem] = {}
        self.sessions: dict[str, WebSession] = {}
        self.identifications: dict[str, IdentificationAttempt] = {}
        self.operators: dict[str, Operator] = {}
        self.requests: dict[str, PolicyRequest] = {}
        self.request_keys: dict[tuple[str, str], str] = {}
        self.sequences: dict[int, int] = {}
        self.payment_events: dict[str, datetime] = {}
        self.attachments: dict[str, Attachment] = {}
        self.consent_events: dict[str, ConsentEvent] = {}
        self.tickets: dict[str, Ticket] = {}
        self.ticket_sequences: dict[int, int] = {}
        self.rate_counters: dict[tuple[str, str], tuple[datetime, int]] = {}
        self.audit: list[AuditEvent] = []
        self._condition = threading.Condition()
        self._row_owners: dict[tuple[str, Hashable], Transaction] = {}

    def table(self, name: str) -> dict[Hashable, Any]:
        return getattr(self, name)

    def begin(self) -> "Transaction":
        return Transaction(self)

    # --- called by Transaction --------------------------------------------------------------------
    def _lock_row(self, txn: "Transaction", table: str, key: Hashable) -> None:
        row = (table, key)
        with self._condition:
            deadline = None
            while True:
                owner = self._row_owners.get(row)
                if owner is None or owner is txn:
                    self._row_owners[row] = txn
                    txn.locked.add(row)
                    return
                if owner.thread_id == threading.get_ident():
                    raise LockTimeout(
                        f"{table} {key!r} is locked by another open unit of work of this thread: "
                        "on a database this would wait for ever"
                    )
                if deadline is None:
                    deadline = time.monotonic() + LOCK_TIMEOUT_SECONDS
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise LockTimeout(f"{table} {key!r} stayed locked for {LOCK_TIMEOUT_SECONDS} s")
                self._condition.wait(remaining)

    def _apply(self, txn: "Transaction") -> None:
        with self._condition:
            try:
                if txn.writes.get(ACCOUNTS):
                    merged = dict(self.accounts)
                    _merge(merged, txn.writes[ACCOUNTS])
                    for key in txn.writes[ACCOUNTS]:
                        if key in merged:
                            _check_account(merged[key], merged.values())
                if txn.writes.get(IDENTIFICATIONS):
                    attempts = dict(self.identifications)
                    _merge(attempts, txn.writes[IDENTIFICATIONS])
                    for key in txn.writes[IDENTIFICATIONS]:
                        if key in attempts and attempts[key].is_open:
                            _check_one_open(attempts[key], attempts.values())
                for name, writes in txn.writes.items():
                    _merge(self.table(name), writes)
                self.audit.extend(txn.audit)
            finally:
                self._release(txn)

    def _release(self, txn: "Transaction") -> None:
        with self._condition:
            for row in txn.locked:
                if self._row_owners.get(row) is txn:
                    del self._row_owners[row]
            txn.locked.clear()
            txn.writes.clear()
            txn.audit.clear()
            self._condition.notify_all()


def _merge(target: dict[Hashable, Any], writes: dict[Hashable, Any]) -> None:
    for key, value in writes.items():
        if value is _DELETED:
            target.pop(key, None)
        else:
            target[key] = value


class Transaction:
    """The writes of one transaction, on top of the committed data."""

    def __init__(self, store: InMemoryStore) -> None:
        self.store = store
        self.thread_id = threading.get_ident()
        self.writes: dict[str, dict[Hashable, Any]] = {}
        self.audit: list[AuditEvent] = []
        self.locked: set[tuple[str, Hashable]] = set()

    def read(self, table: str, key: Hashable) -> Any | None:
        """A copy of the row as this transaction sees it, or None."""
        row = self._current(table, key)
        return None if row is None else copy.deepcopy(row)

    def rows(self, table: str) -> Iterator[Any]:
        """Every row as this transaction sees it (not copied: callers copy what they hand out)."""
        writes = self.writes.get(table, {})
        with self.store._condition:
            committed = dict(self.store.table(table))
        for key, value in committed.items():
            value = writes.get(key, value)
            if value is not _DELETED:
                yield value
        for key, value in list(writes.items()):
            if value is not _DELETED and key not in committed:
                yield value

    def lock(self, table: str, key: Hashable) -> Any | None:
        """Lock the row until the transaction ends; the row as it is now (not copied), or None."""
        self.store._lock_row(self, table, key)
        return self._current(table, key)

    def write(self, table: str, key: Hashable, value: Any) -> None:
        self.store._lock_row(self, table, key)
        self.writes.setdefault(table, {})[key] = _normalised(value)

    def delete(self, table: str, key: Hashable) -> None:
        self.store._lock_row(self, table, key)
        self.writes.setdefault(table, {})[key] = _DELETED

    def commit(self) -> None:
        self.store._apply(self)

    def rollback(self) -> None:
        self.store._release(self)

    def _current(self, table: str, key: Hashable) -> Any | None:
        writes = self.writes.get(table, {})
        if key in writes:
            value = writes[key]
            return None if value is _DELETED else value
        with self.store._condition:
            return self.store.table(table).get(key)


def _normalised(obj: Any) -> Any:
    """A private copy as the database would give it back: UTC datetimes, dicts through JSON."""
    if not dataclasses.is_dataclass(obj):
        return obj.astimezone(timezone.utc) if isinstance(obj, datetime) else copy.deepcopy(obj)
    changes = {}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if isinstance(value, datetime):
            if value.tzinfo is None or value.utcoffset() is None:
                raise ValueError(f"{type(obj).__name__}.{f.name} must be a timezone-aware datetime")
            changes[f.name] = value.astimezone(timezone.utc)
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            changes[f.name] = _normalised(value)  # nested values (a registered document) come back alike
        elif isinstance(value, list) and any(dataclasses.is_dataclass(v) for v in value):
            changes[f.name] = [_normalised(v) for v in value]  # a request's timeline: UTC, as on SQL
        elif isinstance(value, dict):
            changes[f.name] = json.loads(json.dumps(value))  # TypeError when not JSON, as on SQL
    return dataclasses.replace(copy.deepcopy(obj), **changes)


def _check_account(account: Account, accounts: Any) -> None:
    for other in accounts:
        if other.id == account.id:
            continue
        if other.party_id == account.party_id:
            raise ConstraintViolation(f"party {account.party_id.value} already has an account")
        if (
            account.email is not None
            and account.status in EMAIL_UNIQUE_STATUSES
            and other.status in EMAIL_UNIQUE_STATUSES
            and other.email == account.email
        ):
            raise ConstraintViolation("another account already logs in with this email")
        if account.flow_hash is not None and other.flow_hash == account.flow_hash:
            raise ConstraintViolation("another account already has this flow hash")


TxnSource = Callable[[], Transaction]


class _Repository:
    def __init__(self, txn: TxnSource) -> None:
        self._txn = txn


class InMemoryAccountRepository(_Repository, AccountRepository):
    def add(self, account: Account) -> None:
        txn = self._txn()
        if txn.lock(ACCOUNTS, account.id) is not None:
            raise ConstraintViolation(f"account {account.id} already exists")
        if any(other.party_id == account.party_id for other in txn.rows(ACCOUNTS)):
            raise PartyHasAccount()
        _check_account(account, txn.rows(ACCOUNTS))
        txn.write(ACCOUNTS, account.id, account)

    def save(self, account: Account) -> None:
        txn = self._txn()
        if txn.lock(ACCOUNTS, account.id) is None:
            raise LookupError(f"account {account.id} was never added")
        _check_account(account, txn.rows(ACCOUNTS))
        txn.write(ACCOUNTS, account.id, account)

    def get(self, account_id: str) -> Account | None:
        return self._txn().read(ACCOUNTS, account_id)

    def get_many(self, account_ids: Sequence[str]) -> dict[str, Account]:
        wanted = set(account_ids)
        return {a.id: copy.deepcopy(a) for a in self._txn().rows(ACCOUNTS) if a.id in wanted}

    def get_by_party(self, party_id: PartyId) -> Account | None:
        return self._first(lambda a: a.party_id == party_id)

    def get_by_email(self, email: str) -> Account | None:
        return self._first(lambda a: a.email == email and a.status in EMAIL_UNIQUE_STATUSES)

    def get_by_flow_hash(self, flow_hash: str) -> Account | None:
        return self._first(lambda a: a.flow_hash == flow_hash)

    def _first(self, matches: Callable[[Account], bool]) -> Account | None:
        for account in self._txn().rows(ACCOUNTS):
            if matches(account):
                return copy.deepcopy(account)
        return None


class InMemoryOtpRepository(_Repository, OtpRepository):
    def add(self, challenge: OtpChallenge) -> None:
        txn = self._txn()
        if txn.lock(OTPS, challenge.id) is not None:
            raise ConstraintViolation(f"challenge {challenge.id} already exists")
        txn.write(OTPS, challenge.id, challenge)

    def save(self, challenge: OtpChallenge) -> None:
        # Only the consumed / voided moments move, and only once: never the attempt counter, which
        # count_attempt alone changes (a stale copy must not wind it back).
        txn = self._txn()
        stored = txn.lock(OTPS, challenge.id)
        if stored is None:
            raise LookupError(f"challenge {challenge.id} was never added")
        txn.write(OTPS, challenge.id, dataclasses.replace(
            stored,
            consumed_at=stored.consumed_at or challenge.consumed_at,
            voided_at=stored.voided_at or challenge.voided_at,
        ))

    def latest_for_flow(self, flow_hash: str) -> OtpChallenge | None:
        found = [c for c in self._txn().rows(OTPS) if c.flow_hash == flow_hash]
        if not found:
            return None
        # max() keeps the first of equal keys; reversed() makes that the one added last.
        return copy.deepcopy(max(reversed(found), key=lambda c: c.created_at))

    def open_for_subject(self, subject: str) -> list[OtpChallenge]:
        found = [
            c for c in self._txn().rows(OTPS)
            if c.subject == subject and c.consumed_at is None and c.voided_at is None
        ]
        return copy.deepcopy(sorted(found, key=lambda c: c.created_at))

    def sent_since(self, *, subject: str | None = None, destination: str | None = None,
                   since: datetime) -> list[datetime]:
        if subject is None and destination is None:
            raise ValueError("give a subject or a destination")
        return sorted(
            c.created_at for c in self._txn().rows(OTPS)
            if c.created_at >= since
            and ((subject is not None and c.subject == subject)
                 or (destination is not None and c.destination == destination))
        )

    def count_attempt(self, challenge_id: str) -> int | None:
        txn = self._txn()
        stored = txn.lock(OTPS, challenge_id)
        if (stored is None or stored.attempts >= stored.max_attempts
                or stored.consumed_at is not None or stored.voided_at is not None):
            return None
        txn.write(OTPS, challenge_id, dataclasses.replace(stored, attempts=stored.attempts + 1))
        return stored.attempts + 1

    def consume(self, challenge_id: str, now: datetime) -> bool:
        txn = self._txn()
        stored = txn.lock(OTPS, challenge_id)
        if stored is None or stored.consumed_at is not None or stored.voided_at is not None:
            return False
        txn.write(OTPS, challenge_id, dataclasses.replace(stored, consumed_at=now))
        return True

    def rebind_flow(self, challenge_id: str, flow_hash: str) -> bool:
        txn = self._txn()
        stored = txn.lock(OTPS, challenge_id)
        if stored is None or stored.consumed_at is not None or stored.voided_at is not None:
            return False
        txn.write(OTPS, challenge_id, dataclasses.replace(stored, flow_hash=flow_hash))
        return True


class InMemoryLinkRepository(_Repository, LinkRepository):
    def add(self, link: EmailLink) -> None:
        txn = self._txn()
        if txn.lock(LINKS, link.id) is not None:
            raise ConstraintViolation(f"link {link.id} already exists")
        if txn.read(ACCOUNTS, link.account_id) is None:
            raise ConstraintViolation(f"link {link.id} names unknown account {link.account_id}")
        if any(other.token_hash == link.token_hash for other in txn.rows(LINKS)):
            raise ConstraintViolation("another link already has this token hash")
        txn.write(LINKS, link.id, link)

    def get_by_token_hash(self, token_hash: str) -> EmailLink | None:
        for link in self._txn().rows(LINKS):
            if link.token_hash == token_hash:
                return copy.deepcopy(link)
        return None

    def newest_open(self, account_id: str, purpose: LinkPurpose, now: datetime) -> EmailLink | None:
        open_links = [link for link in self._txn().rows(LINKS)
                      if link.account_id == account_id and link.purpose is purpose and link.is_usable(now)]
        newest = max(open_links, key=lambda link: (link.created_at, link.id), default=None)
        return copy.deepcopy(newest)

    def consume(self, link_id: str, now: datetime) -> bool:
        txn = self._txn()
        stored = txn.lock(LINKS, link_id)
        if stored is None or stored.used_at is not None:
            return False
        txn.write(LINKS, link_id, dataclasses.replace(stored, used_at=now))
        return True

    def void_open(self, account_id: str, purpose: LinkPurpose, now: datetime) -> None:
        txn = self._txn()
        for link in list(txn.rows(LINKS)):
            if link.account_id == account_id and link.purpose is purpose and link.used_at is None:
                self.consume(link.id, now)


class InMemoryThrottleRepository(_Repository, ThrottleRepository):
    def get(self, key: str, kind: FailureKind) -> FailureRecord:
        return self._txn().lock(THROTTLES, (key, kind)) or FailureRecord(key=key, kind=kind)

    def save(self, record: FailureRecord) -> None:
        self._txn().write(THROTTLES, (record.key, record.kind), record)

    def charge(self, key: str, kind: FailureKind, now: datetime, settings: ThrottleSettings) -> FailureRecord | None:
        record = self.get(key, kind)
        try:
            record.charge_try(now, settings)
        except TemporarilyLocked:
            return None
        self.save(record)
        return dataclasses.replace(record)

    def lock(self, key: str, kind: FailureKind, until: datetime) -> None:
        self.save(dataclasses.replace(self.get(key, kind), locked_until=until))


class InMemoryAuditLog(_Repository, AuditLog):
    def add(self, event: AuditEvent) -> None:
        self._txn().audit.append(_normalised(event))

    def list(self, *, account_id: str | None = None, limit: int = 100) -> Sequence[AuditEvent]:
        txn = self._txn()
        with txn.store._condition:
            events = [*txn.store.audit, *txn.audit]
        # Stable sort on the newest-first order of addition, so equal times keep newest first too.
        events = sorted(reversed(events), key=lambda e: e.at, reverse=True)
        if account_id is not None:
            events = [e for e in events if e.account_id == account_id]
        return copy.deepcopy(events[:limit])


class InMemoryOutbox(_Repository, Outbox):
    def add(self, item: OutboxItem) -> None:
        txn = self._txn()
        if txn.lock(OUTBOX, item.id) is not None:
            raise ConstraintViolation(f"outbox item {item.id} already exists")
        txn.write(OUTBOX, item.id, item)

    def get(self, item_id: str) -> OutboxItem | None:
        return self._txn().read(OUTBOX, item_id)

    def claim(self, item_id: str, *, now: datetime, lease_until: datetime) -> OutboxItem | None:
        txn = self._txn()
        stored = txn.lock(OUTBOX, item_id)
        if (stored is None or stored.status is not OutboxStatus.PENDING
                or (stored.locked_until is not None and stored.locked_until > now)):
            return None
        claimed = dataclasses.replace(stored, attempts=stored.attempts + 1, locked_until=lease_until)
        txn.write(OUTBOX, item_id, claimed)
        return copy.deepcopy(claimed)

    def _fenced(self, item_id: str, attempt: int) -> OutboxItem | None:
        stored = self._txn().lock(OUTBOX, item_id)
        if stored is None or stored.status is not OutboxStatus.PENDING or stored.attempts != attempt:
            return None
        return stored

    def complete(self, item_id: str, *, attempt: int, now: datetime) -> bool:
        stored = self._fenced(item_id, attempt)
        if stored is None:
            return False
        self._txn().write(OUTBOX, item_id, dataclasses.replace(
            stored, status=OutboxStatus.DONE, done_at=now, sealed_payload=None, locked_until=None, last_error=None))
        return True

    def fail(self, item_id: str, *, attempt: int, retry_at: datetime | None, error: str) -> bool:
        stored = self._fenced(item_id, attempt)
        if stored is None:
            return False
        if retry_at is None:
            failed = dataclasses.replace(stored, status=OutboxStatus.DEAD, locked_until=None, last_error=error)
        else:
            failed = dataclasses.replace(stored, available_at=retry_at, locked_until=None, last_error=error)
        self._txn().write(OUTBOX, item_id, failed)
        return True

    def due(self, *, now: datetime, limit: int) -> list[str]:
        found = [i for i in self._txn().rows(OUTBOX)
                 if i.status is OutboxStatus.PENDING and i.available_at <= now
                 and (i.locked_until is None or i.locked_until <= now)]
        return [i.id for i in sorted(found, key=lambda i: (i.available_at, i.id))[:limit]]

    def postpone(self, item_ids: Sequence[str], *, until: datetime) -> None:
        txn = self._txn()
        for item_id in item_ids:
            stored = txn.lock(OUTBOX, item_id)
            if stored is not None and stored.status is OutboxStatus.PENDING:
                txn.write(OUTBOX, item_id, dataclasses.replace(stored, available_at=until))

    def dead(self, *, limit: int = 100) -> list[OutboxItem]:
        found = [i for i in self._txn().rows(OUTBOX) if i.status is OutboxStatus.DEAD]
        return copy.deepcopy(sorted(found, key=lambda i: (-i.created_at.timestamp(), i.id))[:limit])

    def revive(self, item_id: str, *, now: datetime) -> bool:
        txn = self._txn()
        stored = txn.lock(OUTBOX, item_id)
        if stored is None or stored.status is not OutboxStatus.DEAD:
            return False
        txn.write(OUTBOX, item_id, dataclasses.replace(
            stored, status=OutboxStatus.PENDING, attempts=0, available_at=now, locked_until=None))
        return True

    def counts(self) -> dict[OutboxStatus, int]:
        found = {status: 0 for status in OutboxStatus}
        for item in self._txn().rows(OUTBOX):
            found[item.status] += 1
        return found


class InMemorySessionRepository(_Repository, SessionRepository):
    def add(self, session: WebSession) -> None:
        txn = self._txn()
        if txn.lock(SESSIONS, session.id_hash) is not None:
            raise ConstraintViolation("a session with this id already exists")
        txn.write(SESSIONS, session.id_hash, session)

    def get(self, id_hash: str) -> WebSession | None:
        return self._txn().read(SESSIONS, id_hash)

    def save(self, session: WebSession) -> None:
        txn = self._txn()
        stored = txn.lock(SESSIONS, session.id_hash)
        if stored is not None:  # a session ended meanwhile stays ended, as the SQL UPDATE leaves it
            txn.write(SESSIONS, session.id_hash, dataclasses.replace(
                stored, data=session.data, last_seen_at=session.last_seen_at, account_id=session.account_id,
            ))

    def touch(self, id_hash: str, *, last_seen_at: datetime, data: dict | None = None) -> None:
        txn = self._txn()
        stored = txn.lock(SESSIONS, id_hash)
        if stored is not None:
            txn.write(SESSIONS, id_hash, dataclasses.replace(
                stored, last_seen_at=last_seen_at, data=stored.data if data is None else dict(data)))

    def delete(self, id_hash: str) -> None:
        txn = self._txn()
        if txn.lock(SESSIONS, id_hash) is not None:
            txn.delete(SESSIONS, id_hash)

    def delete_for_account(self, account_id: str, *, keep: str | None = None) -> int:
        txn = self._txn()
        doomed = [s.id_hash for s in txn.rows(SESSIONS) if s.account_id == account_id and s.id_hash != keep]
        for id_hash in doomed:
            txn.delete(SESSIONS, id_hash)
        return len(doomed)

    def for_account(self, account_id: str) -> list[WebSession]:
        found = [s for s in self._txn().rows(SESSIONS) if s.account_id == account_id]
        return copy.deepcopy(sorted(found, key=lambda s: (-s.last_seen_at.timestamp(), s.id_hash)))

    def delete_expired(self, *, idle_before: datetime, created_before: datetime) -> int:
        txn = self._txn()
        doomed = [s.id_hash for s in txn.rows(SESSIONS)
                  if s.last_seen_at < idle_before or s.created_at < created_before]
        for id_hash in doomed:
            txn.delete(SESSIONS, id_hash)
        return len(doomed)


def _check_one_open(attempt: IdentificationAttempt, others: Any) -> None:
    """At most one open attempt per account, as the partial unique index on SQL."""
    if any(o.account_id == attempt.account_id and o.is_open and o.id != attempt.id for o in others):
        raise IdentificationAlreadySubmitted()


class InMemoryIdentificationRepository(_Repository, IdentificationRepository):
    def add(self, attempt: IdentificationAttempt) -> None:
        txn = self._txn()
        if txn.lock(IDENTIFICATIONS, attempt.id) is not None:
            raise ConstraintViolation(f"attempt {attempt.id} already exists")
        if attempt.is_open:
            _check_one_open(attempt, txn.rows(IDENTIFICATIONS))
        txn.write(IDENTIFICATIONS, attempt.id, _without_replaced(attempt))

    def save(self, attempt: IdentificationAttempt) -> None:
        txn = self._txn()
        if txn.lock(IDENTIFICATIONS, attempt.id) is None:
            raise LookupError(f"attempt {attempt.id} was never added")
        if attempt.is_open:
            _check_one_open(attempt, txn.rows(IDENTIFICATIONS))
        txn.write(IDENTIFICATIONS, attempt.id, _without_replaced(attempt))

    def get(self, attempt_id: str, *, for_update: bool = False) -> IdentificationAttempt | None:
        txn = self._txn()
        if for_update:
            txn.lock(IDENTIFICATIONS, attempt_id)
        return txn.read(IDENTIFICATIONS, attempt_id)

    def open_for_account(self, account_id: str, *, for_update: bool = False) -> IdentificationAttempt | None:
        txn = self._txn()
        if for_update:  # as SQL locks the account's row: two starts of one account wait for each other
            txn.lock(ACCOUNTS, account_id)
        for attempt in txn.rows(IDENTIFICATIONS):
            if attempt.account_id == account_id and attempt.is_open:
                if for_update:
                    txn.lock(IDENTIFICATIONS, attempt.id)
                return copy.deepcopy(attempt)
        return None

    def latest_for_account(self, account_id: str) -> IdentificationAttempt | None:
        found = [a for a in self._txn().rows(IDENTIFICATIONS) if a.account_id == account_id]
        return copy.deepcopy(max(found, key=lambda a: a.created_at)) if found else None

    def submitted(self, *, limit: int = 100) -> list[IdentificationAttempt]:
        found = [a for a in self._txn().rows(IDENTIFICATIONS) if a.status is AttemptStatus.SUBMITTED]
        return copy.deepcopy(sorted(found, key=lambda a: (a.submitted_at, a.id))[:limit])

    def count_submitted(self) -> int:
        return sum(1 for a in self._txn().rows(IDENTIFICATIONS) if a.status is AttemptStatus.SUBMITTED)


def _without_replaced(attempt: IdentificationAttempt) -> IdentificationAttempt:
    """Files an attempt dropped are the use case's to delete, not state to store."""
    return dataclasses.replace(attempt, replaced_files=[])


class InMemoryOperatorRepository(_Repository, OperatorRepository):
    def add(self, operator: Operator) -> None:
        txn = self._txn()
        # The email is held like a row, as the unique index does on SQL: a second creation with the same
        # email waits for the first to end, then sees it.
        txn.lock(OPERATORS, ("email", operator.email))
        if txn.lock(OPERATORS, operator.id) is not None or any(
                o.email == operator.email for o in txn.rows(OPERATORS)):
            raise OperatorExists()
        txn.write(OPERATORS, operator.id, operator)

    def save(self, operator: Operator) -> None:
        txn = self._txn()
        if txn.lock(OPERATORS, operator.id) is None:
            raise LookupError(f"operator {operator.id} was never added")
        txn.write(OPERATORS, operator.id, operator)

    def get(self, operator_id: str, *, for_update: bool = False) -> Operator | None:
        txn = self._txn()
        if for_update:
            txn.lock(OPERATORS, operator_id)
        return txn.read(OPERATORS, operator_id)

    def get_by_email(self, email: str) -> Operator | None:
        for operator in self._txn().rows(OPERATORS):
            if operator.email == email:
                return copy.deepcopy(operator)
        return None

    def list(self) -> list[Operator]:
        return copy.deepcopy(sorted(self._txn().rows(OPERATORS), key=lambda o: o.email))


class InMemoryRequestRepository(_Repository, RequestRepository):
    def hold_submissions_of(self, account_id: str) -> None:
        self._txn().lock(ACCOUNTS, account_id)

    def next_number(self, year: int) -> int:
        txn = self._txn()
        last = txn.lock(SEQUENCES, year) or 0
        txn.write(SEQUENCES, year, last + 1)
        return last + 1

    def add(self, request: PolicyRequest) -> None:
        txn = self._txn()
        key = (request.account_id, request.idempotency_key)
        if txn.lock(REQUEST_KEYS, key) is not None:
            raise DuplicateRequest()
        if txn.lock(REQUESTS, request.id) is not None:
            raise ConstraintViolation(f"request {request.id} already exists")
        if any(r.number == request.number for r in txn.rows(REQUESTS)):
            raise ConstraintViolation(f"request number {request.number} already exists")
        txn.write(REQUEST_KEYS, key, request.id)
        txn.write(REQUESTS, request.id, request)

    def get(self, request_id: str, *, lock: bool = False) -> PolicyRequest | None:
        txn = self._txn()
        if lock:
            found = txn.lock(REQUESTS, request_id)
            return None if found is None else copy.deepcopy(found)
        return txn.read(REQUESTS, request_id)

    def get_by_number(self, number: str) -> PolicyRequest | None:
        return next((copy.deepcopy(r) for r in self._txn().rows(REQUESTS) if r.number == number), None)

    def get_by_key(self, account_id: str, idempotency_key: str) -> PolicyRequest | None:
        request_id = self._txn().read(REQUEST_KEYS, (account_id, idempotency_key))
        return None if request_id is None else self.get(request_id)

    def for_account(self, account_id: str, *, limit: int = 100,
                    policy_number: str | None = None) -> list[PolicyRequest]:
        found = [r for r in self._txn().rows(REQUESTS) if r.account_id == account_id
                 and (policy_number is None or r.policy_number == policy_number)]
        found.sort(key=lambda r: (r.created_at, r.number), reverse=True)
        return copy.deepcopy(found[:limit])

    def in_status(self, statuses: Sequence[RequestStatus], *, limit: int = 100,
                  payment_method: PaymentMethod | None = None) -> list[PolicyRequest]:
        wanted = set(statuses)
        found = [r for r in self._txn().rows(REQUESTS) if r.status in wanted
                 and (payment_method is None or r.payment_method is payment_method)]
        found.sort(key=lambda r: (r.events[-1].at, r.id))
        return copy.deepcopy(found[:limit])

    def search(self, *, kinds: Sequence[RequestKind] = (), statuses: Sequence[RequestStatus] = (),
               flagged: bool | None = None, created_before: datetime | None = None, limit: int = 100,
               oldest_first: bool = False) -> list[PolicyRequest]:
        found = [r for r in self._txn().rows(REQUESTS)
                 if (not kinds or r.kind in kinds) and (not statuses or r.status in statuses)
                 and (flagged is None or r.flagged is flagged)
                 and (created_before is None or r.created_at < created_before)]
        found.sort(key=lambda r: (r.created_at, r.number), reverse=not oldest_first)
        return copy.deepcopy(found[:limit])

    def save(self, request: PolicyRequest) -> None:
        txn = self._txn()
        if txn.lock(REQUESTS, request.id) is None:
            raise ConstraintViolation(f"no request {request.id}")
        txn.write(REQUESTS, request.id, copy.deepcopy(request))

    def first_time_seen(self, event_id: str, at: datetime) -> bool:
        txn = self._txn()
        if txn.lock(PAYMENT_EVENTS, event_id) is not None:
            return False
        txn.write(PAYMENT_EVENTS, event_id, at)
        return True


class InMemoryAttachmentRepository(_Repository, AttachmentRepository):
    def add(self, attachment: Attachment) -> None:
        txn = self._txn()
        if txn.lock(ATTACHMENTS, attachment.id) is not None:
            raise ConstraintViolation(f"attachment {attachment.id} already exists")
        txn.write(ATTACHMENTS, attachment.id, attachment)

    def get(self, attachment_id: str) -> Attachment | None:
        return self._txn().read(ATTACHMENTS, attachment_id)

    def _list(self, keep) -> list[Attachment]:
        found = [a for a in self._txn().rows(ATTACHMENTS) if keep(a)]
        return copy.deepcopy(sorted(found, key=lambda a: (a.added_at, a.id)))

    def staged(self, account_id: str, policy_number: str | None = None) -> list[Attachment]:
        return self._list(lambda a: a.account_id == account_id and a.request_id is None
                          and (policy_number is None or a.policy_number == policy_number))

    def for_request(self, request_id: str) -> list[Attachment]:
        return self._list(lambda a: a.request_id == request_id)

    def attach(self, attachment_ids: Sequence[str], *, account_id: str, request_id: str, batch: str) -> int:
        txn = self._txn()
        moved = 0
        for attachment_id in dict.fromkeys(attachment_ids):
            stored = txn.lock(ATTACHMENTS, attachment_id)
            if stored is not None and stored.account_id == account_id and stored.request_id is None:
                txn.write(ATTACHMENTS, attachment_id, dataclasses.replace(stored, request_id=request_id, batch=batch))
                moved += 1
        return moved

    def delete(self, attachment_id: str) -> None:
        txn = self._txn()
        if txn.lock(ATTACHMENTS, attachment_id) is not None:
            txn.delete(ATTACHMENTS, attachment_id)


class InMemoryConsentRepository(_Repository, ConsentRepository):
    def add(self, event: ConsentEvent) -> None:
        txn = self._txn()
        if txn.lock(CONSENTS, event.id) is not None:
            raise ConstraintViolation(f"consent event {event.id} already exists")
        if txn.read(ACCOUNTS, event.account_id) is None:
            raise ConstraintViolation(f"consent event {event.id} names unknown account {event.account_id}")
        txn.write(CONSENTS, event.id, event)

    def for_account(self, account_id: str, *, limit: int = 100) -> list[ConsentEvent]:
        found = [e for e in self._txn().rows(CONSENTS) if e.account_id == account_id]
        # Stable sort on the order of addition reversed: equal times keep the newest addition first.
        return copy.deepcopy(sorted(reversed(found), key=lambda e: e.at, reverse=True)[:limit])


class InMemoryTicketRepository(_Repository, TicketRepository):
    def next_number(self, year: int) -> int:
        txn = self._txn()
        last = txn.lock(TICKET_SEQUENCES, year) or 0
        txn.write(TICKET_SEQUENCES, year, last + 1)
        return last + 1

    def add(self, ticket: Ticket) -> None:
        txn = self._txn()
        if txn.lock(TICKETS, ticket.id) is not None:
            raise ConstraintViolation(f"ticket {ticket.id} already exists")
        if any(t.number == ticket.number for t in txn.rows(TICKETS)):
            raise ConstraintViolation(f"ticket number {ticket.number} already exists")
        if ticket.account_id is not None and txn.read(ACCOUNTS, ticket.account_id) is None:
            raise ConstraintViolation(f"ticket {ticket.id} names unknown account {ticket.account_id}")
        txn.write(TICKETS, ticket.id, copy.deepcopy(ticket))

    def get(self, ticket_id: str, *, lock: bool = False) -> Ticket | None:
        txn = self._txn()
        found = txn.lock(TICKETS, ticket_id) if lock else txn.read(TICKETS, ticket_id)
        return None if found is None else copy.deepcopy(found)

    def get_by_number(self, number: str) -> Ticket | None:
        return next((copy.deepcopy(t) for t in self._txn().rows(TICKETS) if t.number == number), None)

    def save(self, ticket: Ticket) -> None:
        txn = self._txn()
        if txn.lock(TICKETS, ticket.id) is None:
            raise ConstraintViolation(f"ticket {ticket.id} does not exist")
        txn.write(TICKETS, ticket.id, copy.deepcopy(ticket))

    def for_account(self, account_id: str, *, limit: int = 50) -> list[Ticket]:
        found = [t for t in self._txn().rows(TICKETS) if t.account_id == account_id]
        found.sort(key=lambda t: (t.created_at, t.number), reverse=True)
        return copy.deepcopy(found[:limit])

    def search(self, where: TicketFilter, *, limit: int = 100) -> list[Ticket]:
        found = [t for t in self._txn().rows(TICKETS)
                 if (not where.reasons or t.reason in where.reasons)
                 and (not where.statuses or t.status in where.statuses)
                 and (where.created_before is None or t.created_at < where.created_before)
                 and (where.assigned_to is None or t.assigned_to == where.assigned_to)]
        found.sort(key=lambda t: (t.created_at, t.number))
        return copy.deepcopy(found[:limit])


class InMemoryRateCounters(_Repository, RateCounters):
    def get(self, kind: str, key: str, *, lock: bool = False) -> tuple[datetime, int] | None:
        txn = self._txn()
        return txn.lock(RATE_COUNTERS, (kind, key)) if lock else txn.read(RATE_COUNTERS, (kind, key))

    def put(self, kind: str, key: str, window_start: datetime, count: int) -> None:
        self._txn().write(RATE_COUNTERS, (kind, key), (_normalised(window_start), count))  # UTC, as on SQL
