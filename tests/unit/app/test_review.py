"""The operators' review of identifications (R-ID-4): queue, detail, files, decision, email and audit."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from areaclienti.app.use_cases.identification import GiveDocument, SendDocumentFiles
from areaclienti.domain.audit import AuditEventKind
from areaclienti.domain.errors import DocumentExpired, InvalidTransition, NotFound, RejectionNoteRequired
from areaclienti.domain.identification import (
    AttemptKind,
    AttemptStatus,
    DocumentType,
    GateReason,
    IdentityDocument,
    RejectionReason,
)

from tests.sample_files import picture

from .identification_journeys import (
    DOCUMENT_EXPIRY,
    JPEG,
    PNG,
    WEBM,
    create_operator,
    identify_until_sent,
    operator_id,
    upload,
)
from .journeys import EMAIL, MOBILE, account, audit_events, register

OTHER_EMAIL, OTHER_MOBILE = "luca@example.it", "+393339998877"
THIRD_EMAIL, THIRD_MOBILE = "francesca@example.it", "+393401112233"


@pytest.fixture
def customer(harness, demo) -> str:
    return register(harness, demo.scenario("policyholder_vita"))


@pytest.fixture
def operator(harness) -> str:
    create_operator(harness)
    return operator_id(harness)


@pytest.fixture
def sent(harness, customer):
    """The customer's first identification, sent to the operators."""
    attempt, _ = identify_until_sent(harness, customer)
    return attempt


def review(harness):
    return harness.container.review()


def status(harness, account_id):
    return harness.container.identification().status(account_id)


def events(harness, kind: AuditEventKind):
    return [e for e in audit_events(harness) if e.kind is kind]


# --- the queue ---------------------------------------------------------------------------------------
def test_the_queue_shows_the_longest_waiting_first_with_the_waiting_time(harness, demo, customer):
    second = register(harness, demo.scenario("policyholder_danni"), email=OTHER_EMAIL, mobile=OTHER_MOBILE)
    third = register(harness, demo.scenario("member_collective"), email=THIRD_EMAIL, mobile=THIRD_MOBILE)
    start = harness.clock.now()
    b, _ = identify_until_sent(harness, second)
    harness.clock.advance(minutes=10)
    a, _ = identify_until_sent(harness, customer)
    harness.clock.advance(minutes=5)
    c, _ = identify_until_sent(harness, third)
    harness.clock.advance(minutes=30)

    items, total = review(harness).queue()
    assert [i.attempt_id for i in items] == [b.id, a.id, c.id] and total == 3
    assert [i.waiting for i in items] == [timedelta(minutes=45), timedelta(minutes=35), timedelta(minutes=30)]
    assert items[0].submitted_at == start
    assert (items[1].customer_name, items[1].party_id) == ("Giulia Bianchi", "BNCGLI78C54F205Z")
    assert all(i.kind is AttemptKind.FIRST for i in items)


def test_the_queue_can_be_limited_but_still_counts_everything(harness, demo, customer):
    second = register(harness, demo.scenario("policyholder_danni"), email=OTHER_EMAIL, mobile=OTHER_MOBILE)
    first, _ = identify_until_sent(harness, customer)
    harness.clock.advance(minutes=1)
    identify_until_sent(harness, second)
    items, total = review(harness).queue(limit=1)
    assert [i.attempt_id for i in items] == [first.id] and total == 2


def test_drafts_and_decided_attempts_are_not_in_the_queue(harness, demo, customer, operator):
    second = register(harness, demo.scenario("policyholder_danni"), email=OTHER_EMAIL, mobile=OTHER_MOBILE)
    harness.container.identification().start(second)  # a draft
    attempt, _ = identify_until_sent(harness, customer)
    review(harness).approve(operator_id=operator, attempt_id=attempt.id)
    assert review(harness).queue() == ([], 0)


# --- one attempt -------------------------------------------------------------------------------------
def test_the_detail_shows_the_core_personal_data_beside_the_attempt(harness, sent):
    harness.clock.advance(minutes=20)
    view = review(harness).detail(sent.id)
    assert view.personal.name == "Giulia Bianchi"
    assert view.personal.party_id == "BNCGLI78C54F205Z"  # the tax code
    assert view.personal.birth_date == date(1978, 3, 14)
    assert (view.personal.first_name, view.personal.last_name) == ("Giulia", "Bianchi")
    assert view.email == EMAIL
    assert view.attempt.keyword == sent.keyword
    assert view.attempt.document == IdentityDocument(DocumentType.CARTA_IDENTITA, "CA12345AB", DOCUMENT_EXPIRY)
    assert view.registered is None
    assert view.waiting == timedelta(minutes=20)


def test_the_detail_of_a_document_update_shows_the_document_in_force(harness, sent, operator):
    review(harness).approve(operator_id=operator, attempt_id=sent.id)
    update = _document_update_sent(harness, sent.account_id)
    view = review(harness).detail(update.id)
    assert view.attempt.kind is AttemptKind.DOCUMENT_UPDATE
    assert view.registered.document.number == "CA12345AB"
    assert view.attempt.document.number == "YA1234567"


