"""R-ID-1..6: the identity document, the video-selfie attempt and the gate to the dispositive functions."""
from __future__ import annotations

import copy
import re
from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from areaclienti.domain.accounts import Account, AccountStatus
from areaclienti.domain.errors import (
    DocumentExpired,
    DocumentExpiryImplausible,
    DocumentNumberInvalid,
    DocumentNumberInvalidCharacters,
    IdentificationAlreadySubmitted,
    IdentificationIncomplete,
    InvalidTransition,
    RejectionNoteRequired,
)
from areaclienti.domain.identification import (
    MAX_NOTE_LENGTH,
    OPEN_STATUSES,
    AttemptKind,
    AttemptStatus,
    DocumentType,
    DraftStep,
    FileRole,
    GateReason,
    IdentificationAttempt,
    IdentityDocument,
    RegisteredDocument,
    RejectionReason,
    StoredFile,
    UploadLimits,
    dispositive_gate,
    parse_document,
)
from areaclienti.domain.keywords import KEYWORDS

from .strategies import UTC, at, person

SETTINGS = settings(max_examples=200, deadline=None)
TODAY = date(2026, 11, 25)
NOW = at()
LATER = at(minutes=3)
CIE, PATENTE, PASSAPORTO = DocumentType.CARTA_IDENTITA, DocumentType.PATENTE, DocumentType.PASSAPORTO
DOCUMENT = IdentityDocument(CIE, "CA12345AB", date(2030, 5, 31))
VIDEO = StoredFile("video-1.webm", "video/webm", 5_000)
OTHER_VIDEO = StoredFile("video-2.webm", "video/webm", 6_000)
FRONT = StoredFile("front.jpg", "image/jpeg", 900)
BACK = StoredFile("back.png", "image/png", 800)


def parse(type_: DocumentType, number: str, expires_on: date = date(2030, 5, 31), today: date = TODAY):
    return parse_document(type_, number, expires_on, today=today)


# --- parse_document (R-ID-3) -------------------------------------------------------------------------
@pytest.mark.parametrize("type_, number", [
    (CIE, "CA12345AB"),  # carta d'identità elettronica
    (CIE, "AB1234567"),  # the paper card
    (PATENTE, "U17654321C"),  # since 2013
    (PATENTE, "PD1234567A"),  # older: the province first
    (PASSAPORTO, "YA1234567"),
])
def test_each_kind_of_document_accepts_its_own_shape(type_, number):
    document = parse(type_, number)
    assert document == IdentityDocument(type_, number, date(2030, 5, 31))


@pytest.mark.parametrize("type_, typed, kept", [
    (CIE, "ca12345ab", "CA12345AB"),
    (CIE, " CA 12345 AB ", "CA12345AB"),
    (CIE, "CA-12345-AB", "CA12345AB"),
    (PATENTE, "u1765 4321-c", "U17654321C"),
    (PASSAPORTO, "ya\t123 45 67\n", "YA1234567"),
])
def test_spaces_dashes_and_lower_case_are_normalised(type_, typed, kept):
    assert parse(type_, typed).number == kept


@pytest.mark.parametrize("type_, typed", [
    (CIE, "CA12345A#"),
    (CIE, "CA_12345AB"),
    (CIE, "CA12345ÀB"),
    (CIE, "CA12345AB\u200b"),  # a zero-width space pasted from a web page
    (CIE, "CA１２３４５AB"),  # full-width digits
    (PASSAPORTO, "\ufb01" "1234567"),  # the «fi» ligature, which upper-cases to two plain letters
    (PATENTE, "U176543ßC"),  # ß upper-cases to SS: the shape must not be reached through it
    (PASSAPORTO, "Yı1234567"),  # the dotless ı upper-cases to a plain I
    (PASSAPORTO, "ſA1234567"),  # and the long ſ to a plain S
    (CIE, ""),
    (CIE, " - "),
])
def test_anything_but_letters_and_digits_is_refused_as_bad_characters(type_, typed):
    with pytest.raises(DocumentNumberInvalidCharacters) as refused:
        parse(type_, typed)
    assert refused.value.field == "document_number"


def _is_separator(c: str) -> bool:
    return bool(re.fullmatch(r"[\s\-.]", c))


