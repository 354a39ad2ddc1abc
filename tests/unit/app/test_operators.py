"""Back-office operators (SPEC §8): created by the CLI, signed in with a password then a TOTP code."""
from __future__ import annotations

import threading
from datetime import timedelta
from urllib.parse import parse_qs, unquote, urlsplit

import pyotp
import pytest

from areaclienti.app.use_cases.operators import ISSUER, PendingLogin
from areaclienti.domain.audit import AuditEventKind
from areaclienti.domain.errors import (
    InvalidCredentials,
    InvalidEmail,
    InvalidTransition,
    OperatorExists,
    PasswordContainsPersonalData,
    PasswordTooCommon,
    PasswordTooShort,
    TemporarilyLocked,
    TotpInvalid,
)
from areaclienti.domain.operators import OperatorSessionSettings

from .identification_journeys import OPERATOR_EMAIL, OPERATOR_PASSWORD, create_operator, operator_id
from .journeys import audit_events

STEP = timedelta(seconds=30)
UNKNOWN = "nessuno@ca-assicurazioni.example"
WRONG_PASSWORD = "non è la password giusta"


def access(harness):
    return harness.container.operator_access()


def code(secret: str, harness, offset: int = 0) -> str:
    return pyotp.TOTP(secret).at(harness.clock.now() + offset * STEP)


def not_the_code(secret: str, harness) -> str:
    near = {code(secret, harness, k) for k in (-1, 0, 1)}
    return next(c for c in (f"{n:06d}" for n in range(1_000_000)) if c not in near)


def stored_operator(harness, email=OPERATOR_EMAIL):
    with harness.container.uow() as uow:
        return uow.operators.get_by_email(email)


def set_active(harness, active: bool, email=OPERATOR_EMAIL) -> None:
    with harness.container.uow() as uow:
        operator = uow.operators.get_by_email(email)
        operator.active = active
        uow.operators.save(operator)
        uow.commit()


def new_operator(harness):
    return access(harness).create(email=OPERATOR_EMAIL, display_name="Operatrice Prova", password=OPERATOR_PASSWORD)


@pytest.fixture
def secret(harness) -> str:
    """An enrolled operator's TOTP secret; the clock moved past the step used at enrolment."""
    found = create_operator(harness)
    harness.clock.advance(seconds=30)
    return found


def _fail_password(harness, email=OPERATOR_EMAIL, password=WRONG_PASSWORD):
    with pytest.raises((InvalidCredentials, TemporarilyLocked)) as refused:
        access(harness).check_password(email, password)
    return refused.value


def _fail_code(harness, pending, typed="000000"):
    with pytest.raises((TotpInvalid, TemporarilyLocked)) as refused:
        access(harness).check_code(pending, typed)
    return refused.value


# --- creation (CLI) ----------------------------------------------------------------------------------
def test_a_new_operator_must_enrol_a_second_factor(harness):
    view = access(harness).create(email="  Operatore@CA-Assicurazioni.example ", display_name=" Operatrice ",
                                  password=OPERATOR_PASSWORD)
    assert view.email == OPERATOR_EMAIL and view.display_name == "Operatrice"
    assert not view.enrolled and view.active
    assert stored_operator(harness).password_hash.startswith("$argon2id$")
    assert access(harness).signed_in(view.id) is None  # not before the second factor
    (event,) = [e for e in audit_events(harness) if e.kind is AuditEventKind.OPERATOR_CREATED]
    assert event.details == {"operator": view.id}


@pytest.mark.parametrize("password, error", [
    ("corta", PasswordTooShort),
    ("password1234", PasswordTooCommon),
    ("operatore-ca-assicurazioni 2026", PasswordContainsPersonalData),  # the email's own name
])
def test_a_weak_password_is_refused(harness, password, error):
    with pytest.raises(error):
        access(harness).create(email=OPERATOR_EMAIL, display_name="Operatrice", password=password)
    assert access(harness).list() == []