def test_a_draft_is_not_shown_to_operators(harness, customer):
    draft = harness.container.identification().start(customer)
    harness.container.identification().send_video(customer, draft.id, upload(WEBM, "selfie.webm"))
    with pytest.raises(NotFound):
        review(harness).detail(draft.id)
    with pytest.raises(NotFound):
        review(harness).open_file(draft.id, "video")


def test_an_update_waiting_for_its_code_is_not_shown_to_operators(harness, sent, operator):
    review(harness).approve(operator_id=operator, attempt_id=sent.id)
    update = _document_update_waiting(harness, sent.account_id)
    with pytest.raises(NotFound):
        review(harness).detail(update.id)
    with pytest.raises(NotFound):
        review(harness).open_file(update.id, "0")


def test_an_abandoned_draft_is_not_shown_to_operators(harness, customer):
    draft = harness.container.identification().start(customer)
    harness.container.identification().abandon(customer, draft.id)
    with pytest.raises(NotFound):
        review(harness).detail(draft.id)


def test_an_unknown_attempt_is_not_found(harness):
    with pytest.raises(NotFound):
        review(harness).detail("no-such-attempt")


def test_the_operator_opens_the_video_and_each_image(harness, sent):
    stream, stored = review(harness).open_file(sent.id, "video")
    assert stream.read() == WEBM and stored.content_type == "video/webm"
    stream, stored = review(harness).open_file(sent.id, "0")
    assert picture(stream.read()) == picture(JPEG) and stored.content_type == "image/jpeg"
    stream, stored = review(harness).open_file(sent.id, "1")
    assert picture(stream.read()) == picture(PNG) and stored.content_type == "image/png"


@pytest.mark.parametrize("which", ["2", "-1", "", "audio", "01x", " 1", "²", "١"])
def test_a_file_that_is_not_there_is_not_found(harness, sent, which):
    with pytest.raises(NotFound):
        review(harness).open_file(sent.id, which)


def test_a_file_gone_from_storage_is_not_found(harness, sent):
    video = review(harness).detail(sent.id).attempt.video
    harness.container.storage().delete(video.key)
    with pytest.raises(NotFound):
        review(harness).open_file(sent.id, "video")


# --- approval ----------------------------------------------------------------------------------------
def test_approval_identifies_the_customer(harness, sent, operator):
    review(harness).approve(operator_id=operator, attempt_id=sent.id)
    gate = status(harness, sent.account_id).gate
    assert gate.allowed and gate.document_expires_on == DOCUMENT_EXPIRY
    registered = account(harness, sent.account_id).registered_document
    assert registered.identified_at == harness.clock.now()
    assert registered.document.number == "CA12345AB"
    decided = review(harness).detail(sent.id).attempt
    assert decided.status is AttemptStatus.APPROVED and decided.decided_by == operator


def test_approval_is_emailed_to_the_customer(harness, sent, operator):
    before = len(harness.emails_to(EMAIL))
    review(harness).approve(operator_id=operator, attempt_id=sent.id)
    (mail,) = harness.emails_to(EMAIL)[before:]
    assert "identificazione completata" in mail.subject
    assert "Giulia" in mail.body and "funzioni dispositive" in mail.body
    assert "http://localhost" in mail.body
    assert harness.store.outbox and all(m.status.value == "done" for m in harness.store.outbox.values())  # via the outbox


def test_approval_is_audited_with_the_operator(harness, sent, operator):
    review(harness).approve(operator_id=operator, attempt_id=sent.id, note="tutto regolare")
    (event,) = events(harness, AuditEventKind.IDENTIFICATION_APPROVED)
    assert event.account_id == sent.account_id
    assert event.details["operator"] == operator and event.details["attempt"] == sent.id
    assert event.details["note"] == "tutto regolare"


def test_approving_a_document_update_replaces_the_document_and_says_so(harness, sent, operator):
    review(harness).approve(operator_id=operator, attempt_id=sent.id)
    identified_at = account(harness, sent.account_id).registered_document.identified_at
    update = _document_update_sent(harness, sent.account_id)
    harness.clock.advance(days=2)
    review(harness).approve(operator_id=operator, attempt_id=update.id)
    registered = account(harness, sent.account_id).registered_document
    assert registered.document.number == "YA1234567" and registered.identified_at == identified_at
    assert "nuovo documento" in harness.emails_to(EMAIL)[-1].body


