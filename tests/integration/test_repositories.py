"""One contract for the repositories and the unit of work, run on memory, SQLite and PostgreSQL.

The in-memory fakes behind the use-case unit tests pass the same tests as the database, so a unit
test that passes on them says something about production.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.exc import IntegrityError

from areaclienti.adapters.memory.repositories import ConstraintViolation
from areaclienti.adapters.sqlalchemy.tables import metadata
from areaclienti.app.ports.repositories import OutboxItem, OutboxKind, OutboxStatus, WebSession
from areaclienti.app.ports.unit_of_work import UnitOfWork
from areaclienti.domain.accounts import Account, AccountOrigin, AccountStatus
from areaclienti.domain.audit import AuditEvent, AuditEventKind
from areaclienti.domain.links import EmailLink, LinkPurpose
from areaclienti.domain.otp import OtpChallenge, OtpPurpose
from areaclienti.domain.parties import PartyId, PartyKind
from areaclienti.domain.throttling import FailureKind, FailureRecord


UowFactory = Callable[[], UnitOfWork]

NOW = datetime(2026, 5, 9, 10, 30, 15, 123456, tzinfo=timezone.utc)
ROME = timezone(timedelta(hours=2))  # an offset other than UTC: it must come back as the same instant in UTC
PERSON = PartyId(PartyKind.PERSON, "RSSMRA85T10A562S")
COMPANY = PartyId(PartyKind.COMPANY, "01114601006")
REFUSED = (ConstraintViolation, IntegrityError)


# --- builders -------------------------------------------------------------------------------------
def an_account(account_id: str = "acc-1", *, party: PartyId = PERSON, **changes) -> Account:
    values = dict(
        id=account_id,
        party_id=party,
        status=AccountStatus.CONSULTATIVE,
        origin=AccountOrigin.REGISTRATION,
        created_at=NOW.astimezone(ROME),
        policy_number="VI-0001234",
        email=f"{account_id}@example.it",
        mobile="+393471234567",
        password_hash="$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
        privacy_accepted_at=NOW - timedelta(minutes=9),
        marketing_consent=True,
        marketing_consent_at=NOW - timedelta(minutes=8),
        flow_hash=f"flow-{account_id}",
        flow_started_at=NOW - timedelta(minutes=7),
        contacts_from_issuance=True,
        password_changed_at=NOW - timedelta(minutes=6),
        display_name="Mario Rossi",
        extra={"note": "però", "list": [1, 2.5, None, True], "nested": {"a": {"b": "c"}}},
    )
    values.update(changes)
    return Account(**values)


def a_challenge(challenge_id: str = "otp-1", **changes) -> OtpChallenge:
    values = dict(
        id=challenge_id,
        purpose=OtpPurpose.REGISTRATION,
        subject=PERSON.value,
        destination="+393471234567",
        flow_hash="flow-1",
        code_hash="code-hash",
        created_at=NOW,
        expires_at=NOW + timedelta(minutes=5),
        max_attempts=5,
        account_id="acc-1",
    )
    values.update(changes)
    return OtpChallenge(**values)


def a_link(link_id: str = "link-1", account_id: str = "acc-1", **changes) -> EmailLink:
    values = dict(
        id=link_id,
        purpose=LinkPurpose.SET_PASSWORD,
        account_id=account_id,
        token_hash=f"token-{link_id}",
        created_at=NOW,
        expires_at=NOW + timedelta(hours=24),
    )
    values.update(changes)
    return EmailLink(**values)


def a_message(message_id: str = "msg-1", **changes) -> OutboxItem:
    values = dict(id=message_id, kind=OutboxKind.EMAIL, sealed_payload="gAAAA-sealed", created_at=NOW,
                  available_at=NOW + timedelta(seconds=30))
    values.update(changes)
    return OutboxItem(**values)


def a_session(id_hash: str = "sess-1", account_id: str | None = "acc-1", **changes) -> WebSession:
    values = dict(id_hash=id_hash, created_at=NOW, last_seen_at=NOW, account_id=account_id,
                  data={"csrf": "x", "flow": {"step": 2}})
    values.update(changes)
    return WebSession(**values)


def add(uow_factory: UowFactory, *objects) -> None:
    """Commit objects in one unit of work, each to its repository."""
    with uow_factory() as uow:
        for obj in objects:
            repository = {
                Account: uow.accounts, OtpChallenge: uow.otps, EmailLink: uow.links,
                OutboxItem: uow.outbox, WebSession: uow.sessions, AuditEvent: uow.audit,
            }[type(obj)]
            repository.add(obj)
        uow.commit()


def assert_utc(*moments: datetime | None) -> None:
    for moment in moments:
        if moment is not None:
            assert moment.utcoffset() == timedelta(0), moment


# --- schema ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("engine_fixture", ["sqlite_engine", pytest.param("pg_engine", marks=pytest.mark.postgres)])
def test_migrations_build_the_schema_tables_describe(request, engine_fixture):
    engine = request.getfixturevalue(engine_fixture)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


# --- unit of work ---------------------------------------------------------------------------------
def test_changes_are_seen_elsewhere_only_after_commit(uow_factory):
    with uow_factory() as writer:
        writer.accounts.add(an_account())
        assert writer.accounts.get("acc-1") is not None
        with uow_factory() as reader:
            assert reader.accounts.get("acc-1") is None
        writer.commit()
    with uow_factory() as reader:
        assert reader.accounts.get("acc-1") == an_account()


def test_leaving_without_commit_rolls_back(uow_factory):
    add(uow_factory, an_account())
    with uow_factory() as uow:
        account = uow.accounts.get("acc-1")
        account.display_name = "Changed"
        uow.accounts.save(account)
        uow.accounts.add(an_account("acc-2", party=COMPANY))
        uow.audit.add(AuditEvent(AuditEventKind.LOGOUT, NOW))
    with uow_factory() as uow:
        assert uow.accounts.get("acc-1").display_name == "Mario Rossi"
        assert uow.accounts.get("acc-2") is None
        assert list(uow.audit.list()) == []


def test_work_after_a_commit_is_a_new_transaction(uow_factory):
    callbacks = []
    with uow_factory() as uow:
        uow.accounts.add(an_account())
        uow.on_commit(lambda: callbacks.append("sent"))
        uow.commit()
        assert callbacks == ["sent"]
        uow.accounts.add(an_account("acc-2", party=COMPANY))
    with uow_factory() as uow:
        assert uow.accounts.get("acc-1") is not None
        assert uow.accounts.get("acc-2") is None


def test_objects_handed_out_are_copies(uow_factory):
    add(uow_factory, an_account())
    with uow_factory() as uow:
        account = uow.accounts.get("acc-1")
        account.display_name = "Changed"
        account.extra["note"] = "changed"
        uow.commit()
    with uow_factory() as uow:
        assert uow.accounts.get("acc-1") == an_account()


# --- accounts -------------------------------------------------------------------------------------
def test_account_round_trip(uow_factory):
    person = an_account()
    company = an_account(
        "acc-2", party=COMPANY, status=AccountStatus.LEGACY_PENDING, origin=AccountOrigin.LEGACY,
        policy_number=None, mobile=None, password_hash=None, privacy_accepted_at=None,
        marketing_consent=False, marketing_consent_at=None, flow_hash=None, flow_started_at=None,
        contacts_from_issuance=False, password_changed_at=None, display_name=None, extra={},
    )
    add(uow_factory, person, company)
    with uow_factory() as uow:
        assert uow.accounts.get("acc-1") == person
        assert uow.accounts.get("acc-2") == company
        got = uow.accounts.get("acc-1")
        assert_utc(got.created_at, got.privacy_accepted_at, got.marketing_consent_at, got.flow_started_at,
                   got.password_changed_at)
        assert got.party_id == PERSON and got.status is AccountStatus.CONSULTATIVE
        assert uow.accounts.get("nobody") is None


def test_account_save_stores_every_field(uow_factory):
    add(uow_factory, an_account(status=AccountStatus.MOBILE_VERIFIED, password_hash=None))
    with uow_factory() as uow:
        account = uow.accounts.get("acc-1")
        account.set_password("new-hash", NOW + timedelta(hours=1))
        account.email, account.mobile, account.extra = "new@example.it", "+393339999999", {"k": [1]}
        uow.accounts.save(account)
        uow.commit()
    with uow_factory() as uow:
        assert uow.accounts.get("acc-1") == account


def test_saving_what_was_never_added_fails(uow_factory):
    with uow_factory() as uow:
        with pytest.raises(LookupError):
            uow.accounts.save(an_account())
        with pytest.raises(LookupError):
            uow.otps.save(a_challenge())


def test_account_lookups(uow_factory):
    add(
        uow_factory,
        an_account("acc-1", party=PERSON, email="mario@example.it", flow_hash="flow-a"),
        an_account("acc-2", party=COMPANY, email="mario@example.it", status=AccountStatus.CONTACTS_GIVEN,
                   flow_hash="flow-b"),
    )
    with uow_factory() as uow:
        assert uow.accounts.get_by_party(PERSON).id == "acc-1"
        assert uow.accounts.get_by_party(COMPANY).id == "acc-2"
        assert uow.accounts.get_by_party(PartyId(PartyKind.PERSON, COMPANY.value)) is None
        assert uow.accounts.get_by_email("mario@example.it").id == "acc-1"
        assert uow.accounts.get_by_email("other@example.it") is None
        assert uow.accounts.get_by_flow_hash("flow-b").id == "acc-2"
        assert uow.accounts.get_by_flow_hash("flow-c") is None
        many = uow.accounts.get_many(["acc-2", "acc-9", "acc-1", "acc-2"])
        assert {k: v.party_id for k, v in many.items()} == {"acc-1": PERSON, "acc-2": COMPANY}
        assert uow.accounts.get_many([]) == {}


@pytest.mark.parametrize(
    ("status", "found"),
    [
        (AccountStatus.CONSULTATIVE, True),
        (AccountStatus.LEGACY_PENDING, True),
        (AccountStatus.REGISTRATION_STARTED, False),
        (AccountStatus.CONTACTS_GIVEN, False),
        (AccountStatus.MOBILE_VERIFIED, False),
        (AccountStatus.CLOSED, False),
    ],
)
def test_get_by_email_finds_only_login_accounts(uow_factory, status, found):
    add(uow_factory, an_account(status=status))
    with uow_factory() as uow:
        assert (uow.accounts.get_by_email("acc-1@example.it") is not None) is found


def test_a_login_email_belongs_to_one_account(uow_factory):
    add(uow_factory, an_account("acc-1", email="same@example.it"))
    with pytest.raises(REFUSED):
        with uow_factory() as uow:
            uow.accounts.add(an_account("acc-2", party=COMPANY, email="same@example.it"))
            uow.commit()


def test_an_email_may_repeat_while_registrations_are_pending(uow_factory):
    add(
        uow_factory,
        an_account("acc-1", email="same@example.it"),
        an_account("acc-2", party=COMPANY, email="same@example.it", status=AccountStatus.CONTACTS_GIVEN),
    )
    with uow_factory() as uow:
        assert uow.accounts.get_by_email("same@example.it").id == "acc-1"


def test_a_party_has_one_account(uow_factory):
    from areaclienti.app.ports.repositories import PartyHasAccount

    add(uow_factory, an_account("acc-1"))
    with pytest.raises(PartyHasAccount):  # told apart, so a registration that lost the race starts over
        with uow_factory() as uow:
            uow.accounts.add(an_account("acc-2", email="other@example.it"))
            uow.commit()


# --- one-time codes -------------------------------------------------------------------------------
def test_challenge_round_trip(uow_factory):
    challenge = a_challenge(
        created_at=NOW.astimezone(ROME), attempts=2, consumed_at=NOW + timedelta(minutes=1),
        voided_at=NOW + timedelta(minutes=2), purpose=OtpPurpose.PASSWORD_RESET,
    )
    plain = a_challenge("otp-2", flow_hash="flow-2", account_id=None)
    add(uow_factory, challenge, plain)
    with uow_factory() as uow:
        got = uow.otps.latest_for_flow("flow-1")
        assert got == challenge
        assert got.purpose is OtpPurpose.PASSWORD_RESET
        assert_utc(got.created_at, got.expires_at, got.consumed_at, got.voided_at)
        assert uow.otps.latest_for_flow("flow-2") == plain
        assert uow.otps.latest_for_flow("flow-3") is None


def test_latest_for_flow_is_the_newest(uow_factory):
    add(
        uow_factory,
        a_challenge("otp-b", created_at=NOW + timedelta(minutes=2)),
        a_challenge("otp-c", created_at=NOW + timedelta(minutes=1)),
        a_challenge("otp-a", created_at=NOW),
        a_challenge("otp-other", flow_hash="flow-2", created_at=NOW + timedelta(minutes=3)),
    )
    with uow_factory() as uow:
        assert uow.otps.latest_for_flow("flow-1").id == "otp-b"


def test_open_for_subject(uow_factory):
    add(
        uow_factory,
        a_challenge("otp-1", created_at=NOW + timedelta(seconds=2)),
        a_challenge("otp-2", created_at=NOW + timedelta(seconds=1)),
        a_challenge("otp-used", consumed_at=NOW),
        a_challenge("otp-void", voided_at=NOW),
        a_challenge("otp-other", subject="someone-else"),
    )
    with uow_factory() as uow:
        assert [c.id for c in uow.otps.open_for_subject(PERSON.value)] == ["otp-2", "otp-1"]
        assert uow.otps.open_for_subject("nobody") == []


def test_sent_since_by_subject_or_destination(uow_factory):
    since = NOW - timedelta(minutes=15)
    add(
        uow_factory,
        a_challenge("old", created_at=since - timedelta(microseconds=1)),
        a_challenge("edge", created_at=since),
        a_challenge("mine", created_at=NOW),
        a_challenge("my-number-other-person", subject="someone-else", created_at=NOW - timedelta(minutes=1)),
        a_challenge("me-other-number", destination="+393330000000", created_at=NOW - timedelta(minutes=2)),
    )
    with uow_factory() as uow:
        by_subject = uow.otps.sent_since(subject=PERSON.value, since=since.astimezone(ROME))
        by_number = uow.otps.sent_since(destination="+393471234567", since=since)
    assert by_subject == [since, NOW - timedelta(minutes=2), NOW]
    assert by_number == [since, NOW - timedelta(minutes=1), NOW]
    assert_utc(*by_subject)


def test_save_records_consumed_and_voided_but_never_winds_back_attempts(uow_factory):
    add(uow_factory, a_challenge())
    with uow_factory() as uow:
        stale = uow.otps.latest_for_flow("flow-1")
        assert uow.otps.count_attempt("otp-1") == 1
        stale.void(NOW + timedelta(seconds=5))
        uow.otps.save(stale)
        uow.commit()
    with uow_factory() as uow:
        got = uow.otps.latest_for_flow("flow-1")
    assert got.attempts == 1
    assert got.voided_at == NOW + timedelta(seconds=5)


def test_count_attempt_stops_at_max_attempts(uow_factory):
    add(uow_factory, a_challenge(max_attempts=3))
    counts = []
    for _ in range(4):
        with uow_factory() as uow:
            counts.append(uow.otps.count_attempt("otp-1"))
            uow.commit()
    assert counts == [1, 2, 3, None]
    with uow_factory() as uow:
        assert uow.otps.count_attempt("unknown") is None


@pytest.mark.parametrize("state", ["consumed_at", "voided_at"])
def test_count_attempt_refuses_a_closed_challenge(uow_factory, state):
    add(uow_factory, a_challenge(**{state: NOW}))
    with uow_factory() as uow:
        assert uow.otps.count_attempt("otp-1") is None


def test_a_rolled_back_attempt_does_not_count(uow_factory):
    add(uow_factory, a_challenge())
    with uow_factory() as uow:
        assert uow.otps.count_attempt("otp-1") == 1
    with uow_factory() as uow:
        assert uow.otps.count_attempt("otp-1") == 1
        uow.commit()
    with uow_factory() as uow:
        assert uow.otps.latest_for_flow("flow-1").attempts == 1


def test_a_challenge_is_consumed_once(uow_factory):
    add(uow_factory, a_challenge(), a_challenge("otp-void", flow_hash="flow-2", voided_at=NOW))
    results = []
    for _ in range(2):
        with uow_factory() as uow:
            results.append(uow.otps.consume("otp-1", NOW + timedelta(seconds=30)))
            uow.commit()
    assert results == [True, False]
    with uow_factory() as uow:
        assert uow.otps.consume("otp-void", NOW) is False
        assert uow.otps.consume("unknown", NOW) is False
        assert uow.otps.latest_for_flow("flow-1").consumed_at == NOW + timedelta(seconds=30)


def test_an_open_challenge_can_answer_a_newer_flow(uow_factory):
    add(uow_factory, a_challenge(), a_challenge("otp-void", flow_hash="flow-2", voided_at=NOW))
    with uow_factory() as uow:
        assert uow.otps.rebind_flow("otp-1", "flow-new") is True
        assert uow.otps.rebind_flow("otp-void", "flow-new-2") is False
        assert uow.otps.rebind_flow("unknown", "flow-x") is False
        uow.commit()
    with uow_factory() as uow:
        assert uow.otps.latest_for_flow("flow-new").id == "otp-1"
        assert uow.otps.latest_for_flow("flow-1") is None
        assert uow.otps.latest_for_flow("flow-new-2") is None


# --- email links ----------------------------------------------------------------------------------
def test_link_round_trip(uow_factory):
    link = a_link(created_at=NOW.astimezone(ROME), used_at=NOW + timedelta(minutes=3),
                  purpose=LinkPurpose.RESET_PASSWORD)
    add(uow_factory, an_account(), link)
    with uow_factory() as uow:
        got = uow.links.get_by_token_hash("token-link-1")
        assert got == link and got.purpose is LinkPurpose.RESET_PASSWORD
        assert_utc(got.created_at, got.expires_at, got.used_at)
        assert uow.links.get_by_token_hash("nope") is None


def test_a_link_needs_its_account(uow_factory):
    with pytest.raises(REFUSED):
        with uow_factory() as uow:
            uow.links.add(a_link(account_id="nobody"))
            uow.commit()


def test_a_link_is_consumed_once(uow_factory):
    add(uow_factory, an_account(), a_link())
    results = []
    for _ in range(2):
        with uow_factory() as uow:
            results.append(uow.links.consume("link-1", NOW + timedelta(minutes=1)))
            uow.commit()
    assert results == [True, False]
    with uow_factory() as uow:
        assert uow.links.get_by_token_hash("token-link-1").used_at == NOW + timedelta(minutes=1)
        assert uow.links.consume("unknown", NOW) is False


def test_void_open_uses_up_the_open_links_of_that_account_and_purpose(uow_factory):
    add(
        uow_factory,
        an_account("acc-1"),
        an_account("acc-2", party=COMPANY),
        a_link("open-1"),
        a_link("open-2"),
        a_link("used", used_at=NOW - timedelta(minutes=1)),
        a_link("reset", purpose=LinkPurpose.RESET_PASSWORD),
        a_link("other-account", account_id="acc-2"),
    )
    later = NOW + timedelta(minutes=5)
    with uow_factory() as uow:
        uow.links.void_open("acc-1", LinkPurpose.SET_PASSWORD, later)
        uow.commit()
    with uow_factory() as uow:
        used_at = {i: uow.links.get_by_token_hash(f"token-{i}").used_at
                   for i in ("open-1", "open-2", "used", "reset", "other-account")}
    assert used_at == {
        "open-1": later, "open-2": later, "used": NOW - timedelta(minutes=1), "reset": None, "other-account": None,
    }


# --- throttles ------------------------------------------------------------------------------------
def test_throttle_default_and_save(uow_factory):
    with uow_factory() as uow:
        assert uow.throttles.get("mario@example.it", FailureKind.PASSWORD) == FailureRecord(
            "mario@example.it", FailureKind.PASSWORD
        )
        record = FailureRecord("mario@example.it", FailureKind.PASSWORD, 3, NOW.astimezone(ROME), NOW + timedelta(minutes=15))
        uow.throttles.save(record)
        uow.commit()
    with uow_factory() as uow:
        got = uow.throttles.get("mario@example.it", FailureKind.PASSWORD)
        assert got == record and got.kind is FailureKind.PASSWORD
        assert_utc(got.last_failure_at, got.locked_until)
        assert uow.throttles.get("mario@example.it", FailureKind.OTP).failures == 0
        got.record_success()
        uow.throttles.save(got)
        uow.commit()
    with uow_factory() as uow:
        assert uow.throttles.get("mario@example.it", FailureKind.PASSWORD) == FailureRecord(
            "mario@example.it", FailureKind.PASSWORD
        )


def test_a_try_is_charged_in_one_statement_exactly_when_the_record_allows_it(uow_factory):
    """``charge`` (one SQL statement) agrees with FailureRecord.next_allowed_at for every count: refused a
    microsecond before the wait is over, counted at the moment it is; a lock refuses until it ends."""
    from areaclienti.domain.throttling import ThrottleSettings

    settings = ThrottleSettings()
    for failures in range(0, 14):
        key = f"k-{failures}"
        record = FailureRecord(key, FailureKind.PASSWORD, failures, NOW if failures else None,
                               NOW + timedelta(minutes=15) if failures == 13 else None)
        with uow_factory() as uow:
            if failures:
                uow.throttles.save(record)
            uow.commit()
        allowed_at = record.next_allowed_at(settings) or NOW
        with uow_factory() as uow:
            if allowed_at > NOW:
                assert uow.throttles.charge(key, FailureKind.PASSWORD, allowed_at - timedelta(microseconds=1),
                                            settings) is None, failures
            charged = uow.throttles.charge(key, FailureKind.PASSWORD, allowed_at, settings)
            uow.commit()
        assert charged is not None and charged.failures == failures + 1 and charged.last_failure_at == allowed_at
    with uow_factory() as uow:
        uow.throttles.lock("k-3", FailureKind.PASSWORD, NOW + timedelta(hours=1))
        uow.commit()
    with uow_factory() as uow:
        got = uow.throttles.get("k-3", FailureKind.PASSWORD)
    assert (got.failures, got.locked_until) == (4, NOW + timedelta(hours=1))  # the count left as it was


def test_tries_made_at_once_are_charged_one_by_one(uow_factory):
    """Twenty tries at the same instant: only the free ones are counted and let through; the others are
    refused by the delay the first ones' failures already owe, as if they had come one after another."""
    from areaclienti.domain.throttling import ThrottleSettings

    def try_once():
        with uow_factory() as uow:
            charged = uow.throttles.charge("k-burst", FailureKind.PASSWORD, NOW, ThrottleSettings(free_failures=3))
            uow.commit()
            return charged is not None

    assert sum(in_threads(20, try_once)) == 3
    with uow_factory() as uow:
        assert uow.throttles.get("k-burst", FailureKind.PASSWORD).failures == 3


