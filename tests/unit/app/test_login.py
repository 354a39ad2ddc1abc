"""Login (SPEC §8): throttled per typed email, the same answer whether or not the account exists."""
from __future__ import annotations

import pytest

from areaclienti.app.use_cases.login import LogIn
from areaclienti.domain.audit import AuditEventKind
from areaclienti.domain.errors import InvalidCredentials, TemporarilyLocked

from tests.support import STRONG_PASSWORD

from .journeys import EMAIL, MOBILE, audit_events, give_contacts, log_in, register, start_scenario, verify

UNKNOWN = "nessuno@example.it"


@pytest.fixture
def registered(harness, demo):
    return register(harness, demo.scenario("policyholder_vita"))


def _fail(harness, email, password="password sbagliata di sicuro"):
    with pytest.raises((InvalidCredentials, TemporarilyLocked)) as refused:
        log_in(harness, email, password)
    return refused.value


def test_the_right_password_logs_in(harness, registered):
    assert log_in(harness, EMAIL) == registered
    events = [e for e in audit_events(harness) if e.kind is AuditEventKind.LOGIN_SUCCEEDED]
    assert len(events) == 1 and events[0].account_id == registered


def test_the_email_is_matched_whatever_its_case(harness, registered):
    assert log_in(harness, "  Cliente@EXAMPLE.it ") == registered


def test_a_wrong_password_is_refused(harness, registered):
    with pytest.raises(InvalidCredentials):
        log_in(harness, EMAIL, STRONG_PASSWORD + "!")
    assert harness.audit_kinds(registered)[0] == "login_failed"


def test_an_unknown_email_gets_the_same_answer_as_a_wrong_password(harness, registered):
    with pytest.raises(InvalidCredentials) as wrong_password:
        log_in(harness, EMAIL, "password sbagliata di sicuro")
    with pytest.raises(InvalidCredentials) as unknown:
        log_in(harness, UNKNOWN, "password sbagliata di sicuro")
    assert type(wrong_password.value) is type(unknown.value)
    assert wrong_password.value.params == unknown.value.params
    assert harness.audit_kinds()[:2] == ["login_failed", "login_failed"]
    failed = [e for e in audit_events(harness) if e.kind is AuditEventKind.LOGIN_FAILED]
    assert {e.account_id for e in failed} == {registered, None}
    assert all(e.subject and "@" not in e.subject for e in failed)  # the email is kept only hashed


def test_a_malformed_email_is_just_invalid_credentials(harness):
    with pytest.raises(InvalidCredentials):
        log_in(harness, "non è un indirizzo", "qualsiasi")


@pytest.mark.parametrize("who", ["known", "unknown"])
def test_three_failures_bring_a_progressive_delay(harness, registered, who):
    email = EMAIL if who == "known" else UNKNOWN
    for _ in range(3):
        assert isinstance(_fail(harness, email), InvalidCredentials)
    with pytest.raises(TemporarilyLocked) as locked:
        log_in(harness, EMAIL if who == "known" else UNKNOWN, STRONG_PASSWORD)
    assert locked.value.retry_after > harness.clock.now()
    harness.clock.set(locked.value.retry_after)
    if who == "known":
        assert log_in(harness, EMAIL) == registered
    else:
        assert isinstance(_fail(harness, email), InvalidCredentials)


def test_the_delay_grows_with_each_failure(harness, registered):
    waits = []
    for _ in range(6):
        error = _fail(harness, EMAIL)
        assert isinstance(error, InvalidCredentials)
        try:
            log_in(harness, EMAIL, "ancora sbagliata, ancora")
        except TemporarilyLocked as locked:
            waits.append(locked.retry_after - harness.clock.now())
            harness.clock.set(locked.retry_after)
        except InvalidCredentials:
            waits.append(None)
    delays = [w for w in waits if w is not None]
    assert len(delays) >= 3
    assert delays == sorted(delays) and delays[-1] > delays[0]


@pytest.mark.parametrize("who", ["known", "unknown"])
def test_ten_failures_lock_for_fifteen_minutes(harness, registered, who):
    email = EMAIL if who == "known" else UNKNOWN
    errors = []
    for _ in range(10):
        errors.append(_fail(harness, email))
        harness.clock.advance(seconds=31)  # past the progressive delay, which is at most 30 s
    assert all(isinstance(e, InvalidCredentials) for e in errors[:9])
    assert isinstance(errors[9], TemporarilyLocked)
    assert "account_locked" in harness.audit_kinds()

    harness.clock.advance(minutes=14)  # 14 min 31 s after the tenth failure
    with pytest.raises(TemporarilyLocked):
        log_in(harness, email, STRONG_PASSWORD)  # even the right password waits
    harness.clock.advance(seconds=30)
    if who == "known":
        assert log_in(harness, EMAIL) == registered
    else:
        assert isinstance(_fail(harness, email), InvalidCredentials)


def test_known_and_unknown_emails_are_locked_alike(harness, registered):
    def run(email):
        outcomes = []
        for _ in range(10):
            outcomes.append(type(_fail(harness, email)).__name__)
            harness.clock.advance(seconds=31)
        return outcomes

    assert run(EMAIL) == run(UNKNOWN)
    login_kinds = {AuditEventKind.LOGIN_FAILED, AuditEventKind.ACCOUNT_LOCKED}
    events = [e for e in audit_events(harness) if e.kind in login_kinds]
    kinds_known = sorted(e.kind.value for e in events if e.account_id == registered)
    kinds_unknown = sorted(e.kind.value for e in events if e.account_id is None)
    assert kinds_known == kinds_unknown
    assert kinds_known.count("account_locked") == 1 and kinds_known.count("login_failed") == 10


def test_a_success_resets_the_failures(harness, registered):
    for _ in range(3):
        _fail(harness, EMAIL)
    harness.clock.advance(seconds=2)
    assert log_in(harness, EMAIL) == registered
    for _ in range(2):
        assert isinstance(_fail(harness, EMAIL), InvalidCredentials)
    assert log_in(harness, EMAIL) == registered  # no delay: the count started again


def test_failures_of_one_email_do_not_slow_another(harness, registered):
    for _ in range(3):
        _fail(harness, UNKNOWN)
    assert log_in(harness, EMAIL) == registered


def test_a_pending_registration_cannot_log_in(harness, demo):
    step = start_scenario(harness, demo.scenario("policyholder_vita"))
    give_contacts(harness, step.flow_token)
    with pytest.raises(InvalidCredentials):
        log_in(harness, EMAIL, STRONG_PASSWORD)
    verify(harness, step.flow_token, harness.code_sent_to(MOBILE))
    with pytest.raises(InvalidCredentials):
        log_in(harness, EMAIL, STRONG_PASSWORD)


@pytest.mark.parametrize("password", ["", "Demo-Password-2026!", STRONG_PASSWORD, "password"])
def test_a_legacy_account_cannot_log_in_before_first_access(harness, seeded, password):
    with pytest.raises(InvalidCredentials):
        harness.container.login()(LogIn(seeded.scenario("legacy").email, password))


def test_the_seeded_registered_account_logs_in(harness, seeded):
    s = seeded.scenario("already_registered")
    assert log_in(harness, s.email, s.password)


def test_logout_ends_the_session(harness, registered):
    sessions = harness.container.sessions()
    session_id = sessions.create({}, registered)
    assert sessions.load(session_id).account_id == registered
    harness.container.logout()(registered, sessions.id_hash(session_id))
    assert sessions.load(session_id) is None
    assert harness.audit_kinds(registered)[0] == "logout"