# Drawn often on purpose: the characters that upper-case to plain ASCII letters.
_bad_characters = (st.sampled_from("ßıſﬀﬁﬂﬃﬄﬅﬆ") | st.characters()).filter(
    lambda c: not (c.isascii() and c.isalnum()) and not _is_separator(c))
_good_text = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 -", max_size=12)


@SETTINGS
@given(type_=st.sampled_from(DocumentType), before=_good_text, bad=_bad_characters, after=_good_text)
def test_a_single_bad_character_anywhere_is_refused_whatever_the_rest(type_, before, bad, after):
    with pytest.raises(DocumentNumberInvalidCharacters):
        parse(type_, before + bad + after)


@pytest.mark.parametrize("type_, typed, example", [
    (CIE, "CA1234AB", "CA12345AB"),  # a digit missing
    (CIE, "1234567AB", "CA12345AB"),
    (PATENTE, "U1765432", "U17654321C"),
    (PATENTE, "117654321C", "U17654321C"),  # must start with a letter
    (PASSAPORTO, "CA12345AB", "YA1234567"),  # an identity card number is no passport number
    (PASSAPORTO, "YA12345678", "YA1234567"),
])
def test_letters_and_digits_in_the_wrong_shape_are_refused_with_an_example(type_, typed, example):
    with pytest.raises(DocumentNumberInvalid) as refused:
        parse(type_, typed)
    assert refused.value.params == {"example": example}


def test_a_document_that_expired_yesterday_is_refused():
    with pytest.raises(DocumentExpired) as refused:
        parse(CIE, "CA12345AB", expires_on=TODAY - timedelta(days=1))
    assert refused.value.params == {"expired_on": TODAY - timedelta(days=1)}
    assert refused.value.field == "expires_on"


def test_a_document_expiring_today_is_accepted():
    assert parse(CIE, "CA12345AB", expires_on=TODAY).expires_on == TODAY


def test_an_expiry_further_than_any_document_lasts_is_implausible():
    with pytest.raises(DocumentExpiryImplausible):
        parse(PASSAPORTO, "YA1234567", expires_on=date(2040, 1, 1))


def test_an_expiry_ten_years_ahead_is_plausible():
    assert parse(PASSAPORTO, "YA1234567", expires_on=date(2036, 11, 25)).expires_on == date(2036, 11, 25)


def test_the_characters_are_checked_before_the_shape_and_the_shape_before_the_date():
    with pytest.raises(DocumentNumberInvalidCharacters):
        parse(CIE, "CA12#", expires_on=TODAY - timedelta(days=400))
    with pytest.raises(DocumentNumberInvalid):
        parse(CIE, "CA12", expires_on=TODAY - timedelta(days=400))


@SETTINGS
@given(today=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)),
       offset=st.integers(min_value=-20_000, max_value=3_650))
def test_any_expiry_from_today_to_ten_years_is_accepted_and_any_past_one_refused(today, offset):
    expires_on = today + timedelta(days=offset)
    if offset < 0:
        with pytest.raises(DocumentExpired):
            parse(CIE, "CA12345AB", expires_on=expires_on, today=today)
    else:
        assert parse(CIE, "CA12345AB", expires_on=expires_on, today=today).expires_on == expires_on


def test_a_document_is_valid_up_to_and_including_its_expiry_day():
    assert DOCUMENT.is_valid_on(date(2030, 5, 31))
    assert not DOCUMENT.is_valid_on(date(2030, 6, 1))


def test_upload_limits_tell_the_video_from_the_document():
    limits = UploadLimits()
    assert "video/webm" in limits.allowed_types(FileRole.VIDEO)
    assert "image/jpeg" not in limits.allowed_types(FileRole.VIDEO)
    assert {"image/jpeg", "image/png", "application/pdf"} <= limits.allowed_types(FileRole.DOCUMENT)
    assert limits.max_bytes(FileRole.VIDEO) > limits.max_bytes(FileRole.DOCUMENT)
    assert limits.min_bytes(FileRole.VIDEO) > limits.min_bytes(FileRole.DOCUMENT) > 0


def test_the_keywords_are_distinct_plain_lower_case_words():
    assert len(KEYWORDS) >= 100
    assert len(set(KEYWORDS)) == len(KEYWORDS)
    assert all(re.fullmatch(r"[a-z]+", word) for word in KEYWORDS)