# --- audit ----------------------------------------------------------------------------------------
def test_audit_lists_newest_first(uow_factory):
    first = AuditEvent(AuditEventKind.LOGIN_FAILED, NOW.astimezone(ROME), account_id="acc-1",
                       subject="h(mario)", details={"reason": "password", "n": 1})
    second = AuditEvent(AuditEventKind.OTP_SENT, NOW + timedelta(seconds=1), details={"to": "+39 *** *** 4567"})
    third = AuditEvent(AuditEventKind.LOGIN_SUCCEEDED, NOW + timedelta(seconds=2), account_id="acc-1")
    add(uow_factory, first, second)
    add(uow_factory, third)
    with uow_factory() as uow:
        assert list(uow.audit.list()) == [third, second, first]
        assert list(uow.audit.list(account_id="acc-1")) == [third, first]
        assert list(uow.audit.list(limit=1)) == [third]
        assert list(uow.audit.list(account_id="acc-2")) == []
        got = uow.audit.list()[2]
        assert got.kind is AuditEventKind.LOGIN_FAILED and got.details == {"reason": "password", "n": 1}
        assert_utc(got.at)


# --- outbox ---------------------------------------------------------------------------------------
LEASE = timedelta(seconds=60)


def test_outbox_round_trip(uow_factory):
    item = a_message(created_at=NOW.astimezone(ROME), attempts=1, last_error="x")
    add(uow_factory, item, a_message("sms-1", kind=OutboxKind.SMS))
    with uow_factory() as uow:
        assert uow.outbox.get("msg-1") == item
        assert_utc(uow.outbox.get("msg-1").created_at)
        assert uow.outbox.get("sms-1").kind is OutboxKind.SMS
        assert uow.outbox.get("unknown") is None
        assert uow.outbox.counts() == {OutboxStatus.PENDING: 2, OutboxStatus.DONE: 0, OutboxStatus.DEAD: 0}


