"""Assistance (SPEC §6): the contact form, the thread a customer reads by a signed link, the operators'
inbox, complaints, and the phone lookup.

- ``Assistance``: anyone writes (rate-limited per address and per client, the same answer whether or not
  the address is a customer's), a signed-in customer writes with the form pre-filled and may name one of
  their policies; each request gets a number in the email's subject and a link to its thread (a signed,
  expiring token: no login needed), where the customer reads and writes back.
- ``AssistanceDesk``: the operators' inbox (filters, time to first answer in service time against a target,
  complaints' 45-day deadline), answers (emailed through the outbox with a fresh link), internal notes,
  taking a request, closing it.
- ``PhoneAssistance``: from the tax code and a policy number, the number to call (Vita or Danni) and whether
  the line is open now or when it opens; wrong data get one answer whatever was wrong, with a limit on
  guesses.
"""
from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from areaclienti.domain.assistance import (
    PER_ADDRESS,
    PER_CLIENT,
    PHONE_LOOKUPS,
    RateLimit,
    Reason,
    Ticket,
    TicketStatus,
    TooManyAssistanceRequests,
    checked_text,
    ticket_number,
)
from areaclienti.domain.audit import AuditEvent, AuditEventKind
from areaclienti.domain.contacts import normalise_email
from areaclienti.domain.eligibility import has_qualifying_role
from areaclienti.domain.errors import InvalidPartyId, LinkInvalid, NotFound, PolicyDataMismatch
from areaclienti.domain.parties import parse_party_id
from areaclienti.domain.policies import Company, normalise_policy_number
from areaclienti.domain.service_hours import ServiceHours

from .. import messages
from ..notifications import Notifier
from ..ports.clock import Clock
from ..ports.core_system import PolicyCoreSystem
from ..ports.links import LinkBuilder
from ..ports.repositories import TicketFilter
from ..ports.security import SecretGenerator, SecretHasher
from ..ports.unit_of_work import UnitOfWork

PHONE_NUMBERS = {Company.VITA: "800 123 456", Company.DANNI: "800 654 321"}


@dataclass(frozen=True)
class AssistanceSettings:
    first_answer_target: timedelta = timedelta(hours=8)  # of service time: one working day
    link_lifetime: timedelta = timedelta(days=30)
    per_address: RateLimit = PER_ADDRESS
    per_client: RateLimit = PER_CLIENT
    phone_lookups: RateLimit = PHONE_LOOKUPS


@dataclass(frozen=True)
class AskForHelp:
    email: str
    reason: str
    text: str
    client_key: str  # the client's address (or another key) for the per-client limit
    account_id: str | None = None  # signed in
    policy_number: str | None = None  # one of the signed-in customer's policies


@dataclass(frozen=True)
class Sent:
    number: str
    email: str


def _check_rate(uow: UnitOfWork, kind: str, key: str, limit: RateLimit, now: datetime) -> tuple[datetime, int]:
    """The window after counting one more event; TooManyAssistanceRequests(retry_at) when over the limit."""
    found = uow.rate_counters.get(kind, key, lock=True)
    start, count = found if found is not None else (None, 0)
    retry_at = limit.retry_at(start, count, now)
    if retry_at is not None:
        raise TooManyAssistanceRequests(retry_at=retry_at)
    if start is None or now >= start + limit.period:
        start, count = now, 0
    return start, count + 1


@dataclass
class ThreadLinks:
    """Signed, expiring links to a ticket's thread: ``<ticket id>.<expiry>.<signature>``; no state kept, so
    every emailed link works until it expires."""

    hasher: SecretHasher
    links: LinkBuilder
    lifetime: timedelta

    def token(self, ticket_id: str, now: datetime) -> str:
        expires = int((now + self.lifetime).timestamp())
        return f"{ticket_id}.{expires}.{self._signature(ticket_id, expires)}"

    def url(self, ticket_id: str, now: datetime) -> str:
        return self.links.assistance_thread(self.token(ticket_id, now))

    def ticket_id(self, token: str, now: datetime) -> str:
        """The ticket a token names; LinkInvalid when forged, altered or expired."""
        try:
            ticket_id, expires_raw, signature = (token or "").split(".")
            # ASCII digits only: int() reads other scripts' digits (and compare_digest refuses non-ASCII).
            if not (token.isascii() and expires_raw.isdigit()):
                raise ValueError(token)
            expires = int(expires_raw)
        except ValueError:
            raise LinkInvalid() from None
        if not hmac.compare_digest(signature, self._signature(ticket_id, expires)) or now.timestamp() >= expires:
            raise LinkInvalid()
        return ticket_id

    def _signature(self, ticket_id: str, expires: int) -> str:
        return self.hasher.hash(f"assistance-thread:{ticket_id}:{expires}")[:43]


