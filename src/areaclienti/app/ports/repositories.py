"""Repositories: collections of domain objects, as the use cases see them."""
from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from areaclienti.domain.accounts import Account
from areaclienti.domain.assistance import Reason, Ticket, TicketStatus
from areaclienti.domain.attachments import Attachment
from areaclienti.domain.audit import AuditEvent
from areaclienti.domain.consents import ConsentEvent
from areaclienti.domain.identification import IdentificationAttempt
from areaclienti.domain.links import EmailLink, LinkPurpose
from areaclienti.domain.operators import Operator
from areaclienti.domain.otp import OtpChallenge
from areaclienti.domain.parties import PartyId
from areaclienti.domain.products import PaymentMethod
from areaclienti.domain.requests import PolicyRequest, RequestKind, RequestStatus
from areaclienti.domain.throttling import FailureKind, FailureRecord, ThrottleSettings


class OutboxKind(StrEnum):
    """Every piece of work a request starts outside itself; each kind has its own handler (app/tasks.py)."""

    SMS = "sms"
    EMAIL = "email"
    BEGIN_PASSWORD_RESET = "begin_password_reset"
    RESEND_PASSWORD_RESET_CODE = "resend_password_reset_code"
    BEGIN_FIRST_ACCESS = "begin_first_access"
    HAND_OVER_REQUEST = "hand_over_request"  # a policy request to the core system, exactly once
    HAND_OVER_DOCUMENTS = "hand_over_documents"  # documents added to a claim already sent, exactly once
    HAND_OVER_WITHDRAWAL = "hand_over_withdrawal"  # a scheduled suspension withdrawn, exactly once


class OutboxStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    DEAD = "dead"  # every attempt failed: listed by ``areaclienti outbox dead``, revived by ``outbox retry``


@dataclass
class OutboxItem:
    """A piece of work written in the same transaction as the change that caused it.

    ``sealed_payload`` is the JSON payload encrypted at rest (it may hold a code or a link); it is dropped
    once the item is done. ``available_at`` is when the relay may hand the item (again) to the queue;
    ``locked_until`` is the lease of the worker delivering it, and ``attempts`` doubles as the fencing
    token of that lease.
    """

    id: str
    kind: OutboxKind
    sealed_payload: str | None
    created_at: datetime
    available_at: datetime
    status: OutboxStatus = OutboxStatus.PENDING
    attempts: int = 0
    locked_until: datetime | None = None
    done_at: datetime | None = None
    last_error: str | None = None


@dataclass
class WebSession:
    """A server-side session; the browser holds only the id, the store only its keyed hash."""

    id_hash: str
    created_at: datetime
    last_seen_at: datetime
    account_id: str | None = None
    data: dict = field(default_factory=dict)
    user_agent: str | None = None  # the browser's User-Agent when the session began (the security page)


class PartyHasAccount(Exception):
    """Another account was created for the same party meanwhile (two first registrations at once)."""


class AccountRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, account: Account) -> None:
        """Store a new account; PartyHasAccount when the party has one already."""

    @abc.abstractmethod
    def save(self, account: Account) -> None:
        """Store the changes made to an account already added."""

    @abc.abstractmethod
    def get(self, account_id: str) -> Account | None:
        """The account with this id, or None."""

    @abc.abstractmethod
    def get_many(self, account_ids: Sequence[str]) -> dict[str, Account]:
        """The accounts with these ids that exist, by id, in one read (a list page never reads per row)."""

    @abc.abstractmethod
    def get_by_party(self, party_id: PartyId) -> Account | None:
        """The one account of this party (tax code or VAT number), or None."""

    @abc.abstractmethod
    def get_by_email(self, email: str) -> Account | None:
        """The account whose login email is this (normalised) address, or None."""

    @abc.abstractmethod
    def get_by_flow_hash(self, flow_hash: str) -> Account | None:
        """The account whose pending flow (registration or first access) has this hash, or None."""


class OtpRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, challenge: OtpChallenge) -> None:
        """Store a new challenge."""

    @abc.abstractmethod
    def save(self, challenge: OtpChallenge) -> None:
        """Store the consumed / voided state of a challenge."""

    @abc.abstractmethod
    def latest_for_flow(self, flow_hash: str) -> OtpChallenge | None:
        """The newest challenge issued for this flow, whatever its state."""

    @abc.abstractmethod
    def open_for_subject(self, subject: str) -> list[OtpChallenge]:
        """Challenges of this person neither consumed nor voided (a new code voids them)."""

    @abc.abstractmethod
    def sent_since(self, *, subject: str | None = None, destination: str | None = None,
                   since: datetime) -> list[datetime]:
        """When codes were issued to this person or this number since ``since``."""

    @abc.abstractmethod
    def count_attempt(self, challenge_id: str) -> int | None:
        """Atomically count one try if tries are left; the new count, or None if none were left.

        Concurrent calls never count past ``max_attempts``: this is what bounds guessing.
        """

    @abc.abstractmethod
    def consume(self, challenge_id: str, now: datetime) -> bool:
        """Atomically mark the challenge used; False if it was already used or voided."""

    @abc.abstractmethod
    def rebind_flow(self, challenge_id: str, flow_hash: str) -> bool:
        """Let an open challenge answer a newer flow (the same request sent twice within the cool-down);
        False if it is no longer open."""


class LinkRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, link: EmailLink) -> None:
        """Store a new link."""

    @abc.abstractmethod
    def get_by_token_hash(self, token_hash: str) -> EmailLink | None:
        """The link whose token has this hash, or None."""

    @abc.abstractmethod
    def consume(self, link_id: str, now: datetime) -> bool:
        """Atomically mark the link used; False if it already was."""

    @abc.abstractmethod
    def newest_open(self, account_id: str, purpose: LinkPurpose, now: datetime) -> EmailLink | None:
        """The account's newest link of this purpose still usable at ``now`` (a change awaiting its
        confirmation), or None."""

    @abc.abstractmethod
    def void_open(self, account_id: str, purpose: LinkPurpose, now: datetime) -> None:
        """Mark every unused link of this account and purpose as used (a new link replaces them)."""


class ThrottleRepository(abc.ABC):
    @abc.abstractmethod
    def get(self, key: str, kind: FailureKind) -> FailureRecord:
        """The failure record for this key (a new empty one if none), held until the unit of work ends:
        concurrent tries on the same key wait, so no failure is lost."""

    @abc.abstractmethod
    def save(self, record: FailureRecord) -> None:
        """Store the record."""

    @abc.abstractmethod
    def charge(self, key: str, kind: FailureKind, now: datetime, settings: ThrottleSettings) -> FailureRecord | None:
        """Count a try on ``key`` as a failure before it is judged (``FailureRecord.charge_try``), in one
        statement that holds no lock past it; the record as counted, or None when the record does not allow
        a try at ``now`` (nothing is counted then)."""

    @abc.abstractmethod
    def lock(self, key: str, kind: FailureKind, until: datetime) -> None:
        """Lock ``key`` until ``until``, leaving its count as it is."""


class AuditLog(abc.ABC):
    @abc.abstractmethod
    def add(self, event: AuditEvent) -> None:
        """Append one security event."""

    @abc.abstractmethod
    def list(self, *, account_id: str | None = None, limit: int = 100) -> Sequence[AuditEvent]:
        """The newest events first, optionally of one account."""