# --- the attempt life cycle (R-ID-2, R-ID-3) ---------------------------------------------------------
def fresh(kind: AttemptKind = AttemptKind.FIRST) -> IdentificationAttempt:
    return IdentificationAttempt.start(attempt_id="att-1", account_id="acc-1", kind=kind, keyword="faro", now=NOW)


def with_video(kind: AttemptKind = AttemptKind.FIRST) -> IdentificationAttempt:
    attempt = fresh(kind)
    attempt.attach_video(VIDEO, NOW)
    return attempt


def with_document(kind: AttemptKind = AttemptKind.FIRST) -> IdentificationAttempt:
    attempt = with_video(kind)
    attempt.give_document(DOCUMENT, NOW)
    return attempt


def with_files(kind: AttemptKind = AttemptKind.FIRST) -> IdentificationAttempt:
    attempt = with_document(kind)
    attempt.attach_document_files((FRONT, BACK), NOW)
    return attempt


def submitted(kind: AttemptKind = AttemptKind.FIRST) -> IdentificationAttempt:
    attempt = with_files(kind)
    attempt.confirm(LATER, today=TODAY)
    if kind is AttemptKind.DOCUMENT_UPDATE:
        attempt.confirm_with_code(LATER)
    return attempt


def awaiting_code() -> IdentificationAttempt:
    attempt = with_files(AttemptKind.DOCUMENT_UPDATE)
    attempt.confirm(LATER, today=TODAY)
    return attempt


def approved() -> IdentificationAttempt:
    attempt = submitted()
    attempt.approve(operator_id="op-1", now=LATER)
    return attempt


def rejected() -> IdentificationAttempt:
    attempt = submitted()
    attempt.reject(operator_id="op-1", reason=RejectionReason.VIDEO_UNCLEAR, now=LATER)
    return attempt


def abandoned() -> IdentificationAttempt:
    attempt = with_video()
    attempt.abandon(LATER)
    return attempt


def test_a_new_attempt_is_an_open_draft_that_asks_for_the_video_first():
    attempt = fresh()
    assert attempt.status is AttemptStatus.DRAFT and attempt.is_open
    assert attempt.next_step is DraftStep.VIDEO
    assert (attempt.keyword, attempt.takes, attempt.created_at, attempt.updated_at) == ("faro", 1, NOW, NOW)
    assert attempt.video is None and attempt.document is None and attempt.document_files == ()


def test_the_steps_follow_the_order_video_document_files():
    attempt = fresh()
    attempt.attach_video(VIDEO, NOW)
    assert attempt.next_step is DraftStep.DOCUMENT
    attempt.give_document(DOCUMENT, NOW)
    assert attempt.next_step is DraftStep.FILES
    attempt.attach_document_files((FRONT,), NOW)
    attempt.confirm(LATER, today=TODAY)
    assert attempt.next_step is DraftStep.DONE


def test_the_document_cannot_be_given_before_the_video():
    attempt = fresh()
    with pytest.raises(IdentificationIncomplete) as refused:
        attempt.give_document(DOCUMENT, NOW)
    assert refused.value.params == {"missing": "video"}
    assert attempt.document is None


def test_files_cannot_be_attached_before_the_video():
    with pytest.raises(IdentificationIncomplete) as refused:
        fresh().attach_document_files((FRONT,), NOW)
    assert refused.value.params == {"missing": "video"}


def test_files_cannot_be_attached_before_the_document_data():
    attempt = with_video()
    with pytest.raises(IdentificationIncomplete) as refused:
        attempt.attach_document_files((FRONT,), NOW)
    assert refused.value.params == {"missing": "document"}
    assert attempt.document_files == ()


@pytest.mark.parametrize("files", [(FRONT,), (FRONT, BACK)])
def test_the_document_comes_as_one_file_or_as_front_and_back(files):
    attempt = with_document()
    attempt.attach_document_files(files, LATER)
    assert attempt.document_files == files and attempt.updated_at == LATER


@pytest.mark.parametrize("files", [(), (FRONT, BACK, FRONT)])
def test_no_file_or_more_than_two_files_are_refused(files):
    attempt = with_document()
    with pytest.raises(IdentificationIncomplete) as refused:
        attempt.attach_document_files(files, NOW)
    assert refused.value.params == {"missing": "files"}


