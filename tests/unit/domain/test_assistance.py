"""Assistance requests (SPEC §6): the ticket's states and thread, a complaint's 45-day deadline, the rate limits.

The state machine is driven by hypothesis against a model of the rules: new → open (taken, or the customer
writes again after an answer) → waiting for the customer (an answer went out) → closed; nothing but an
internal note once closed; notes never shown to the customer; the first answer's time kept.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from itertools import count
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from areaclienti.domain.assistance import (
    COMPLAINT_DAYS,
    PER_ADDRESS,
    PER_CLIENT,
    PHONE_LOOKUPS,
    TEXT_MAX,
    Author,
    RateLimit,
    Reason,
    Ticket,
    TicketClosed,
    TicketStatus,
    TextMissing,
    TextTooLong,
    checked_text,
    ticket_number,
)
from areaclienti.domain.errors import InvalidTransition

ROME = ZoneInfo("Europe/Rome")
UTC = timezone.utc
T0 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
ZONES = [UTC, ROME, ZoneInfo("America/New_York"), ZoneInfo("Asia/Tokyo"), timezone(timedelta(hours=-11))]

texts = st.text(min_size=1, max_size=60).filter(lambda t: t.strip())
moments = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31),
                       timezones=st.sampled_from(ZONES))


def new_ticket(reason: Reason = Reason.NAVIGATION, at: datetime = T0) -> Ticket:
    return Ticket.open(id="t1", number="AS-2026-000001", reason=reason, email="anna@example.it",
                       text="  Non riesco ad accedere  ", message_id="m1", at=at)


# --- the text and the number ---------------------------------------------------------------------
def test_a_new_ticket_holds_the_customers_message_trimmed():
    ticket = new_ticket()
    assert ticket.status is TicketStatus.NEW
    assert [(m.author, m.body) for m in ticket.messages] == [(Author.CUSTOMER, "Non riesco ad accedere")]
    assert ticket.updated_at == T0 and ticket.first_answer_at is None and ticket.answer_due is None


@pytest.mark.parametrize("raw", ["", "   ", "\n\t", None])
def test_an_empty_text_is_refused(raw):
    with pytest.raises(TextMissing) as refused:
        checked_text(raw)
    assert refused.value.field == "text"


def test_a_text_too_long_is_refused_with_the_limit():
    assert checked_text("x" * TEXT_MAX) == "x" * TEXT_MAX
    assert checked_text(" " + "x" * TEXT_MAX + " ") == "x" * TEXT_MAX  # spaces around do not count
    with pytest.raises(TextTooLong) as refused:
        checked_text("x" * (TEXT_MAX + 1))
    assert refused.value.params == {"max": TEXT_MAX, "length": TEXT_MAX + 1}


def test_ticket_numbers():
    assert ticket_number(2026, 123) == "AS-2026-000123"
    with pytest.raises(ValueError):
        ticket_number(2026, 0)


# --- the state machine ---------------------------------------------------------------------------
class TicketMachine(RuleBasedStateMachine):
    """Operations in any order and at any (even earlier) time, checked against a model of the rules."""

    def __init__(self) -> None:
        super().__init__()
        self.ids = count(2)

    @initialize(reason=st.sampled_from(list(Reason)), at=moments)
    def lodge(self, reason, at):
        self.ticket = Ticket.open(id="t", number="AS-2026-000001", reason=reason, email="anna@example.it",
                                  text="Aiuto", message_id="m1", at=at)
        self.status = TicketStatus.NEW
        self.first_answer_at = None
        self.assigned_to = None
        self.visible = ["Aiuto"]
        self.created_at = at

    def _later_or_not(self, shift: timedelta) -> datetime:
        return self.ticket.messages[-1].at + shift

    @rule(text=texts, shift=st.timedeltas(min_value=timedelta(days=-2), max_value=timedelta(days=3)),
          operator=st.sampled_from(["op-1", "op-2"]))
    def answer(self, text, shift, operator):
        at = self._later_or_not(shift)
        if self.status is TicketStatus.CLOSED:
            with pytest.raises(TicketClosed):
                self.ticket.answer(message_id=f"m{next(self.ids)}", operator_id=operator, text=text, at=at)
            return
        message = self.ticket.answer(message_id=f"m{next(self.ids)}", operator_id=operator, text=text, at=at)
        assert message.author is Author.OPERATOR and message.operator_id == operator
        self.status = TicketStatus.WAITING_CUSTOMER
        self.first_answer_at = self.first_answer_at or message.at
        self.assigned_to = self.assigned_to or operator
        self.visible.append(text.strip())

    @rule(text=texts, shift=st.timedeltas(min_value=timedelta(days=-2), max_value=timedelta(days=3)))
    def note(self, text, shift):
        message = self.ticket.note(message_id=f"m{next(self.ids)}", operator_id="op-1", text=text,
                                   at=self._later_or_not(shift))
        assert message.author is Author.NOTE  # allowed in any state, even closed: it changes nothing

    @rule(text=texts, shift=st.timedeltas(min_value=timedelta(days=-2), max_value=timedelta(days=3)))
    def reply(self, text, shift):
        at = self._later_or_not(shift)
        if self.status is TicketStatus.CLOSED:
            with pytest.raises(TicketClosed):
                self.ticket.reply(message_id=f"m{next(self.ids)}", text=text, at=at)
            return
        self.ticket.reply(message_id=f"m{next(self.ids)}", text=text, at=at)
        if self.status is TicketStatus.WAITING_CUSTOMER:
            self.status = TicketStatus.OPEN
        self.visible.append(text.strip())

    @rule(operator=st.sampled_from(["op-1", "op-2"]), shift=st.timedeltas(min_value=timedelta(days=-2),
                                                                           max_value=timedelta(days=3)))
    def take(self, operator, shift):
        if self.status is TicketStatus.CLOSED:
            with pytest.raises(InvalidTransition):
                self.ticket.take(operator, self._later_or_not(shift))
            return
        self.ticket.take(operator, self._later_or_not(shift))
        self.assigned_to = operator
        if self.status is TicketStatus.NEW:
            self.status = TicketStatus.OPEN

    @rule(shift=st.timedeltas(min_value=timedelta(days=-2), max_value=timedelta(days=3)))
    def close(self, shift):
        at = self._later_or_not(shift)
        if self.status is TicketStatus.CLOSED:
            with pytest.raises(InvalidTransition):
                self.ticket.close(at)
            return
        before = self.ticket.updated_at
        self.ticket.close(at)
        assert self.ticket.closed_at == max(at, before)
        self.status = TicketStatus.CLOSED

    @invariant()
    def follows_the_model(self):
        ticket = self.ticket
        assert ticket.status is self.status
        assert ticket.first_answer_at == self.first_answer_at
        assert ticket.assigned_to == self.assigned_to
        assert [m.body for m in ticket.visible_messages()] == self.visible
        assert all(m.author is not Author.NOTE for m in ticket.visible_messages())
        assert (ticket.closed_at is not None) is (self.status is TicketStatus.CLOSED)

    @invariant()
    def the_thread_never_goes_back_in_time(self):
        times = [m.at for m in self.ticket.messages]
        assert times == sorted(times)
        assert self.ticket.updated_at >= times[-1]
        assert times[0] == self.created_at

    @invariant()
    def a_complaint_keeps_its_deadline(self):
        due = self.ticket.answer_due
        if self.ticket.reason is Reason.COMPLAINT:
            assert due == self.created_at.astimezone(ROME).date() + timedelta(days=COMPLAINT_DAYS)
        else:
            assert due is None


TicketMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=25)
test_ticket_state_machine = TicketMachine.TestCase


def test_an_answer_reopens_nothing_once_closed_and_a_reply_after_an_answer_opens_again():
    ticket = new_ticket()
    ticket.take("op-1", T0 + timedelta(minutes=5))
    assert ticket.status is TicketStatus.OPEN
    ticket.answer(message_id="m2", operator_id="op-1", text="Ecco", at=T0 + timedelta(hours=1))
    assert ticket.status is TicketStatus.WAITING_CUSTOMER
    assert ticket.first_answer_at == T0 + timedelta(hours=1)
    ticket.reply(message_id="m3", text="Grazie, ma…", at=T0 + timedelta(hours=2))
    assert ticket.status is TicketStatus.OPEN
    ticket.answer(message_id="m4", operator_id="op-1", text="Ancora", at=T0 + timedelta(hours=3))
    assert ticket.first_answer_at == T0 + timedelta(hours=1)  # the first one, kept
    ticket.close(T0 + timedelta(hours=4))
    for attempt in (lambda: ticket.reply(message_id="m5", text="?", at=T0 + timedelta(hours=5)),
                    lambda: ticket.answer(message_id="m6", operator_id="op-1", text="!", at=T0 + timedelta(hours=5))):
        with pytest.raises(TicketClosed):
            attempt()
    assert ticket.status is TicketStatus.CLOSED and len(ticket.messages) == 4


# --- a complaint's deadline ----------------------------------------------------------------------
@given(moments)
def test_a_complaint_is_due_45_italian_days_after_it_was_lodged(at):
    complaint = new_ticket(Reason.COMPLAINT, at)
    assert complaint.answer_due == at.astimezone(ROME).date() + timedelta(days=45)
    assert (complaint.answer_due - at.astimezone(ROME).date()).days == COMPLAINT_DAYS
    assert new_ticket(Reason.POLICY_INFORMATION, at).answer_due is None


@pytest.mark.parametrize("at, due", [
    (datetime(2026, 12, 31, 23, 30, tzinfo=UTC), date(2027, 2, 15)),  # already 1 January in Italy
    (datetime(2026, 12, 31, 22, 30, tzinfo=UTC), date(2027, 2, 14)),  # 23:30 of 31 December in Italy
    (datetime(2026, 3, 28, 23, 30, tzinfo=UTC), date(2026, 5, 13)),  # 00:30 CET of 29 March, the change day
    (datetime(2026, 10, 24, 22, 30, tzinfo=UTC), date(2026, 12, 9)),  # 00:30 CEST of 25 October
])
def test_a_complaints_deadline_counts_from_the_italian_day(at, due):
    assert new_ticket(Reason.COMPLAINT, at).answer_due == due


# --- rate limits ---------------------------------------------------------------------------------
limits = st.builds(RateLimit, st.integers(1, 12),
                   st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(hours=3)))


@given(limits, moments, st.integers(0, 30), st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=7)))
def test_retry_at(limit, window_start, count, since):
    now = window_start + since
    retry_at = limit.retry_at(window_start, count, now)
    if count < limit.limit or since >= limit.period:
        assert retry_at is None
    else:
        assert retry_at == window_start + limit.period and retry_at > now
    assert limit.retry_at(None, count, now) is None


@settings(max_examples=200)
@given(limits, st.lists(st.timedeltas(min_value=timedelta(0), max_value=timedelta(minutes=40)), min_size=1,
                        max_size=60))
def test_a_fixed_window_lets_through_at_most_the_limit_and_says_when_to_retry(limit, gaps):
    """Events as the use cases count them: refused ones are not counted, a new window starts when the old
    one is over; in each window at most ``limit`` pass, and at ``retry_at`` the next one passes."""
    now, start, counted = T0, None, 0
    passed: list[datetime] = []
    for gap in gaps:
        now += gap
        retry_at = limit.retry_at(start, counted, now)
        if retry_at is not None:
            assert retry_at > now
            assert limit.retry_at(start, counted, retry_at) is None
            continue
        if start is None or now >= start + limit.period:
            start, counted = now, 0
        counted += 1
        passed.append(now)
        assert counted <= limit.limit
    windows: dict[datetime, int] = {}
    start = None
    for moment in passed:
        if start is None or moment >= start + limit.period:
            start = moment
        windows[start] = windows.get(start, 0) + 1
    assert all(n <= limit.limit for n in windows.values())
    assert passed[0] == T0 + gaps[0]  # the first always passes


def test_the_default_limits():
    assert PER_ADDRESS == RateLimit(5, timedelta(hours=1))
    assert PER_CLIENT == RateLimit(10, timedelta(hours=1))
    assert PHONE_LOOKUPS == RateLimit(10, timedelta(minutes=15))
