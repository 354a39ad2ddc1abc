"""The TicketRepository and RateCounters contracts on memory, SQLite and PostgreSQL (the ``uow_factory``
fixture): tickets round trip with their threads (internal notes included), saves add only the new messages,
the look-ups and the inbox's search keep their order, numbers are never given twice, and the rate counters'
lock serialises concurrent events on one key."""
from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from areaclienti.app.ports.repositories import TicketFilter
from areaclienti.domain.assistance import Author, Reason, Ticket, TicketStatus, ticket_number

from .test_identification_repositories import an_operator
from .test_repositories import COMPANY, NOW, REFUSED, ROME, UowFactory, add, an_account, assert_utc, in_threads

S = TicketStatus
_ids = itertools.count(1)


def a_ticket(account_id: str | None = "acc-1", *, at=NOW, reason=Reason.POLICY_INFORMATION, **changes) -> Ticket:
    n = next(_ids)
    values = dict(id=f"tkt-{n}", number=ticket_number(2026, n), reason=reason, email="cliente@example.it",
                  text=f"Domanda numero {n}: perché?", message_id=f"msg-{n}-0", at=at, account_id=account_id,
                  policy_number="DA20040288" if account_id else None)
    values.update(changes)
    return Ticket.open(**values)


def store(uow_factory: UowFactory, *tickets: Ticket) -> None:
    with uow_factory() as uow:
        for ticket in tickets:
            uow.tickets.add(ticket)
        uow.commit()


def change(uow_factory: UowFactory, ticket_id: str, act) -> Ticket:
    """Read the ticket locked, change it, save and commit; the ticket as saved."""
    with uow_factory() as uow:
        ticket = uow.tickets.get(ticket_id, lock=True)
        act(ticket)
        uow.tickets.save(ticket)
        uow.commit()
    return ticket


@pytest.fixture
def desk(uow_factory):
    add(uow_factory, an_account("acc-1"), an_account("acc-2", party=COMPANY))
    with uow_factory() as uow:
        uow.operators.add(an_operator("op-1"))
        uow.operators.add(an_operator("op-2"))
        uow.commit()
    return uow_factory


def later(seconds: int):
    return NOW + timedelta(seconds=seconds)


# --- round trips ----------------------------------------------------------------------------------
def test_a_ticket_round_trips_with_its_first_message(desk):
    ticket = a_ticket(at=NOW.astimezone(ROME), reason=Reason.COMPLAINT)
    store(desk, ticket)
    with desk() as uow:
        found = uow.tickets.get(ticket.id)
        by_number = uow.tickets.get_by_number(ticket.number)
    assert found == by_number == ticket
    assert found.created_at == NOW and found.answer_due == ticket.answer_due
    assert [(m.author, m.body) for m in found.messages] == [(Author.CUSTOMER, ticket.messages[0].body)]
    assert_utc(found.created_at, found.updated_at, *(m.at for m in found.messages))


def test_an_anonymous_ticket_has_no_account_nor_policy(desk):
    ticket = a_ticket(None, reason=Reason.NAVIGATION)
    store(desk, ticket)
    with desk() as uow:
        found = uow.tickets.get(ticket.id)
    assert found == ticket and found.account_id is None and found.policy_number is None


def test_unknown_ids_and_numbers_are_none(desk):
    with desk() as uow:
        assert uow.tickets.get("nope") is None
        assert uow.tickets.get("nope", lock=True) is None
        assert uow.tickets.get_by_number("AS-2026-999999") is None


def test_save_adds_the_new_messages_once_in_order_and_the_changed_fields(desk):
    ticket = a_ticket()
    store(desk, ticket)
    with desk() as uow:
        found = uow.tickets.get(ticket.id, lock=True)
        found.take("op-1", later(1))
        found.note(message_id="n-1", operator_id="op-1", text="Controllo la polizza", at=later(2))
        uow.tickets.save(found)
        found.answer(message_id="a-1", operator_id="op-1", text="La polizza è in vigore.", at=later(3))
        uow.tickets.save(found)
        uow.tickets.save(found)  # nothing new: nothing added
        uow.commit()
    with desk() as uow:
        again = uow.tickets.get_by_number(ticket.number)
    assert again == found
    assert [(m.id, m.author, m.operator_id) for m in again.messages] == [
        (ticket.messages[0].id, Author.CUSTOMER, None), ("n-1", Author.NOTE, "op-1"), ("a-1", Author.OPERATOR, "op-1")]
    assert again.status is S.WAITING_CUSTOMER and again.assigned_to == "op-1"
    assert again.first_answer_at == later(3) and again.updated_at == later(3) and again.closed_at is None
    assert [m.author for m in again.visible_messages()] == [Author.CUSTOMER, Author.OPERATOR]

    change(desk, ticket.id, lambda t: t.reply(message_id="r-1", text="Grazie, e la scadenza?", at=later(4)))
    change(desk, ticket.id, lambda t: (t.answer(message_id="a-2", operator_id="op-2", text="A giugno.", at=later(5)),
                                       t.close(later(6))))
    with desk() as uow:
        closed = uow.tickets.get(ticket.id)
    assert [m.id for m in closed.messages] == [ticket.messages[0].id, "n-1", "a-1", "r-1", "a-2"]
    assert closed.status is S.CLOSED and closed.closed_at == later(6)
    assert closed.first_answer_at == later(3) and closed.assigned_to == "op-1"  # the first answer stays
    assert_utc(closed.first_answer_at, closed.closed_at, closed.updated_at, *(m.at for m in closed.messages))


