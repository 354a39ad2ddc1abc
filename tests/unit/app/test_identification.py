"""The customer's side of identification by video selfie (R-ID-1..3, R-ID-5, R-ID-6, R-LEG-3)."""
from __future__ import annotations

import io
from datetime import date, datetime, timedelta, timezone

import pytest
from dependency_injector import providers

from areaclienti.app.use_cases.identification import Confirmation, GiveDocument, SendDocumentFiles, Upload
from areaclienti.app.use_cases.legacy import StartFirstAccess
from areaclienti.domain.audit import AuditEventKind
from areaclienti.domain.errors import (
    DocumentExpired,
    DocumentExpiryImplausible,
    DocumentNumberInvalid,
    DocumentNumberInvalidCharacters,
    FileActiveContent,
    FileEmpty,
    FileMissing,
    FileTooLarge,
    FileTypeNotAllowed,
    FileUnreadable,
    IdentificationAlreadySubmitted,
    IdentificationIncomplete,
    InvalidTransition,
    NotFound,
    OtpAttemptsExhausted,
    OtpInvalid,
    OtpSendRefused,
)
from areaclienti.domain.identification import (
    AttemptKind,
    AttemptStatus,
    DocumentType,
    DraftStep,
    GateReason,
    IdentityDocument,
    RejectionReason,
    UploadLimits,
)
from areaclienti.domain.keywords import KEYWORDS

from tests.sample_files import HOSTILE_PDFS, PAYLOAD_HTML, jpeg_with_gps, picture, polyglot

from .identification_journeys import DOCUMENT_EXPIRY, JPEG, PDF, PNG, WEBM, identify_until_sent, upload
from .journeys import EMAIL, MOBILE, account, account_of, audit_events, register, set_password, wrong

TODAY = date(2026, 11, 25)  # the harness clock, 10:00 in Rome
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00" + b"\0" * 512
ZIP = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\0" * 512
TEXT = "Carta d'identità di Giulia Bianchi, numero CA12345AB.\n".encode() * 20
OTHER_EMAIL, OTHER_MOBILE = "luca@example.it", "+393339998877"
LEGACY_MOBILE = "+393356672104"


@pytest.fixture
def customer(harness, demo) -> str:
    return register(harness, demo.scenario("policyholder_vita"))


@pytest.fixture
def other_customer(harness, demo, customer) -> str:
    return register(harness, demo.scenario("policyholder_danni"), email=OTHER_EMAIL, mobile=OTHER_MOBILE)


@pytest.fixture
def small_limits(harness) -> UploadLimits:
    """Limits small enough that an oversize file is a few kilobytes."""
    limits = UploadLimits(max_video_bytes=8 * 1024, min_video_bytes=1024,
                          max_document_bytes=2 * 1024, min_document_bytes=100)
    harness.container.upload_limits.override(providers.Object(limits))
    return limits


def ident(harness):
    return harness.container.identification()


def files(harness) -> dict[str, bytes]:
    return dict(harness.container.storage().files)


def attempt_of(harness, attempt_id):
    with harness.container.uow() as uow:
        return uow.identifications.get(attempt_id)


def with_video(harness, account_id):
    attempt = ident(harness).start(account_id)
    ident(harness).send_video(account_id, attempt.id, upload(WEBM, "selfie.webm"))
    return attempt


def with_document(harness, account_id, *, number="CA12345AB", expires_on=DOCUMENT_EXPIRY):
    attempt = with_video(harness, account_id)
    ident(harness).give_document(GiveDocument(account_id, attempt.id, DocumentType.CARTA_IDENTITA, number,
                                              expires_on))
    return attempt


def send_files(harness, account_id, attempt_id, front=JPEG, back=PNG, front_name="fronte.jpg",
               back_name="retro.png") -> Confirmation:
    return ident(harness).send_document_files(SendDocumentFiles(
        account_id, attempt_id, upload(front, front_name), upload(back, back_name) if back is not None else None))


def approve(harness, attempt_id, operator_id="op-1"):
    harness.container.review().approve(operator_id=operator_id, attempt_id=attempt_id)


def reject(harness, attempt_id, reason=RejectionReason.VIDEO_UNCLEAR, note=""):
    harness.container.review().reject(operator_id="op-1", attempt_id=attempt_id, reason=reason, note=note)


@pytest.fixture
def identified(harness, customer) -> str:
    """A customer whose first identification was approved (document CA12345AB, expiring DOCUMENT_EXPIRY)."""
    attempt, _ = identify_until_sent(harness, customer)
    approve(harness, attempt.id)
    harness.clock.advance(minutes=1)
    return customer


def awaiting_code(harness, account_id, *, number="YA1234567", expires_on=date(2034, 3, 31)):
    """A document update sent up to the SMS code."""
    attempt = ident(harness).start(account_id)
    ident(harness).send_video(account_id, attempt.id, upload(WEBM, "selfie.webm"))
    ident(harness).give_document(GiveDocument(account_id, attempt.id, DocumentType.PASSAPORTO, number, expires_on))
    confirmation = send_files(harness, account_id, attempt.id, front=PDF, front_name="passaporto.pdf", back=None)
    return attempt, confirmation