class Outbox(abc.ABC):
    @abc.abstractmethod
    def add(self, item: OutboxItem) -> None:
        """Store a new item (delivered after commit)."""

    @abc.abstractmethod
    def get(self, item_id: str) -> OutboxItem | None:
        """The item with this id, or None."""

    @abc.abstractmethod
    def claim(self, item_id: str, *, now: datetime, lease_until: datetime) -> OutboxItem | None:
        """Atomically take a pending item whose lease is free: count one attempt, hold it until
        ``lease_until``. The item as claimed, or None (done, dead, unknown, or held by another worker)."""

    def claim_many(self, item_ids: Sequence[str], *, now: datetime, lease_until: datetime) -> list[OutboxItem]:
        """``claim`` for a batch: the items among ``item_ids`` this worker now holds (the others are done,
        dead, unknown or held by another worker), in one statement where the database allows."""
        claimed = (self.claim(item_id, now=now, lease_until=lease_until) for item_id in dict.fromkeys(item_ids))
        return [item for item in claimed if item is not None]

    @abc.abstractmethod
    def complete(self, item_id: str, *, attempt: int, now: datetime) -> bool:
        """Mark done and drop the payload, only if still pending under the claim ``attempt``; else False
        (another worker took the item over after the lease ran out)."""

    def complete_many(self, claims: Sequence[tuple[str, int]], *, now: datetime) -> set[str]:
        """``complete`` for a batch of (item id, claim attempt): the ids marked done now."""
        return {item_id for item_id, attempt in claims if self.complete(item_id, attempt=attempt, now=now)}

    @abc.abstractmethod
    def fail(self, item_id: str, *, attempt: int, retry_at: datetime | None, error: str) -> bool:
        """After a failed attempt: free the lease and wait until ``retry_at``, or (None) mark the item
        dead. Only under the claim ``attempt``; False otherwise."""

    @abc.abstractmethod
    def due(self, *, now: datetime, limit: int) -> list[str]:
        """Ids of pending items available by ``now`` and not leased, oldest first, locked for this
        transaction where the database can (other relays skip them)."""

    @abc.abstractmethod
    def postpone(self, item_ids: Sequence[str], *, until: datetime) -> None:
        """Make the items available to the relay only from ``until`` (they were just handed to the queue)."""

    @abc.abstractmethod
    def dead(self, *, limit: int = 100) -> list[OutboxItem]:
        """Dead items, newest first."""

    @abc.abstractmethod
    def revive(self, item_id: str, *, now: datetime) -> bool:
        """Give a dead item a new set of attempts from now; False when it is not dead."""

    @abc.abstractmethod
    def counts(self) -> dict[OutboxStatus, int]:
        """How many items are in each state."""


class DuplicateRequest(Exception):
    """The same account already submitted a request with this idempotency key (a double click)."""


class RequestRepository(abc.ABC):
    @abc.abstractmethod
    def next_number(self, year: int) -> int:
        """The next sequence number of ``year`` (1, 2, …), never the same twice even under concurrency."""

    @abc.abstractmethod
    def add(self, request: PolicyRequest) -> None:
        """Store a new request; DuplicateRequest when its account already used its idempotency key."""

    @abc.abstractmethod
    def hold_submissions_of(self, account_id: str) -> None:
        """Hold the account's submissions until this transaction ends: another unit of work asking for the
        same account waits, then reads what this one committed (two tabs paying one receipt at once)."""

    @abc.abstractmethod
    def get(self, request_id: str, *, lock: bool = False) -> PolicyRequest | None:
        """The request, with its timeline; ``lock`` holds it until the transaction ends."""

    @abc.abstractmethod
    def get_by_number(self, number: str) -> PolicyRequest | None:
        """The request with this number, or None."""

    @abc.abstractmethod
    def get_by_key(self, account_id: str, idempotency_key: str) -> PolicyRequest | None:
        """The account's request submitted with this idempotency key, or None."""

    @abc.abstractmethod
    def for_account(self, account_id: str, *, limit: int = 100,
                    policy_number: str | None = None) -> list[PolicyRequest]:
        """The account's requests (on ``policy_number`` only, if given), newest first, with their timelines."""

    @abc.abstractmethod
    def in_status(self, statuses: Sequence[RequestStatus], *, limit: int = 100,
                  payment_method: PaymentMethod | None = None) -> list[PolicyRequest]:
        """Requests whose current status is one of ``statuses`` (paid with ``payment_method``, if given),
        oldest first (for the periodic jobs)."""

    @abc.abstractmethod
    def search(self, *, kinds: Sequence[RequestKind] = (), statuses: Sequence[RequestStatus] = (),
               flagged: bool | None = None, created_before: datetime | None = None, limit: int = 100,
               oldest_first: bool = False) -> list[PolicyRequest]:
        """Every account's requests for the operators' desk, with their timelines: of one of ``kinds`` and
        ``statuses`` (empty: any), flagged or not (None: either), created before ``created_before``;
        newest first, or oldest first."""

    @abc.abstractmethod
    def save(self, request: PolicyRequest) -> None:
        """Store the request's changed fields and the events added to its timeline since it was read."""

    @abc.abstractmethod
    def first_time_seen(self, event_id: str, at: datetime) -> bool:
        """Record a payment provider's event id; False when it was seen before (duplicate or replay)."""


class AttachmentRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, attachment: Attachment) -> None:
        """Store a new attachment (staged when it has no request yet)."""

    @abc.abstractmethod
    def get(self, attachment_id: str) -> Attachment | None:
        """The attachment, or None."""

    @abc.abstractmethod
    def staged(self, account_id: str, policy_number: str | None = None) -> list[Attachment]:
        """The account's files uploaded for a request not sent yet (for one policy's form, when given),
        oldest first."""

    @abc.abstractmethod
    def for_request(self, request_id: str) -> list[Attachment]:
        """The files of a request, oldest first."""

    @abc.abstractmethod
    def attach(self, attachment_ids: Sequence[str], *, account_id: str, request_id: str, batch: str) -> int:
        """Give the account's staged attachments to a request, in one hand-off batch; how many were."""

    @abc.abstractmethod
    def delete(self, attachment_id: str) -> None:
        """Forget an attachment (a staged file removed before sending)."""


class SessionRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, session: WebSession) -> None:
        """Store a new session."""

    @abc.abstractmethod
    def get(self, id_hash: str) -> WebSession | None:
        """The session with this id hash, or None."""

    @abc.abstractmethod
    def save(self, session: WebSession) -> None:
        """Store the data and last-seen time of a session."""

    @abc.abstractmethod
    def touch(self, id_hash: str, *, last_seen_at: datetime, data: dict | None = None) -> None:
        """Store a session's last-seen time and, when given, its data, in one write without reading it
        first; a session ended meanwhile stays ended."""

    @abc.abstractmethod
    def delete(self, id_hash: str) -> None:
        """End one session."""

    @abc.abstractmethod
    def delete_for_account(self, account_id: str, *, keep: str | None = None) -> int:
        """End every session of an account except ``keep``; the number ended."""

    @abc.abstractmethod
    def for_account(self, account_id: str) -> list[WebSession]:
        """Every stored session of an account (live or not), most recently used first."""

    @abc.abstractmethod
    def delete_expired(self, *, idle_before: datetime, created_before: datetime) -> int:
        """Delete the sessions last used before ``idle_before`` or created before ``created_before``
        (signed in or anonymous); the number deleted."""


