"""The operators' assistance inbox (SPEC §6, R-ASS-1) through the real container with in-memory adapters: the
filters by reason, state, age and assignment, oldest first; the time to a first answer counted in service
hours only (evenings, weekends and holidays left out) and the rows past the target; the answer emailed with a
link that opens the thread; internal notes never in the customer's thread; taking and closing; two operators
answering at once both kept, in order."""
from __future__ import annotations

import re
import threading
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from areaclienti.adapters.memory.repositories import InMemoryTicketRepository
from areaclienti.app.ports.repositories import TicketFilter
from areaclienti.app.use_cases.assistance import AskForHelp
from areaclienti.domain.assistance import TEXT_MAX, Author, Reason, TextMissing, TextTooLong, TicketClosed, TicketStatus
from areaclienti.domain.audit import AuditEventKind
from areaclienti.domain.errors import InvalidTransition, NotFound

ROME = ZoneInfo("Europe/Rome")
THREAD_LINK = re.compile(r"https?://\S+/assistenza/richiesta/(\S+)")
OP, OTHER = "op-anna", "op-bruno"


def rome(*args) -> datetime:
    return datetime(*args, tzinfo=ROME).astimezone(timezone.utc)


# --- helpers (the HTTP tests and the journey use them too) ----------------------------------------
def ask(harness, email: str = "lucia.bianchi@example.it", reason: Reason = Reason.NAVIGATION,
        text: str = "Non riesco ad aprire i documenti della polizza.", client: str = "198.51.100.7") -> str:
    """An anonymous request from the login page's form; its number."""
    return harness.container.assistance().submit(
        AskForHelp(email=email, reason=reason.value, text=text, client_key=client)).number


def thread_token(harness, email: str) -> str:
    """The token of the newest thread link emailed to this address."""
    mails = harness.emails_to(email)
    assert mails, f"no email to {email}"
    match = THREAD_LINK.search(mails[-1].body)
    assert match, mails[-1].body
    return match.group(1)


def inbox(harness, **where) -> list[str]:
    return [row.ticket.number for row in harness.container.assistance_desk().inbox(TicketFilter(**where))]


@pytest.fixture
def desk(harness):
    return harness.container.assistance_desk()


# --- the inbox -----------------------------------------------------------------------------------
def test_the_inbox_filters_by_reason_state_age_and_assignment_oldest_first(harness, desk):
    harness.clock.set(rome(2026, 11, 2, 10, 0))
    old = ask(harness, reason=Reason.POLICY_INFORMATION, email="a@example.it")
    harness.clock.set(rome(2026, 11, 20, 10, 0))
    complaint = ask(harness, reason=Reason.COMPLAINT, email="b@example.it")
    harness.clock.set(rome(2026, 11, 24, 10, 0))
    fresh = ask(harness, email="c@example.it")
    desk.take(OP, old)
    desk.answer(OTHER, complaint, "Abbiamo verificato: il premio risulta pagato.")

    assert inbox(harness) == [old, complaint, fresh]
    assert inbox(harness, reasons=(Reason.COMPLAINT,)) == [complaint]
    assert inbox(harness, reasons=(Reason.NAVIGATION, Reason.POLICY_INFORMATION)) == [old, fresh]
    assert inbox(harness, statuses=(TicketStatus.NEW,)) == [fresh]
    assert inbox(harness, statuses=(TicketStatus.OPEN,)) == [old]
    assert inbox(harness, statuses=(TicketStatus.WAITING_CUSTOMER,)) == [complaint]
    assert inbox(harness, created_before=harness.clock.now() - timedelta(days=3)) == [old, complaint]
    assert inbox(harness, created_before=harness.clock.now() - timedelta(days=7)) == [old]
    assert inbox(harness, assigned_to=OP) == [old]
    assert inbox(harness, assigned_to=OTHER) == [complaint]  # answering assigns the unassigned
    desk.close(OP, old)
    assert inbox(harness, statuses=(TicketStatus.CLOSED,)) == [old]


