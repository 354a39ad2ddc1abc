"""SMS codes (R-REG-3, SPEC §8): single use, 5 minutes, 5 tries, a resend voids, 3 sends / 15 min, 60 s apart."""
from __future__ import annotations

import threading

import pytest

from areaclienti.domain.accounts import AccountStatus
from areaclienti.domain.audit import AuditEventKind
from areaclienti.domain.errors import FlowExpired, OtpAttemptsExhausted, OtpInvalid, OtpSendRefused
from areaclienti.app.use_cases.registration import VerifyMobile

from .journeys import MOBILE, account_of, audit_events, give_contacts, start_scenario, verify, wrong


@pytest.fixture
def flow(harness, demo):
    """A registration waiting for the code sent to MOBILE."""
    step = start_scenario(harness, demo.scenario("policyholder_vita"))
    give_contacts(harness, step.flow_token)
    return step.flow_token


def _challenge(harness, flow_token):
    hasher = harness.container.secret_hasher()
    with harness.container.uow() as uow:
        return uow.otps.latest_for_flow(hasher.hash(flow_token))


def test_the_code_has_five_digits_and_is_stored_hashed(harness, flow):
    code = harness.code_sent_to(MOBILE)
    assert len(code) == 5 and code.isdigit()
    challenge = _challenge(harness, flow)
    assert code not in challenge.code_hash
    assert challenge.code_hash == harness.container.secret_hasher().hash(code)


def test_each_wrong_code_uses_up_one_try_and_five_void_the_code(harness, flow):
    code = harness.code_sent_to(MOBILE)
    for left in (4, 3, 2, 1):
        with pytest.raises(OtpInvalid) as refused:
            verify(harness, flow, wrong(code))
        assert refused.value.params["attempts_left"] == left
    with pytest.raises(OtpAttemptsExhausted):
        verify(harness, flow, wrong(code))
    with pytest.raises(OtpAttemptsExhausted):
        verify(harness, flow, code)  # even the right one: the code is void
    assert _challenge(harness, flow).attempts == 5
    assert harness.audit_kinds().count("otp_failed") == 5
    tax_code = harness.container.core_system().data.scenario("policyholder_vita").tax_code
    assert account_of(harness, tax_code).status is AccountStatus.CONTACTS_GIVEN
    assert harness.emails.sent == []


def test_a_new_code_after_exhausted_tries_works(harness, flow):
    code = harness.code_sent_to(MOBILE)
    for _ in range(5):
        with pytest.raises((OtpInvalid, OtpAttemptsExhausted)):
            verify(harness, flow, wrong(code))
    harness.clock.advance(seconds=60)
    harness.container.registration().resend_code(flow)
    verify(harness, flow, harness.code_sent_to(MOBILE))
    assert harness.emails.sent


def test_the_right_code_after_some_wrong_ones_works(harness, flow):
    code = harness.code_sent_to(MOBILE)
    for _ in range(4):
        with pytest.raises(OtpInvalid):
            verify(harness, flow, wrong(code))
    verify(harness, flow, f" {code[:2]} {code[2:]} ")  # spaces typed by the customer are ignored


def test_the_code_expires_after_five_minutes(harness, flow):
    code = harness.code_sent_to(MOBILE)
    harness.clock.advance(minutes=5)
    with pytest.raises(OtpInvalid):
        verify(harness, flow, code)


def test_the_code_works_until_five_minutes(harness, flow):
    code = harness.code_sent_to(MOBILE)
    harness.clock.advance(minutes=4, seconds=59)
    verify(harness, flow, code)


def test_the_code_is_single_use(harness, flow):
    code = harness.code_sent_to(MOBILE)
    verify(harness, flow, code)
    with pytest.raises((FlowExpired, OtpInvalid)):
        verify(harness, flow, code)


def test_a_resend_voids_the_previous_code(harness, flow):
    old = harness.code_sent_to(MOBILE)
    harness.clock.advance(seconds=60)
    step = harness.container.registration().resend_code(flow)
    assert step.next_step == "otp" and step.flow_token == flow
    new = harness.code_sent_to(MOBILE)
    assert len(harness.sms.to(MOBILE)) == 2
    if old != new:  # one chance in 100,000 that the fresh code repeats the old one
        with pytest.raises(OtpInvalid):
            verify(harness, flow, old)
    verify(harness, flow, new)


def test_a_code_answers_only_in_its_own_flow(harness, demo, flow):
    other = start_scenario(harness, demo.scenario("policyholder_danni"))
    give_contacts(harness, other.flow_token, "luca@example.it", "+393331112233")
    with pytest.raises(OtpInvalid):
        verify(harness, other.flow_token, harness.code_sent_to(MOBILE))
    verify(harness, flow, harness.code_sent_to(MOBILE))


# --- sending limits --------------------------------------------------------------------------------
def test_sixty_seconds_between_two_codes(harness, flow):
    registration = harness.container.registration()
    with pytest.raises(OtpSendRefused) as refused:
        registration.resend_code(flow)
    first_sent = harness.clock.now()
    assert (refused.value.retry_after - first_sent).total_seconds() == 60
    harness.clock.advance(seconds=59)
    with pytest.raises(OtpSendRefused):
        registration.resend_code(flow)
    harness.clock.advance(seconds=1)
    registration.resend_code(flow)
    assert len(harness.sms.to(MOBILE)) == 2