@pytest.mark.parametrize("build, missing", [(fresh, "video"), (with_video, "document"), (with_document, "files")])
def test_confirmation_needs_every_step_before_it(build, missing):
    attempt = build()
    with pytest.raises(IdentificationIncomplete) as refused:
        attempt.confirm(LATER, today=TODAY)
    assert refused.value.params == {"missing": missing}
    assert attempt.status is AttemptStatus.DRAFT


def test_a_first_identification_goes_to_the_operators_on_confirmation():
    attempt = with_files()
    attempt.confirm(LATER, today=TODAY)
    assert attempt.status is AttemptStatus.SUBMITTED and attempt.is_open
    assert attempt.submitted_at == LATER == attempt.updated_at
    assert attempt.next_step is DraftStep.DONE


def test_confirmation_with_a_document_expired_meanwhile_is_refused():
    attempt = with_files()
    with pytest.raises(DocumentExpired):
        attempt.confirm(LATER, today=DOCUMENT.expires_on + timedelta(days=1))
    assert attempt.status is AttemptStatus.DRAFT and attempt.submitted_at is None


def test_confirmation_on_the_expiry_day_is_accepted():
    attempt = with_files()
    attempt.confirm(LATER, today=DOCUMENT.expires_on)
    assert attempt.status is AttemptStatus.SUBMITTED


def test_a_retake_draws_the_new_keyword_and_drops_the_video_into_replaced_files():
    attempt = with_video()
    attempt.new_take("gabbiano", LATER)
    assert attempt.keyword == "gabbiano" and attempt.takes == 2
    assert attempt.video is None and attempt.replaced_files == [VIDEO]
    assert attempt.next_step is DraftStep.VIDEO and attempt.updated_at == LATER


def test_a_video_of_an_earlier_take_is_refused_naming_the_current_keyword():
    from areaclienti.domain.errors import KeywordChanged

    attempt = fresh()
    attempt.new_take("gabbiano", LATER)
    with pytest.raises(KeywordChanged) as refused:
        attempt.attach_video(VIDEO, LATER, take=1)
    assert refused.value.params == {"keyword": "gabbiano", "take": 2} and attempt.video is None
    attempt.attach_video(VIDEO, LATER, take=2)
    assert attempt.video == VIDEO


def test_a_retake_before_any_video_replaces_no_file():
    attempt = fresh()
    attempt.new_take("gabbiano", LATER)
    assert attempt.keyword == "gabbiano" and attempt.replaced_files == []


def test_a_retake_keeps_the_document_data_already_typed():
    attempt = with_document()
    attempt.new_take("gabbiano", LATER)
    attempt.attach_video(OTHER_VIDEO, LATER)
    assert attempt.document == DOCUMENT
    assert attempt.next_step is DraftStep.FILES


def test_a_second_video_replaces_the_first():
    attempt = with_video()
    attempt.attach_video(OTHER_VIDEO, LATER)
    assert attempt.video == OTHER_VIDEO and attempt.replaced_files == [VIDEO]


def test_new_document_files_replace_the_previous_ones():
    attempt = with_files(AttemptKind.DOCUMENT_UPDATE)
    attempt.attach_document_files((OTHER_VIDEO,), LATER)
    assert attempt.document_files == (OTHER_VIDEO,)
    assert attempt.replaced_files == [FRONT, BACK]


_CUSTOMER_ACTIONS = {
    "new_take": lambda a: a.new_take("gabbiano", LATER),
    "attach_video": lambda a: a.attach_video(OTHER_VIDEO, LATER),
    "give_document": lambda a: a.give_document(IdentityDocument(PASSAPORTO, "YA1234567", date(2031, 1, 1)), LATER),
    "attach_document_files": lambda a: a.attach_document_files((FRONT,), LATER),
    "confirm": lambda a: a.confirm(LATER, today=TODAY),
    "confirm_with_code": lambda a: a.confirm_with_code(LATER),
    "abandon": lambda a: a.abandon(LATER),
}


@pytest.mark.parametrize("kind", AttemptKind)
@pytest.mark.parametrize("action", _CUSTOMER_ACTIONS)
def test_nothing_can_be_changed_by_the_customer_once_submitted(action, kind):
    attempt = submitted(kind)
    before = copy.deepcopy(attempt)
    with pytest.raises(IdentificationAlreadySubmitted):
        _CUSTOMER_ACTIONS[action](attempt)
    assert attempt == before


