"""The RequestRepository contract on memory, SQLite and PostgreSQL (the ``uow_factory`` fixture): round
trips with timelines, look-ups, idempotency keys, provider event ids, and numbers under concurrency."""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from areaclienti.app.ports.repositories import DuplicateRequest
from areaclienti.app.use_cases.requests import answer_questionnaires
from areaclienti.domain.products import PaymentMethod
from areaclienti.domain.questionnaires import QuestionnaireCode, definition, validate
from areaclienti.domain.requests import PolicyRequest, RequestKind, RequestStatus, request_number

from .test_repositories import COMPANY, NOW, ROME, UowFactory, add, an_account, assert_utc, in_threads

S = RequestStatus
_ids = itertools.count(1)


def a_request(account_id: str = "acc-1", *, key: str | None = None, at=NOW, kind=RequestKind.PREMIUM_PAYMENT,
              **changes) -> PolicyRequest:
    n = next(_ids)
    values = dict(id=f"req-{n}", number=request_number(2026, n), account_id=account_id,
                  party_id="RSSMRA85T10A562S", policy_number="DA20040288", kind=kind,
                  payload={"receipts": [{"id": "DA20040288-20261201", "amount": "86.40"}], "note": "però"},
                  idempotency_key=key or f"key-{n}")
    if kind.is_payment:
        values.update(amount=Decimal("86.40"), payment_method=PaymentMethod.CARD, payment_session=f"ps_{n}")
    values.update(changes)
    return PolicyRequest.submit(at=at, **values)


def store(uow_factory: UowFactory, *requests: PolicyRequest) -> None:
    with uow_factory() as uow:
        for request in requests:
            uow.requests.add(request)
        uow.commit()


@pytest.fixture
def accounts(uow_factory):
    add(uow_factory, an_account("acc-1"), an_account("acc-2", party=COMPANY))
    return uow_factory


def test_a_request_round_trips_with_its_timeline(accounts):
    request = a_request(at=NOW.astimezone(ROME))
    store(accounts, request)
    with accounts() as uow:
        found = uow.requests.get(request.id)
    assert found == request
    assert found.amount == Decimal("86.40") and found.payment_method is PaymentMethod.CARD
    assert [e.status for e in found.events] == [S.SUBMITTED, S.AWAITING_PAYMENT]
    assert_utc(found.created_at, *(e.at for e in found.events))
    assert found.created_at == NOW


def test_save_adds_the_new_events_once_and_the_changed_fields(accounts):
    request = a_request()
    store(accounts, request)
    with accounts() as uow:
        found = uow.requests.get(request.id, lock=True)
        found.advance(S.PAID, NOW + timedelta(seconds=5))
        uow.requests.save(found)
        found.advance(S.HANDED_OVER, NOW + timedelta(seconds=6))
        found.core_reference = "PR0123456789"
        found.payload = {**found.payload, "mandate_accepted_at": "x"}
        uow.requests.save(found)
        uow.requests.save(found)  # nothing new: nothing added
        uow.commit()
    with accounts() as uow:
        again = uow.requests.get(request.id)
    assert [e.status for e in again.events] == [S.SUBMITTED, S.AWAITING_PAYMENT, S.PAID, S.HANDED_OVER]
    assert again.status is S.HANDED_OVER and again.core_reference == "PR0123456789"
    assert again.payload["mandate_accepted_at"] == "x"


def test_a_save_left_without_commit_is_rolled_back(accounts):
    request = a_request()
    store(accounts, request)
    with accounts() as uow:
        found = uow.requests.get(request.id, lock=True)
        found.advance(S.PAID, NOW)
        uow.requests.save(found)
    with accounts() as uow:
        assert uow.requests.get(request.id).status is S.AWAITING_PAYMENT


