"""Password reset (R-PWD-1) and change (R-PWD-2), through the container's use cases."""
from __future__ import annotations

import pytest

from areaclienti.app.use_cases.passwords import ChangePassword, CompleteLink
from areaclienti.app.use_cases.registration import VerifyMobile
from areaclienti.domain.errors import (
    FlowExpired,
    InvalidCredentials,
    InvalidEmail,
    LinkInvalid,
    OtpInvalid,
    PasswordContainsPersonalData,
    PasswordTooShort,
    TemporarilyLocked,
    WrongCurrentPassword,
)
from areaclienti.domain.links import LinkPurpose

from tests.support import STRONG_PASSWORD

from .journeys import EMAIL, MOBILE, give_contacts, log_in, register, set_password, start_scenario, verify, wrong

NEW_PASSWORD = "nuova frase segreta per il 2027"
UNKNOWN = "nessuno@example.it"


@pytest.fixture
def registered(harness, demo):
    account_id = register(harness, demo.scenario("policyholder_vita"))
    harness.clock.advance(minutes=20)  # past the registration code's send limits
    harness.sms.clear()
    harness.emails.clear()
    return account_id


def _reset_link(harness, email=EMAIL):
    reset = harness.container.password_reset()
    flow = reset.request(email)
    reset.verify(flow, harness.code_sent_to(MOBILE))
    return harness.link_token_sent_to(email)


def _complete(harness, token, password=NEW_PASSWORD):
    return harness.container.complete_password_link()(CompleteLink(token, password, password))


def test_a_reset_goes_email_then_sms_code_then_link_then_new_password(harness, registered):
    reset = harness.container.password_reset()
    flow = reset.request(EMAIL)
    assert flow
    assert [s.to for s in harness.sms.sent] == [MOBILE]  # the profile's mobile
    assert harness.emails.sent == []

    reset.verify(flow, harness.code_sent_to(MOBILE))
    mail = harness.emails.last_to(EMAIL)
    assert "reimposta" in mail.subject.lower()
    assert "60 minuti" in mail.body
    token = harness.link_token_sent_to(EMAIL)
    assert harness.container.complete_password_link().check(token) is LinkPurpose.RESET_PASSWORD

    assert _complete(harness, token) == registered
    assert log_in(harness, EMAIL, NEW_PASSWORD) == registered
    with pytest.raises(InvalidCredentials):
        log_in(harness, EMAIL, STRONG_PASSWORD)
    changed = harness.emails.last_to(EMAIL)
    assert "password" in changed.subject.lower() and "modificata" in changed.subject.lower()
    kinds = harness.audit_kinds(registered)
    assert {"password_reset_requested", "password_reset", "sessions_revoked"} <= set(kinds)


def test_a_reset_ends_every_session_of_the_account(harness, demo, registered):
    sessions = harness.container.sessions()
    mine = [sessions.create({}, registered) for _ in range(3)]
    other_customer = register(harness, demo.scenario("policyholder_danni"), email="luca@example.it",
                              mobile="+393331112233")
    theirs = sessions.create({}, other_customer)
    anonymous = sessions.create({"lang": "it"})

    _complete(harness, _reset_link(harness))

    assert all(sessions.load(s) is None for s in mine)
    assert sessions.load(theirs).account_id == other_customer
    assert sessions.load(anonymous) is not None
    assert "altre sessioni" in harness.emails.last_to(EMAIL).body


def test_the_reset_link_is_single_use(harness, registered):
    token = _reset_link(harness)
    _complete(harness, token)
    with pytest.raises(LinkInvalid):
        _complete(harness, token, "ancora un'altra frase lunga")
    assert log_in(harness, EMAIL, NEW_PASSWORD) == registered


def test_the_reset_link_expires_after_one_hour(harness, registered):
    token = _reset_link(harness)
    harness.clock.advance(hours=1)
    with pytest.raises(LinkInvalid):
        _complete(harness, token)
    assert log_in(harness, EMAIL, STRONG_PASSWORD) == registered


def test_the_reset_link_works_until_one_hour(harness, registered):
    token = _reset_link(harness)
    harness.clock.advance(minutes=59)
    assert _complete(harness, token) == registered


