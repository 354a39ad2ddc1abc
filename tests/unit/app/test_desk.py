"""The operators' requests desk (R-DISP-Q) through the real container with in-memory adapters: the list and
its filters with the customers' names, a request's questionnaire answers with the flagged ones marked, the
decision on a request «in verifica», the IBAN revealed on request (audited), and the dead hand-offs retried."""
from __future__ import annotations

import pytest

from areaclienti.app.ports.payments import PaymentOutcome
from areaclienti.app.ports.repositories import OutboxStatus
from areaclienti.app.tasks import PermanentFailure
from areaclienti.app.use_cases.desk import DeskFilters
from areaclienti.domain.audit import AuditEventKind
from areaclienti.domain.errors import InvalidTransition, NotFound, RejectionNoteRequired
from areaclienti.domain.products import PaymentMethod
from areaclienti.domain.requests import RequestKind, RequestStatus

from .test_additional_payment import pay_more
from .test_requests import MARCO, account_id, choose, notify, pay

S = RequestStatus
IBAN = "IT60X0542811101000000123456"


# --- helpers (the HTTP tests use them too) --------------------------------------------------------
def paid(harness, submitted):
    """The provider's notification of a successful payment for a submitted card or SEPA request."""
    assert notify(harness, *choose(harness, submitted.request.payment_session, PaymentOutcome.SUCCEEDED))
    return submitted.request.number


def flagged_in_review(harness, key: str = "add-flagged") -> str:
    """An additional payment whose answers say «politically exposed», paid: it waits «in verifica»."""
    return paid(harness, pay_more(harness, key=key, pep="yes"))


def audited(harness, kind: AuditEventKind) -> list:
    with harness.container.uow() as uow:
        return [e for e in uow.audit.list(limit=10_000) if e.kind is kind]


def with_iban(harness, number: str, iban: str = IBAN) -> None:
    """A request that holds the customer's IBAN (a SEPA mandate's account, as the customer typed it)."""
    with harness.container.uow() as uow:
        request = uow.requests.get_by_number(number)
        request.payload = {**request.payload, "iban": iban}
        uow.requests.save(request)
        uow.commit()


def dead_hand_off(harness, number: str) -> None:
    """Release ``number`` while the core system refuses every call, until its hand-off is dead."""
    core = harness.container.core_system()
    original = core.hand_over

    def down(*_args, **_kwargs):
        raise ConnectionError("core system unreachable")

    core.hand_over = down
    try:
        harness.container.requests_desk().release("op-1", number)
        policy = harness.container.retry_policy()
        runner = harness.container.task_runner()
        for _ in range(policy.max_attempts):
            harness.clock.advance(seconds=policy.max_delay.total_seconds())
            runner.relay()
    finally:
        core.hand_over = original


@pytest.fixture
def desk(harness, seeded):
    return harness.container.requests_desk()


def numbers(rows) -> list[str]:
    return [row.request.number for row in rows]


# --- the list --------------------------------------------------------------------------------------
def test_the_list_filters_by_kind_status_flag_and_age_with_the_customer_s_name(harness, desk):
    premium = pay(harness, PaymentMethod.BANK_TRANSFER).request.number
    plain = paid(harness, pay_more(harness, key="add-plain"))
    harness.clock.advance(days=3)
    flagged = flagged_in_review(harness)

    every = desk.list(DeskFilters())
    assert numbers(every) == [flagged, plain, premium]  # newest first
    assert {row.customer_name for row in every} == {"Marco Rinaldi"}
    assert numbers(desk.list(DeskFilters(oldest_first=True))) == [premium, plain, flagged]
    assert numbers(desk.list(DeskFilters(flagged=True))) == [flagged]
    assert numbers(desk.list(DeskFilters(flagged=False))) == [plain, premium]
    assert numbers(desk.list(DeskFilters(kinds=(RequestKind.ADDITIONAL_PAYMENT,)))) == [flagged, plain]
    assert numbers(desk.list(DeskFilters(statuses=(S.UNDER_REVIEW,)))) == [flagged]
    assert numbers(desk.list(DeskFilters(statuses=(S.AWAITING_PAYMENT,)))) == [premium]
    assert numbers(desk.list(DeskFilters(older_than_days=2))) == [plain, premium]
    assert numbers(desk.list(DeskFilters(older_than_days=2, flagged=True))) == []


def test_the_list_reads_the_accounts_once_for_every_row(harness, desk, monkeypatch):
    for n in range(3):
        pay_more(harness, key=f"add-{n}")
    calls = []
    from areaclienti.adapters.memory.repositories import InMemoryAccountRepository

    monkeypatch.setattr(InMemoryAccountRepository, "get",
                        lambda self, *a, **k: calls.append("get") or None)
    assert len(desk.list(DeskFilters())) == 3
    assert calls == []  # one get_many, never one read per row


# --- one request -----------------------------------------------------------------------------------
def test_the_detail_gives_each_questionnaire_s_questions_with_the_flagged_answers_marked(harness, desk):
    number = flagged_in_review(harness)
    detail = desk.detail(number.lower())  # as typed
    assert detail.request.number == number and detail.awaits_review
    assert detail.flags == ["politically_exposed"] and detail.customer_name == "Marco Rinaldi"
    assert [e.status for e in detail.request.events][-2:] == [S.PAID, S.UNDER_REVIEW]
    by_code = {q.code: q for q in detail.questionnaires}
    assert set(by_code) == {"anti_money_laundering", "tax_residency", "sanctions"}
    aml = by_code["anti_money_laundering"]
    assert aml.version == 1 and aml.title == "Adeguata verifica (antiriciclaggio)" and aml.flagged
    assert [a.question.id for a in aml.answers if a.flagged] == ["pep_self"]
    pep = next(a for a in aml.answers if a.question.id == "pep_self")
    assert pep.value == "yes" and pep.question.label == "Sei una persona politicamente esposta?"
    assert [a.question.id for a in aml.answers][:3] == ["purpose", "funds_source", "funds_country"]  # in order
    assert not by_code["tax_residency"].flagged and not by_code["sanctions"].flagged
    assert detail.iban_masked is None
    with pytest.raises(NotFound):
        desk.detail("RP-2026-999999")