def test_a_complaint_carries_its_45_day_deadline(harness, desk):
    harness.clock.set(rome(2026, 11, 20, 10, 0))
    row = desk.get(ask(harness, reason=Reason.COMPLAINT))
    assert row.ticket.is_complaint and row.ticket.answer_due.isoformat() == "2027-01-04"
    assert desk.get(ask(harness, email="x@example.it")).ticket.answer_due is None


def test_waiting_counts_service_time_only_friday_evening_to_monday_morning_is_one_hour(harness, desk):
    harness.clock.set(rome(2026, 11, 27, 17, 0))  # a Friday, as the line closes
    number = ask(harness)
    harness.clock.set(rome(2026, 11, 30, 10, 0))  # Monday, one hour after opening
    assert desk.get(number).waiting == timedelta(hours=1)  # waiting so far
    desk.answer(OP, number, "Ecco come fare: …")
    harness.clock.set(rome(2026, 12, 4, 16, 0))  # days later: the first answer's time stays
    row = desk.get(number)
    assert row.waiting == timedelta(hours=1) and not row.late


def test_a_holiday_and_the_lunch_break_are_not_waiting(harness, desk):
    harness.clock.set(rome(2026, 12, 7, 13, 0))  # Monday 13:00; the 8th is a holiday (Immacolata)
    number = ask(harness)
    harness.clock.set(rome(2026, 12, 9, 9, 30))
    # 13:00–13:30 and 14:30–17:30 on the 7th, nothing on the 8th, 9:00–9:30 on the 9th
    assert desk.get(number).waiting == timedelta(hours=4)


def test_requests_past_the_target_are_late_and_an_answer_in_time_is_not(harness, desk):
    target = harness.container.assistance_settings().first_answer_target
    assert target == timedelta(hours=8)
    harness.clock.set(rome(2026, 11, 23, 9, 0))  # Monday at opening
    late, in_time = ask(harness, email="a@example.it"), ask(harness, email="b@example.it")
    harness.clock.set(rome(2026, 11, 23, 17, 0))  # 7 h of service time (the lunch break left out)
    desk.answer(OP, in_time, "Risolto.")
    assert [r.late for r in desk.inbox(TicketFilter())] == [False, False]
    harness.clock.set(rome(2026, 11, 24, 10, 0))  # 7 h 30 min on Monday and 1 h: late
    rows = {r.ticket.number: r for r in desk.inbox(TicketFilter())}
    assert rows[late].late and rows[late].waiting == timedelta(hours=8, minutes=30)
    assert not rows[in_time].late and rows[in_time].waiting == timedelta(hours=7)
    desk.answer(OP, late, "Scusi il ritardo.")  # answered after the target: still counted late
    assert desk.get(late).late


# --- answering, notes ----------------------------------------------------------------------------
def test_the_answer_is_emailed_with_a_link_that_opens_the_thread_without_the_notes(harness, desk):
    email = "lucia.bianchi@example.it"
    number = ask(harness, email=email)
    desk.note(OP, number, "Cliente già sentita al telefono ieri.")
    harness.clock.advance(minutes=5)
    ticket = desk.answer(OP, number, "Buongiorno, abbiamo riattivato il suo accesso.")
    assert ticket.status is TicketStatus.WAITING_CUSTOMER and ticket.assigned_to == OP

    mail = harness.emails_to(email)[-1]
    assert number in mail.subject and "abbiamo riattivato il suo accesso" in mail.body
    assert "già sentita al telefono" not in mail.body
    seen = harness.container.assistance().by_token(thread_token(harness, email))
    assert seen.number == number
    visible = [(m.author, m.body) for m in seen.visible_messages()]
    assert visible == [(Author.CUSTOMER, "Non riesco ad aprire i documenti della polizza."),
                       (Author.OPERATOR, "Buongiorno, abbiamo riattivato il suo accesso.")]
    # the operator sees everything, in order
    assert [m.author for m in desk.get(number).ticket.messages] == [Author.CUSTOMER, Author.NOTE, Author.OPERATOR]