def test_a_set_password_link_is_not_a_reset_link(harness, demo):
    """Once the password is set, the registration link cannot be replayed."""
    step = start_scenario(harness, demo.scenario("policyholder_vita"))
    give_contacts(harness, step.flow_token)
    verify(harness, step.flow_token, harness.code_sent_to(MOBILE))
    token = harness.link_token_sent_to(EMAIL)
    set_password(harness, token)
    with pytest.raises(LinkInvalid):
        set_password(harness, token, NEW_PASSWORD)


def test_the_new_password_follows_the_rules(harness, demo, registered):
    token = _reset_link(harness)
    with pytest.raises(PasswordTooShort):
        _complete(harness, token, "breve")
    with pytest.raises(PasswordContainsPersonalData):
        _complete(harness, token, "io sono " + demo.scenario("policyholder_vita").tax_code)
    assert _complete(harness, token) == registered


def test_a_new_reset_link_voids_the_previous_one(harness, registered):
    first = _reset_link(harness)
    harness.clock.advance(seconds=60)
    second = _reset_link(harness)
    with pytest.raises(LinkInvalid):
        _complete(harness, first)
    assert _complete(harness, second) == registered


# --- unknown email -----------------------------------------------------------------------------------
def test_an_unknown_email_gets_a_token_and_nothing_is_sent(harness, registered):
    reset = harness.container.password_reset()
    flow = reset.request(UNKNOWN)
    assert flow and isinstance(flow, str)
    assert harness.sms.sent == [] and harness.emails.sent == []
    for code in ("00000", "12345", "99999"):
        with pytest.raises(OtpInvalid):
            reset.verify(flow, code)
    reset.resend(flow)
    assert harness.sms.sent == [] and harness.emails.sent == []
    assert "password_reset_requested" in harness.audit_kinds()


def test_an_unknown_email_answers_like_a_wrong_code_for_a_known_one(harness, registered):
    reset = harness.container.password_reset()
    known, unknown = reset.request(EMAIL), reset.request(UNKNOWN)
    assert type(known) is type(unknown) and len(known) == len(unknown)
    code = harness.code_sent_to(MOBILE)
    with pytest.raises(OtpInvalid) as for_known:
        reset.verify(known, wrong(code))
    with pytest.raises(OtpInvalid) as for_unknown:
        reset.verify(unknown, code)
    assert type(for_known.value) is type(for_unknown.value)
    assert for_known.value.field == for_unknown.value.field


def test_a_pending_registration_gets_no_reset_code(harness, demo):
    step = start_scenario(harness, demo.scenario("policyholder_vita"))
    give_contacts(harness, step.flow_token)
    harness.clock.advance(minutes=20)
    harness.sms.clear()
    flow = harness.container.password_reset().request(EMAIL)
    assert flow and harness.sms.sent == []


def test_a_malformed_email_is_refused_plainly(harness):
    with pytest.raises(InvalidEmail):
        harness.container.password_reset().request("non-un-indirizzo")


def test_a_request_over_the_send_limit_still_answers_with_a_token(harness, registered):
    reset = harness.container.password_reset()
    flows = []
    for _ in range(3):
        flows.append(reset.request(EMAIL))
        harness.clock.advance(seconds=60)
    assert len(harness.sms.to(MOBILE)) == 3

    harness.clock.advance(minutes=5)  # the third code has expired too: nothing left to reuse
    refused = reset.request(EMAIL)  # the 4th in 15 minutes: no SMS, and no error either
    assert refused and refused not in flows
    assert len(harness.sms.to(MOBILE)) == 3
    assert "otp_send_refused" in harness.audit_kinds(registered)
    with pytest.raises(OtpInvalid):
        reset.verify(refused, harness.code_sent_to(MOBILE))

    immediately = reset.request(UNKNOWN)
    assert type(immediately) is type(refused)


def test_the_cool_down_applies_to_reset_codes_silently(harness, registered):
    reset = harness.container.password_reset()
    reset.request(EMAIL)
    second = reset.request(EMAIL)
    assert second and len(harness.sms.to(MOBILE)) == 1