def test_an_email_already_taken_is_refused_whatever_its_case(harness):
    new_operator(harness)
    with pytest.raises(OperatorExists):
        access(harness).create(email=OPERATOR_EMAIL.upper(), display_name="Altra", password=OPERATOR_PASSWORD)
    assert [o.email for o in access(harness).list()] == [OPERATOR_EMAIL]


def test_an_address_that_is_no_email_is_refused(harness):
    with pytest.raises(InvalidEmail):
        access(harness).create(email="operatore", display_name="Operatrice", password=OPERATOR_PASSWORD)


def test_operators_are_listed_by_email(harness):
    access(harness).create(email="zeta@example.it", display_name="Zeta", password=OPERATOR_PASSWORD)
    access(harness).create(email="alfa@example.it", display_name="Alfa", password=OPERATOR_PASSWORD)
    assert [o.email for o in access(harness).list()] == ["alfa@example.it", "zeta@example.it"]


# --- the password step -------------------------------------------------------------------------------
def test_the_right_password_leads_to_enrolment_at_the_first_login(harness):
    view = new_operator(harness)
    pending = access(harness).check_password(" OPERATORE@ca-assicurazioni.example", OPERATOR_PASSWORD)
    assert pending == PendingLogin(view.id, harness.clock.now(), needs_enrolment=True)


def test_a_wrong_password_and_an_unknown_email_answer_alike(harness):
    new_operator(harness)
    wrong = _fail_password(harness, OPERATOR_EMAIL)
    unknown = _fail_password(harness, UNKNOWN)
    assert type(wrong) is type(unknown) is InvalidCredentials
    assert wrong.params == unknown.params
    failed = [e for e in audit_events(harness) if e.kind is AuditEventKind.OPERATOR_LOGIN_FAILED]
    assert len(failed) == 2 and all(e.subject and "@" not in e.subject for e in failed)
    assert all(WRONG_PASSWORD not in str(e.details) for e in failed)


@pytest.mark.parametrize("email", [OPERATOR_EMAIL, UNKNOWN])
def test_three_password_failures_bring_a_delay_known_or_not(harness, email):
    new_operator(harness)
    for _ in range(3):
        assert isinstance(_fail_password(harness, email), InvalidCredentials)
    with pytest.raises(TemporarilyLocked) as locked:
        access(harness).check_password(email, OPERATOR_PASSWORD)
    assert locked.value.retry_after > harness.clock.now()


@pytest.mark.parametrize("email", [OPERATOR_EMAIL, UNKNOWN])
def test_ten_password_failures_lock_even_the_right_password(harness, email):
    new_operator(harness)
    outcomes = []
    for _ in range(10):
        outcomes.append(type(_fail_password(harness, email)))
        harness.clock.advance(seconds=31)
    assert outcomes[:9] == [InvalidCredentials] * 9
    assert outcomes[9] is TemporarilyLocked
    harness.clock.advance(minutes=14)
    with pytest.raises(TemporarilyLocked):
        access(harness).check_password(email, OPERATOR_PASSWORD)
    assert [e.kind for e in audit_events(harness)].count(AuditEventKind.ACCOUNT_LOCKED) == 1
    harness.clock.advance(seconds=30)
    if email == OPERATOR_EMAIL:
        assert access(harness).check_password(email, OPERATOR_PASSWORD).needs_enrolment
    else:
        assert isinstance(_fail_password(harness, email), InvalidCredentials)


def test_known_and_unknown_emails_are_locked_alike(harness):
    new_operator(harness)

    def run(email):
        outcomes = []
        for _ in range(12):
            outcomes.append(type(_fail_password(harness, email)).__name__)
            harness.clock.advance(seconds=31)
        return outcomes

    assert run(OPERATOR_EMAIL) == run(UNKNOWN)


def test_a_right_password_resets_the_password_failures(harness):
    new_operator(harness)
    for _ in range(3):
        _fail_password(harness)
    harness.clock.advance(seconds=2)
    access(harness).check_password(OPERATOR_EMAIL, OPERATOR_PASSWORD)
    for _ in range(3):
        assert isinstance(_fail_password(harness), InvalidCredentials)