@dataclass
class Assistance:
    uow_factory: Callable[[], UnitOfWork]
    clock: Clock
    secrets: SecretGenerator
    notifier: Notifier
    thread_links: ThreadLinks
    core: PolicyCoreSystem
    settings: AssistanceSettings = field(default_factory=AssistanceSettings)

    def submit(self, cmd: AskForHelp) -> Sent:
        """Open a request and email its number and link to the address given.

        Raises:
            InvalidEmail, TextMissing, TextTooLong, NotFound (a policy that is not the customer's),
            TooManyAssistanceRequests (with ``retry_at``).
        """
        now = self.clock.now()
        email = normalise_email(cmd.email)
        text = checked_text(cmd.text)
        try:
            reason = Reason(cmd.reason)
        except ValueError:
            reason = Reason.NAVIGATION
        policy_number = self._own_policy(cmd.account_id, cmd.policy_number)
        with self.uow_factory() as uow:
            # A signed-in customer is counted by account; anyone else by address and by client.
            limits = [("assistance:account", cmd.account_id, self.settings.per_client)] if cmd.account_id else [
                ("assistance:address", email, self.settings.per_address),
                ("assistance:client", cmd.client_key or "-", self.settings.per_client)]
            windows = [(kind, key, *_check_rate(uow, kind, key, limit, now)) for kind, key, limit in limits]
            for kind, key, start, count in windows:
                uow.rate_counters.put(kind, key, start, count)
            number = ticket_number(now.year, uow.tickets.next_number(now.year))
            ticket = Ticket.open(id=self.secrets.new_id(), number=number, reason=reason, email=email, text=text,
                                 message_id=self.secrets.new_id(), at=now, account_id=cmd.account_id,
                                 policy_number=policy_number)
            uow.tickets.add(ticket)
            subject, body = messages.assistance_received_email(
                number, reason.value, self.thread_links.url(ticket.id, now), ticket.answer_due)
            self.notifier.email(uow, to=email, subject=subject, body=body, now=now)
            uow.audit.add(AuditEvent(AuditEventKind.ASSISTANCE_REQUESTED, now, account_id=cmd.account_id,
                                     details={"number": number, "reason": reason.value}))
            uow.commit()
        return Sent(number, email)

    def _own_policy(self, account_id: str | None, raw: str | None) -> str | None:
        if not raw or not account_id:
            return None
        number = normalise_policy_number(raw)
        with self.uow_factory() as uow:
            account = uow.accounts.get(account_id)
        policy = self.core.find_policy(number)
        if account is None or policy is None or not has_qualifying_role(policy, account.party_id):
            raise NotFound()
        return policy.number

    # --- the thread, by the emailed link or signed in ------------------------------------------------------
    def by_token(self, token: str) -> Ticket:
        """Raises LinkInvalid."""
        ticket_id = self.thread_links.ticket_id(token, self.clock.now())
        with self.uow_factory() as uow:
            ticket = uow.tickets.get(ticket_id)
        if ticket is None:
            raise LinkInvalid()
        return ticket

    def reply_by_token(self, token: str, text: str) -> Ticket:
        """Raises LinkInvalid, TextMissing, TextTooLong, TicketClosed."""
        return self._reply(self.by_token(token).id, text)

    def for_account(self, account_id: str) -> list[Ticket]:
        with self.uow_factory() as uow:
            return uow.tickets.for_account(account_id)

    def of_account(self, account_id: str, number: str) -> Ticket:
        """One of the customer's requests; NotFound for anyone else's."""
        with self.uow_factory() as uow:
            ticket = uow.tickets.get_by_number((number or "").strip().upper())
        if ticket is None or ticket.account_id != account_id:
            raise NotFound()
        return ticket

    def reply_of_account(self, account_id: str, number: str, text: str) -> Ticket:
        return self._reply(self.of_account(account_id, number).id, text)

    def _reply(self, ticket_id: str, text: str) -> Ticket:
        now = self.clock.now()
        with self.uow_factory() as uow:
            ticket = uow.tickets.get(ticket_id, lock=True)
            if ticket is None:
                raise NotFound()
            ticket.reply(message_id=self.secrets.new_id(), text=text, at=now)
            uow.tickets.save(ticket)
            uow.commit()
        return ticket


@dataclass(frozen=True)
class InboxRow:
    ticket: Ticket
    waiting: timedelta  # service time to the first answer, or so far without one
    late: bool  # past the first-answer target without an answer (or answered after it)