def test_at_most_three_codes_per_person_in_fifteen_minutes(harness, flow):
    registration = harness.container.registration()
    first_sent = harness.clock.now()
    for _ in range(2):
        harness.clock.advance(seconds=60)
        registration.resend_code(flow)
    harness.clock.advance(seconds=60)
    with pytest.raises(OtpSendRefused) as refused:
        registration.resend_code(flow)
    assert (refused.value.retry_after - first_sent).total_seconds() == 15 * 60
    assert len(harness.sms.to(MOBILE)) == 3

    harness.clock.set(refused.value.retry_after)
    registration.resend_code(flow)
    verify(harness, flow, harness.code_sent_to(MOBILE))


def test_the_person_limit_holds_across_parallel_registration_flows(harness, demo):
    s = demo.scenario("policyholder_vita")
    mobiles = ["+393331112233", "+393401234501", "+393921234567", "+393471234568"]
    tokens = []
    for mobile in mobiles[:3]:
        step = start_scenario(harness, s)
        tokens.append(step.flow_token)
        give_contacts(harness, step.flow_token, mobile=mobile)
        harness.clock.advance(seconds=61)

    step = start_scenario(harness, s)
    with pytest.raises(OtpSendRefused):
        give_contacts(harness, step.flow_token, mobile=mobiles[3])  # a new number does not reset the count
    assert harness.sms.to(mobiles[3]) == []
    assert [len(harness.sms.to(m)) for m in mobiles[:3]] == [1, 1, 1]


def test_the_cool_down_holds_across_parallel_registration_flows(harness, demo):
    s = demo.scenario("policyholder_vita")
    first = start_scenario(harness, s)
    give_contacts(harness, first.flow_token, mobile="+393331112233")
    second = start_scenario(harness, s)
    with pytest.raises(OtpSendRefused):
        give_contacts(harness, second.flow_token, mobile="+393401234501")
    harness.clock.advance(seconds=60)
    give_contacts(harness, second.flow_token, mobile="+393401234501")
    verify(harness, second.flow_token, harness.code_sent_to("+393401234501"))


def test_a_code_of_an_abandoned_flow_is_void(harness, demo):
    s = demo.scenario("policyholder_vita")
    first = start_scenario(harness, s)
    give_contacts(harness, first.flow_token, mobile="+393331112233")
    old = harness.code_sent_to("+393331112233")
    harness.clock.advance(seconds=60)
    second = start_scenario(harness, s)
    give_contacts(harness, second.flow_token, mobile="+393331112233")
    with pytest.raises(FlowExpired):
        verify(harness, first.flow_token, old)
    new = harness.code_sent_to("+393331112233")
    if new != old:
        with pytest.raises(OtpInvalid):
            verify(harness, second.flow_token, old)
    verify(harness, second.flow_token, new)


def test_persons_registering_the_same_mobile_share_the_number_limit(harness, demo):
    shared = "+393331112233"
    people = ["policyholder_vita", "policyholder_danni", "member_collective", "risk_certificate_holder"]
    steps = [start_scenario(harness, demo.scenario(p)) for p in people]

    give_contacts(harness, steps[0].flow_token, "a@example.it", shared)
    with pytest.raises(OtpSendRefused):  # the cool-down is per number too
        give_contacts(harness, steps[1].flow_token, "b@example.it", shared)
    harness.clock.advance(seconds=60)
    give_contacts(harness, steps[1].flow_token, "b@example.it", shared)
    harness.clock.advance(seconds=60)
    give_contacts(harness, steps[2].flow_token, "c@example.it", shared)
    harness.clock.advance(seconds=60)
    with pytest.raises(OtpSendRefused):
        give_contacts(harness, steps[3].flow_token, "d@example.it", shared)
    assert len(harness.sms.to(shared)) == 3
    # Another number for the fourth person is fine: the limit is the number's, not theirs.
    give_contacts(harness, steps[3].flow_token, "d@example.it", MOBILE)
    assert len(harness.sms.to(MOBILE)) == 1


# --- concurrency -----------------------------------------------------------------------------------
def test_fifty_concurrent_wrong_codes_are_judged_at_most_five_times(harness, flow):
    code = harness.code_sent_to(MOBILE)
    bad = wrong(code)
    barrier = threading.Barrier(50)
    outcomes: list[type] = []
    lock = threading.Lock()

    def attempt():
        registration = harness.container.registration()
        barrier.wait()
        try:
            registration.verify_mobile(VerifyMobile(flow, bad))
            result: type = type(None)
        except Exception as error:  # noqa: BLE001 - every outcome is checked below
            result = type(error)
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert len(outcomes) == 50
    assert set(outcomes) <= {OtpInvalid, OtpAttemptsExhausted}
    failed = [e for e in audit_events(harness) if e.kind is AuditEventKind.OTP_FAILED]
    assert len(failed) <= 5
    assert outcomes.count(OtpInvalid) <= 4
    assert _challenge(harness, flow).attempts <= 5
    with pytest.raises(OtpAttemptsExhausted):
        verify(harness, flow, code)