def test_an_item_is_claimed_by_one_worker_until_its_lease_runs_out(uow_factory):
    add(uow_factory, a_message())
    with uow_factory() as uow:
        claimed = uow.outbox.claim("msg-1", now=NOW, lease_until=NOW + LEASE)
        assert uow.outbox.claim("msg-1", now=NOW + LEASE - timedelta(seconds=1), lease_until=NOW + 2 * LEASE) is None
        uow.commit()
    assert claimed.attempts == 1 and claimed.locked_until == NOW + LEASE
    with uow_factory() as uow:
        again = uow.outbox.claim("msg-1", now=NOW + LEASE, lease_until=NOW + 2 * LEASE)
        uow.commit()
    assert again.attempts == 2
    with uow_factory() as uow:  # the first claim is fenced off
        assert uow.outbox.complete("msg-1", attempt=1, now=NOW) is False
        assert uow.outbox.fail("msg-1", attempt=1, retry_at=NOW, error="late") is False
        assert uow.outbox.complete("msg-1", attempt=2, now=NOW + LEASE) is True
        uow.commit()
    with uow_factory() as uow:
        done = uow.outbox.get("msg-1")
        assert done.status is OutboxStatus.DONE and done.done_at == NOW + LEASE
        assert done.sealed_payload is None and done.locked_until is None  # nothing kept once delivered
        assert uow.outbox.claim("msg-1", now=NOW + 3 * LEASE, lease_until=NOW + 4 * LEASE) is None
        assert uow.outbox.claim("unknown", now=NOW, lease_until=NOW + LEASE) is None