# --- starting (R-ID-1, R-ID-2) -----------------------------------------------------------------------
def test_a_new_customer_is_not_identified_and_may_start(harness, customer):
    status = ident(harness).status(customer)
    assert status.gate.reason is GateReason.NOT_IDENTIFIED and not status.gate.allowed
    assert not status.identified and status.attempt is None and status.may_start
    assert status.next_step is None and status.last_rejection is None
    assert status.mobile_masked and status.mobile_masked.endswith("567") and MOBILE not in status.mobile_masked
    assert not status.is_legacy


def test_start_opens_a_first_identification_with_a_keyword_from_the_list(harness, customer):
    attempt = ident(harness).start(customer)
    assert attempt.kind is AttemptKind.FIRST and attempt.status is AttemptStatus.DRAFT
    assert attempt.account_id == customer and attempt.keyword in KEYWORDS
    status = ident(harness).status(customer)
    assert status.attempt.id == attempt.id and status.next_step is DraftStep.VIDEO
    assert status.gate.reason is GateReason.IN_PROGRESS
    assert "identification_started" in harness.audit_kinds(customer)


def test_starting_again_returns_the_same_draft_and_keyword(harness, customer):
    first = ident(harness).start(customer)
    again = ident(harness).start(customer)
    assert (again.id, again.keyword) == (first.id, first.keyword)
    assert harness.audit_kinds(customer).count("identification_started") == 1


def test_an_account_that_cannot_log_in_cannot_start(harness, seeded):
    legacy_pending = account_of(harness, seeded.scenario("legacy").tax_code)
    with pytest.raises(NotFound):
        ident(harness).start(legacy_pending.id)


def test_the_steps_are_shown_in_order(harness, customer):
    attempt = ident(harness).start(customer)
    ident(harness).send_video(customer, attempt.id, upload(WEBM, "selfie.webm"))
    assert ident(harness).status(customer).next_step is DraftStep.DOCUMENT
    ident(harness).give_document(GiveDocument(customer, attempt.id, DocumentType.PATENTE, "U1765 4321C",
                                              DOCUMENT_EXPIRY))
    status = ident(harness).status(customer)
    assert status.next_step is DraftStep.FILES
    assert status.attempt.document == IdentityDocument(DocumentType.PATENTE, "U17654321C", DOCUMENT_EXPIRY)


# --- the video (R-ID-2) ------------------------------------------------------------------------------
def test_the_video_is_kept_under_a_server_made_name_with_its_type_read_from_the_content(harness, customer):
    attempt = with_video(harness, customer)
    video = attempt_of(harness, attempt.id).video
    assert video.content_type == "video/webm" and video.size == len(WEBM)
    assert "selfie" not in video.key and video.key.endswith(".webm")
    assert files(harness) == {video.key: WEBM}


def test_a_new_take_draws_a_different_keyword_and_keeps_it(harness, customer):
    attempt = ident(harness).start(customer)
    keyword = ident(harness).new_take(customer, attempt.id)
    assert keyword != attempt.keyword and keyword in KEYWORDS
    stored = attempt_of(harness, attempt.id)
    assert stored.keyword == keyword and stored.takes == 2


def test_a_new_take_deletes_the_previous_video_once_committed(harness, customer):
    attempt = with_video(harness, customer)
    (old_key,) = files(harness)
    ident(harness).new_take(customer, attempt.id)
    assert files(harness) == {}
    assert attempt_of(harness, attempt.id).video is None
    ident(harness).send_video(customer, attempt.id, upload(WEBM + b"\1", "selfie-2.webm"))
    (new_key,) = files(harness)
    assert new_key != old_key and attempt_of(harness, attempt.id).video.key == new_key


def test_a_second_video_replaces_and_deletes_the_first(harness, customer):
    attempt = with_video(harness, customer)
    (old_key,) = files(harness)
    ident(harness).send_video(customer, attempt.id, upload(WEBM + b"\1", "selfie-2.webm"))
    (new_key,) = files(harness)
    assert new_key != old_key
    assert files(harness)[new_key] == WEBM + b"\1"


@pytest.mark.parametrize("data, name", [(JPEG, "selfie.webm"), (PNG, "video.mp4"), (PDF, "selfie.webm"),
                                        (TEXT, "selfie.webm"), (ZIP, "selfie.webm")])
def test_a_video_that_is_not_a_video_is_refused(harness, customer, data, name):
    attempt = ident(harness).start(customer)
    with pytest.raises(FileTypeNotAllowed) as refused:
        ident(harness).send_video(customer, attempt.id, upload(data, name))
    assert refused.value.params == {"role": "video", "name": name}
    assert files(harness) == {}
    assert attempt_of(harness, attempt.id).video is None


def test_an_empty_video_is_refused(harness, customer):
    attempt = ident(harness).start(customer)
    with pytest.raises(FileEmpty):
        ident(harness).send_video(customer, attempt.id, upload(b"", "selfie.webm"))
    assert files(harness) == {} and attempt_of(harness, attempt.id).video is None