# --- rejection ---------------------------------------------------------------------------------------
def test_rejection_with_a_reason_and_a_note_is_emailed_and_audited(harness, sent, operator):
    review(harness).reject(operator_id=operator, attempt_id=sent.id, reason=RejectionReason.KEYWORD_MISSING,
                           note="  Nel video non si sente la parola chiave. ")
    mail = harness.emails_to(EMAIL)[-1]
    assert "da ripetere" in mail.subject
    assert "Nel video non si sente la parola chiave." in mail.body
    assert "http://localhost" in mail.body
    (event,) = events(harness, AuditEventKind.IDENTIFICATION_REJECTED)
    assert event.account_id == sent.account_id
    assert event.details["operator"] == operator
    assert event.details["reason"] == "keyword_missing"
    assert event.details["note"] == "Nel video non si sente la parola chiave."
    customer_status = status(harness, sent.account_id)
    assert customer_status.gate.reason is GateReason.NOT_IDENTIFIED
    assert customer_status.last_rejection is RejectionReason.KEYWORD_MISSING
    assert account(harness, sent.account_id).registered_document is None


def test_the_reason_other_without_a_note_changes_nothing(harness, sent, operator):
    before = len(harness.emails.sent)
    with pytest.raises(RejectionNoteRequired):
        review(harness).reject(operator_id=operator, attempt_id=sent.id, reason=RejectionReason.OTHER, note="  ")
    assert review(harness).detail(sent.id).attempt.status is AttemptStatus.SUBMITTED
    assert len(harness.emails.sent) == before
    assert events(harness, AuditEventKind.IDENTIFICATION_REJECTED) == []
    assert [i.attempt_id for i in review(harness).queue()[0]] == [sent.id]


def test_the_rejection_email_explains_the_reason_in_italian(harness, sent, operator):
    review(harness).reject(operator_id=operator, attempt_id=sent.id, reason=RejectionReason.DOCUMENT_UNREADABLE)
    body = harness.emails_to(EMAIL)[-1].body
    assert "document_unreadable" not in body


# --- deciding twice ----------------------------------------------------------------------------------
_DECISIONS = {
    "approve": lambda h, op, aid: review(h).approve(operator_id=op, attempt_id=aid),
    "reject": lambda h, op, aid: review(h).reject(operator_id=op, attempt_id=aid,
                                                  reason=RejectionReason.FACE_MISMATCH),
}


@pytest.mark.parametrize("first", _DECISIONS)
@pytest.mark.parametrize("second", _DECISIONS)
def test_an_attempt_is_decided_once(harness, sent, operator, first, second):
    _DECISIONS[first](harness, operator, sent.id)
    mails, registered = len(harness.emails.sent), account(harness, sent.account_id).registered_document
    decided = review(harness).detail(sent.id).attempt
    harness.clock.advance(minutes=1)
    with pytest.raises(InvalidTransition):
        _DECISIONS[second](harness, "another-operator", sent.id)
    assert review(harness).detail(sent.id).attempt == decided
    assert len(harness.emails.sent) == mails
    assert account(harness, sent.account_id).registered_document == registered


@pytest.mark.parametrize("decision", _DECISIONS)
def test_a_draft_cannot_be_decided(harness, customer, operator, decision):
    draft = harness.container.identification().start(customer)
    with pytest.raises(InvalidTransition):
        _DECISIONS[decision](harness, operator, draft.id)
    assert account(harness, customer).registered_document is None


@pytest.mark.parametrize("decision", _DECISIONS)
def test_an_unknown_attempt_cannot_be_decided(harness, operator, decision):
    with pytest.raises(NotFound):
        _DECISIONS[decision](harness, operator, "no-such-attempt")


# --- helpers -----------------------------------------------------------------------------------------
def _document_update_waiting(harness, account_id):
    use_case = harness.container.identification()
    harness.clock.advance(minutes=2)
    attempt = use_case.start(account_id)
    use_case.send_video(account_id, attempt.id, upload(WEBM, "selfie.webm"))
    use_case.give_document(GiveDocument(account_id, attempt.id, DocumentType.PASSAPORTO, "YA1234567",
                                        date(2034, 3, 31)))
    use_case.send_document_files(SendDocumentFiles(account_id, attempt.id, upload(JPEG, "passaporto.jpg")))
    return attempt


def _document_update_sent(harness, account_id):
    attempt = _document_update_waiting(harness, account_id)
    harness.container.identification().confirm_with_code(account_id, attempt.id, harness.code_sent_to(MOBILE))
    return attempt


def test_a_document_that_expired_while_waiting_cannot_be_approved_only_rejected(harness, customer, operator):
    attempt, _ = identify_until_sent(harness, customer, expires_on=date(2026, 12, 1))
    harness.clock.advance(days=7)  # 2 December: the document expired yesterday
    with pytest.raises(DocumentExpired):
        review(harness).approve(operator_id=operator, attempt_id=attempt.id)
    assert account(harness, customer).registered_document is None
    assert status(harness, customer).attempt.status is AttemptStatus.SUBMITTED
    review(harness).reject(operator_id=operator, attempt_id=attempt.id, reason=RejectionReason.DOCUMENT_NOT_VALID)
    assert status(harness, customer).gate.reason is GateReason.NOT_IDENTIFIED
