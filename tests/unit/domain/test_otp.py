"""R-REG-3 and SPEC §8: one-time codes, their tries and how often they may be sent."""
from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from areaclienti.domain.errors import OtpAttemptsExhausted, OtpInvalid, OtpSendRefused
from areaclienti.domain.otp import OtpChallenge, OtpPurpose, OtpSettings, check_send_allowed

from .strategies import T0, at

DEFAULTS = OtpSettings()
RIGHT, WRONG = "hash-of-12345", "hash-of-99999"
MINUTE = timedelta(minutes=1)
SECOND = timedelta(seconds=1)


def issue(now=T0, settings=DEFAULTS) -> OtpChallenge:
    return OtpChallenge.issue(
        challenge_id="otp-1",
        purpose=OtpPurpose.REGISTRATION,
        subject="RCCMNL83S18D969H",
        destination="+393471234567",
        flow_hash="flow-1",
        code_hash=RIGHT,
        now=now,
        settings=settings,
        account_id="acc-1",
    )


def test_the_defaults_are_those_of_the_spec():
    assert DEFAULTS == OtpSettings(
        length=5, lifetime=timedelta(minutes=5), max_attempts=5, max_sends=3,
        send_window=timedelta(minutes=15), cooldown=timedelta(seconds=60),
    )


# --- issue and check ---------------------------------------------------------------------------------
def test_issue_sets_the_expiry_from_the_lifetime():
    challenge = issue()
    assert challenge.created_at == T0
    assert challenge.expires_at == T0 + timedelta(minutes=5)
    assert challenge.max_attempts == 5 and challenge.attempts == 0
    assert challenge.consumed_at is None and challenge.voided_at is None
    assert (challenge.subject, challenge.destination, challenge.flow_hash, challenge.account_id) == (
        "RCCMNL83S18D969H", "+393471234567", "flow-1", "acc-1"
    )
    assert challenge.is_open(T0)


def test_issue_honours_other_settings():
    challenge = issue(settings=OtpSettings(lifetime=timedelta(minutes=2), max_attempts=3))
    assert challenge.expires_at == T0 + timedelta(minutes=2)
    assert challenge.max_attempts == 3


def test_the_right_code_consumes_the_challenge_once():
    challenge = issue()
    challenge.check(RIGHT, attempts_after=1, now=at(30))
    assert challenge.consumed_at == at(30)
    assert not challenge.is_open(at(31))
    with pytest.raises(OtpInvalid):
        challenge.check(RIGHT, attempts_after=2, now=at(32))
    assert challenge.consumed_at == at(30)


def test_a_wrong_code_says_how_many_tries_are_left():
    challenge = issue()
    for attempt in range(1, 5):
        with pytest.raises(OtpInvalid) as excinfo:
            challenge.check(WRONG, attempts_after=attempt, now=at(attempt))
        assert type(excinfo.value) is OtpInvalid
        assert excinfo.value.params == {"attempts_left": 5 - attempt}
        assert excinfo.value.field == "code" and excinfo.value.code == "otp_invalid"
        assert challenge.consumed_at is None
        assert challenge.is_open(at(attempt))


def test_the_last_wrong_try_exhausts_the_challenge():
    challenge = issue()
    with pytest.raises(OtpAttemptsExhausted) as excinfo:
        challenge.check(WRONG, attempts_after=5, now=at(10))
    assert excinfo.value.code == "otp_attempts_exhausted"
    assert challenge.consumed_at is None
    assert not challenge.is_open(at(10))


def test_the_right_code_on_the_last_try_still_counts():
    challenge = issue()
    challenge.check(RIGHT, attempts_after=5, now=at(10))
    assert challenge.consumed_at == at(10)


def test_a_try_beyond_the_budget_is_refused_even_with_the_right_code():
    challenge = issue()
    with pytest.raises(OtpAttemptsExhausted):
        challenge.check(RIGHT, attempts_after=6, now=at(10))
    assert challenge.consumed_at is None


def test_the_code_expires_at_exactly_expires_at():
    challenge = issue()
    with pytest.raises(OtpInvalid):
        challenge.check(RIGHT, attempts_after=1, now=challenge.expires_at)
    assert challenge.consumed_at is None
    assert not challenge.is_open(challenge.expires_at)
    assert challenge.is_open(challenge.expires_at - timedelta(microseconds=1))

    other = issue()
    other.check(RIGHT, attempts_after=1, now=other.expires_at - timedelta(microseconds=1))
    assert other.consumed_at is not None


def test_an_expired_wrong_code_is_only_invalid():
    challenge = issue()
    with pytest.raises(OtpInvalid) as excinfo:
        challenge.check(WRONG, attempts_after=5, now=at(minutes=6))
    assert type(excinfo.value) is OtpInvalid
    assert excinfo.value.params == {}


def test_a_voided_challenge_refuses_the_right_code():
    challenge = issue()
    challenge.void(at(20))
    assert challenge.voided_at == at(20)
    assert not challenge.is_open(at(21))
    with pytest.raises(OtpInvalid):
        challenge.check(RIGHT, attempts_after=1, now=at(21))
    assert challenge.consumed_at is None


def test_void_keeps_the_first_time_and_leaves_a_used_code_alone():
    challenge = issue()
    challenge.void(at(20))
    challenge.void(at(40))
    assert challenge.voided_at == at(20)

    used = issue()
    used.check(RIGHT, attempts_after=1, now=at(5))
    used.void(at(6))
    assert used.voided_at is None and used.consumed_at == at(5)