def test_a_video_too_small_to_hold_a_frame_is_refused(harness, customer):
    attempt = ident(harness).start(customer)
    with pytest.raises(FileEmpty):
        ident(harness).send_video(customer, attempt.id, upload(WEBM[:1000], "selfie.webm"))
    assert files(harness) == {} and attempt_of(harness, attempt.id).video is None


def test_a_missing_video_is_refused(harness, customer):
    attempt = ident(harness).start(customer)
    with pytest.raises(FileMissing):
        ident(harness).send_video(customer, attempt.id, Upload(None, ""))  # type: ignore[arg-type]
    assert files(harness) == {}


def test_an_oversize_video_is_refused_and_nothing_is_kept(harness, customer, small_limits):
    attempt = ident(harness).start(customer)
    with pytest.raises(FileTooLarge) as refused:
        ident(harness).send_video(customer, attempt.id, upload(WEBM + b"\0" * 8 * 1024, "selfie.webm"))
    assert refused.value.params["role"] == "video"
    assert files(harness) == {} and attempt_of(harness, attempt.id).video is None


def test_a_video_of_exactly_the_maximum_size_is_accepted(harness, customer, small_limits):
    attempt = ident(harness).start(customer)
    video = WEBM + b"\0" * (small_limits.max_video_bytes - len(WEBM))
    ident(harness).send_video(customer, attempt.id, upload(video, "selfie.webm"))
    assert attempt_of(harness, attempt.id).video.size == small_limits.max_video_bytes


def test_an_oversize_video_is_refused_even_when_it_arrives_in_small_reads(harness, customer, small_limits):
    class Trickle(io.BytesIO):
        def read(self, n=-1):
            return super().read(min(n, 100) if n and n > 0 else 100)

    attempt = ident(harness).start(customer)
    with pytest.raises(FileTooLarge):
        ident(harness).send_video(customer, attempt.id, Upload(Trickle(WEBM * 3), "selfie.webm"))
    assert files(harness) == {}


# --- the document's data (R-ID-3) --------------------------------------------------------------------
def _give(harness, account_id, attempt_id, number="CA12345AB", expires_on=DOCUMENT_EXPIRY,
          type_=DocumentType.CARTA_IDENTITA):
    ident(harness).give_document(GiveDocument(account_id, attempt_id, type_, number, expires_on))


def test_the_document_data_need_the_video_first(harness, customer):
    attempt = ident(harness).start(customer)
    with pytest.raises(IdentificationIncomplete) as refused:
        _give(harness, customer, attempt.id)
    assert refused.value.params == {"missing": "video"}


def test_an_expired_document_is_refused(harness, customer):
    attempt = with_video(harness, customer)
    with pytest.raises(DocumentExpired):
        _give(harness, customer, attempt.id, expires_on=TODAY - timedelta(days=1))
    assert attempt_of(harness, attempt.id).document is None


def test_a_document_expiring_today_is_accepted(harness, customer):
    attempt = with_video(harness, customer)
    _give(harness, customer, attempt.id, expires_on=TODAY)
    assert attempt_of(harness, attempt.id).document.expires_on == TODAY


def test_today_is_the_italian_calendar_day(harness, customer):
    attempt = with_video(harness, customer)
    harness.clock.set(datetime(2026, 11, 25, 23, 30, tzinfo=timezone.utc))  # already the 26th in Rome
    with pytest.raises(DocumentExpired):
        _give(harness, customer, attempt.id, expires_on=TODAY)


def test_an_implausible_expiry_is_refused(harness, customer):
    attempt = with_video(harness, customer)
    with pytest.raises(DocumentExpiryImplausible):
        _give(harness, customer, attempt.id, expires_on=date(2045, 1, 1))


@pytest.mark.parametrize("number", ["CA12345A#", "CA 12345 AB;", "CA12345ÀB", "<script>"])
def test_a_document_number_with_bad_characters_is_refused(harness, customer, number):
    attempt = with_video(harness, customer)
    with pytest.raises(DocumentNumberInvalidCharacters):
        _give(harness, customer, attempt.id, number=number)
    assert attempt_of(harness, attempt.id).document is None


def test_a_document_number_in_the_wrong_shape_is_refused(harness, customer):
    attempt = with_video(harness, customer)
    with pytest.raises(DocumentNumberInvalid):
        _give(harness, customer, attempt.id, number="YA1234567", type_=DocumentType.PATENTE)


def test_the_document_data_can_be_corrected_before_sending(harness, customer):
    attempt = with_document(harness, customer)
    _give(harness, customer, attempt.id, number="AB 7654321")
    assert attempt_of(harness, attempt.id).document.number == "AB7654321"