def test_a_failed_attempt_frees_the_item_until_its_retry_or_kills_it(uow_factory):
    add(uow_factory, a_message("m-1"), a_message("m-2"))
    with uow_factory() as uow:
        uow.outbox.claim("m-1", now=NOW, lease_until=NOW + LEASE)
        uow.outbox.claim("m-2", now=NOW, lease_until=NOW + LEASE)
        assert uow.outbox.fail("m-1", attempt=1, retry_at=NOW + timedelta(seconds=7), error="timeout")
        assert uow.outbox.fail("m-2", attempt=1, retry_at=None, error="refused for good")
        uow.commit()
    with uow_factory() as uow:
        retried, dead = uow.outbox.get("m-1"), uow.outbox.get("m-2")
        assert (retried.status, retried.available_at, retried.locked_until, retried.last_error) == (
            OutboxStatus.PENDING, NOW + timedelta(seconds=7), None, "timeout")
        assert dead.status is OutboxStatus.DEAD and dead.sealed_payload == "gAAAA-sealed"
        assert [i.id for i in uow.outbox.dead()] == ["m-2"]
        assert uow.outbox.due(now=NOW + timedelta(hours=9), limit=10) == ["m-1"]
        assert uow.outbox.revive("m-1", now=NOW) is False
        assert uow.outbox.revive("m-2", now=NOW + timedelta(hours=1)) is True
        uow.commit()
    with uow_factory() as uow:
        revived = uow.outbox.get("m-2")
        assert (revived.status, revived.attempts, revived.available_at) == (
            OutboxStatus.PENDING, 0, NOW + timedelta(hours=1))
        assert uow.outbox.dead() == []