@dataclass
class AssistanceDesk:
    uow_factory: Callable[[], UnitOfWork]
    clock: Clock
    secrets: SecretGenerator
    notifier: Notifier
    thread_links: ThreadLinks
    hours: ServiceHours
    settings: AssistanceSettings = field(default_factory=AssistanceSettings)

    def row(self, ticket: Ticket, now: datetime) -> InboxRow:
        waiting = self.hours.service_time_between(ticket.created_at, ticket.first_answer_at or now)
        return InboxRow(ticket, waiting, waiting > self.settings.first_answer_target)

    def inbox(self, where: TicketFilter, limit: int = 100) -> list[InboxRow]:
        now = self.clock.now()
        with self.uow_factory() as uow:
            found = uow.tickets.search(where, limit=limit)
        return [self.row(t, now) for t in found]

    def get(self, number: str) -> InboxRow:
        with self.uow_factory() as uow:
            ticket = uow.tickets.get_by_number((number or "").strip().upper())
        if ticket is None:
            raise NotFound()
        return self.row(ticket, self.clock.now())

    def answer(self, operator_id: str, number: str, text: str) -> Ticket:
        """Answer the customer (emailed with a link to the thread). Raises NotFound, TextMissing, TextTooLong,
        TicketClosed."""
        def act(uow: UnitOfWork, ticket: Ticket, now: datetime) -> None:
            ticket.answer(message_id=self.secrets.new_id(), operator_id=operator_id, text=text, at=now)
            subject, body = messages.assistance_answer_email(ticket.number, ticket.messages[-1].body,
                                                             self.thread_links.url(ticket.id, now))
            self.notifier.email(uow, to=ticket.email, subject=subject, body=body, now=now)
        return self._change(operator_id, number, act, "answer")

    def note(self, operator_id: str, number: str, text: str) -> Ticket:
        return self._change(operator_id, number, lambda uow, t, now: t.note(
            message_id=self.secrets.new_id(), operator_id=operator_id, text=text, at=now), "note")

    def take(self, operator_id: str, number: str) -> Ticket:
        return self._change(operator_id, number, lambda uow, t, now: t.take(operator_id, now), "take")

    def close(self, operator_id: str, number: str) -> Ticket:
        return self._change(operator_id, number, lambda uow, t, now: t.close(now), "close")

    def _change(self, operator_id: str, number: str, act: Callable[[UnitOfWork, Ticket, datetime], object],
                what: str) -> Ticket:
        now = self.clock.now()
        with self.uow_factory() as uow:
            found = uow.tickets.get_by_number((number or "").strip().upper())
            ticket = uow.tickets.get(found.id, lock=True) if found is not None else None
            if ticket is None:
                raise NotFound()
            act(uow, ticket, now)
            uow.tickets.save(ticket)
            uow.audit.add(AuditEvent(AuditEventKind.ASSISTANCE_HANDLED, now, account_id=ticket.account_id,
                                     details={"number": ticket.number, "operator": operator_id, "action": what}))
            uow.commit()
        return ticket


@dataclass(frozen=True)
class PhoneLine:
    company: Company
    number: str
    open_now: bool
    closes_at: datetime | None  # when open
    next_opening: datetime  # the next time it opens (after closing, when open now)


@dataclass
class PhoneAssistance:
    uow_factory: Callable[[], UnitOfWork]
    clock: Clock
    core: PolicyCoreSystem
    hours: ServiceHours
    settings: AssistanceSettings = field(default_factory=AssistanceSettings)

    def line(self, company: Company) -> PhoneLine:
        now = self.clock.now()
        return PhoneLine(company, PHONE_NUMBERS[company], self.hours.is_open(now), self.hours.closes_at(now),
                         self.hours.next_opening(now))

    def lines(self) -> list[PhoneLine]:
        return [self.line(Company.VITA), self.line(Company.DANNI)]

    def lookup(self, party: str, policy_number: str, client_key: str) -> PhoneLine:
        """The line for the policy's company, if the party holds a qualifying role on it.

        Raises:
            InvalidPartyId (not a tax code or VAT number at all), PolicyDataMismatch (one answer for an unknown
            policy, a party not on it, or one only insured: nothing disclosed), TooManyAssistanceRequests.
        """
        now = self.clock.now()
        with self.uow_factory() as uow:
            start, count = _check_rate(uow, "phone:client", client_key or "-", self.settings.phone_lookups, now)
            uow.rate_counters.put("phone:client", client_key or "-", start, count)
            uow.commit()
        party_id = parse_party_id(party)
        policy = self.core.find_policy(normalise_policy_number(policy_number or ""))
        if policy is None or not has_qualifying_role(policy, party_id):
            raise PolicyDataMismatch()
        return self.line(policy.company)


__all__ = ["AskForHelp", "Assistance", "AssistanceDesk", "AssistanceSettings", "InboxRow", "InvalidPartyId",
           "PhoneAssistance", "PhoneLine", "Sent", "ThreadLinks", "TicketStatus"]
