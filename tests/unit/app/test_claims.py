"""Claims (R-DISP-CLAIM) through the real container with in-memory adapters: the report with staged files,
the date rules, the Vita payout account and questionnaires, and documents added later."""
from __future__ import annotations

import io
from datetime import date, timedelta

import pytest

from areaclienti.app.ports.repositories import OutboxKind, OutboxStatus
from areaclienti.app.uploads import Upload
from areaclienti.app.use_cases.claims import ReportClaim
from areaclienti.domain.claims import ClaimDateInFuture, ClaimDateOutsideCover, ClaimKindNotCovered, TooManyFiles
from areaclienti.domain.errors import FileTypeNotAllowed, FunctionNotAvailable, IbanInvalid, NotFound
from areaclienti.domain.requests import RequestStatus, RequestStep

from tests.sample_files import image_bytes

from .test_additional_payment import VITA, answers
from .test_requests import MOTOR, account_id, timeline

S = RequestStatus
TODAY = date(2026, 11, 25)


def photo(seed: int = 0) -> Upload:
    return Upload(io.BytesIO(image_bytes("JPEG", (64, 48), seed=seed)), f"foto{seed}.jpg")


def stage(harness, seed: int = 0, document: str = "photo", email=None):
    harness.clock.advance(seconds=1)  # files are listed in the order they were added
    return harness.container.claims().stage(account_id(harness, *(email and [email] or [])), photo(seed), document,
                                            policy_number=MOTOR)


def motor_claim(harness, **changes) -> ReportClaim:
    values = dict(account_id=account_id(harness), policy_number=MOTOR, kind="collision",
                  event_date=TODAY - timedelta(days=2), description="Tamponamento al semaforo.",
                  idempotency_key="claim-1", event_time="18:40", place="Roma, via Appia",
                  counterparty={"name": "Mario Verdi", "plate": "AB123CD", "insurer": "Altra Assicurazioni"})
    values.update(changes)
    return ReportClaim(**values)


def test_a_motor_claim_with_its_photos_goes_to_the_core_system_once(harness, seeded):
    claims = harness.container.claims()
    first, second, dropped = stage(harness, 1), stage(harness, 2), stage(harness, 3)
    claims.discard(account_id(harness), dropped.id)  # removed before sending
    request = claims.report(motor_claim(harness, attachment_ids=[first.id, second.id]))
    assert request.kind.value == "claim" and request.payload["claim"]["event"].endswith("T18:40")
    sent = claims.attachments(account_id(harness), request.number)
    assert [a.id for a in sent] == [first.id, second.id] and all(a.batch == request.id for a in sent)
    assert timeline(harness, request.number) == [S.SUBMITTED, S.HANDED_OVER]
    assert harness.container.core_system().counts() == (1, 1)
    again = claims.report(motor_claim(harness, attachment_ids=[first.id, second.id]))  # a double click
    assert again.number == request.number and harness.container.core_system().counts() == (1, 1)
    assert harness.container.claims().form(account_id(harness), MOTOR).staged == []


def test_documents_added_later_are_a_step_and_a_hand_off_of_their_own(harness, seeded):
    claims = harness.container.claims()
    request = claims.report(motor_claim(harness))
    later = stage(harness, 7, "repair_estimate")
    claims.add_documents(account_id(harness), request.number, [later.id])
    found = harness.container.policy_requests().get(account_id(harness), request.number)
    assert found.events[-1].step is RequestStep.DOCUMENTS_ADDED and found.status is S.HANDED_OVER
    batches = [i for i in harness.store.outbox.values() if i.kind is OutboxKind.HAND_OVER_DOCUMENTS]
    assert len(batches) == 1 and batches[0].status is OutboxStatus.DONE
    assert harness.container.core_system().counts() == (2, 2)  # the claim, then the added documents