class IdentificationRepository(abc.ABC):
    """Identification attempts (R-ID). At most one open attempt (draft, awaiting confirmation or
    submitted) per account: the store refuses a second one."""

    @abc.abstractmethod
    def add(self, attempt: IdentificationAttempt) -> None:
        """Store a new attempt; raise ``IdentificationAlreadySubmitted`` if the account has an open one."""

    @abc.abstractmethod
    def save(self, attempt: IdentificationAttempt) -> None:
        """Store the changes made to an attempt already added."""

    @abc.abstractmethod
    def get(self, attempt_id: str, *, for_update: bool = False) -> IdentificationAttempt | None:
        """The attempt with this id, or None; ``for_update`` holds it until the unit of work ends, so two
        operators (or two tabs of a customer) never change it at once."""

    @abc.abstractmethod
    def open_for_account(self, account_id: str, *, for_update: bool = False) -> IdentificationAttempt | None:
        """The account's open attempt, if any."""

    @abc.abstractmethod
    def latest_for_account(self, account_id: str) -> IdentificationAttempt | None:
        """The account's newest attempt, whatever its state."""

    @abc.abstractmethod
    def submitted(self, *, limit: int = 100) -> list[IdentificationAttempt]:
        """Attempts waiting for an operator, the longest-waiting first."""

    @abc.abstractmethod
    def count_submitted(self) -> int:
        """How many attempts wait for an operator."""


class OperatorRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, operator: Operator) -> None:
        """Store a new operator; raise ``OperatorExists`` when the email is taken."""

    @abc.abstractmethod
    def save(self, operator: Operator) -> None:
        """Store the changes made to an operator."""

    @abc.abstractmethod
    def get(self, operator_id: str, *, for_update: bool = False) -> Operator | None:
        """The operator with this id, or None; ``for_update`` holds the row (a TOTP step is used once)."""

    @abc.abstractmethod
    def get_by_email(self, email: str) -> Operator | None:
        """The operator whose (normalised) email this is, or None."""

    @abc.abstractmethod
    def list(self) -> list[Operator]:
        """Every operator, by email."""

class ConsentRepository(abc.ABC):
    """The history of the privacy and marketing consents (issue 12): appended to, never changed."""

    @abc.abstractmethod
    def add(self, event: ConsentEvent) -> None:
        """Append one change of a consent (its account must exist)."""

    @abc.abstractmethod
    def for_account(self, account_id: str, *, limit: int = 100) -> list[ConsentEvent]:
        """The account's changes, newest first."""


@dataclass(frozen=True)
class TicketFilter:
    """The operators' inbox: by reason and state (empty: any), created before ``created_before``, assigned to
    ``assigned_to``."""

    reasons: Sequence[Reason] = ()
    statuses: Sequence[TicketStatus] = ()
    created_before: datetime | None = None
    assigned_to: str | None = None


class TicketRepository(abc.ABC):
    """Assistance requests (R-ASS-1, complaints) with their threads."""

    @abc.abstractmethod
    def next_number(self, year: int) -> int:
        """The next sequence of the year's ticket numbers (1, 2, …), never given twice."""

    @abc.abstractmethod
    def add(self, ticket: Ticket) -> None:
        """Store a new ticket with its messages."""

    @abc.abstractmethod
    def get(self, ticket_id: str, *, lock: bool = False) -> Ticket | None:
        """The ticket with its whole thread (notes included); ``lock`` holds it (two operators at once)."""

    @abc.abstractmethod
    def get_by_number(self, number: str) -> Ticket | None:
        """The ticket with this number, with its thread, or None."""

    @abc.abstractmethod
    def save(self, ticket: Ticket) -> None:
        """Store the ticket's changed fields and the messages added since it was read."""

    @abc.abstractmethod
    def for_account(self, account_id: str, *, limit: int = 50) -> list[Ticket]:
        """A signed-in customer's tickets, newest first, with their threads."""

    @abc.abstractmethod
    def search(self, where: TicketFilter, *, limit: int = 100) -> list[Ticket]:
        """The inbox: matching tickets, oldest first (the longest waiting on top), with their threads."""


class RateCounters(abc.ABC):
    """Fixed-window counters for rate limits (anonymous assistance requests, the phone lookup)."""

    @abc.abstractmethod
    def get(self, kind: str, key: str, *, lock: bool = False) -> tuple[datetime, int] | None:
        """The window's start and its count so far, or None for a key never seen."""

    @abc.abstractmethod
    def put(self, kind: str, key: str, window_start: datetime, count: int) -> None:
        """Store the window of this key (insert or replace)."""
