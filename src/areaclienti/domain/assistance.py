"""Assistance requests (SPEC §6, R-ASS-1 and R-ASS-3): a number, a thread, a visible state, and complaints.

Anyone may write (from the login page) and a signed-in customer from the area, about one of the seed's two
reasons or as a complaint (reclamo). Each request has a number the customer quotes (``AS-2026-000123``) and
a thread: the customer's messages, the operators' answers (sent by email) and the operators' internal notes
(never shown to the customer). States: new → open (an operator took it or the customer wrote again) →
waiting for the customer (an answer went out) → closed; the customer writing back opens it again.

A complaint must be answered within 45 days (ISVAP Reg. 24/2008): its deadline is shown to both sides.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from .errors import DomainError, InvalidTransition

ROME = ZoneInfo("Europe/Rome")
NUMBER_PREFIX = "AS"
TEXT_MAX = 4000  # characters of one message
COMPLAINT_DAYS = 45


class Reason(str, enum.Enum):
    NAVIGATION = "navigation"  # problemi di navigazione
    POLICY_INFORMATION = "policy_information"  # informazioni sulla polizza
    COMPLAINT = "complaint"  # reclamo


class TicketStatus(str, enum.Enum):
    NEW = "new"
    OPEN = "open"
    WAITING_CUSTOMER = "waiting_customer"  # answered: the customer's turn
    CLOSED = "closed"


class Author(str, enum.Enum):
    CUSTOMER = "customer"
    OPERATOR = "operator"  # an answer, sent to the customer
    NOTE = "note"  # an operator's internal note, never shown to the customer


class TextMissing(DomainError):
    code = "assistance_text_missing"
    field = "text"


class TextTooLong(DomainError):
    code = "assistance_text_too_long"
    field = "text"


class TicketClosed(DomainError):
    """Writing on a closed request: a new one must be opened."""

    code = "assistance_ticket_closed"


class TooManyAssistanceRequests(DomainError):
    """Too many requests from one address or one client: ``retry_at`` says when to try again."""

    code = "assistance_too_many"


def ticket_number(year: int, sequence: int) -> str:
    if sequence < 1:
        raise ValueError("sequences start at 1")
    return f"{NUMBER_PREFIX}-{year:04d}-{sequence:06d}"


def checked_text(raw: str | None) -> str:
    """The message as it is kept: trimmed; TextMissing when empty, TextTooLong above ``TEXT_MAX``."""
    text = (raw or "").strip()
    if not text:
        raise TextMissing()
    if len(text) > TEXT_MAX:
        raise TextTooLong(max=TEXT_MAX, length=len(text))
    return text


@dataclass(frozen=True)
class TicketMessage:
    id: str
    author: Author
    body: str
    at: datetime
    operator_id: str | None = None


@dataclass
class Ticket:
    id: str
    number: str
    reason: Reason
    email: str  # where answers go
    created_at: datetime
    status: TicketStatus = TicketStatus.NEW
    account_id: str | None = None  # a signed-in customer's
    policy_number: str | None = None
    assigned_to: str | None = None  # an operator's id
    first_answer_at: datetime | None = None
    closed_at: datetime | None = None
    updated_at: datetime | None = None
    messages: list[TicketMessage] = field(default_factory=list)

    @classmethod
    def open(cls, *, id: str, number: str, reason: Reason, email: str, text: str, message_id: str, at: datetime,
             account_id: str | None = None, policy_number: str | None = None) -> "Ticket":
        ticket = cls(id=id, number=number, reason=reason, email=email, created_at=at, account_id=account_id,
                     policy_number=policy_number, updated_at=at)
        ticket.messages.append(TicketMessage(message_id, Author.CUSTOMER, checked_text(text), at))
        return ticket

    @property
    def is_complaint(self) -> bool:
        return self.reason is Reason.COMPLAINT

    @property
    def answer_due(self) -> date | None:
        """A complaint's deadline: the 45th Italian day after it was lodged."""
        if not self.is_complaint:
            return None
        return self.created_at.astimezone(ROME).date() + timedelta(days=COMPLAINT_DAYS)

    def visible_messages(self) -> list[TicketMessage]:
        """The thread as the customer reads it: internal notes left out."""
        return [m for m in self.messages if m.author is not Author.NOTE]

    def _add(self, message: TicketMessage) -> None:
        at = max(message.at, self.messages[-1].at) if self.messages else message.at
        self.messages.append(TicketMessage(message.id, message.author, message.body, at, message.operator_id))
        self.updated_at = at

    def answer(self, *, message_id: str, operator_id: str, text: str, at: datetime) -> TicketMessage:
        """An operator's answer: the customer's turn; the first one sets the time to first answer. Answering a
        closed request reopens nothing: TicketClosed."""
        if self.status is TicketStatus.CLOSED:
            raise TicketClosed()
        self._add(TicketMessage(message_id, Author.OPERATOR, checked_text(text), at, operator_id))
        if self.first_answer_at is None:
            self.first_answer_at = self.messages[-1].at
        if self.assigned_to is None:
            self.assigned_to = operator_id
        self.status = TicketStatus.WAITING_CUSTOMER
        return self.messages[-1]

    def note(self, *, message_id: str, operator_id: str, text: str, at: datetime) -> TicketMessage:
        """An internal note: it changes no state and the customer never sees it."""
        self._add(TicketMessage(message_id, Author.NOTE, checked_text(text), at, operator_id))
        return self.messages[-1]

    def reply(self, *, message_id: str, text: str, at: datetime) -> TicketMessage:
        """The customer writes back: open again (operators' turn). TicketClosed once closed."""
        if self.status is TicketStatus.CLOSED:
            raise TicketClosed()
        self._add(TicketMessage(message_id, Author.CUSTOMER, checked_text(text), at))
        if self.status is TicketStatus.WAITING_CUSTOMER:
            self.status = TicketStatus.OPEN
        return self.messages[-1]

    def take(self, operator_id: str, at: datetime) -> None:
        """An operator assigns the request to themselves; a new request becomes open."""
        if self.status is TicketStatus.CLOSED:
            raise InvalidTransition(current=self.status.value)
        self.assigned_to = operator_id
        if self.status is TicketStatus.NEW:
            self.status = TicketStatus.OPEN
        self.updated_at = max(at, self.updated_at or at)

    def close(self, at: datetime) -> None:
        if self.status is TicketStatus.CLOSED:
            raise InvalidTransition(current=self.status.value)
        self.status = TicketStatus.CLOSED
        self.closed_at = self.updated_at = max(at, self.updated_at or at)


@dataclass(frozen=True)
class RateLimit:
    """At most ``limit`` events in any ``period`` (a fixed window per key)."""

    limit: int
    period: timedelta

    def retry_at(self, window_start: datetime | None, count: int, now: datetime) -> datetime | None:
        """When the next event may come, or None when it may come now."""
        if window_start is None or now >= window_start + self.period or count < self.limit:
            return None
        return window_start + self.period


# Kind defaults: a person asking several things in an hour is fine; a script is not.
PER_ADDRESS = RateLimit(5, timedelta(hours=1))
PER_CLIENT = RateLimit(10, timedelta(hours=1))
PHONE_LOOKUPS = RateLimit(10, timedelta(minutes=15))