# --- enrolment (first login) -------------------------------------------------------------------------
def test_enrolment_shows_an_otpauth_uri_with_the_issuer(harness):
    new_operator(harness)
    pending = access(harness).check_password(OPERATOR_EMAIL, OPERATOR_PASSWORD)
    enrolment = access(harness).begin_enrolment(pending)
    parts = urlsplit(enrolment.provisioning_uri)
    assert parts.scheme == "otpauth" and parts.netloc == "totp"
    assert unquote(parts.path) == f"/{ISSUER}:{OPERATOR_EMAIL}"
    assert parse_qs(parts.query)["issuer"] == [ISSUER]
    assert parse_qs(parts.query)["secret"] == [enrolment.secret]
    assert not stored_operator(harness).enrolled  # not until a code comes back


def test_the_first_code_completes_enrolment_and_signs_in(harness):
    view = new_operator(harness)
    pending = access(harness).check_password(OPERATOR_EMAIL, OPERATOR_PASSWORD)
    enrolment = access(harness).begin_enrolment(pending)
    signed_in = access(harness).check_code(pending, code(enrolment.secret, harness))
    assert signed_in.id == view.id and signed_in.enrolled
    assert access(harness).signed_in(view.id) == signed_in
    kinds = [e.kind for e in audit_events(harness)]
    assert AuditEventKind.OPERATOR_TOTP_ENROLLED in kinds and AuditEventKind.OPERATOR_LOGIN_SUCCEEDED in kinds


def test_a_wrong_code_does_not_complete_enrolment(harness):
    new_operator(harness)
    pending = access(harness).check_password(OPERATOR_EMAIL, OPERATOR_PASSWORD)
    enrolment = access(harness).begin_enrolment(pending)
    with pytest.raises(TotpInvalid):
        access(harness).check_code(pending, not_the_code(enrolment.secret, harness))
    assert not stored_operator(harness).enrolled


def test_a_code_before_any_secret_is_refused(harness):
    new_operator(harness)
    pending = access(harness).check_password(OPERATOR_EMAIL, OPERATOR_PASSWORD)
    with pytest.raises(TotpInvalid):
        access(harness).check_code(pending, "123456")
    assert not stored_operator(harness).enrolled


def test_each_visit_to_enrolment_shows_a_new_secret_and_only_the_last_counts(harness):
    new_operator(harness)
    pending = access(harness).check_password(OPERATOR_EMAIL, OPERATOR_PASSWORD)
    first = access(harness).begin_enrolment(pending)
    second = access(harness).begin_enrolment(pending)
    assert first.secret != second.secret
    with pytest.raises(TotpInvalid):
        access(harness).check_code(pending, code(first.secret, harness))
    assert access(harness).check_code(pending, code(second.secret, harness)).enrolled


def test_an_enrolled_operator_cannot_enrol_again(harness, secret):
    pending = access(harness).check_password(OPERATOR_EMAIL, OPERATOR_PASSWORD)
    assert not pending.needs_enrolment
    with pytest.raises(InvalidTransition):
        access(harness).begin_enrolment(pending)
    assert stored_operator(harness).totp_secret == secret


# --- the code step -----------------------------------------------------------------------------------
def test_an_enrolled_operator_signs_in_with_password_then_code(harness, secret):
    pending = access(harness).check_password(OPERATOR_EMAIL, OPERATOR_PASSWORD)
    view = access(harness).check_code(pending, code(secret, harness))
    assert view.id == operator_id(harness) and view.enrolled


def test_a_wrong_code_is_refused_and_audited_without_the_code(harness, secret):
    pending = access(harness).check_password(OPERATOR_EMAIL, OPERATOR_PASSWORD)
    typed = not_the_code(secret, harness)
    with pytest.raises(TotpInvalid):
        access(harness).check_code(pending, typed)
    failed = [e for e in audit_events(harness) if e.kind is AuditEventKind.OPERATOR_LOGIN_FAILED]
    assert failed[0].details == {"operator": operator_id(harness), "step": "totp"}
    assert all(typed not in f"{e.subject} {e.details}" for e in audit_events(harness))