@pytest.mark.parametrize("build, error", [
    (approved, IdentificationAlreadySubmitted), (rejected, InvalidTransition), (abandoned, InvalidTransition),
])
@pytest.mark.parametrize("action", _CUSTOMER_ACTIONS)
def test_nothing_can_be_changed_by_the_customer_once_closed(action, build, error):
    attempt = build()
    before = copy.deepcopy(attempt)
    with pytest.raises(error):
        _CUSTOMER_ACTIONS[action](attempt)
    assert attempt == before and not attempt.is_open


def test_a_document_update_waits_for_the_sms_code_after_confirmation():
    attempt = with_files(AttemptKind.DOCUMENT_UPDATE)
    attempt.confirm(LATER, today=TODAY)
    assert attempt.status is AttemptStatus.AWAITING_CONFIRMATION and attempt.is_open
    assert attempt.next_step is DraftStep.CONFIRMATION
    assert attempt.submitted_at is None


def test_the_sms_code_sends_a_document_update_to_the_operators():
    attempt = awaiting_code()
    later = at(minutes=5)
    attempt.confirm_with_code(later)
    assert attempt.status is AttemptStatus.SUBMITTED and attempt.submitted_at == later


@pytest.mark.parametrize("build", [fresh, with_files])
def test_a_draft_cannot_be_confirmed_with_a_code(build):
    attempt = build(AttemptKind.DOCUMENT_UPDATE)
    with pytest.raises(InvalidTransition):
        attempt.confirm_with_code(LATER)
    assert attempt.status is AttemptStatus.DRAFT


def test_a_retake_while_awaiting_the_code_goes_back_to_draft():
    attempt = awaiting_code()
    attempt.new_take("gabbiano", at(minutes=4))
    assert attempt.status is AttemptStatus.DRAFT and attempt.next_step is DraftStep.VIDEO
    with pytest.raises(InvalidTransition):
        attempt.confirm_with_code(at(minutes=5))


def test_after_a_retake_while_awaiting_the_code_the_files_are_asked_again_not_the_code():
    # The files are sent together with «conferma invio»: a draft never stands at the code page.
    attempt = awaiting_code()
    attempt.new_take("gabbiano", at(minutes=4))
    attempt.attach_video(OTHER_VIDEO, at(minutes=4))
    assert attempt.status is AttemptStatus.DRAFT
    assert attempt.next_step is DraftStep.FILES


def test_new_document_data_while_awaiting_the_code_ask_for_the_files_again():
    attempt = awaiting_code()
    attempt.give_document(IdentityDocument(PASSAPORTO, "YA1234567", date(2031, 1, 1)), at(minutes=4))
    assert attempt.status is AttemptStatus.DRAFT and attempt.next_step is DraftStep.FILES


def test_a_document_update_can_be_confirmed_again_after_new_files():
    attempt = awaiting_code()
    attempt.new_take("gabbiano", at(minutes=4))
    attempt.attach_video(OTHER_VIDEO, at(minutes=4))
    attempt.attach_document_files((FRONT,), at(minutes=4))
    attempt.confirm(at(minutes=4), today=TODAY)
    assert attempt.status is AttemptStatus.AWAITING_CONFIRMATION


def test_a_draft_can_be_abandoned_and_is_then_closed():
    attempt = with_document()
    attempt.abandon(LATER)
    assert attempt.status is AttemptStatus.ABANDONED and not attempt.is_open
    assert attempt.next_step is DraftStep.DONE


# --- the operator's decision (R-ID-4) ----------------------------------------------------------------
_NOT_SUBMITTED = {"draft": with_files, "awaiting_code": awaiting_code, "approved": approved,
                  "rejected": rejected, "abandoned": abandoned}


@pytest.mark.parametrize("state", _NOT_SUBMITTED)
def test_only_a_submitted_attempt_can_be_approved(state):
    attempt = _NOT_SUBMITTED[state]()
    before = copy.deepcopy(attempt)
    with pytest.raises(InvalidTransition):
        attempt.approve(operator_id="op-2", now=at(minutes=9))
    assert attempt == before


@pytest.mark.parametrize("state", _NOT_SUBMITTED)
def test_only_a_submitted_attempt_can_be_rejected(state):
    attempt = _NOT_SUBMITTED[state]()
    before = copy.deepcopy(attempt)
    with pytest.raises(InvalidTransition):
        attempt.reject(operator_id="op-2", reason=RejectionReason.FACE_MISMATCH, now=at(minutes=9))
    assert attempt == before