def test_look_ups_by_number_key_account_and_status(accounts):
    older = a_request(key="k-older", at=NOW)
    newer = a_request(key="k-newer", at=NOW + timedelta(minutes=1))
    other = a_request("acc-2", key="k-older", at=NOW + timedelta(minutes=2))  # the same key, another account
    data_change = a_request(kind=RequestKind.DATA_CHANGE, at=NOW + timedelta(minutes=3))
    store(accounts, older, newer, other, data_change)
    with accounts() as uow:
        assert uow.requests.get_by_number(newer.number).id == newer.id
        assert uow.requests.get_by_number("RP-1999-000001") is None
        assert uow.requests.get_by_key("acc-1", "k-older").id == older.id
        assert uow.requests.get_by_key("acc-2", "k-older").id == other.id
        assert uow.requests.get_by_key("acc-2", "k-newer") is None
        assert [r.id for r in uow.requests.for_account("acc-1")] == [data_change.id, newer.id, older.id]
        assert [r.id for r in uow.requests.for_account("acc-1", limit=1)] == [data_change.id]
        assert all(r.events for r in uow.requests.for_account("acc-1"))
        waiting = uow.requests.in_status([S.AWAITING_PAYMENT])
        assert [r.id for r in waiting] == [older.id, newer.id, other.id]  # oldest first
        assert [r.id for r in uow.requests.in_status([S.SUBMITTED])] == [data_change.id]
        assert uow.requests.in_status([S.COMPLETED]) == []


def test_an_account_uses_an_idempotency_key_once(accounts):
    store(accounts, a_request(key="same-key"))
    with pytest.raises(DuplicateRequest):
        with accounts() as uow:
            uow.requests.add(a_request(key="same-key"))
    with accounts() as uow:
        assert len(uow.requests.for_account("acc-1")) == 1


def test_a_duplicate_keeps_the_transaction_usable(accounts):
    store(accounts, a_request(key="same-key"))
    with accounts() as uow:
        with pytest.raises(DuplicateRequest):
            uow.requests.add(a_request(key="same-key"))
        uow.requests.add(a_request(key="another-key"))
        uow.commit()
    with accounts() as uow:
        assert len(uow.requests.for_account("acc-1")) == 2


def test_a_provider_event_is_seen_the_first_time_only(accounts):
    with accounts() as uow:
        assert uow.requests.first_time_seen("evt_1", NOW)
        assert not uow.requests.first_time_seen("evt_1", NOW)  # in the same transaction, the transaction lives on
        assert uow.requests.first_time_seen("evt_2", NOW)
        uow.commit()
    with accounts() as uow:
        assert not uow.requests.first_time_seen("evt_1", NOW + timedelta(days=1))
        assert uow.requests.first_time_seen("evt_3", NOW)


def test_numbers_follow_one_another_per_year(accounts):
    def take(year: int) -> int:
        with accounts() as uow:
            number = uow.requests.next_number(year)
            uow.commit()
        return number

    assert [take(2026), take(2026), take(2027), take(2026), take(2027)] == [1, 2, 1, 3, 2]


def test_a_number_taken_without_commit_is_given_again(accounts):
    with accounts() as uow:
        assert uow.requests.next_number(2026) == 1
    with accounts() as uow:
        assert uow.requests.next_number(2026) == 1


# --- concurrency ----------------------------------------------------------------------------------
@pytest.mark.parametrize("opened", [False, True], ids=["new-year", "year-open"])
def test_ten_threads_never_get_the_same_number(accounts, opened):
    if opened:
        with accounts() as uow:
            uow.requests.next_number(2026)
            uow.commit()

    def take() -> int:
        with accounts() as uow:
            number = uow.requests.next_number(2026)
            uow.commit()
        return number

    numbers = in_threads(10, take)
    first = 2 if opened else 1
    assert sorted(numbers) == list(range(first, first + 10))


def test_the_same_key_fired_concurrently_stores_one_request(accounts):
    def submit():
        try:
            store(accounts, a_request(key="double-click"))
            return "stored"
        except DuplicateRequest:
            return "duplicate"

    outcomes = in_threads(10, submit)
    assert sorted(outcomes) == ["duplicate"] * 9 + ["stored"]
    with accounts() as uow:
        assert len(uow.requests.for_account("acc-1")) == 1
        assert uow.requests.get_by_key("acc-1", "double-click") is not None


