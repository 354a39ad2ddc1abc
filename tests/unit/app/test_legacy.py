"""Customers of the old consultative area (R-LEG-1..4): first access with a new password."""
from __future__ import annotations

import pytest

from areaclienti.app.use_cases.legacy import StartFirstAccess
from areaclienti.domain.accounts import AccountOrigin, AccountStatus
from areaclienti.domain.errors import (
    AlreadyRegistered,
    InvalidCredentials,
    InvalidMobile,
    LegacyAccountExists,
    LinkInvalid,
    OtpInvalid,
    PolicyDataMismatch,
)
from areaclienti.domain.links import LinkPurpose
from areaclienti.domain.policies import Role

from tests.support import STRONG_PASSWORD

from .journeys import (
    account,
    account_of,
    give_contacts,
    log_in,
    set_password,
    start,
    start_scenario,
    verify,
    wrong,
)

TYPED_MOBILE = "+393356672104"  # the mobile the old area holds for the `legacy` customer


def _first_access(harness, email, mobile=TYPED_MOBILE):
    return harness.container.legacy_first_access().start(StartFirstAccess(email, mobile))


def _verify(harness, flow, code):
    harness.container.legacy_first_access().verify(flow, code)


def test_first_access_sends_a_code_to_the_typed_mobile_then_the_set_password_link(harness, seeded):
    s = seeded.scenario("legacy")
    before = account_of(harness, s.tax_code)
    assert before.status is AccountStatus.LEGACY_PENDING and before.origin is AccountOrigin.LEGACY

    flow = _first_access(harness, s.email, "335 667 2104")  # typed as people do; the number on file
    assert [sms.to for sms in harness.sms.sent] == [TYPED_MOBILE]
    assert harness.emails.sent == []

    _verify(harness, flow, harness.code_sent_to(TYPED_MOBILE))
    token = harness.link_token_sent_to(s.email)
    assert harness.container.complete_password_link().check(token) is LinkPurpose.SET_PASSWORD
    between = account_of(harness, s.tax_code)  # still legacy until the password is set (R-LEG-1)
    assert between.status is AccountStatus.LEGACY_PENDING and between.mobile == TYPED_MOBILE

    account_id = set_password(harness, token)
    assert account_id == before.id
    activated = account(harness, account_id)
    assert activated.status is AccountStatus.CONSULTATIVE
    assert activated.mobile == TYPED_MOBILE
    assert activated.identification_pending
    assert log_in(harness, s.email) == account_id
    kinds = harness.audit_kinds(account_id)
    for kind in ("legacy_activation_started", "otp_sent", "otp_verified", "password_set", "login_succeeded"):
        assert kind in kinds


def test_an_activated_legacy_customer_still_cannot_register_again(harness, seeded):
    s = seeded.scenario("legacy")
    flow = _first_access(harness, s.email)
    _verify(harness, flow, harness.code_sent_to(TYPED_MOBILE))
    set_password(harness, harness.link_token_sent_to(s.email))
    with pytest.raises(AlreadyRegistered):
        start_scenario(harness, s)


def test_the_legacy_code_has_the_usual_limits(harness, seeded):
    s = seeded.scenario("legacy")
    flow = _first_access(harness, s.email)
    code = harness.code_sent_to(TYPED_MOBILE)
    for _ in range(5):  # one plain answer throughout: tries left would tell a real flow from a made-up one
        with pytest.raises(OtpInvalid) as wrong_try:
            _verify(harness, flow, wrong(code))
        assert "attempts_left" not in wrong_try.value.params
    with pytest.raises(OtpInvalid):
        _verify(harness, flow, code)  # the code is void after five wrong tries
    assert harness.emails.sent == []
    assert account_of(harness, s.tax_code).status is AccountStatus.LEGACY_PENDING


def test_the_legacy_code_expires(harness, seeded):
    s = seeded.scenario("legacy")
    flow = _first_access(harness, s.email)
    harness.clock.advance(minutes=5)
    with pytest.raises(OtpInvalid):
        _verify(harness, flow, harness.code_sent_to(TYPED_MOBILE))


def test_asking_again_gives_a_new_working_code(harness, seeded):
    s = seeded.scenario("legacy")
    first = _first_access(harness, s.email)
    harness.clock.advance(seconds=60)
    second = _first_access(harness, s.email)
    assert len(harness.sms.to(TYPED_MOBILE)) == 2
    with pytest.raises(OtpInvalid):
        _verify(harness, first, harness.code_sent_to(TYPED_MOBILE))
    _verify(harness, second, harness.code_sent_to(TYPED_MOBILE))
    assert harness.link_token_sent_to(s.email)


def test_a_legacy_customer_cannot_log_in_before_first_access(harness, seeded):
    with pytest.raises(InvalidCredentials):
        log_in(harness, seeded.scenario("legacy").email, STRONG_PASSWORD)


# --- wrong personal data (R-LEG-4) -------------------------------------------------------------------
def _correct_anna(harness, demo) -> str:
    policy = harness.container.core_system().find_policy(demo.scenario("legacy_wrong_data").policy_number)
    (code,) = [pr.party_id.value for pr in policy.roles if pr.role is Role.POLICYHOLDER]
    return code