def test_approval_records_who_and_when_and_hands_back_the_document():
    attempt = submitted()
    decided = at(hours=2)
    document = attempt.approve(operator_id="op-1", now=decided, note="  tutto in ordine \n")
    assert document == DOCUMENT
    assert attempt.status is AttemptStatus.APPROVED and not attempt.is_open
    assert (attempt.decided_by, attempt.decided_at, attempt.updated_at) == ("op-1", decided, decided)
    assert attempt.rejection_reason is None
    assert attempt.decision_note == "tutto in ordine"


def test_rejection_records_the_reason_and_the_note():
    attempt = submitted()
    attempt.reject(operator_id="op-1", reason=RejectionReason.DOCUMENT_UNREADABLE, now=LATER,
                   note="  il retro è sfocato ")
    assert attempt.status is AttemptStatus.REJECTED and not attempt.is_open
    assert attempt.rejection_reason is RejectionReason.DOCUMENT_UNREADABLE
    assert attempt.decision_note == "il retro è sfocato"
    assert attempt.decided_by == "op-1"


@pytest.mark.parametrize("note", ["", "   ", "\n\t"])
def test_the_reason_other_needs_a_note(note):
    attempt = submitted()
    with pytest.raises(RejectionNoteRequired) as refused:
        attempt.reject(operator_id="op-1", reason=RejectionReason.OTHER, now=LATER, note=note)
    assert refused.value.field == "note"
    assert attempt.status is AttemptStatus.SUBMITTED


def test_the_reason_other_with_a_note_is_accepted():
    attempt = submitted()
    attempt.reject(operator_id="op-1", reason=RejectionReason.OTHER, now=LATER, note="video di un'altra persona")
    assert attempt.rejection_reason is RejectionReason.OTHER


@pytest.mark.parametrize("reason", [r for r in RejectionReason if r is not RejectionReason.OTHER])
def test_every_other_reason_needs_no_note(reason):
    attempt = submitted()
    attempt.reject(operator_id="op-1", reason=reason, now=LATER)
    assert attempt.rejection_reason is reason and attempt.decision_note == ""


def test_a_long_note_is_cut_to_the_maximum_length():
    attempt = submitted()
    attempt.reject(operator_id="op-1", reason=RejectionReason.OTHER, now=LATER, note="  " + "x" * 5000)
    assert attempt.decision_note == "x" * MAX_NOTE_LENGTH


def test_the_waiting_time_counts_from_submission():
    attempt = submitted()
    assert attempt.waiting_time(LATER + timedelta(hours=3)) == timedelta(hours=3)


# --- the gate (R-ID-5) -------------------------------------------------------------------------------
_days = st.dates(min_value=date(2020, 1, 1), max_value=date(2045, 12, 31))
_open_attempts = st.sampled_from([None, *AttemptStatus])


@st.composite
def registered_documents(draw) -> RegisteredDocument:
    identified_on = draw(_days)
    expires_on = draw(st.dates(min_value=identified_on, max_value=identified_on + timedelta(days=4_000)))
    return RegisteredDocument(datetime.combine(identified_on, time(10, 0), UTC),
                              IdentityDocument(draw(st.sampled_from(DocumentType)), "CA12345AB", expires_on))


@SETTINGS
@given(registered=st.none() | registered_documents(), today=_days, open_attempt=_open_attempts)
def test_the_gate_opens_exactly_when_a_registered_document_is_valid_today(registered, today, open_attempt):
    gate = dispositive_gate(registered, today, open_attempt)
    assert gate.allowed == (registered is not None and today <= registered.document.expires_on)


@SETTINGS
@given(today=_days, open_attempt=_open_attempts)
def test_the_gate_never_opens_without_a_registered_document(today, open_attempt):
    gate = dispositive_gate(None, today, open_attempt)
    assert not gate.allowed
    assert gate.document_expires_on is None


@SETTINGS
@given(registered=registered_documents(), day=_days, earlier_by=st.integers(min_value=0, max_value=5_000),
       open_attempt=_open_attempts)
def test_the_gate_open_on_a_day_was_open_on_every_earlier_day_since_identification(
        registered, day, earlier_by, open_attempt):
    earlier = day - timedelta(days=earlier_by)
    assume(earlier >= registered.identified_at.date())
    if dispositive_gate(registered, day, open_attempt).allowed:
        assert dispositive_gate(registered, earlier, open_attempt).allowed