def test_due_is_pending_available_and_not_leased_oldest_first(uow_factory):
    add(
        uow_factory,
        a_message("m-3", available_at=NOW - timedelta(minutes=1)),
        a_message("m-1", available_at=NOW - timedelta(minutes=3)),
        a_message("m-done", available_at=NOW - timedelta(minutes=4), status=OutboxStatus.DONE),
        a_message("m-dead", available_at=NOW - timedelta(minutes=4), status=OutboxStatus.DEAD),
        a_message("m-leased", available_at=NOW - timedelta(minutes=4), locked_until=NOW + LEASE),
        a_message("m-2", available_at=NOW - timedelta(minutes=2), locked_until=NOW - timedelta(seconds=1)),
        a_message("m-later", available_at=NOW + timedelta(seconds=1)),
    )
    with uow_factory() as uow:
        assert uow.outbox.due(now=NOW, limit=10) == ["m-1", "m-2", "m-3"]
        assert uow.outbox.due(now=NOW, limit=2) == ["m-1", "m-2"]
        uow.outbox.postpone(["m-1", "m-done"], until=NOW + timedelta(seconds=30))
        uow.outbox.postpone([], until=NOW)
        uow.commit()
    with uow_factory() as uow:
        assert uow.outbox.due(now=NOW, limit=10) == ["m-2", "m-3"]
        assert uow.outbox.due(now=NOW + timedelta(seconds=30), limit=10) == ["m-2", "m-3", "m-later", "m-1"]