def test_an_unknown_questionnaire_version_shows_its_raw_answers(harness, desk):
    number = flagged_in_review(harness)
    with harness.container.uow() as uow:
        request = uow.requests.get_by_number(number)
        request.payload["questionnaires"]["sanctions"]["version"] = 99
        uow.requests.save(request)
        uow.commit()
    sanctions = next(q for q in desk.detail(number).questionnaires if q.code == "sanctions")
    assert sanctions.title is None and sanctions.answers == []
    assert sanctions.unknown["sanctioned_countries"] == "no"


# --- the decision ----------------------------------------------------------------------------------
def test_released_by_an_operator_it_reaches_the_core_system_audited(harness, desk):
    number = flagged_in_review(harness)
    desk.release("op-7", number)
    assert desk.detail(number).request.status is S.HANDED_OVER
    (event,) = audited(harness, AuditEventKind.REQUEST_RELEASED)
    assert event.details == {"number": number, "operator": "op-7"}
    with pytest.raises(InvalidTransition):
        desk.reject("op-8", number, "troppo tardi")


def test_a_rejection_needs_a_reason_which_the_customer_reads(harness, desk):
    number = flagged_in_review(harness)
    with pytest.raises(RejectionNoteRequired):
        desk.reject("op-7", number, "   ")
    assert desk.detail(number).request.status is S.UNDER_REVIEW
    desk.reject("op-7", number, "Serve la documentazione sull'origine dei fondi.")
    mine = harness.container.policy_requests().get(account_id(harness), number)
    assert mine.status is S.REJECTED and mine.events[-1].reason == "Serve la documentazione sull'origine dei fondi."
    assert "origine dei fondi" in harness.emails_to(MARCO)[-1].body
    assert audited(harness, AuditEventKind.REQUEST_REJECTED)[-1].details["operator"] == "op-7"


def test_a_request_not_in_review_cannot_be_released(harness, desk):
    number = paid(harness, pay_more(harness, key="add-plain"))
    with pytest.raises(InvalidTransition):
        desk.release("op-7", number)
    assert audited(harness, AuditEventKind.REQUEST_RELEASED) == []


# --- the IBAN --------------------------------------------------------------------------------------
def test_the_iban_is_masked_and_revealed_only_on_request_audited(harness, desk):
    number = flagged_in_review(harness)
    with_iban(harness, number)
    detail = desk.detail(number)
    assert detail.iban_masked == "IT60 •••• •••• 3456" and IBAN not in repr(detail.iban_masked)
    assert audited(harness, AuditEventKind.REQUEST_IBAN_REVEALED) == []
    assert desk.reveal_iban("op-7", number) == IBAN
    (event,) = audited(harness, AuditEventKind.REQUEST_IBAN_REVEALED)
    assert event.details == {"number": number, "operator": "op-7"} and IBAN not in str(event)
    assert event.account_id == account_id(harness)


def test_no_iban_to_reveal_is_not_found_and_not_audited(harness, desk):
    number = flagged_in_review(harness)
    with pytest.raises(NotFound):
        desk.reveal_iban("op-7", number)
    with pytest.raises(NotFound):
        desk.reveal_iban("op-7", "RP-2026-999999")
    assert audited(harness, AuditEventKind.REQUEST_IBAN_REVEALED) == []


# --- dead hand-offs ----------------------------------------------------------------------------------
def test_a_dead_hand_off_is_listed_with_its_request_and_retried_audited(harness, desk):
    number = flagged_in_review(harness)
    dead_hand_off(harness, number)
    (item,) = desk.dead_hand_offs()
    assert item.request_number == number and "core system unreachable" in item.last_error
    assert item.attempts == harness.container.retry_policy().max_attempts
    assert desk.detail(number).request.status is S.RELEASED  # still ours, not the core system's

    assert desk.retry_hand_off("op-7", item.item_id) is True
    assert desk.retry_hand_off("op-8", item.item_id) is False  # already retried: nothing to do
    (event,) = audited(harness, AuditEventKind.HANDOFF_RETRIED)
    assert event.details == {"item": item.item_id, "operator": "op-7", "number": number}
    assert desk.dead_hand_offs() == []
    harness.container.task_runner().relay()
    assert desk.detail(number).request.status is S.HANDED_OVER
    assert harness.container.task_runner().counts()[OutboxStatus.DEAD] == 0


def test_only_hand_offs_are_retried_from_the_desk(harness, desk, monkeypatch):
    def refuse(_email):
        raise PermanentFailure("mailbox does not exist")

    monkeypatch.setattr(harness.emails, "send", refuse)
    with harness.container.uow() as uow:  # an email that dies at its first attempt
        item_id = harness.container.notifier().email(uow, to=MARCO, subject="s", body="b", now=harness.clock.now())
        uow.commit()
    assert [i.id for i in harness.container.task_runner().dead()] == [item_id]
    assert desk.dead_hand_offs() == []
    assert desk.retry_hand_off("op-7", item_id) is False
    assert audited(harness, AuditEventKind.HANDOFF_RETRIED) == []