def test_is_open_closes_when_the_tries_are_spent():
    challenge = issue()
    challenge.attempts = 4
    assert challenge.is_open(at(1))
    challenge.attempts = 5
    assert not challenge.is_open(at(1))


# --- how often codes are sent ------------------------------------------------------------------------
def allowed(subject=(), destination=(), now=T0, settings=DEFAULTS) -> bool:
    try:
        check_send_allowed(sends_to_subject=list(subject), sends_to_destination=list(destination), now=now, settings=settings)
    except OtpSendRefused:
        return False
    return True


def refusal(subject=(), destination=(), now=T0, settings=DEFAULTS) -> OtpSendRefused:
    with pytest.raises(OtpSendRefused) as excinfo:
        check_send_allowed(sends_to_subject=list(subject), sends_to_destination=list(destination), now=now, settings=settings)
    return excinfo.value


def test_the_first_send_is_allowed():
    assert allowed()


@pytest.mark.parametrize("which", ["subject", "destination"])
def test_the_cooldown_is_60_seconds(which):
    last = T0 - timedelta(seconds=59)
    error = refusal(**{which: [last]})
    assert error.retry_after == last + timedelta(seconds=60)
    assert error.params == {"retry_after": error.retry_after}
    assert error.code == "otp_send_refused"
    assert allowed(**{which: [T0 - timedelta(seconds=60)]})


@pytest.mark.parametrize("which", ["subject", "destination"])
def test_at_most_three_sends_per_15_minutes(which):
    sends = [T0 - timedelta(minutes=10), T0 - timedelta(minutes=5), T0 - timedelta(minutes=2)]
    error = refusal(**{which: sends})
    assert error.retry_after == sends[0] + timedelta(minutes=15)
    assert allowed(**{which: sends}, now=error.retry_after)
    assert not allowed(**{which: sends}, now=error.retry_after - SECOND)


def test_the_limits_per_person_and_per_number_are_separate():
    two = [T0 - timedelta(minutes=10), T0 - timedelta(minutes=5)]
    three = [*two, T0 - timedelta(minutes=2)]
    assert allowed(subject=two, destination=two)
    assert not allowed(subject=three, destination=two)
    assert not allowed(subject=two, destination=three)


def test_the_later_of_two_limits_wins():
    subject = [T0 - timedelta(minutes=14), T0 - timedelta(minutes=13), T0 - timedelta(minutes=12)]
    destination = [T0 - timedelta(minutes=10), T0 - timedelta(minutes=9), T0 - timedelta(minutes=8)]
    assert refusal(subject=subject, destination=destination).retry_after == destination[0] + timedelta(minutes=15)
    assert refusal(subject=subject, destination=[T0 - timedelta(seconds=10)]).retry_after == subject[0] + timedelta(minutes=15)


def test_sends_outside_the_window_are_ignored():
    old = [T0 - timedelta(minutes=m) for m in (15, 20, 30, 60, 16)]
    assert allowed(subject=old, destination=old)
    assert allowed(subject=[*old, T0 - timedelta(minutes=14), T0 - timedelta(minutes=13)])
    assert not allowed(subject=[*old, T0 - timedelta(minutes=14), T0 - timedelta(minutes=13), T0 - timedelta(minutes=12)])


def test_the_order_of_the_sends_does_not_matter():
    sends = [T0 - timedelta(minutes=2), T0 - timedelta(minutes=10), T0 - timedelta(minutes=5)]
    assert refusal(subject=sends).retry_after == T0 + timedelta(minutes=5)


def test_other_settings_are_honoured():
    custom = OtpSettings(max_sends=1, send_window=timedelta(minutes=5), cooldown=timedelta(seconds=10))
    assert refusal(subject=[T0 - timedelta(minutes=1)], settings=custom).retry_after == T0 + timedelta(minutes=4)
    assert allowed(subject=[T0 - timedelta(minutes=5)], settings=custom)


_attempts = st.lists(
    st.tuples(st.integers(0, 400), st.integers(0, 2), st.integers(0, 2)),  # seconds since previous, subject, number
    min_size=1, max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(_attempts)
def test_no_window_ever_holds_more_than_three_sends_nor_two_within_a_minute(attempts):
    by_subject: dict[int, list] = {}
    by_number: dict[int, list] = {}
    now = T0
    for gap, subject, number in attempts:
        now += timedelta(seconds=gap)
        to_subject, to_number = by_subject.setdefault(subject, []), by_number.setdefault(number, [])
        try:
            check_send_allowed(sends_to_subject=to_subject, sends_to_destination=to_number, now=now, settings=DEFAULTS)
        except OtpSendRefused as refused:
            assert refused.retry_after > now
            # retry_after is exact: allowed then, refused a moment before
            assert allowed(to_subject, to_number, now=refused.retry_after)
            assert not allowed(to_subject, to_number, now=refused.retry_after - timedelta(microseconds=1))
            continue
        to_subject.append(now)
        to_number.append(now)

    for sends in [*by_subject.values(), *by_number.values()]:
        for earlier, later in zip(sends, sends[1:]):
            assert later - earlier >= timedelta(seconds=60)
        for first, fourth in zip(sends, sends[3:]):
            assert fourth - first >= timedelta(minutes=15)