def test_the_same_code_cannot_be_used_twice(harness, secret):
    typed = code(secret, harness)
    access(harness).check_code(access(harness).check_password(OPERATOR_EMAIL, OPERATOR_PASSWORD), typed)
    pending = access(harness).check_password(OPERATOR_EMAIL, OPERATOR_PASSWORD)
    with pytest.raises(TotpInvalid):
        access(harness).check_code(pending, typed)


def test_the_code_used_at_enrolment_cannot_sign_in_again(harness):
    found = create_operator(harness)
    pending = access(harness).check_password(OPERATOR_EMAIL, OPERATOR_PASSWORD)
    with pytest.raises(TotpInvalid):
        access(harness).check_code(pending, code(found, harness))


def test_a_code_older_than_the_last_used_one_is_refused(harness, secret):
    pending = access(harness).check_password(OPERATOR_EMAIL, OPERATOR_PASSWORD)
    access(harness).check_code(pending, code(secret, harness, +1))  # a phone running a little ahead
    pending = access(harness).check_password(OPERATOR_EMAIL, OPERATOR_PASSWORD)
    with pytest.raises(TotpInvalid):
        access(harness).check_code(pending, code(secret, harness))


def test_the_next_code_works_after_the_previous_one(harness, secret):
    access(harness).check_code(access(harness).check_password(OPERATOR_EMAIL, OPERATOR_PASSWORD),
                               code(secret, harness))
    harness.clock.advance(seconds=30)
    pending = access(harness).check_password(OPERATOR_EMAIL, OPERATOR_PASSWORD)
    assert access(harness).check_code(pending, code(secret, harness)).enrolled


def test_two_logins_racing_with_one_code_let_only_one_in(harness, secret):
    typed = code(secret, harness)
    pendings = [access(harness).check_password(OPERATOR_EMAIL, OPERATOR_PASSWORD) for _ in range(2)]
    barrier, outcomes = threading.Barrier(2), []

    def sign_in(pending):
        barrier.wait()
        try:
            access(harness).check_code(pending, typed)
            outcomes.append("in")
        except TotpInvalid:
            outcomes.append("refused")

    threads = [threading.Thread(target=sign_in, args=(p,)) for p in pendings]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    assert sorted(outcomes) == ["in", "refused"]