@SETTINGS
@given(registered=st.none() | registered_documents(), today=_days, open_attempt=_open_attempts)
def test_the_document_expired_reason_is_given_exactly_when_expired_and_nothing_is_in_progress(
        registered, today, open_attempt):
    expired = registered is not None and today > registered.document.expires_on
    nothing_open = open_attempt not in OPEN_STATUSES
    reason = dispositive_gate(registered, today, open_attempt).reason
    assert (reason is GateReason.DOCUMENT_EXPIRED) == (expired and nothing_open)


@SETTINGS
@given(registered=st.none() | registered_documents(), today=_days, open_attempt=_open_attempts)
def test_the_gate_tells_the_expiry_of_the_registered_document(registered, today, open_attempt):
    gate = dispositive_gate(registered, today, open_attempt)
    assert gate.document_expires_on == (registered.document.expires_on if registered else None)


@pytest.mark.parametrize("open_attempt, reason", [
    (None, GateReason.NOT_IDENTIFIED),
    (AttemptStatus.REJECTED, GateReason.NOT_IDENTIFIED),
    (AttemptStatus.DRAFT, GateReason.IN_PROGRESS),
    (AttemptStatus.AWAITING_CONFIRMATION, GateReason.IN_PROGRESS),
    (AttemptStatus.SUBMITTED, GateReason.UNDER_REVIEW),
])
def test_an_unidentified_account_is_told_what_is_happening(open_attempt, reason):
    assert dispositive_gate(None, TODAY, open_attempt).reason is reason


def test_a_document_update_under_review_leaves_the_valid_document_in_force():
    registered = RegisteredDocument(NOW, DOCUMENT)
    assert dispositive_gate(registered, TODAY, AttemptStatus.SUBMITTED).reason is GateReason.ALLOWED


def _account(status: AccountStatus = AccountStatus.CONSULTATIVE, registered: RegisteredDocument | None = None):
    account = Account.import_legacy(account_id="acc-1", party_id=person(), email="mario@example.it",
                                    mobile="+393471234567", display_name="Mario Rossi", now=NOW)
    account.status = status
    account.password_hash = "hash"
    account.registered_document = registered
    return account


def test_an_identified_consultative_account_passes_the_gate():
    gate = _account(registered=RegisteredDocument(NOW, DOCUMENT)).gate(TODAY)
    assert gate.allowed and gate.document_expires_on == DOCUMENT.expires_on


@pytest.mark.parametrize("status", [s for s in AccountStatus if s is not AccountStatus.CONSULTATIVE])
def test_an_account_that_is_not_consultative_never_passes_the_gate(status):
    gate = _account(status, RegisteredDocument(NOW, DOCUMENT)).gate(TODAY, AttemptStatus.SUBMITTED)
    assert not gate.allowed
    assert gate.reason is GateReason.NOT_IDENTIFIED


def test_an_account_with_an_expired_document_stays_consultative():
    gate = _account(registered=RegisteredDocument(NOW, DOCUMENT)).gate(DOCUMENT.expires_on + timedelta(days=1))
    assert gate.reason is GateReason.DOCUMENT_EXPIRED and not gate.allowed


# --- the document in force on the account (R-ID-4, R-ID-6) -------------------------------------------
def test_the_first_approval_identifies_the_account_with_its_document():
    account = _account()
    account.register_document(DOCUMENT, LATER)
    assert account.registered_document == RegisteredDocument(LATER, DOCUMENT)
    assert not account.identification_pending


def test_a_later_approval_replaces_the_document_but_keeps_the_identification_date():
    account = _account(registered=RegisteredDocument(NOW, DOCUMENT))
    newer = IdentityDocument(PASSAPORTO, "YA1234567", date(2035, 1, 1))
    account.register_document(newer, at(days=400))
    assert account.registered_document == RegisteredDocument(NOW, newer)


@pytest.mark.parametrize("status", [AccountStatus.LEGACY_PENDING, AccountStatus.CLOSED])
def test_only_a_consultative_account_takes_a_document(status):
    account = _account(status)
    with pytest.raises(InvalidTransition):
        account.register_document(DOCUMENT, LATER)
    assert account.registered_document is None
