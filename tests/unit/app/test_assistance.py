"""Assistance requests from the customer's side (SPEC §6, R-ASS-1, complaints) through the real container with
in-memory adapters: the form's checks, the limits per address, per client and per account with the time to
retry, one answer whatever the email, the thread by its signed link (forged, altered, expired, another's),
the customer's reply that reopens a request, and a closed request that takes no more."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from areaclienti.app.use_cases.assistance import AskForHelp
from areaclienti.domain.assistance import (
    TEXT_MAX,
    Author,
    Reason,
    TextMissing,
    TextTooLong,
    TicketClosed,
    TicketStatus,
    TooManyAssistanceRequests,
)
from areaclienti.domain.errors import InvalidEmail, LinkInvalid, NotFound

from .test_requests import MARCO, VALERIA, account_id

S = TicketStatus
STRANGER = "qualcuno@example.org"
CLIENT = "203.0.113.7"
MARCO_VITA = "VI10011940"
VALERIA_POLICY = "DA20041530"
THREAD_LINK = re.compile(r"https?://\S+/assistenza/richiesta/(\S+)")
NUMBER = re.compile(r"AS-\d{4}-\d{6}")


def assistance(harness):
    return harness.container.assistance()


def desk(harness):
    return harness.container.assistance_desk()


def ask(harness, *, email: str = STRANGER, reason: str = "navigation", text: str = "Non riesco ad accedere.",
        client: str = CLIENT, account: str | None = None, policy: str | None = None):
    return assistance(harness).submit(AskForHelp(email=email, reason=reason, text=text, client_key=client,
                                                 account_id=account, policy_number=policy))


def token_sent_to(harness, email: str) -> str:
    mails = harness.emails_to(email)
    assert mails, f"no email to {email}"
    match = THREAD_LINK.search(mails[-1].body)
    assert match, mails[-1].body
    return match.group(1)


def tickets(harness, email: str) -> list:
    with harness.container.uow() as uow:
        return [t for t in uow.tickets.search(_anything(), limit=1000) if t.email == email]


def _anything():
    from areaclienti.app.ports.repositories import TicketFilter

    return TicketFilter()


# --- sending ---------------------------------------------------------------------------------------------
def test_anyone_gets_a_number_by_email_and_reads_the_thread_by_its_link(harness):
    sent = ask(harness, text="  Il sito non carica la pagina delle polizze.  ")
    assert NUMBER.fullmatch(sent.number) and sent.email == STRANGER
    mail = harness.emails_to(STRANGER)[-1]
    assert sent.number in mail.subject
    ticket = assistance(harness).by_token(token_sent_to(harness, STRANGER))
    assert (ticket.number, ticket.status, ticket.reason, ticket.account_id) == (sent.number, S.NEW,
                                                                                 Reason.NAVIGATION, None)
    assert [(m.author, m.body) for m in ticket.visible_messages()] == [
        (Author.CUSTOMER, "Il sito non carica la pagina delle polizze.")]
    assert ticket.answer_due is None


def test_a_complaint_has_its_45_day_deadline_in_the_email(harness):
    sent = ask(harness, reason="complaint", text="Nessuno mi ha risposto sul sinistro.")
    ticket = assistance(harness).by_token(token_sent_to(harness, STRANGER))
    assert ticket.is_complaint and ticket.answer_due == harness.clock.now().date() + timedelta(days=45)
    body = harness.emails_to(STRANGER)[-1].body
    assert ticket.answer_due.strftime("%d/%m/%Y") in body and "IVASS" in body and sent.number in body


@pytest.mark.parametrize("email, text, error", [
    (STRANGER, "", TextMissing),
    (STRANGER, "   \n  ", TextMissing),
    (STRANGER, "x" * (TEXT_MAX + 1), TextTooLong),
    ("non-una-email", "Aiuto", InvalidEmail),
    ("", "Aiuto", InvalidEmail),
])
def test_bad_input_is_refused_and_nothing_is_sent_nor_counted(harness, email, text, error):
    for _ in range(harness.container.assistance_settings().per_address.limit + 1):
        with pytest.raises(error) as refused:
            ask(harness, email=email, text=text)
    if error is TextTooLong:
        assert refused.value.params == {"max": TEXT_MAX, "length": TEXT_MAX + 1}
    assert harness.emails.sent == []
    ask(harness)  # refusals used none of the limits


def test_a_text_of_exactly_the_maximum_is_accepted(harness):
    ask(harness, text="y" * TEXT_MAX)
    assert len(tickets(harness, STRANGER)[0].messages[0].body) == TEXT_MAX


def test_an_unknown_reason_is_read_as_a_navigation_problem(harness):
    ask(harness, reason="anything")
    assert tickets(harness, STRANGER)[0].reason is Reason.NAVIGATION


# --- one answer whatever the email -----------------------------------------------------------------------
def _shape(mail, number: str) -> tuple[str, str]:
    strip = lambda s: THREAD_LINK.sub("<link>", s.replace(number, "<n>"))  # noqa: E731
    return strip(mail.subject), strip(mail.body)


def test_a_customers_email_and_a_strangers_get_the_same_answer_and_the_same_email(harness, seeded):
    customer = ask(harness, email=MARCO, client="198.51.100.1")
    stranger = ask(harness, email=STRANGER, client="198.51.100.2")
    assert type(customer) is type(stranger) and (customer.email, stranger.email) == (MARCO, STRANGER)
    assert _shape(harness.emails_to(MARCO)[-1], customer.number) == _shape(harness.emails_to(STRANGER)[-1],
                                                                            stranger.number)
    # Written without signing in, a customer's email does not file the request under their account.
    assert assistance(harness).for_account(account_id(harness)) == []


# --- limits ----------------------------------------------------------------------------------------------
def test_one_address_may_write_five_times_an_hour_then_is_told_when_to_retry(harness):
    first = harness.clock.now()
    limit = harness.container.assistance_settings().per_address
    for n in range(limit.limit):
        ask(harness, client=f"192.0.2.{n}")
        harness.clock.advance(minutes=5)
    with pytest.raises(TooManyAssistanceRequests) as refused:
        ask(harness, client="192.0.2.99")
    assert refused.value.params["retry_at"] == first + limit.period
    harness.clock.set(first + limit.period - timedelta(seconds=1))
    with pytest.raises(TooManyAssistanceRequests):
        ask(harness, email=STRANGER.upper(), client="192.0.2.100")  # the same address, however written
    harness.clock.set(first + limit.period)
    ask(harness, client="192.0.2.99")
    assert len(tickets(harness, STRANGER)) == limit.limit + 1


def test_one_client_may_write_ten_times_an_hour_whatever_the_address_and_others_still_can(harness):
    first = harness.clock.now()
    limit = harness.container.assistance_settings().per_client
    for n in range(limit.limit):
        ask(harness, email=f"persona{n}@example.org")
    with pytest.raises(TooManyAssistanceRequests) as refused:
        ask(harness, email="ancora@example.org")
    assert refused.value.params["retry_at"] == first + limit.period
    ask(harness, email="ancora@example.org", client="203.0.113.8")  # another client is not held back
    assert harness.emails_to("ancora@example.org")


def test_a_signed_in_customer_is_counted_by_account_not_by_the_client(harness, seeded):
    marco = account_id(harness)
    limit = harness.container.assistance_settings().per_client
    for n in range(limit.limit):
        ask(harness, email=MARCO, account=marco, client=f"192.0.2.{n}")
    with pytest.raises(TooManyAssistanceRequests):
        ask(harness, email=MARCO, account=marco, client="192.0.2.200")
    ask(harness, email=VALERIA, account=account_id(harness, VALERIA), client="192.0.2.200")


# --- signed in -------------------------------------------------------------------------------------------
def test_a_signed_in_customer_names_one_of_their_policies_and_finds_the_request_in_the_area(harness, seeded):
    marco = account_id(harness)
    sent = ask(harness, email=MARCO, account=marco, reason="policy_information", policy=MARCO_VITA.lower(),
               text="Quando scade il piano?")
    [ticket] = assistance(harness).for_account(marco)
    assert (ticket.number, ticket.policy_number, ticket.reason) == (sent.number, MARCO_VITA,
                                                                    Reason.POLICY_INFORMATION)
    assert assistance(harness).of_account(marco, sent.number.lower()).id == ticket.id
    with pytest.raises(NotFound):
        assistance(harness).of_account(account_id(harness, VALERIA), sent.number)
    with pytest.raises(NotFound):
        assistance(harness).reply_of_account(account_id(harness, VALERIA), sent.number, "Sono io")


def test_another_customers_policy_cannot_be_named(harness, seeded):
    with pytest.raises(NotFound):
        ask(harness, email=MARCO, account=account_id(harness), policy=VALERIA_POLICY)
    assert harness.emails.sent == [] and tickets(harness, MARCO) == []


# --- the thread ------------------------------------------------------------------------------------------
def test_the_customers_reply_reopens_a_request_answered_and_internal_notes_stay_hidden(harness):
    sent = ask(harness)
    token = token_sent_to(harness, STRANGER)
    desk(harness).note("op-1", sent.number, "Cliente già sentito al telefono.")
    desk(harness).answer("op-1", sent.number, "Prova a svuotare la cache del browser.")
    assert assistance(harness).by_token(token).status is S.WAITING_CUSTOMER
    answer_mail = harness.emails_to(STRANGER)[-1]
    assert sent.number in answer_mail.subject and "svuotare la cache" in answer_mail.body
    newer = token_sent_to(harness, STRANGER)  # the answer brings a fresh link; the first still works
    ticket = assistance(harness).reply_by_token(newer, "Fatto, ora funziona. Grazie!")
    assert ticket.status is S.OPEN
    seen = assistance(harness).by_token(token)
    assert [m.author for m in seen.visible_messages()] == [Author.CUSTOMER, Author.OPERATOR, Author.CUSTOMER]
    assert all("telefono" not in m.body for m in seen.visible_messages())
    assert len(seen.messages) == 4


def test_a_reply_with_no_text_or_too_long_changes_nothing(harness):
    ask(harness)
    token = token_sent_to(harness, STRANGER)
    with pytest.raises(TextMissing):
        assistance(harness).reply_by_token(token, " ")
    with pytest.raises(TextTooLong):
        assistance(harness).reply_by_token(token, "z" * (TEXT_MAX + 1))
    assert len(assistance(harness).by_token(token).messages) == 1


def test_a_closed_request_is_read_but_takes_no_reply(harness):
    sent = ask(harness)
    token = token_sent_to(harness, STRANGER)
    desk(harness).close("op-1", sent.number)
    with pytest.raises(TicketClosed):
        assistance(harness).reply_by_token(token, "Ancora una cosa")
    ticket = assistance(harness).by_token(token)
    assert ticket.status is S.CLOSED and len(ticket.messages) == 1


def test_the_link_expires_after_its_lifetime(harness):
    ask(harness)
    token = token_sent_to(harness, STRANGER)
    lifetime = harness.container.assistance_settings().link_lifetime
    harness.clock.advance(seconds=lifetime.total_seconds() - 1)
    assistance(harness).by_token(token)
    harness.clock.advance(seconds=1)
    with pytest.raises(LinkInvalid):
        assistance(harness).by_token(token)
    with pytest.raises(LinkInvalid):
        assistance(harness).reply_by_token(token, "Ci sono ancora?")


@pytest.mark.parametrize("forged", ["", "abc", "a.b.c", "a.1.b.c", "x" * 300, "..", "id.99999999999.sig"])
def test_forged_links_are_refused(harness, forged):
    with pytest.raises(LinkInvalid):
        assistance(harness).by_token(forged)


def test_a_link_cannot_be_turned_to_another_request(harness):
    ask(harness)
    mine = token_sent_to(harness, STRANGER)
    ask(harness, email="altro@example.org")
    other_id, _, _ = token_sent_to(harness, "altro@example.org").split(".")
    _, expires, signature = mine.split(".")
    with pytest.raises(LinkInvalid):
        assistance(harness).by_token(f"{other_id}.{expires}.{signature}")
    later = int(expires) + 86400  # nor made to last longer
    with pytest.raises(LinkInvalid):
        assistance(harness).by_token(f"{mine.split('.')[0]}.{later}.{signature}")


def test_a_signed_link_to_a_request_that_does_not_exist_is_refused(harness):
    token = harness.container.thread_links().token("no-such-ticket", harness.clock.now())
    with pytest.raises(LinkInvalid):
        assistance(harness).by_token(token)


def test_any_link_with_one_character_changed_is_refused(harness):
    ask(harness)
    token = token_sent_to(harness, STRANGER)
    assistance(harness).by_token(token)

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(position=st.integers(min_value=0, max_value=len(token) - 1), replacement=st.characters())
    def changed(position: int, replacement: str) -> None:
        altered = token[:position] + replacement + token[position + 1:]
        if altered == token:
            return
        with pytest.raises(LinkInvalid):
            assistance(harness).by_token(altered)

    changed()