def test_holding_an_account_s_submissions_makes_the_next_one_wait_and_see_what_was_committed(accounts):
    import threading
    import time

    held = threading.Event()
    seen: list[int] = []

    def first() -> None:
        with accounts() as uow:
            uow.requests.hold_submissions_of("acc-1")
            uow.requests.add(a_request())
            held.set()
            time.sleep(0.5)  # the second one must wait for this commit, not read around it
            uow.commit()

    def second() -> None:
        assert held.wait(timeout=10)
        with accounts() as uow:
            uow.requests.hold_submissions_of("acc-1")
            seen.append(len(uow.requests.for_account("acc-1")))
            uow.commit()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert seen == [1]


def test_in_status_can_ask_for_one_payment_method(accounts):
    card = a_request(at=NOW)
    transfer = a_request(at=NOW + timedelta(minutes=1), payment_method=PaymentMethod.BANK_TRANSFER,
                         payment_session=None)
    store(accounts, card, transfer)
    with accounts() as uow:
        assert [r.id for r in uow.requests.in_status([S.AWAITING_PAYMENT], limit=1,
                                                     payment_method=PaymentMethod.BANK_TRANSFER)] == [transfer.id]
        assert [r.id for r in uow.requests.in_status([S.AWAITING_PAYMENT],
                                                     payment_method=PaymentMethod.CARD)] == [card.id]
        assert len(uow.requests.in_status([S.AWAITING_PAYMENT])) == 2


# --- questionnaires in the payload (R-DISP-Q) -----------------------------------------------------------
def answered_questionnaires() -> dict:
    """What an additional payment keeps: three questionnaires, each with its version, answers and time, and the
    review's flags, as the use case builds them (nested dicts, non-ASCII text)."""
    posted = {
        "anti_money_laundering": {"version": 1, "answers": {
            "purpose": "other", "purpose_other": "Università dei figli – «più» avanti", "funds_source": "business",
            "funds_country": "IT", "profession": "entrepreneur", "sector": "trade", "pep_self": "yes",
            "pep_family": "no", "pep_associate": "no"}},
        "tax_residency": {"version": 1, "answers": {
            "us_citizen": "yes", "us_tax_resident": "no", "us_tin": "536-90-4399", "us_birthplace": "no",
            "residence_1_country": "IT", "residence_1_has_tin": "yes", "residence_1_tin": "RNLMRC79E21H501A",
            "residence_1_more": "yes", "residence_2_country": "ES", "residence_2_has_tin": "yes",
            "residence_2_tin": "54362315K", "residence_2_more": "yes", "residence_3_country": "SM",
            "residence_3_has_tin": "no", "residence_3_no_tin_reason": "not_issued"}},
        "sanctions": {"version": 1, "answers": {"sanctioned_countries": "no", "sanctioned_persons": "no",
                                                "residence_country": "IT"}},
    }
    return answer_questionnaires(posted, is_company=False, now=NOW)


def test_questionnaire_answers_round_trip_with_their_versions_and_flags(accounts):
    payload = {"company": "vita", "product": "VITA_RISPARMIO", **answered_questionnaires()}
    request = a_request(kind=RequestKind.ADDITIONAL_PAYMENT, payload=payload, policy_number="VI10011940")
    store(accounts, request)
    with accounts() as uow:
        by_id = uow.requests.get(request.id)
        by_number = uow.requests.get_by_number(request.number)
        [listed] = uow.requests.for_account("acc-1")
    for found in (by_id, by_number, listed):
        assert found.payload == payload and found.flagged
    kept = by_id.payload["questionnaires"]
    assert by_id.payload["review"] == {"flags": ["politically_exposed", "us_person"]}
    assert kept["anti_money_laundering"]["answers"]["purpose_other"] == "Università dei figli – «più» avanti"
    assert kept["tax_residency"]["answers"]["residence_3_no_tin_reason"] == "not_issued"
    for code, given in kept.items():  # an old request reads against the version it answered
        questionnaire = definition(QuestionnaireCode(code), given["version"])
        assert validate(questionnaire, given["answers"], is_company=False) == given["answers"]
        assert datetime.fromisoformat(given["given_at"]) == NOW