def test_a_save_left_without_commit_is_rolled_back(desk):
    ticket = a_ticket()
    store(desk, ticket)
    with desk() as uow:
        found = uow.tickets.get(ticket.id, lock=True)
        found.answer(message_id="a-1", operator_id="op-1", text="Risposta", at=later(1))
        uow.tickets.save(found)
    with desk() as uow:
        assert uow.tickets.get(ticket.id) == ticket


def test_saving_a_ticket_never_added_fails(desk):
    with desk() as uow:
        with pytest.raises((LookupError, ValueError)):
            uow.tickets.save(a_ticket())


def test_a_number_is_given_to_one_ticket(desk):
    first = a_ticket()
    store(desk, first)
    with pytest.raises(REFUSED):
        store(desk, a_ticket(number=first.number))
    with desk() as uow:
        assert uow.tickets.get_by_number(first.number) == first


def test_a_ticket_needs_its_account(desk):
    with pytest.raises(REFUSED):
        store(desk, a_ticket("acc-unknown"))


# --- look-ups -------------------------------------------------------------------------------------
def test_for_account_is_the_account_s_newest_first_with_threads(desk):
    old, new, newest = (a_ticket(at=later(s)) for s in (0, 10, 20))
    other, anonymous = a_ticket("acc-2", at=later(30)), a_ticket(None, at=later(40))
    store(desk, new, other, old, newest, anonymous)
    change(desk, old.id, lambda t: t.answer(message_id="a-old", operator_id="op-1", text="Ecco", at=later(50)))
    with desk() as uow:
        mine = uow.tickets.for_account("acc-1")
        assert [t.id for t in uow.tickets.for_account("acc-1", limit=2)] == [newest.id, new.id]
        assert [t.id for t in uow.tickets.for_account("acc-2")] == [other.id]
        assert uow.tickets.for_account("acc-nobody") == []
    assert [t.id for t in mine] == [newest.id, new.id, old.id]
    assert [m.id for m in mine[2].messages] == [old.messages[0].id, "a-old"]
    assert mine[0] == newest


def test_search_filters_the_inbox_oldest_first(desk):
    navigation = a_ticket(None, at=later(0), reason=Reason.NAVIGATION)
    complaint = a_ticket(at=later(10), reason=Reason.COMPLAINT)
    information = a_ticket("acc-2", at=later(20))
    taken = a_ticket(at=later(30))
    closed = a_ticket(at=later(40), reason=Reason.COMPLAINT)
    store(desk, closed, information, navigation, taken, complaint)
    change(desk, taken.id, lambda t: t.take("op-2", later(60)))
    change(desk, closed.id, lambda t: (t.note(message_id="n-c", operator_id="op-1", text="Chiuso", at=later(61)),
                                       t.close(later(62))))

    def ids(where: TicketFilter, limit: int = 100) -> list[str]:
        with desk() as uow:
            return [t.id for t in uow.tickets.search(where, limit=limit)]

    everything = [navigation.id, complaint.id, information.id, taken.id, closed.id]
    assert ids(TicketFilter()) == everything
    assert ids(TicketFilter(), limit=2) == everything[:2]
    assert ids(TicketFilter(reasons=[Reason.COMPLAINT])) == [complaint.id, closed.id]
    assert ids(TicketFilter(reasons=[Reason.COMPLAINT, Reason.NAVIGATION])) == [navigation.id, complaint.id, closed.id]
    assert ids(TicketFilter(statuses=[S.NEW])) == [navigation.id, complaint.id, information.id]
    assert ids(TicketFilter(statuses=[S.OPEN, S.CLOSED])) == [taken.id, closed.id]
    assert ids(TicketFilter(created_before=later(20))) == [navigation.id, complaint.id]
    assert ids(TicketFilter(assigned_to="op-2")) == [taken.id]
    assert ids(TicketFilter(assigned_to="op-1")) == []
    assert ids(TicketFilter(reasons=[Reason.COMPLAINT], statuses=[S.NEW], created_before=later(40))) == [complaint.id]
    with desk() as uow:
        found = uow.tickets.search(TicketFilter(statuses=[S.CLOSED]))
    assert [m.id for m in found[0].messages] == [closed.messages[0].id, "n-c"]