def test_wrong_personal_data_get_the_steps_for_a_new_registration(harness, seeded):
    s = seeded.scenario("legacy_wrong_data")
    legacy_id = account_of(harness, s.tax_code).id
    flow = _first_access(harness, s.email)
    _verify(harness, flow, harness.code_sent_to(TYPED_MOBILE))

    mails = harness.emails_to(s.email)
    assert len(mails) == 1
    assert "registrazione" in mails[0].subject.lower()
    assert "http://localhost/registrazione" in mails[0].body
    assert "/password/imposta/" not in mails[0].body  # no set-password link
    closed = account(harness, legacy_id)
    assert closed.status is AccountStatus.CLOSED
    assert "legacy_data_wrong" in harness.audit_kinds(legacy_id)
    with pytest.raises(InvalidCredentials):
        log_in(harness, s.email, STRONG_PASSWORD)
    with pytest.raises(OtpInvalid):
        _verify(harness, flow, harness.code_sent_to(TYPED_MOBILE))


def test_after_wrong_data_a_new_registration_with_the_correct_code_works(harness, seeded):
    s = seeded.scenario("legacy_wrong_data")
    correct = _correct_anna(harness, seeded)
    assert correct != s.tax_code
    flow = _first_access(harness, s.email)
    _verify(harness, flow, harness.code_sent_to(TYPED_MOBILE))
    harness.clock.advance(minutes=1)

    step = start(harness, correct, s.policy_number)
    give_contacts(harness, step.flow_token, s.email, "+393331112233")
    verify(harness, step.flow_token, harness.code_sent_to("+393331112233"))
    account_id = set_password(harness, harness.link_token_sent_to(s.email))

    registered = account(harness, account_id)
    assert registered.status is AccountStatus.CONSULTATIVE
    assert registered.party_id.value == correct
    assert log_in(harness, s.email) == account_id


def test_the_old_wrong_code_cannot_register(harness, seeded):
    s = seeded.scenario("legacy_wrong_data")
    with pytest.raises((PolicyDataMismatch, LegacyAccountExists)):
        start_scenario(harness, s)


# --- unknown or unsuitable emails ---------------------------------------------------------------------
def test_an_unknown_email_gets_a_token_nothing_is_sent_and_any_code_is_invalid(harness, seeded):
    flow = _first_access(harness, "nessuno@example.it")
    assert flow
    assert harness.sms.sent == [] and harness.emails.sent == []
    with pytest.raises(OtpInvalid):
        _verify(harness, flow, "12345")
    assert harness.audit_kinds() == ["otp_failed"]  # written like a real failed try


def test_a_registered_customer_gets_no_first_access_code(harness, seeded):
    flow = _first_access(harness, seeded.scenario("already_registered").email)
    assert flow and harness.sms.sent == []
    with pytest.raises(OtpInvalid):
        _verify(harness, flow, "12345")


def test_a_malformed_mobile_is_refused_plainly(harness, seeded):
    with pytest.raises(InvalidMobile):
        _first_access(harness, "nessuno@example.it", "12")


def test_a_refused_send_still_answers_with_a_token(harness, seeded):
    s = seeded.scenario("legacy")
    _first_access(harness, s.email)
    again = _first_access(harness, s.email)  # inside the 60 s cool-down: nothing sent, nothing raised
    assert again
    assert len(harness.sms.to(TYPED_MOBILE)) == 1


def test_a_legacy_link_is_single_use(harness, seeded):
    s = seeded.scenario("legacy")
    flow = _first_access(harness, s.email)
    _verify(harness, flow, harness.code_sent_to(TYPED_MOBILE))
    token = harness.link_token_sent_to(s.email)
    set_password(harness, token)
    with pytest.raises(LinkInvalid):
        set_password(harness, token, "una frase diversa e lunga")


def test_between_the_code_and_the_password_no_registration_can_take_the_account(harness, seeded, demo):
    from areaclienti.app.use_cases.registration import StartRegistration
    from areaclienti.domain.errors import LegacyAccountExists

    s = demo.scenario("legacy")
    flow = _first_access(harness, s.email)
    _verify(harness, flow, harness.code_sent_to(TYPED_MOBILE))
    with pytest.raises(LegacyAccountExists):
        harness.container.registration().start(StartRegistration(s.tax_code, s.policy_number, True))


def test_first_access_can_start_over_when_the_link_is_lost(harness, seeded, demo):
    s = demo.scenario("legacy")
    _verify(harness, _first_access(harness, s.email), harness.code_sent_to(TYPED_MOBILE))
    harness.clock.advance(hours=25)  # the set-password link has expired
    flow = _first_access(harness, s.email)
    _verify(harness, flow, harness.code_sent_to(TYPED_MOBILE))
    token = harness.link_token_sent_to(s.email)
    assert harness.container.complete_password_link().check(token) is LinkPurpose.SET_PASSWORD


def test_the_form_sent_twice_within_the_cool_down_keeps_the_code_on_the_phone_working(harness, seeded, demo):
    s = demo.scenario("legacy")
    _first_access(harness, s.email)
    code = harness.code_sent_to(TYPED_MOBILE)
    harness.clock.advance(seconds=10)
    second = _first_access(harness, s.email)  # no new SMS: the cool-down refuses it
    assert len([m for m in harness.sms.sent if m.to == TYPED_MOBILE]) == 1
    _verify(harness, second, code)
    assert harness.link_token_sent_to(s.email)


def test_a_number_other_than_the_one_on_file_gets_no_code_and_the_same_answer(harness, seeded):
    s = seeded.scenario("legacy")
    flow = _first_access(harness, s.email, "+393339998877")
    assert flow and harness.sms.sent == []
    with pytest.raises(OtpInvalid):
        _verify(harness, flow, "12345")
    assert account_of(harness, s.tax_code).mobile == TYPED_MOBILE  # the number on file stays