def test_the_half_done_login_expires(harness, secret):
    pending = access(harness).check_password(OPERATOR_EMAIL, OPERATOR_PASSWORD)
    harness.clock.advance(seconds=OperatorSessionSettings().second_factor_window.total_seconds() + 1)
    with pytest.raises(InvalidCredentials):
        access(harness).check_code(pending, code(secret, harness))
    assert stored_operator(harness).last_totp_step < int(harness.clock.now().timestamp() // 30)


def test_the_half_done_login_is_good_until_the_end_of_its_window(harness, secret):
    pending = access(harness).check_password(OPERATOR_EMAIL, OPERATOR_PASSWORD)
    harness.clock.advance(seconds=OperatorSessionSettings().second_factor_window.total_seconds())
    assert access(harness).check_code(pending, code(secret, harness)).enrolled


def test_an_expired_half_done_login_cannot_begin_enrolment(harness):
    new_operator(harness)
    pending = access(harness).check_password(OPERATOR_EMAIL, OPERATOR_PASSWORD)
    harness.clock.advance(minutes=6)
    with pytest.raises(InvalidCredentials):
        access(harness).begin_enrolment(pending)
    assert stored_operator(harness).totp_secret is None


def test_a_made_up_pending_login_gets_nowhere(harness, secret):
    forged = PendingLogin("no-such-operator", harness.clock.now(), needs_enrolment=False)
    with pytest.raises(InvalidCredentials):
        access(harness).check_code(forged, code(secret, harness))


def test_repeated_wrong_codes_lock_the_second_factor(harness, secret):
    outcomes = []
    for _ in range(10):
        pending = access(harness).check_password(OPERATOR_EMAIL, OPERATOR_PASSWORD)
        outcomes.append(type(_fail_code(harness, pending, not_the_code(secret, harness))))
        harness.clock.advance(seconds=31)
    assert outcomes[:9] == [TotpInvalid] * 9 and outcomes[9] is TemporarilyLocked
    pending = access(harness).check_password(OPERATOR_EMAIL, OPERATOR_PASSWORD)  # the password still passes
    with pytest.raises(TemporarilyLocked):
        access(harness).check_code(pending, code(secret, harness))  # even the right code waits
    assert AuditEventKind.ACCOUNT_LOCKED in [e.kind for e in audit_events(harness)]
    harness.clock.advance(minutes=15)
    pending = access(harness).check_password(OPERATOR_EMAIL, OPERATOR_PASSWORD)
    assert access(harness).check_code(pending, code(secret, harness)).enrolled


def test_code_failures_are_not_reset_by_a_right_password(harness, secret):
    for _ in range(3):
        pending = access(harness).check_password(OPERATOR_EMAIL, OPERATOR_PASSWORD)
        _fail_code(harness, pending, not_the_code(secret, harness))
    pending = access(harness).check_password(OPERATOR_EMAIL, OPERATOR_PASSWORD)
    with pytest.raises(TemporarilyLocked):
        access(harness).check_code(pending, code(secret, harness))


# --- reset and deactivation --------------------------------------------------------------------------
def test_resetting_the_second_factor_forces_a_new_enrolment(harness, secret):
    view = access(harness).reset_second_factor(OPERATOR_EMAIL.upper())
    assert not view.enrolled
    assert "operator_totp_reset" in harness.audit_kinds()
    assert access(harness).signed_in(view.id) is None
    pending = access(harness).check_password(OPERATOR_EMAIL, OPERATOR_PASSWORD)
    assert pending.needs_enrolment
    with pytest.raises(TotpInvalid):
        access(harness).check_code(pending, code(secret, harness))  # the lost phone's codes are dead
    enrolment = access(harness).begin_enrolment(pending)
    assert enrolment.secret != secret
    assert access(harness).check_code(pending, code(enrolment.secret, harness)).enrolled


def test_resetting_an_unknown_operator_is_refused(harness):
    with pytest.raises(InvalidCredentials):
        access(harness).reset_second_factor(UNKNOWN)


def test_an_inactive_operator_cannot_log_in(harness, secret):
    set_active(harness, False)
    assert isinstance(_fail_password(harness, OPERATOR_EMAIL, OPERATOR_PASSWORD), InvalidCredentials)


def test_an_operator_deactivated_between_the_two_steps_gets_no_further(harness, secret):
    pending = access(harness).check_password(OPERATOR_EMAIL, OPERATOR_PASSWORD)
    set_active(harness, False)
    with pytest.raises(InvalidCredentials):
        access(harness).check_code(pending, code(secret, harness))


def test_a_deactivated_operator_loses_the_live_session(harness, secret):
    me = operator_id(harness)
    assert access(harness).signed_in(me) is not None
    set_active(harness, False)
    assert access(harness).signed_in(me) is None


def test_logout_is_audited(harness, secret):
    access(harness).logout(operator_id(harness))
    (event,) = [e for e in audit_events(harness) if e.kind is AuditEventKind.OPERATOR_LOGOUT]
    assert event.details == {"operator": operator_id(harness)}


def test_two_creations_racing_for_one_email_make_one_operator(harness, monkeypatch):
    from areaclienti.adapters.memory.repositories import InMemoryOperatorRepository

    start, both_added, outcomes = threading.Barrier(2), threading.Barrier(2), []
    original_add = InMemoryOperatorRepository.add

    def add_then_linger(self, operator):
        original_add(self, operator)
        try:  # hold the transaction open until the other creation has added too (or cannot)
            both_added.wait(timeout=1)
        except threading.BrokenBarrierError:
            pass

    monkeypatch.setattr(InMemoryOperatorRepository, "add", add_then_linger)

    def create(name):
        start.wait()
        try:
            access(harness).create(email=OPERATOR_EMAIL, display_name=name, password=OPERATOR_PASSWORD)
            outcomes.append("created")
        except OperatorExists:
            outcomes.append("exists")

    threads = [threading.Thread(target=create, args=(name,)) for name in ("Prima", "Seconda")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["created", "exists"]
    assert len(access(harness).list()) == 1