def test_a_note_changes_no_state_sends_nothing_and_sets_no_first_answer(harness, desk):
    email = "lucia.bianchi@example.it"
    number = ask(harness, email=email)
    sent = len(harness.emails_to(email))
    ticket = desk.note(OP, number, "Da verificare con l'ufficio portafoglio.")
    assert ticket.status is TicketStatus.NEW and ticket.first_answer_at is None and ticket.assigned_to is None
    assert len(harness.emails_to(email)) == sent


def test_bad_texts_are_refused_and_change_nothing(harness, desk):
    number = ask(harness)
    with pytest.raises(TextMissing):
        desk.answer(OP, number, "   \n ")
    with pytest.raises(TextTooLong):
        desk.note(OP, number, "x" * (TEXT_MAX + 1))
    assert len(desk.get(number).ticket.messages) == 1
    with pytest.raises(NotFound):
        desk.answer(OP, "AS-2026-999999", "Ciao")


def test_take_assigns_and_opens_close_ends_and_every_action_is_audited(harness, desk):
    number = ask(harness)
    assert desk.take(OP, number).status is TicketStatus.OPEN
    assert desk.take(OTHER, number).assigned_to == OTHER  # a colleague takes it over
    desk.note(OTHER, number, "Passo io.")
    desk.answer(OTHER, number, "Fatto.")
    closed = desk.close(OTHER, number)
    assert closed.status is TicketStatus.CLOSED and closed.closed_at is not None
    with pytest.raises(TicketClosed):
        desk.answer(OP, number, "Un'altra cosa")
    with pytest.raises(InvalidTransition):
        desk.close(OP, number)
    with pytest.raises(InvalidTransition):
        desk.take(OP, number)
    with harness.container.uow() as uow:
        handled = [e.details for e in uow.audit.list(limit=1000) if e.kind is AuditEventKind.ASSISTANCE_HANDLED]
    assert sorted((d["action"], d["operator"]) for d in handled) == sorted(
        [("take", OP), ("take", OTHER), ("note", OTHER), ("answer", OTHER), ("close", OTHER)])
    assert all(d["number"] == number for d in handled)


def test_two_operators_answering_at_once_both_land_in_order(harness, desk, monkeypatch):
    email = "lucia.bianchi@example.it"
    number = ask(harness, email=email)
    start, both_in, errors = threading.Barrier(2), threading.Barrier(2), []
    original_save = InMemoryTicketRepository.save

    def save_then_linger(self, ticket):
        original_save(self, ticket)
        try:  # hold the transaction open while the other answer tries to start (it must wait)
            both_in.wait(timeout=0.5)
        except threading.BrokenBarrierError:
            pass

    monkeypatch.setattr(InMemoryTicketRepository, "save", save_then_linger)

    def answer(operator: str):
        start.wait()
        try:
            harness.container.assistance_desk().answer(operator, number, f"Risposta di {operator}")
        except Exception as error:  # noqa: BLE001 - the test reports it
            errors.append(error)

    threads = [threading.Thread(target=answer, args=(op,)) for op in (OP, OTHER)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    ticket = desk.get(number).ticket
    answers = [m for m in ticket.messages if m.author is Author.OPERATOR]
    assert sorted(m.body for m in answers) == ["Risposta di op-anna", "Risposta di op-bruno"]
    assert [m.at for m in ticket.messages] == sorted(m.at for m in ticket.messages)
    assert ticket.first_answer_at == answers[0].at and ticket.assigned_to == answers[0].operator_id
    mails = [m.body for m in harness.emails_to(email) if "ha risposto" in m.body]
    assert [answers[0].body in mails[0], answers[1].body in mails[1]] == [True, True]  # emailed in that order