def test_a_payload_changed_in_place_is_stored_only_when_saved(accounts):
    request = a_request(kind=RequestKind.ADDITIONAL_PAYMENT, payload=answered_questionnaires())
    store(accounts, request)
    with accounts() as uow:
        found = uow.requests.get(request.id)
        found.payload["questionnaires"]["sanctions"]["answers"]["residence_country"] = "RU"  # never saved
        found.payload["review"]["flags"].append("sanctions_link")
    with accounts() as uow:
        again = uow.requests.get(request.id, lock=True)
        assert again.payload["questionnaires"]["sanctions"]["answers"]["residence_country"] == "IT"
        assert again.payload["review"]["flags"] == ["politically_exposed", "us_person"]
        review = {**again.payload["review"], "flags": ["politically_exposed", "sanctions_link", "us_person"]}
        again.payload = {**again.payload, "review": review}
        uow.requests.save(again)
        uow.commit()
    with accounts() as uow:
        assert uow.requests.get(request.id).payload["review"]["flags"] == ["politically_exposed", "sanctions_link",
                                                                           "us_person"]


# --- the operators' desk ------------------------------------------------------------------------------
def flagged_payload(*flags: str) -> dict:
    return {"questionnaires": {"anti_money_laundering": {"version": 1, "answers": {"pep_self": "yes"}}},
            "review": {"flags": list(flags)}}


@pytest.fixture
def desk(accounts):
    """Five requests of two accounts, a day apart: kinds, statuses and flags to filter on."""
    made = {
        "old_premium": a_request("acc-1", at=NOW - timedelta(days=4)),
        "flagged_paid": a_request("acc-2", at=NOW - timedelta(days=3), kind=RequestKind.ADDITIONAL_PAYMENT,
                                  payload=flagged_payload("politically_exposed")),
        "plain_additional": a_request("acc-1", at=NOW - timedelta(days=2), kind=RequestKind.ADDITIONAL_PAYMENT,
                                      payload={"review": {"flags": []}}),
        "claim": a_request("acc-2", at=NOW - timedelta(days=1), kind=RequestKind.CLAIM),
        "flagged_waiting": a_request("acc-1", at=NOW, kind=RequestKind.ADDITIONAL_PAYMENT,
                                     payload=flagged_payload("us_person")),
    }
    made["flagged_paid"].advance(S.PAID, NOW - timedelta(days=3))
    made["flagged_paid"].advance(S.UNDER_REVIEW, NOW - timedelta(days=3))
    store(accounts, *made.values())
    return {name: r.number for name, r in made.items()}


def numbers(found: list[PolicyRequest]) -> list[str]:
    return [r.number for r in found]


def test_search_gives_every_account_s_requests_newest_or_oldest_first_with_timelines(accounts, desk):
    with accounts() as uow:
        newest = uow.requests.search()
        oldest = uow.requests.search(oldest_first=True, limit=2)
    assert numbers(newest) == [desk[k] for k in ("flagged_waiting", "claim", "plain_additional", "flagged_paid",
                                                  "old_premium")]
    assert numbers(oldest) == [desk["old_premium"], desk["flagged_paid"]]
    assert [e.status for e in oldest[1].events] == [S.SUBMITTED, S.AWAITING_PAYMENT, S.PAID, S.UNDER_REVIEW]
    assert {r.account_id for r in newest} == {"acc-1", "acc-2"}


def test_search_filters_by_kind_status_flag_and_age(accounts, desk):
    with accounts() as uow:
        additional = uow.requests.search(kinds=[RequestKind.ADDITIONAL_PAYMENT])
        two_kinds = uow.requests.search(kinds=[RequestKind.CLAIM, RequestKind.PREMIUM_PAYMENT])
        in_review = uow.requests.search(statuses=[S.UNDER_REVIEW])
        flagged = uow.requests.search(flagged=True)
        not_flagged = uow.requests.search(flagged=False, kinds=[RequestKind.ADDITIONAL_PAYMENT])
        older = uow.requests.search(created_before=NOW - timedelta(days=2))
        combined = uow.requests.search(flagged=True, statuses=[S.AWAITING_PAYMENT],
                                       created_before=NOW + timedelta(seconds=1))
    assert numbers(additional) == [desk["flagged_waiting"], desk["plain_additional"], desk["flagged_paid"]]
    assert numbers(two_kinds) == [desk["claim"], desk["old_premium"]]
    assert numbers(in_review) == [desk["flagged_paid"]]
    assert numbers(flagged) == [desk["flagged_waiting"], desk["flagged_paid"]]
    assert numbers(not_flagged) == [desk["plain_additional"]]
    assert numbers(older) == [desk["flagged_paid"], desk["old_premium"]]  # created strictly before
    assert numbers(combined) == [desk["flagged_waiting"]]