# --- the document's files and «conferma invio» (R-ID-3) ----------------------------------------------
def test_sending_the_files_submits_a_first_identification(harness, customer):
    attempt = with_document(harness, customer)
    confirmation = send_files(harness, customer, attempt.id)
    assert confirmation == Confirmation(submitted=True)
    sent = attempt_of(harness, attempt.id)
    assert sent.status is AttemptStatus.SUBMITTED and sent.submitted_at == harness.clock.now()
    assert [f.content_type for f in sent.document_files] == ["image/jpeg", "image/png"]
    assert set(files(harness)) == {sent.video.key, *(f.key for f in sent.document_files)}
    status = ident(harness).status(customer)
    assert status.gate.reason is GateReason.UNDER_REVIEW and not status.may_start
    assert status.next_step is DraftStep.DONE
    assert harness.sms.sent[-1].to == MOBILE and len(harness.sms.sent) == 1  # only the registration code
    assert "identification_submitted" in harness.audit_kinds(customer)


def test_one_file_with_both_sides_is_enough(harness, customer):
    attempt = with_document(harness, customer)
    send_files(harness, customer, attempt.id, back=None)
    assert len(attempt_of(harness, attempt.id).document_files) == 1


def test_a_pdf_is_accepted_as_the_document(harness, customer):
    attempt = with_document(harness, customer)
    send_files(harness, customer, attempt.id, front=PDF, front_name="documento.pdf", back=None)
    assert attempt_of(harness, attempt.id).document_files[0].content_type == "application/pdf"


def test_the_files_need_the_document_data_first(harness, customer):
    attempt = with_video(harness, customer)
    before = files(harness)
    with pytest.raises(IdentificationIncomplete) as refused:
        send_files(harness, customer, attempt.id)
    assert refused.value.params == {"missing": "document"}
    assert files(harness) == before


