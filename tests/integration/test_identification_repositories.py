"""The identification attempts and operators: one contract, run on memory, SQLite and PostgreSQL.

Besides the round trips, it pins down what the use cases lean on: one open attempt per account (the
store refuses a second, and the unit of work stays usable after the refusal), the queue's order, and
the locks that make two concurrent starts of one account end with one attempt.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from areaclienti.adapters.memory.repositories import ConstraintViolation
from areaclienti.app.ports.unit_of_work import UnitOfWork
from areaclienti.domain.accounts import Account
from areaclienti.domain.errors import IdentificationAlreadySubmitted, OperatorExists
from areaclienti.domain.identification import (
    AttemptKind,
    AttemptStatus,
    DocumentType,
    IdentificationAttempt,
    IdentityDocument,
    RegisteredDocument,
    RejectionReason,
    StoredFile,
)
from areaclienti.domain.operators import Operator

from .test_repositories import COMPANY, NOW, ROME, an_account, assert_utc, in_threads

UowFactory = Callable[[], UnitOfWork]

DOCUMENT = IdentityDocument(DocumentType.CARTA_IDENTITA, "CA12345AB", date(2031, 3, 14))
VIDEO = StoredFile("a" * 32 + ".webm", "video/webm", 3_456_789)
FRONT = StoredFile("b" * 32 + ".jpg", "image/jpeg", 456_789)
BACK = StoredFile("c" * 32 + ".pdf", "application/pdf", 56_789)


# --- builders -------------------------------------------------------------------------------------
def an_operator(operator_id: str = "op-1", **changes) -> Operator:
    values = dict(
        id=operator_id,
        email=f"{operator_id}@backoffice.example.it",
        display_name="Giulia Bianchi",
        password_hash="$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$b3A",
        created_at=NOW.astimezone(ROME),
    )
    values.update(changes)
    return Operator(**values)


def an_attempt(attempt_id: str = "att-1", account_id: str = "acc-1", **changes) -> IdentificationAttempt:
    values = dict(id=attempt_id, account_id=account_id, kind=AttemptKind.FIRST, keyword="gabbiano",
                  created_at=NOW, updated_at=NOW)
    values.update(changes)
    return IdentificationAttempt(**values)


def a_decided_attempt(attempt_id: str = "att-1", account_id: str = "acc-1", **changes) -> IdentificationAttempt:
    """Every field set: a document update sent with two files and rejected by op-1."""
    values = dict(
        kind=AttemptKind.DOCUMENT_UPDATE,
        keyword="fragola",
        created_at=NOW.astimezone(ROME),
        status=AttemptStatus.REJECTED,
        updated_at=NOW + timedelta(hours=2),
        video=VIDEO,
        document=DOCUMENT,
        document_files=(FRONT, BACK),
        submitted_at=(NOW + timedelta(minutes=10)).astimezone(ROME),
        decided_at=NOW + timedelta(hours=2),
        decided_by="op-1",
        rejection_reason=RejectionReason.DOCUMENT_UNREADABLE,
        decision_note="Il retro è sfocato: «rifai la foto» con più luce.",
        takes=3,
    )
    values.update(changes)
    return an_attempt(attempt_id, account_id, **values)


def a_submitted_attempt(attempt_id: str, account_id: str, submitted_at: datetime) -> IdentificationAttempt:
    return an_attempt(attempt_id, account_id, status=AttemptStatus.SUBMITTED, video=VIDEO, document=DOCUMENT,
                      document_files=(FRONT,), submitted_at=submitted_at, updated_at=submitted_at)


def add(uow_factory: UowFactory, *objects) -> None:
    """Commit objects in one unit of work, each to its repository."""
    with uow_factory() as uow:
        for obj in objects:
            repository = {
                Account: uow.accounts, Operator: uow.operators, IdentificationAttempt: uow.identifications,
            }[type(obj)]
            repository.add(obj)
        uow.commit()


def accounts(count: int) -> list[Account]:
    """``count`` accounts acc-0, acc-1, ... of distinct parties."""
    return [an_account(f"acc-{i}", party=dataclasses.replace(COMPANY, value=f"{i:011d}")) for i in range(count)]


# --- round trips ----------------------------------------------------------------------------------
def test_attempt_round_trip(uow_factory):
    decided = a_decided_attempt()
    decided.replaced_files.append(StoredFile("d" * 32, "video/mp4", 1234))  # dropped files are not state
    approved = a_decided_attempt("att-2", status=AttemptStatus.APPROVED, rejection_reason=None, decision_note="",
                                 document_files=(FRONT,),
                                 document=IdentityDocument(DocumentType.PASSAPORTO, "YA1234567", date(2030, 1, 1)))
    draft = an_attempt("att-3", account_id="acc-2", created_at=NOW.astimezone(ROME), updated_at=None)
    add(uow_factory, an_account(), an_account("acc-2", party=COMPANY), an_operator(), decided, approved, draft)
    with uow_factory() as uow:
        got = uow.identifications.get("att-1")
        assert got == decided
        assert got.replaced_files == []
        assert got.kind is AttemptKind.DOCUMENT_UPDATE and got.status is AttemptStatus.REJECTED
        assert got.rejection_reason is RejectionReason.DOCUMENT_UNREADABLE
        assert got.document.type is DocumentType.CARTA_IDENTITA and type(got.document.expires_on) is date
        assert got.document_files == (FRONT, BACK)
        assert_utc(got.created_at, got.updated_at, got.submitted_at, got.decided_at)
        assert uow.identifications.get("att-2") == approved
        assert uow.identifications.get("att-2").document_files == (FRONT,)
        got_draft = uow.identifications.get("att-3")
        assert got_draft == draft
        assert got_draft.video is None and got_draft.document is None and got_draft.document_files == ()
        assert got_draft.decided_by is None and got_draft.rejection_reason is None and got_draft.decision_note == ""
        assert uow.identifications.get("nope") is None
        assert uow.identifications.get("nope", for_update=True) is None


def test_attempt_save_stores_every_step(uow_factory):
    add(uow_factory, an_account(), an_operator(), an_attempt())
    steps = [
        lambda a: a.attach_video(VIDEO, NOW + timedelta(minutes=1)),
        lambda a: a.new_take("delfino", NOW + timedelta(minutes=2)),
        lambda a: a.attach_video(VIDEO, NOW + timedelta(minutes=3)),
        lambda a: a.give_document(DOCUMENT, NOW + timedelta(minutes=4)),
        lambda a: a.attach_document_files((FRONT, BACK), NOW + timedelta(minutes=5)),
        lambda a: a.attach_document_files((BACK,), NOW + timedelta(minutes=6)),
        lambda a: a.confirm(NOW + timedelta(minutes=7), today=NOW.date()),
        lambda a: a.approve(operator_id="op-1", now=NOW + timedelta(hours=1), note="  tutto in ordine "),
    ]
    for step in steps:
        with uow_factory() as uow:
            attempt = uow.identifications.get("att-1", for_update=True)
            step(attempt)
            uow.identifications.save(attempt)
            uow.commit()
        with uow_factory() as uow:
            assert uow.identifications.get("att-1") == attempt
    assert attempt.status is AttemptStatus.APPROVED and attempt.takes == 2 and attempt.document_files == (BACK,)
    assert attempt.decision_note == "tutto in ordine"


def test_saving_an_attempt_never_added_fails(uow_factory):
    add(uow_factory, an_account())
    with uow_factory() as uow:
        with pytest.raises(LookupError):
            uow.identifications.save(an_attempt())
        with pytest.raises(LookupError):
            uow.operators.save(an_operator())


def test_an_attempt_id_is_used_once(uow_factory):
    add(uow_factory, an_account(), an_account("acc-2", party=COMPANY), an_attempt(status=AttemptStatus.REJECTED))
    with pytest.raises((ConstraintViolation, IntegrityError)):
        with uow_factory() as uow:
            uow.identifications.add(an_attempt(account_id="acc-2"))
            uow.commit()


def test_operator_round_trip_and_save(uow_factory):
    new = an_operator()
    enrolled = an_operator("op-2", email="anna@backoffice.example.it", totp_secret="JBSWY3DPEHPK3PXP",
                           totp_enrolled_at=NOW.astimezone(ROME), last_totp_step=59_312_345, active=False)
    add(uow_factory, new, enrolled)
    with uow_factory() as uow:
        assert uow.operators.get("op-1") == new
        got = uow.operators.get("op-2")
        assert got == enrolled and got.enrolled and got.active is False
        assert_utc(got.created_at, got.totp_enrolled_at)
        assert uow.operators.get("nobody") is None
        assert uow.operators.get("nobody", for_update=True) is None
        assert uow.operators.get_by_email("anna@backoffice.example.it") == enrolled
        assert uow.operators.get_by_email("nobody@backoffice.example.it") is None
        assert [o.id for o in uow.operators.list()] == ["op-2", "op-1"]  # by email
        operator = uow.operators.get("op-1", for_update=True)
        operator.begin_enrolment("KRSXG5CTMVRXEZLU")
        operator.complete_enrolment(NOW + timedelta(minutes=1))
        assert operator.accept_totp_step(2**40)  # past 32 bits: the column holds any step
        operator.display_name = "Giulia Bianchi Rossi"
        uow.operators.save(operator)
        uow.commit()
    with uow_factory() as uow:
        assert uow.operators.get("op-1") == operator
        assert uow.operators.list()[1] == operator


def test_an_operator_email_is_used_once(uow_factory):
    add(uow_factory, an_operator("op-1", email="giulia@backoffice.example.it"))
    with uow_factory() as uow:
        with pytest.raises(OperatorExists):
            uow.operators.add(an_operator("op-2", email="giulia@backoffice.example.it"))
        with pytest.raises(OperatorExists):
            uow.operators.add(an_operator("op-1", email="other@backoffice.example.it"))
        # The refusal leaves the unit of work usable.
        uow.operators.add(an_operator("op-3"))
        uow.commit()
    with uow_factory() as uow:
        assert [o.id for o in uow.operators.list()] == ["op-1", "op-3"]
        assert uow.operators.get("op-2") is None


def test_account_registered_document_round_trip(uow_factory):
    registered = RegisteredDocument(NOW, DOCUMENT)
    add(uow_factory, an_account(registered_document=registered), an_account("acc-2", party=COMPANY))
    with uow_factory() as uow:
        got = uow.accounts.get("acc-1")
        assert got.registered_document == registered
        assert got.registered_document.document.type is DocumentType.CARTA_IDENTITA
        assert uow.accounts.get("acc-2").registered_document is None
        # A document update replaces the document and keeps when the account was first identified.
        newer = IdentityDocument(DocumentType.PATENTE, "U17654321C", date(2035, 6, 30))
        account = uow.accounts.get("acc-2")
        account.register_document(newer, NOW + timedelta(days=1))
        uow.accounts.save(account)
        got.register_document(newer, NOW + timedelta(days=1))
        uow.accounts.save(got)
        uow.commit()
    with uow_factory() as uow:
        assert uow.accounts.get("acc-1").registered_document == RegisteredDocument(NOW, newer)
        assert uow.accounts.get("acc-2").registered_document == RegisteredDocument(NOW + timedelta(days=1), newer)
        assert uow.accounts.get_by_email("acc-1@example.it").registered_document.document == newer


def test_the_registered_document_comes_back_in_utc(uow_factory):
    add(uow_factory, an_account(registered_document=RegisteredDocument(NOW.astimezone(ROME), DOCUMENT)))
    with uow_factory() as uow:
        identified_at = uow.accounts.get("acc-1").registered_document.identified_at
    assert identified_at == NOW
    assert_utc(identified_at)


# --- one open attempt per account -----------------------------------------------------------------
@pytest.mark.parametrize("status", [AttemptStatus.DRAFT, AttemptStatus.AWAITING_CONFIRMATION, AttemptStatus.SUBMITTED])
def test_a_second_open_attempt_is_refused(uow_factory, status):
    add(uow_factory, an_account(), an_account("acc-2", party=COMPANY),
        a_submitted_attempt("att-1", "acc-1", NOW) if status is AttemptStatus.SUBMITTED
        else an_attempt(status=status))
    with uow_factory() as uow:
        uow.accounts.save(dataclasses.replace(uow.accounts.get("acc-1"), display_name="Changed"))
        with pytest.raises(IdentificationAlreadySubmitted):
            uow.identifications.add(an_attempt("att-2"))
        # The refusal leaves the unit of work and what it did before usable.
        uow.identifications.add(an_attempt("att-3", account_id="acc-2"))
        uow.identifications.add(an_attempt("att-4", status=AttemptStatus.ABANDONED))  # not open: no clash
        uow.commit()
    with uow_factory() as uow:
        assert uow.identifications.get("att-2") is None
        assert uow.identifications.get("att-3") is not None and uow.identifications.get("att-4") is not None
        assert uow.accounts.get("acc-1").display_name == "Changed"
        assert uow.identifications.open_for_account("acc-1").id == "att-1"


def test_a_second_open_attempt_is_refused_within_one_unit_of_work(uow_factory):
    add(uow_factory, an_account())
    with uow_factory() as uow:
        uow.identifications.add(an_attempt("att-1"))
        with pytest.raises(IdentificationAlreadySubmitted):
            uow.identifications.add(an_attempt("att-2"))
        uow.commit()
    with uow_factory() as uow:
        assert uow.identifications.open_for_account("acc-1").id == "att-1"
        assert uow.identifications.get("att-2") is None


def test_a_refusal_rolls_back_with_the_unit_of_work(uow_factory):
    """The refusal must not commit anything early (on SQLite a SAVEPOINT outside BEGIN would)."""
    add(uow_factory, an_account(), an_attempt("att-1"))
    with uow_factory() as uow:
        with pytest.raises(IdentificationAlreadySubmitted):
            uow.identifications.add(an_attempt("att-2"))
        uow.accounts.add(an_account("acc-2", party=COMPANY))
    with uow_factory() as uow:
        assert uow.accounts.get("acc-2") is None


def test_saving_an_attempt_back_into_an_open_state_is_refused(uow_factory):
    add(uow_factory, an_account(), an_operator(), a_decided_attempt("att-old"), an_attempt("att-new"))
    with uow_factory() as uow:
        reopened = uow.identifications.get("att-old", for_update=True)
        reopened.status = AttemptStatus.DRAFT
        with pytest.raises(IdentificationAlreadySubmitted):
            uow.identifications.save(reopened)
        newer = uow.identifications.get("att-new", for_update=True)
        newer.new_take("delfino", NOW + timedelta(minutes=1))
        uow.identifications.save(newer)  # the open one itself saves fine
        uow.commit()
    with uow_factory() as uow:
        assert uow.identifications.get("att-old").status is AttemptStatus.REJECTED
        assert uow.identifications.get("att-new").keyword == "delfino"


@pytest.mark.parametrize("close", ["reject", "abandon", "approve"])
def test_a_new_attempt_may_start_once_the_open_one_is_closed(uow_factory, close):
    add(uow_factory, an_account(), an_operator(),
        a_submitted_attempt("att-1", "acc-1", NOW) if close != "abandon" else an_attempt("att-1"))
    with uow_factory() as uow:
        attempt = uow.identifications.open_for_account("acc-1", for_update=True)
        _close(attempt, close)
        uow.identifications.save(attempt)
        assert uow.identifications.open_for_account("acc-1") is None
        uow.commit()
    with uow_factory() as uow:
        assert uow.identifications.open_for_account("acc-1", for_update=True) is None
        uow.identifications.add(an_attempt("att-2", created_at=NOW + timedelta(hours=2)))
        uow.commit()
    with uow_factory() as uow:
        assert uow.identifications.open_for_account("acc-1").id == "att-2"
        assert uow.identifications.latest_for_account("acc-1").id == "att-2"


def test_closing_and_starting_in_one_unit_of_work(uow_factory):
    add(uow_factory, an_account(), an_attempt("att-1"))
    with uow_factory() as uow:
        attempt = uow.identifications.open_for_account("acc-1", for_update=True)
        _close(attempt, "abandon")
        uow.identifications.save(attempt)
        uow.identifications.add(an_attempt("att-2", created_at=NOW + timedelta(hours=2)))
        uow.commit()
    with uow_factory() as uow:
        assert uow.identifications.open_for_account("acc-1").id == "att-2"


def _close(attempt: IdentificationAttempt, how: str) -> None:
    later = NOW + timedelta(hours=1)
    if how == "reject":
        attempt.reject(operator_id="op-1", reason=RejectionReason.FACE_MISMATCH, now=later)
    elif how == "approve":
        attempt.approve(operator_id="op-1", now=later)
    else:
        attempt.abandon(later)


# --- queries --------------------------------------------------------------------------------------
def test_the_queue_is_oldest_first(uow_factory):
    people = accounts(6)
    add(
        uow_factory, *people, an_operator(),
        a_submitted_attempt("att-c", "acc-0", NOW + timedelta(minutes=3)),
        a_submitted_attempt("att-a", "acc-1", (NOW + timedelta(minutes=1)).astimezone(ROME)),
        a_submitted_attempt("att-e", "acc-2", NOW + timedelta(minutes=5)),
        a_submitted_attempt("att-b", "acc-3", NOW + timedelta(minutes=3)),  # same moment: by id
        an_attempt("att-draft", "acc-4", created_at=NOW - timedelta(days=1)),
        a_decided_attempt("att-old", "acc-5", submitted_at=NOW - timedelta(days=1)),
    )
    with uow_factory() as uow:
        assert [a.id for a in uow.identifications.submitted()] == ["att-a", "att-b", "att-c", "att-e"]
        assert [a.id for a in uow.identifications.submitted(limit=2)] == ["att-a", "att-b"]
        assert uow.identifications.count_submitted() == 4
        assert uow.identifications.submitted()[0] == a_submitted_attempt("att-a", "acc-1", NOW + timedelta(minutes=1))
        assert_utc(uow.identifications.submitted()[0].submitted_at)


def test_an_empty_queue(uow_factory):
    with uow_factory() as uow:
        assert uow.identifications.submitted() == []
        assert uow.identifications.count_submitted() == 0


def test_latest_for_account_is_the_newest_whatever_its_state(uow_factory):
    add(
        uow_factory, *accounts(4), an_operator(),
        a_decided_attempt("att-1", created_at=NOW - timedelta(days=3)),
        a_decided_attempt("att-3", created_at=NOW - timedelta(days=1)),
        a_decided_attempt("att-2", created_at=NOW - timedelta(days=2)),
        an_attempt("att-4", "acc-2", created_at=NOW - timedelta(days=5)),
        a_decided_attempt("att-5", "acc-2", created_at=NOW - timedelta(days=4), status=AttemptStatus.APPROVED),
    )
    with uow_factory() as uow:
        assert uow.identifications.latest_for_account("acc-1").id == "att-3"
        assert uow.identifications.latest_for_account("acc-2").id == "att-5"  # newest, though not the open one
        assert uow.identifications.open_for_account("acc-2").id == "att-4"
        assert uow.identifications.latest_for_account("acc-3") is None
        assert uow.identifications.open_for_account("acc-1") is None
        assert uow.identifications.open_for_account("acc-3", for_update=True) is None


# --- concurrency ----------------------------------------------------------------------------------
def test_concurrent_starts_for_one_account_end_with_one_open_attempt(uow_factory):
    """As the «avvia video selfie» use case: find the open attempt under lock, or add one."""
    add(uow_factory, an_account())
    count = 10

    def start(index: int):
        with uow_factory() as uow:
            try:
                attempt = uow.identifications.open_for_account("acc-1", for_update=True)
                if attempt is not None:
                    return ("found", attempt.id)
                uow.identifications.add(an_attempt(f"att-{index}", created_at=NOW + timedelta(seconds=index)))
                uow.commit()
                return ("added", f"att-{index}")
            except IdentificationAlreadySubmitted:
                return ("refused", None)

    indexes = iter(range(count))
    results = in_threads(count, lambda: start(next(indexes)))
    added = [r[1] for r in results if r[0] == "added"]
    assert len(added) == 1, results
    # The account's lock makes the others wait for the first to commit and then find its attempt; without
    # it they would be refused by the index instead (the next test), an error page for a double click.
    assert sorted(results) == [("added", added[0])] + [("found", added[0])] * (count - 1), results
    with uow_factory() as uow:
        assert uow.identifications.open_for_account("acc-1").id == added[0]


def test_concurrent_adds_without_a_lock_are_refused_but_one(uow_factory):
    """Without the lock the index alone decides: the others are refused, at add or at commit."""
    add(uow_factory, an_account())
    count = 10

    def start(index: int):
        try:
            with uow_factory() as uow:
                uow.identifications.add(an_attempt(f"att-{index}"))
                uow.commit()
                return "added"
        except IdentificationAlreadySubmitted:
            return "refused"

    indexes = iter(range(count))
    results = in_threads(count, lambda: start(next(indexes)))
    assert sorted(results) == ["added"] + ["refused"] * (count - 1)


def test_an_attempt_held_for_update_is_changed_by_one_at_a_time(uow_factory):
    add(uow_factory, an_account(), an_attempt())

    def retake():
        with uow_factory() as uow:
            attempt = uow.identifications.get("att-1", for_update=True)
            attempt.new_take("delfino", NOW)
            uow.identifications.save(attempt)
            uow.commit()

    in_threads(10, retake)
    with uow_factory() as uow:
        assert uow.identifications.get("att-1").takes == 11


def test_a_totp_step_is_accepted_once_under_concurrency(uow_factory):
    add(uow_factory, an_operator(totp_secret="JBSWY3DPEHPK3PXP", totp_enrolled_at=NOW))

    def use_step():
        with uow_factory() as uow:
            operator = uow.operators.get("op-1", for_update=True)
            accepted = operator.accept_totp_step(59_312_345)
            uow.operators.save(operator)
            uow.commit()
            return accepted

    assert sorted(in_threads(10, use_step)) == [False] * 9 + [True]