def test_the_flag_follows_the_payload_when_a_request_is_saved(accounts, desk):
    with accounts() as uow:
        found = uow.requests.get_by_number(desk["claim"])
        found.payload = {**found.payload, **flagged_payload("sanctions_link")}
        uow.requests.save(found)
        cleared = uow.requests.get_by_number(desk["flagged_waiting"])
        cleared.payload = {**cleared.payload, "review": {"flags": []}}
        uow.requests.save(cleared)
        uow.commit()
    with accounts() as uow:
        assert numbers(uow.requests.search(flagged=True)) == [desk["claim"], desk["flagged_paid"]]


def test_migration_0005_flags_the_requests_stored_before_it(tmp_path):
    import sqlalchemy as sa

    from areaclienti.adapters.sqlalchemy.database import upgrade

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'before.sqlite3'}")  # no foreign keys: rows alone
    upgrade(engine, "0004")
    row = dict(account_id="acc-1", party_id="RSSMRA85T10A562S", policy_number="VI10011940", kind="claim",
               status="submitted", created_at=NOW, updated_at=NOW)
    with engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO policy_requests (id, number, account_id, party_id, policy_number, kind, status, payload,"
            " created_at, updated_at, idempotency_key) VALUES (:id, :number, :account_id, :party_id,"
            " :policy_number, :kind, :status, :payload, :created_at, :updated_at, :id)"), [
            {**row, "id": "r1", "number": "RP-2026-000001", "payload": '{"review": {"flags": ["us_person"]}}'},
            {**row, "id": "r2", "number": "RP-2026-000002", "payload": '{"review": {"flags": []}}'},
            {**row, "id": "r3", "number": "RP-2026-000003", "payload": '{"receipts": []}'},
        ])
    upgrade(engine)
    with engine.connect() as connection:
        found = dict(connection.execute(sa.text("SELECT id, flagged FROM policy_requests")).all())
    engine.dispose()
    assert {k: bool(v) for k, v in found.items()} == {"r1": True, "r2": False, "r3": False}


def test_for_account_can_ask_for_one_policy_newest_first(accounts):
    motor, home = "DA20040117", "DA20040288"
    oldest = a_request(policy_number=motor, kind=RequestKind.SUSPENSION, at=NOW)
    on_home = a_request(policy_number=home, at=NOW + timedelta(minutes=1))
    middle = a_request(policy_number=motor, kind=RequestKind.CLAIM, at=NOW + timedelta(minutes=2))
    others = a_request("acc-2", policy_number=motor, kind=RequestKind.SUSPENSION, at=NOW + timedelta(minutes=3))
    newest = a_request(policy_number=motor, kind=RequestKind.REACTIVATION, at=NOW + timedelta(minutes=4))
    store(accounts, oldest, on_home, middle, others, newest)
    with accounts() as uow:
        on_motor = uow.requests.for_account("acc-1", policy_number=motor)
        assert [r.id for r in on_motor] == [newest.id, middle.id, oldest.id]
        assert all(r.events and r.policy_number == motor for r in on_motor)
        assert [r.id for r in uow.requests.for_account("acc-1", policy_number=motor, limit=2)] == [newest.id,
                                                                                                  middle.id]
        assert [r.id for r in uow.requests.for_account("acc-1", policy_number=home)] == [on_home.id]
        assert [r.id for r in uow.requests.for_account("acc-2", policy_number=motor)] == [others.id]
        assert uow.requests.for_account("acc-2", policy_number=home) == []
        assert uow.requests.for_account("acc-1", policy_number="VI99999999") == []
        assert len(uow.requests.for_account("acc-1")) == 4  # no filter: every policy