def test_resend_sends_a_new_code_for_the_same_reset(harness, registered):
    reset = harness.container.password_reset()
    flow = reset.request(EMAIL)
    old = harness.code_sent_to(MOBILE)
    harness.clock.advance(seconds=60)
    reset.resend(flow)
    new = harness.code_sent_to(MOBILE)
    assert len(harness.sms.to(MOBILE)) == 2
    if new != old:
        with pytest.raises(OtpInvalid):
            reset.verify(flow, old)
    reset.verify(flow, new)
    assert harness.link_token_sent_to(EMAIL)


def test_a_code_voided_by_a_newer_reset_is_invalid(harness, registered):
    reset = harness.container.password_reset()
    first = reset.request(EMAIL)
    old = harness.code_sent_to(MOBILE)
    harness.clock.advance(seconds=60)
    reset.request(EMAIL)
    with pytest.raises(OtpInvalid):
        reset.verify(first, old)


def test_five_wrong_reset_codes_void_the_code(harness, registered):
    reset = harness.container.password_reset()
    flow = reset.request(EMAIL)
    code = harness.code_sent_to(MOBILE)
    for _ in range(5):  # one plain answer throughout: tries left would tell a known email from an unknown one
        with pytest.raises(OtpInvalid) as wrong_try:
            reset.verify(flow, wrong(code))
        assert "attempts_left" not in wrong_try.value.params
    with pytest.raises(OtpInvalid):
        reset.verify(flow, code)  # the code is void after five wrong tries
    assert harness.emails.sent == []


def test_a_reset_code_does_not_answer_in_a_registration(harness, registered):
    reset = harness.container.password_reset()
    flow = reset.request(EMAIL)
    code = harness.code_sent_to(MOBILE)
    with pytest.raises(FlowExpired):
        harness.container.registration().verify_mobile(VerifyMobile(flow, code))
    reset.verify(flow, code)


# --- change password ---------------------------------------------------------------------------------
def _change(harness, account_id, current=STRONG_PASSWORD, new=NEW_PASSWORD, keep=None):
    harness.container.change_password()(ChangePassword(account_id, current, new, new, keep))


def test_changing_needs_the_current_password(harness, registered):
    with pytest.raises(WrongCurrentPassword) as refused:
        _change(harness, registered, current="non è quella giusta")
    assert refused.value.field == "current_password"
    assert log_in(harness, EMAIL, STRONG_PASSWORD) == registered
    assert harness.emails.sent == []


def test_changing_ends_the_other_sessions_keeps_this_one_and_tells_the_customer(harness, registered):
    sessions = harness.container.sessions()
    current = sessions.create({}, registered)
    others = [sessions.create({}, registered) for _ in range(2)]

    _change(harness, registered, keep=sessions.id_hash(current))

    assert sessions.load(current).account_id == registered
    assert all(sessions.load(s) is None for s in others)
    assert log_in(harness, EMAIL, NEW_PASSWORD) == registered
    with pytest.raises(InvalidCredentials):
        log_in(harness, EMAIL, STRONG_PASSWORD)
    mail = harness.emails.last_to(EMAIL)
    assert "modificata" in mail.subject
    assert NEW_PASSWORD not in mail.body and STRONG_PASSWORD not in mail.body
    assert "password_changed" in harness.audit_kinds(registered)


def test_the_changed_password_follows_the_rules(harness, registered):
    with pytest.raises(PasswordTooShort):
        _change(harness, registered, new="breve")
    assert log_in(harness, EMAIL, STRONG_PASSWORD) == registered


def test_repeated_wrong_current_passwords_are_throttled(harness, registered):
    for _ in range(3):
        with pytest.raises(WrongCurrentPassword):
            _change(harness, registered, current="sbagliata")
    with pytest.raises(TemporarilyLocked):
        _change(harness, registered)


def test_a_reset_asked_twice_within_the_cool_down_keeps_the_code_on_the_phone_working(harness, registered):
    reset = harness.container.password_reset()
    reset.request(EMAIL)
    code = harness.code_sent_to(MOBILE)
    harness.clock.advance(seconds=5)
    sent = len(harness.sms.to(MOBILE))
    second = reset.request(EMAIL)  # the cool-down refuses a new SMS
    assert len(harness.sms.to(MOBILE)) == sent
    reset.verify(second, code)
    assert "reimposta" in harness.emails.sent[-1].subject