def test_concurrent_claims_of_one_item_let_one_through(uow_factory):
    add(uow_factory, a_message())

    def claim():
        with uow_factory() as uow:
            claimed = uow.outbox.claim("msg-1", now=NOW, lease_until=NOW + LEASE)
            uow.commit()
            return claimed is not None

    assert sum(in_threads(10, claim)) == 1


# --- sessions -------------------------------------------------------------------------------------
def test_session_round_trip_save_and_delete(uow_factory):
    session = a_session(created_at=NOW.astimezone(ROME), account_id=None)
    add(uow_factory, session)
    with uow_factory() as uow:
        got = uow.sessions.get("sess-1")
        assert got == session
        assert_utc(got.created_at, got.last_seen_at)
        got.data["flow"]["step"] = 3
        got.account_id = "acc-1"
        got.last_seen_at = NOW + timedelta(minutes=1)
        uow.sessions.save(got)
        uow.commit()
    with uow_factory() as uow:
        assert uow.sessions.get("sess-1") == got
        uow.sessions.delete("sess-1")
        uow.sessions.delete("unknown")
        uow.commit()
    with uow_factory() as uow:
        assert uow.sessions.get("sess-1") is None


def test_delete_for_account_keeps_the_one_asked(uow_factory):
    add(
        uow_factory,
        a_session("s-1"), a_session("s-2"), a_session("s-keep"),
        a_session("s-other", account_id="acc-2"), a_session("s-anonymous", account_id=None),
    )
    with uow_factory() as uow:
        assert uow.sessions.delete_for_account("acc-1", keep="s-keep") == 2
        uow.commit()
    with uow_factory() as uow:
        left = [h for h in ("s-1", "s-2", "s-keep", "s-other", "s-anonymous") if uow.sessions.get(h)]
        assert left == ["s-keep", "s-other", "s-anonymous"]
        assert uow.sessions.delete_for_account("acc-2") == 1
        assert uow.sessions.delete_for_account("acc-2") == 0