@pytest.mark.parametrize("when, error", [
    (TODAY + timedelta(days=1), ClaimDateInFuture),
    (date(2020, 1, 1), ClaimDateOutsideCover),  # before the policy started
])
def test_a_claim_date_in_the_future_or_outside_the_cover_is_refused(harness, seeded, when, error):
    with pytest.raises(error):
        harness.container.claims().report(motor_claim(harness, event_date=when))
    assert harness.container.policy_requests().list(account_id(harness)) == []


def test_a_kind_the_product_does_not_cover_is_refused(harness, seeded):
    with pytest.raises(ClaimKindNotCovered):
        harness.container.claims().report(motor_claim(harness, kind="water_damage"))


def test_a_file_that_is_not_what_it_claims_is_refused_and_nothing_is_kept(harness, seeded):
    with pytest.raises(FileTypeNotAllowed):
        harness.container.claims().stage(account_id(harness), Upload(io.BytesIO(b"MZ" + b"\0" * 500), "foto.jpg"),
                                         "photo")
    assert harness.container.claims().form(account_id(harness), MOTOR).staged == []


def test_too_many_files_are_refused(harness, seeded):
    claims = harness.container.claims()
    for n in range(claims.max_files):
        stage(harness, n)
    with pytest.raises(TooManyFiles):
        stage(harness, 99)


def test_another_customer_cannot_remove_or_read_a_staged_file(harness, seeded):
    mine = stage(harness, 1)
    other = account_id(harness, "valeria.costa@example.it")
    with pytest.raises(NotFound):
        harness.container.claims().discard(other, mine.id)
    with pytest.raises(NotFound):
        harness.container.claims().open_file(other, mine.id)


def test_a_claim_on_another_customer_s_policy_is_not_found(harness, seeded):
    with pytest.raises(NotFound):
        harness.container.claims().report(motor_claim(harness, policy_number="DA20041530"))


def test_an_expired_document_cannot_report(harness, seeded):
    with pytest.raises(FunctionNotAvailable):
        harness.container.claims().report(motor_claim(
            harness, account_id=account_id(harness, "valeria.costa@example.it"), policy_number="DA20041530",
            kind="water_damage"))


def test_a_vita_claim_needs_a_valid_iban_and_the_questionnaires(harness, seeded):
    claims = harness.container.claims()
    vita = dict(policy_number=VITA, kind="death", event_date=TODAY - timedelta(days=1), description="",
                iban_holder="Marco Rinaldi", questionnaires=answers())
    with pytest.raises(IbanInvalid):
        claims.report(motor_claim(harness, **vita, iban="IT60X0542811101000000123457"))
    request = claims.report(motor_claim(harness, **vita, iban="IT60 X054 2811 1010 0000 0123 456",
                                        idempotency_key="claim-vita"))
    assert request.payload["iban"] == "IT60X0542811101000000123456"
    assert set(request.payload["questionnaires"]) == {"anti_money_laundering", "tax_residency", "sanctions"}
    assert request.payload["missing_documents"] == ["death_certificate", "heirs_declaration", "beneficiary_id"]
    with pytest.raises(ClaimKindNotCovered):  # this policy matures in years: no maturity claim yet
        claims.report(motor_claim(harness, **{**vita, "kind": "maturity"}, iban="IT60X0542811101000000123456",
                                  idempotency_key="claim-maturity"))


def test_a_file_staged_on_one_policy_s_form_is_not_offered_nor_sent_with_another_policy_s_claim(harness, seeded):
    claims = harness.container.claims()
    motor_photo = stage(harness, 1)
    assert [a.id for a in claims.form(account_id(harness), MOTOR).staged] == [motor_photo.id]
    assert claims.form(account_id(harness), "DA20040288").staged == []  # the home policy's form
    home = claims.report(motor_claim(harness, policy_number="DA20040288", kind="water_damage",
                                     attachment_ids=[motor_photo.id], idempotency_key="claim-home"))
    assert claims.attachments(account_id(harness), home.number) == []
    assert [a.id for a in claims.form(account_id(harness), MOTOR).staged] == [motor_photo.id]