@pytest.mark.parametrize("data, name", [
    (TEXT, "fronte.jpg"), (GIF, "fronte.jpg"), (ZIP, "fronte.pdf"), (WEBM, "fronte.jpg"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>" * 5, "fronte.png"),
])
def test_a_front_of_a_type_not_allowed_is_refused_whatever_its_name(harness, customer, data, name):
    attempt = with_document(harness, customer)
    before = files(harness)
    with pytest.raises(FileTypeNotAllowed) as refused:
        send_files(harness, customer, attempt.id, front=data, front_name=name)
    assert refused.value.params == {"role": "document", "name": name}
    assert files(harness) == before
    assert attempt_of(harness, attempt.id).status is AttemptStatus.DRAFT
    refusals = [e for e in audit_events(harness) if e.kind is AuditEventKind.FILE_REJECTED]
    assert [(e.account_id, e.details) for e in refusals] == [
        (customer, {"role": "document", "why": "file_type_not_allowed"})]


@pytest.mark.parametrize("kind", sorted(HOSTILE_PDFS))
def test_a_pdf_with_active_content_is_refused_and_nothing_is_kept(harness, customer, kind):
    attempt = with_document(harness, customer)
    before = files(harness)
    with pytest.raises(FileActiveContent) as refused:
        send_files(harness, customer, attempt.id, front=HOSTILE_PDFS[kind](), front_name="documento.pdf", back=None)
    assert refused.value.params["role"] == "document" and refused.value.params["name"] == "documento.pdf"
    assert files(harness) == before
    assert attempt_of(harness, attempt.id).document_files == ()
    refusals = [e for e in audit_events(harness) if e.kind is AuditEventKind.FILE_REJECTED]
    assert [(e.account_id, e.details) for e in refusals] == [
        (customer, {"role": "document", "why": "file_active_content"})]


def test_images_are_kept_re_encoded_without_exif_or_appended_payloads(harness, customer):
    attempt = with_document(harness, customer)
    front, back = jpeg_with_gps(), polyglot(PNG)
    send_files(harness, customer, attempt.id, front=front, back=back)
    kept = [files(harness)[f.key] for f in attempt_of(harness, attempt.id).document_files]
    assert b"Exif" not in kept[0] and picture(kept[0]) == picture(front)
    assert PAYLOAD_HTML not in kept[1] and picture(kept[1]) == picture(PNG)
    assert [f.size for f in attempt_of(harness, attempt.id).document_files] == [len(k) for k in kept]


def test_an_image_that_cannot_be_decoded_is_refused(harness, customer):
    attempt = with_document(harness, customer)
    with pytest.raises(FileUnreadable) as refused:
        send_files(harness, customer, attempt.id, back=PNG[:300], back_name="retro.png")
    assert refused.value.params == {"role": "document", "name": "retro.png"}
    assert attempt_of(harness, attempt.id).document_files == ()


def test_a_bad_back_leaves_neither_file_stored_and_the_attempt_unchanged(harness, customer):
    attempt = with_document(harness, customer)
    before_files, before = files(harness), attempt_of(harness, attempt.id)
    with pytest.raises(FileTypeNotAllowed):
        send_files(harness, customer, attempt.id, back=TEXT, back_name="retro.jpg")
    assert files(harness) == before_files
    assert attempt_of(harness, attempt.id) == before


def test_an_empty_document_file_is_refused(harness, customer):
    attempt = with_document(harness, customer)
    before = files(harness)
    with pytest.raises(FileEmpty):
        send_files(harness, customer, attempt.id, back=b"", back_name="retro.png")
    assert files(harness) == before


def test_a_document_file_too_small_to_be_an_image_is_refused(harness, customer):
    attempt = with_document(harness, customer)
    before = files(harness)
    with pytest.raises(FileEmpty):
        send_files(harness, customer, attempt.id, front=JPEG[:40])
    assert files(harness) == before


def test_an_oversize_back_leaves_the_front_unstored(harness, customer, small_limits):
    attempt = with_document(harness, customer)
    before_files, before = files(harness), attempt_of(harness, attempt.id)
    with pytest.raises(FileTooLarge) as refused:
        send_files(harness, customer, attempt.id, back=PNG + b"\0" * 2 * 1024)
    assert refused.value.params["role"] == "document"
    assert files(harness) == before_files
    assert attempt_of(harness, attempt.id) == before


def test_a_document_that_expired_since_it_was_typed_leaves_no_file_and_the_attempt_unchanged(harness, customer):
    attempt = with_document(harness, customer, expires_on=TODAY)
    harness.clock.advance(days=1)
    before_files, before = files(harness), attempt_of(harness, attempt.id)
    with pytest.raises(DocumentExpired):
        send_files(harness, customer, attempt.id)
    assert files(harness) == before_files
    assert attempt_of(harness, attempt.id) == before


class _Interrupting(io.BytesIO):
    """A file whose upload is still being read when something else happens (another tab, a double click)."""

    def __init__(self, data: bytes, meanwhile) -> None:
        super().__init__(data)
        self._meanwhile = meanwhile

    def read(self, n=-1):
        meanwhile, self._meanwhile = self._meanwhile, None
        if meanwhile is not None:
            meanwhile()
        return super().read(n)


def test_a_submission_from_another_tab_while_uploading_leaves_no_file_behind(harness, customer):
    attempt = with_document(harness, customer)
    slow = _Interrupting(JPEG, lambda: send_files(harness, customer, attempt.id))
    with pytest.raises(IdentificationAlreadySubmitted):
        ident(harness).send_document_files(SendDocumentFiles(customer, attempt.id, Upload(slow, "fronte.jpg")))
    sent = attempt_of(harness, attempt.id)
    assert sent.status is AttemptStatus.SUBMITTED and len(sent.document_files) == 2  # the other tab's
    assert set(files(harness)) == {sent.video.key, *(f.key for f in sent.document_files)}


def _break_commits(harness, monkeypatch):
    """The database fails at commit: the transaction is dropped."""
    def fail(txn):
        txn.rollback()
        raise RuntimeError("the database went away")

    monkeypatch.setattr(harness.store, "_apply", fail)


def test_a_failed_commit_leaves_no_new_file_and_keeps_the_files_in_use(harness, customer, monkeypatch):
    attempt = with_document(harness, customer)
    before_files, before = files(harness), attempt_of(harness, attempt.id)
    _break_commits(harness, monkeypatch)
    with pytest.raises(RuntimeError):
        send_files(harness, customer, attempt.id)
    with pytest.raises(RuntimeError):
        ident(harness).send_video(customer, attempt.id, upload(WEBM + b"\1", "selfie-2.webm"))
    with pytest.raises(RuntimeError):
        ident(harness).new_take(customer, attempt.id)
    monkeypatch.undo()
    assert files(harness) == before_files  # the old video is deleted only after a commit
    assert attempt_of(harness, attempt.id) == before


def test_sending_the_files_twice_is_refused_and_stores_nothing(harness, customer):
    attempt, _ = identify_until_sent(harness, customer)
    before_files, before = files(harness), attempt_of(harness, attempt.id)
    with pytest.raises(IdentificationAlreadySubmitted):
        send_files(harness, customer, attempt.id)
    assert files(harness) == before_files
    assert attempt_of(harness, attempt.id) == before
    assert harness.audit_kinds(customer).count("identification_submitted") == 1


def test_starting_while_submitted_is_refused(harness, customer):
    identify_until_sent(harness, customer)
    with pytest.raises(IdentificationAlreadySubmitted):
        ident(harness).start(customer)


@pytest.mark.parametrize("action", ["new_take", "send_video", "give_document", "abandon"])
def test_after_sending_the_customer_can_change_nothing(harness, customer, action):
    attempt, _ = identify_until_sent(harness, customer)
    before_files, before = files(harness), attempt_of(harness, attempt.id)
    calls = {
        "new_take": lambda: ident(harness).new_take(customer, attempt.id),
        "send_video": lambda: ident(harness).send_video(customer, attempt.id, upload(WEBM, "altro.webm")),
        "give_document": lambda: _give(harness, customer, attempt.id, number="AB7654321"),
        "abandon": lambda: ident(harness).abandon(customer, attempt.id),
    }
    with pytest.raises(IdentificationAlreadySubmitted):
        calls[action]()
    assert files(harness) == before_files
    assert attempt_of(harness, attempt.id) == before


# --- somebody else's attempt -------------------------------------------------------------------------
_CALLS = {
    "new_take": lambda h, me, aid: ident(h).new_take(me, aid),
    "send_video": lambda h, me, aid: ident(h).send_video(me, aid, upload(WEBM, "selfie.webm")),
    "give_document": lambda h, me, aid: _give(h, me, aid),
    "send_document_files": lambda h, me, aid: send_files(h, me, aid),
    "confirm_with_code": lambda h, me, aid: ident(h).confirm_with_code(me, aid, "12345"),
    "resend_code": lambda h, me, aid: ident(h).resend_code(me, aid),
    "abandon": lambda h, me, aid: ident(h).abandon(me, aid),
    "open_file": lambda h, me, aid: ident(h).open_file(me, aid, 0),
}


@pytest.mark.parametrize("call", _CALLS)
def test_another_customers_attempt_is_not_found_and_left_alone(harness, customer, other_customer, call):
    attempt = with_document(harness, customer)
    before_files, before, sms = files(harness), attempt_of(harness, attempt.id), len(harness.sms.sent)
    with pytest.raises(NotFound):
        _CALLS[call](harness, other_customer, attempt.id)
    assert files(harness) == before_files
    assert attempt_of(harness, attempt.id) == before
    assert len(harness.sms.sent) == sms


@pytest.mark.parametrize("call", _CALLS)
def test_another_customers_document_update_is_not_found_either(harness, customer, other_customer, call):
    attempt, _ = identify_until_sent(harness, customer)
    approve(harness, attempt.id)
    harness.clock.advance(minutes=1)
    update, _ = awaiting_code(harness, customer)
    harness.clock.advance(minutes=1)
    before_files, before, sms = files(harness), attempt_of(harness, update.id), len(harness.sms.sent)
    with pytest.raises(NotFound):
        _CALLS[call](harness, other_customer, update.id)
    assert files(harness) == before_files
    assert attempt_of(harness, update.id) == before
    assert len(harness.sms.sent) == sms


@pytest.mark.parametrize("call", _CALLS)
def test_an_unknown_attempt_is_not_found(harness, customer, call):
    ident(harness).start(customer)
    with pytest.raises(NotFound):
        _CALLS[call](harness, customer, "no-such-attempt")
    assert files(harness) == {}


# --- the customer's own files ------------------------------------------------------------------------
def test_the_customer_can_open_their_own_document_images(harness, customer):
    attempt, _ = identify_until_sent(harness, customer)
    stream, stored = ident(harness).open_file(customer, attempt.id, 1)
    assert picture(stream.read()) == picture(PNG) and stored.content_type == "image/png"


@pytest.mark.parametrize("index", [-1, 2, 99])
def test_an_image_index_out_of_range_is_not_found(harness, customer, index):
    attempt, _ = identify_until_sent(harness, customer)
    with pytest.raises(NotFound):
        ident(harness).open_file(customer, attempt.id, index)


# --- abandoning --------------------------------------------------------------------------------------
def test_abandoning_a_draft_deletes_its_files_and_a_new_start_draws_a_new_attempt(harness, customer):
    attempt = with_document(harness, customer)
    ident(harness).abandon(customer, attempt.id)
    assert files(harness) == {}
    assert attempt_of(harness, attempt.id).status is AttemptStatus.ABANDONED
    status = ident(harness).status(customer)
    assert status.attempt is None and status.gate.reason is GateReason.NOT_IDENTIFIED
    assert ident(harness).start(customer).id != attempt.id


# --- after the operator's decision (R-ID-4, R-ID-5) --------------------------------------------------
def test_an_approved_customer_is_identified_and_may_use_the_dispositive_functions(harness, identified):
    status = ident(harness).status(identified)
    assert status.identified and status.gate.allowed
    assert status.gate.document_expires_on == DOCUMENT_EXPIRY
    assert status.attempt is None and status.may_start


def test_the_document_expiry_closes_the_gate(harness, identified):
    harness.clock.set(datetime(2030, 5, 31, 21, 59, tzinfo=timezone.utc))  # 23:59 in Rome, last valid day
    assert ident(harness).status(identified).gate.allowed
    harness.clock.advance(minutes=2)
    status = ident(harness).status(identified)
    assert status.gate.reason is GateReason.DOCUMENT_EXPIRED and status.identified


def test_a_rejected_customer_is_told_why_and_can_start_again(harness, customer):
    attempt, _ = identify_until_sent(harness, customer)
    reject(harness, attempt.id, RejectionReason.DOCUMENT_UNREADABLE, note="Il retro è sfocato")
    status = ident(harness).status(customer)
    assert status.gate.reason is GateReason.NOT_IDENTIFIED and not status.identified
    assert status.last_rejection is RejectionReason.DOCUMENT_UNREADABLE
    assert status.last_rejection_note == "Il retro è sfocato"
    assert status.may_start
    harness.clock.advance(minutes=1)
    again = ident(harness).start(customer)
    assert again.id != attempt.id and again.kind is AttemptKind.FIRST and again.status is AttemptStatus.DRAFT
    identify_until_sent(harness, customer)  # the whole procedure works again
    assert ident(harness).status(customer).gate.reason is GateReason.UNDER_REVIEW


# --- document update (R-ID-6) ------------------------------------------------------------------------
def test_an_identified_customer_starts_a_document_update(harness, identified):
    attempt = ident(harness).start(identified)
    assert attempt.kind is AttemptKind.DOCUMENT_UPDATE


def test_a_document_update_asks_for_an_sms_code_after_the_files(harness, identified):
    attempt, confirmation = awaiting_code(harness, identified)
    assert confirmation.submitted is False and confirmation.masked_mobile.endswith("567")
    assert MOBILE not in confirmation.masked_mobile
    assert harness.sms.last_to(MOBILE) is harness.sms.sent[-1]
    status = ident(harness).status(identified)
    assert status.attempt.status is AttemptStatus.AWAITING_CONFIRMATION
    assert status.next_step is DraftStep.CONFIRMATION
    assert status.gate.allowed  # the document in force still is


def test_a_wrong_code_leaves_the_update_waiting(harness, identified):
    attempt, _ = awaiting_code(harness, identified)
    with pytest.raises(OtpInvalid):
        ident(harness).confirm_with_code(identified, attempt.id, wrong(harness.code_sent_to(MOBILE)))
    assert attempt_of(harness, attempt.id).status is AttemptStatus.AWAITING_CONFIRMATION
    assert "otp_failed" in harness.audit_kinds(identified)


def test_the_right_code_sends_the_update_to_the_operators(harness, identified):
    attempt, _ = awaiting_code(harness, identified)
    ident(harness).confirm_with_code(identified, attempt.id, harness.code_sent_to(MOBILE))
    sent = attempt_of(harness, attempt.id)
    assert sent.status is AttemptStatus.SUBMITTED and sent.submitted_at is not None
    kinds = harness.audit_kinds(identified)
    assert "otp_verified" in kinds and kinds.count("identification_submitted") == 2


def test_the_code_confirms_only_once(harness, identified):
    attempt, _ = awaiting_code(harness, identified)
    code = harness.code_sent_to(MOBILE)
    ident(harness).confirm_with_code(identified, attempt.id, code)
    with pytest.raises(IdentificationAlreadySubmitted):
        ident(harness).confirm_with_code(identified, attempt.id, code)


def test_five_wrong_codes_void_the_code_until_a_new_one_is_sent(harness, identified):
    attempt, _ = awaiting_code(harness, identified)
    code = harness.code_sent_to(MOBILE)
    for _ in range(5):
        with pytest.raises((OtpInvalid, OtpAttemptsExhausted)):
            ident(harness).confirm_with_code(identified, attempt.id, wrong(code))
    with pytest.raises((OtpInvalid, OtpAttemptsExhausted)):
        ident(harness).confirm_with_code(identified, attempt.id, code)
    harness.clock.advance(seconds=60)
    ident(harness).resend_code(identified, attempt.id)
    ident(harness).confirm_with_code(identified, attempt.id, harness.code_sent_to(MOBILE))
    assert attempt_of(harness, attempt.id).status is AttemptStatus.SUBMITTED


def test_a_code_cannot_be_resent_within_the_cool_down(harness, identified):
    attempt, _ = awaiting_code(harness, identified)
    sent = len(harness.sms.to(MOBILE))
    with pytest.raises(OtpSendRefused) as refused:
        ident(harness).resend_code(identified, attempt.id)
    assert refused.value.params["retry_after"] == harness.clock.now() + timedelta(seconds=60)
    assert len(harness.sms.to(MOBILE)) == sent


def test_a_resent_code_replaces_the_previous_one(harness, identified):
    attempt, _ = awaiting_code(harness, identified)
    first = harness.code_sent_to(MOBILE)
    harness.clock.advance(seconds=60)
    masked = ident(harness).resend_code(identified, attempt.id)
    assert masked.endswith("567")
    second = harness.code_sent_to(MOBILE)
    assert len(harness.sms.to(MOBILE)) == 3  # registration, first, second
    if first != second:
        with pytest.raises(OtpInvalid):
            ident(harness).confirm_with_code(identified, attempt.id, first)
    ident(harness).confirm_with_code(identified, attempt.id, second)
    assert attempt_of(harness, attempt.id).status is AttemptStatus.SUBMITTED


def test_a_code_is_resent_only_for_an_update_waiting_for_it(harness, identified):
    attempt = ident(harness).start(identified)
    harness.clock.advance(seconds=60)
    with pytest.raises(InvalidTransition):
        ident(harness).resend_code(identified, attempt.id)
    with pytest.raises(InvalidTransition):
        ident(harness).confirm_with_code(identified, attempt.id, "12345")


def test_a_first_identification_needs_no_code(harness, customer):
    attempt, confirmation = identify_until_sent(harness, customer)
    assert confirmation.submitted
    with pytest.raises(IdentificationAlreadySubmitted):
        ident(harness).confirm_with_code(customer, attempt.id, "12345")


def test_a_retake_while_waiting_for_the_code_asks_for_the_files_again(harness, identified):
    attempt, _ = awaiting_code(harness, identified)
    code = harness.code_sent_to(MOBILE)
    ident(harness).new_take(identified, attempt.id)
    ident(harness).send_video(identified, attempt.id, upload(WEBM + b"\2", "selfie.webm"))
    assert ident(harness).status(identified).next_step is DraftStep.FILES
    with pytest.raises(InvalidTransition):
        ident(harness).confirm_with_code(identified, attempt.id, code)
    harness.clock.advance(seconds=60)
    confirmation = send_files(harness, identified, attempt.id, front=PDF, front_name="passaporto.pdf", back=None)
    assert not confirmation.submitted
    ident(harness).confirm_with_code(identified, attempt.id, harness.code_sent_to(MOBILE))
    assert attempt_of(harness, attempt.id).status is AttemptStatus.SUBMITTED


def test_files_sent_again_while_waiting_for_the_code_replace_and_delete_the_previous(harness, identified):
    attempt, _ = awaiting_code(harness, identified)
    (old,) = attempt_of(harness, attempt.id).document_files
    harness.clock.advance(seconds=60)
    send_files(harness, identified, attempt.id, front=JPEG, back=PNG)
    now_kept = attempt_of(harness, attempt.id)
    assert old.key not in files(harness)
    assert all(f.key in files(harness) for f in now_kept.document_files)
    assert now_kept.status is AttemptStatus.AWAITING_CONFIRMATION


def test_the_previous_document_stays_in_force_until_the_update_is_approved(harness, identified):
    before = account(harness, identified).registered_document
    attempt, _ = awaiting_code(harness, identified)
    ident(harness).confirm_with_code(identified, attempt.id, harness.code_sent_to(MOBILE))
    assert account(harness, identified).registered_document == before
    assert ident(harness).status(identified).gate.allowed
    harness.clock.advance(hours=2)
    approve(harness, attempt.id)
    after = account(harness, identified).registered_document
    assert after.document == IdentityDocument(DocumentType.PASSAPORTO, "YA1234567", date(2034, 3, 31))
    assert after.identified_at == before.identified_at  # identified once (R-ID-5)
    assert ident(harness).status(identified).gate.document_expires_on == date(2034, 3, 31)


def test_a_rejected_update_leaves_the_previous_document_in_force(harness, identified):
    before = account(harness, identified).registered_document
    attempt, _ = awaiting_code(harness, identified)
    ident(harness).confirm_with_code(identified, attempt.id, harness.code_sent_to(MOBILE))
    reject(harness, attempt.id, RejectionReason.FACE_MISMATCH)
    assert account(harness, identified).registered_document == before
    status = ident(harness).status(identified)
    assert status.gate.allowed and status.last_rejection is RejectionReason.FACE_MISMATCH


def test_an_expired_document_can_be_updated_to_open_the_gate_again(harness, identified):
    harness.clock.set(datetime(2030, 6, 2, 9, 0, tzinfo=timezone.utc))
    assert ident(harness).status(identified).gate.reason is GateReason.DOCUMENT_EXPIRED
    attempt, _ = awaiting_code(harness, identified, expires_on=date(2040, 1, 1))
    assert ident(harness).status(identified).gate.reason is GateReason.IN_PROGRESS
    ident(harness).confirm_with_code(identified, attempt.id, harness.code_sent_to(MOBILE))
    assert ident(harness).status(identified).gate.reason is GateReason.UNDER_REVIEW
    approve(harness, attempt.id)
    assert ident(harness).status(identified).gate.allowed


# --- customers of the old area (R-LEG-3) -------------------------------------------------------------
def _activate_legacy(harness, scenario) -> str:
    first_access = harness.container.legacy_first_access()
    flow = first_access.start(StartFirstAccess(scenario.email, LEGACY_MOBILE))
    first_access.verify(flow, harness.code_sent_to(LEGACY_MOBILE))
    return set_password(harness, harness.link_token_sent_to(scenario.email))


def test_a_customer_of_the_old_area_identifies_like_anybody_else(harness, seeded):
    legacy = _activate_legacy(harness, seeded.scenario("legacy"))
    status = ident(harness).status(legacy)
    assert status.is_legacy and not status.identified and status.gate.reason is GateReason.NOT_IDENTIFIED
    attempt, confirmation = identify_until_sent(harness, legacy)
    assert attempt.kind is AttemptKind.FIRST and confirmation.submitted
    approve(harness, attempt.id)
    assert ident(harness).status(legacy).gate.allowed


# --- audit (SPEC §8) ---------------------------------------------------------------------------------
def test_the_audit_records_the_steps_but_no_code_keyword_or_document_number(harness, identified):
    attempt, _ = awaiting_code(harness, identified)
    code = harness.code_sent_to(MOBILE)
    ident(harness).confirm_with_code(identified, attempt.id, code)
    kinds = harness.audit_kinds(identified)
    for kind in ("identification_started", "identification_submitted", "identification_approved",
                 "otp_sent", "otp_verified"):
        assert kind in kinds
    keywords = {a.keyword for a in _attempts(harness, identified)}
    for event in audit_events(harness):
        written = f"{event.subject} {event.details}"
        assert code not in written
        assert not any(k in written for k in keywords)
        assert "CA12345AB" not in written and "YA1234567" not in written
        assert EMAIL not in written and MOBILE not in written


def _attempts(harness, account_id):
    store = harness.store
    return [a for a in store.identifications.values() if a.account_id == account_id]