# --- concurrency ----------------------------------------------------------------------------------
def in_threads(count: int, work: Callable[[], object]) -> list[object]:
    """Run ``work`` in ``count`` threads released together; their results."""
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = work()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def test_fifty_concurrent_tries_count_at_most_max_attempts(uow_factory):
    add(uow_factory, a_challenge(max_attempts=5))

    def try_once():
        with uow_factory() as uow:
            challenge = uow.otps.latest_for_flow("flow-1")  # as the use case does before counting
            counted = uow.otps.count_attempt(challenge.id)
            uow.commit()
            return counted

    results = in_threads(50, try_once)
    assert sorted(r for r in results if r is not None) == [1, 2, 3, 4, 5]
    with uow_factory() as uow:
        assert uow.otps.latest_for_flow("flow-1").attempts == 5


def test_concurrent_consumes_succeed_once(uow_factory):
    add(uow_factory, an_account(), a_challenge(), a_link(), a_message(attempts=1))

    def consume_all():
        with uow_factory() as uow:
            outcome = (
                uow.otps.consume("otp-1", NOW),
                uow.links.consume("link-1", NOW),
                uow.outbox.complete("msg-1", attempt=1, now=NOW),
            )
            uow.commit()
            return outcome

    results = in_threads(10, consume_all)
    assert [sum(r[i] for r in results) for i in range(3)] == [1, 1, 1]


def test_concurrent_failures_on_one_key_are_all_counted(uow_factory):
    from areaclienti.domain.throttling import ThrottleSettings

    settings = ThrottleSettings(lock_after=1000)

    def fail_once():
        with uow_factory() as uow:
            record = uow.throttles.get("k-race", FailureKind.PASSWORD)
            record.record_failure(NOW, settings)
            uow.throttles.save(record)
            uow.commit()

    in_threads(20, fail_once)
    with uow_factory() as uow:
        assert uow.throttles.get("k-race", FailureKind.PASSWORD).failures == 20