# --- numbers --------------------------------------------------------------------------------------
def test_numbers_follow_one_another_per_year_apart_from_the_requests(desk):
    def take(year: int) -> int:
        with desk() as uow:
            number = uow.tickets.next_number(year)
            uow.commit()
        return number

    with desk() as uow:
        uow.requests.next_number(2026)
        uow.requests.next_number(2026)
        uow.commit()
    assert [take(2026), take(2026), take(2027), take(2026), take(2027)] == [1, 2, 1, 3, 2]


def test_a_number_taken_without_commit_is_given_again(desk):
    with desk() as uow:
        assert uow.tickets.next_number(2026) == 1
    with desk() as uow:
        assert uow.tickets.next_number(2026) == 1


@pytest.mark.parametrize("opened", [False, True], ids=["new-year", "year-open"])
def test_ten_threads_never_get_the_same_number(desk, opened):
    if opened:
        with desk() as uow:
            uow.tickets.next_number(2026)
            uow.commit()

    def take() -> int:
        with desk() as uow:
            number = uow.tickets.next_number(2026)
            uow.commit()
        return number

    numbers = in_threads(10, take)
    first = 2 if opened else 1
    assert sorted(numbers) == list(range(first, first + 10))


def test_a_locked_ticket_makes_a_second_writer_wait_so_no_message_is_lost(desk):
    ticket = a_ticket()
    store(desk, ticket)
    counter = itertools.count(1)

    def write_a_note() -> None:
        n = next(counter)
        change(desk, ticket.id, lambda t: t.note(message_id=f"n-{n}", operator_id="op-1", text=f"Nota {n}",
                                                  at=later(n)))

    in_threads(8, write_a_note)
    with desk() as uow:
        found = uow.tickets.get(ticket.id)
    assert len(found.messages) == 9
    assert sorted(m.id for m in found.messages[1:]) == sorted(f"n-{n}" for n in range(1, 9))


# --- rate counters --------------------------------------------------------------------------------
def test_a_rate_counter_is_none_until_put_then_replaced(uow_factory):
    with uow_factory() as uow:
        assert uow.rate_counters.get("assistance:address", "a@example.it") is None
        assert uow.rate_counters.get("assistance:address", "a@example.it", lock=True) is None
        uow.commit()  # a lock alone counts nothing
    with uow_factory() as uow:
        assert uow.rate_counters.get("assistance:address", "a@example.it") is None
        uow.rate_counters.put("assistance:address", "a@example.it", NOW.astimezone(ROME), 1)
        uow.rate_counters.put("assistance:client", "a@example.it", later(5), 7)
        uow.commit()
    with uow_factory() as uow:
        assert uow.rate_counters.get("assistance:address", "a@example.it") == (NOW, 1)
        assert_utc(uow.rate_counters.get("assistance:address", "a@example.it")[0])
        uow.rate_counters.put("assistance:address", "a@example.it", later(3600), 2)
        uow.commit()
    with uow_factory() as uow:
        assert uow.rate_counters.get("assistance:address", "a@example.it", lock=True) == (later(3600), 2)
        assert uow.rate_counters.get("assistance:client", "a@example.it") == (later(5), 7)
        assert uow.rate_counters.get("assistance:address", "b@example.it") is None


def test_a_counter_put_without_commit_is_rolled_back(uow_factory):
    with uow_factory() as uow:
        uow.rate_counters.put("phone:client", "198.51.100.7", NOW, 1)
    with uow_factory() as uow:
        assert uow.rate_counters.get("phone:client", "198.51.100.7") is None


@pytest.mark.parametrize("seen", [False, True], ids=["new-key", "known-key"])
def test_concurrent_events_on_one_key_are_all_counted(uow_factory, seen):
    if seen:
        with uow_factory() as uow:
            uow.rate_counters.put("phone:client", "198.51.100.7", NOW, 0)
            uow.commit()

    def count_one() -> None:
        with uow_factory() as uow:
            found = uow.rate_counters.get("phone:client", "198.51.100.7", lock=True)
            start, count = found if found is not None else (NOW, 0)
            uow.rate_counters.put("phone:client", "198.51.100.7", start, count + 1)
            uow.commit()

    in_threads(10, count_one)
    with uow_factory() as uow:
        assert uow.rate_counters.get("phone:client", "198.51.100.7") == (NOW, 10)
