"""The account life cycle: registration (R-REG), the old consultative area (R-LEG)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from areaclienti.domain.accounts import Account, AccountOrigin, AccountStatus, ensure_may_register
from areaclienti.domain.errors import (
    AlreadyRegistered,
    InvalidTransition,
    LegacyAccountExists,
    MobileDiffersFromRecords,
)

from .strategies import at, person

ME = person()
NOW = at()
LATER = at(minutes=7)
S = AccountStatus


def started(**overrides) -> Account:
    args = dict(account_id="acc-1", party_id=ME, policy_number="P1", flow_hash="flow-1", marketing_consent=True, now=NOW)
    args.update(overrides)
    return Account.start_registration(**args)


def with_contacts() -> Account:
    account = started()
    account.give_contacts(email="mario@example.it", mobile="+393471234567")
    return account


def mobile_verified() -> Account:
    account = with_contacts()
    account.verify_mobile()
    return account


def consultative() -> Account:
    account = mobile_verified()
    account.set_password("hash-1", LATER)
    return account


def legacy(mobile: str | None = None) -> Account:
    return Account.import_legacy(
        account_id="old-1", party_id=ME, email="mario@example.it", mobile=mobile, display_name="Mario Rossi", now=NOW
    )


def legacy_activating() -> Account:
    """First access under way: the code was sent and typed back."""
    account = legacy()
    account.start_legacy_activation(mobile="+393471234567", flow_hash="flow-L", now=LATER)
    account.confirm_legacy_mobile("+393471234567")
    return account


def closed() -> Account:
    account = consultative()
    account.close()
    return account


# --- registration ------------------------------------------------------------------------------------
def test_the_whole_registration_life_cycle():
    account = started(marketing_consent=False)
    assert account.status is S.REGISTRATION_STARTED
    assert account.origin is AccountOrigin.REGISTRATION
    assert (account.id, account.party_id, account.policy_number) == ("acc-1", ME, "P1")
    assert account.created_at == account.privacy_accepted_at == account.flow_started_at == NOW
    assert account.flow_hash == "flow-1"
    assert account.marketing_consent is False and account.marketing_consent_at == NOW
    assert account.email is None and account.mobile is None and account.password_hash is None
    assert not account.can_log_in and not account.is_registered

    account.give_contacts(email="mario@example.it", mobile="+393471234567", from_issuance=True)
    assert account.status is S.CONTACTS_GIVEN
    assert (account.email, account.mobile, account.contacts_from_issuance) == ("mario@example.it", "+393471234567", True)
    assert not account.can_log_in

    account.verify_mobile()
    assert account.status is S.MOBILE_VERIFIED
    assert not account.can_log_in

    account.set_password("argon2-hash", LATER)
    assert account.status is S.CONSULTATIVE
    assert account.password_hash == "argon2-hash"
    assert account.password_changed_at == LATER
    assert account.flow_hash is None and account.flow_started_at is None
    assert account.is_registered and account.can_log_in
    assert account.identification_pending


def test_contacts_default_to_typed_ones():
    assert with_contacts().contacts_from_issuance is False


def test_a_consultative_account_may_set_a_new_password_by_reset():
    account = consultative()
    account.set_password("hash-2", at(hours=3))
    assert account.status is S.CONSULTATIVE
    assert account.password_hash == "hash-2"
    assert account.password_changed_at == at(hours=3)


def test_rehash_keeps_the_status_and_the_change_date():
    account = consultative()
    account.rehash_password("stronger-hash")
    assert account.password_hash == "stronger-hash"
    assert account.status is S.CONSULTATIVE and account.password_changed_at == LATER


_CONTACTS = dict(email="x@example.it", mobile="+393331234567")


@pytest.mark.parametrize(
    ("build", "step"),
    [
        (started, lambda a: a.verify_mobile()),
        (started, lambda a: a.set_password("h", LATER)),
        (with_contacts, lambda a: a.give_contacts(**_CONTACTS)),
        (with_contacts, lambda a: a.set_password("h", LATER)),
        (mobile_verified, lambda a: a.give_contacts(**_CONTACTS)),
        (mobile_verified, lambda a: a.verify_mobile()),
        (consultative, lambda a: a.give_contacts(**_CONTACTS)),
        (consultative, lambda a: a.verify_mobile()),
        (consultative, lambda a: a.start_legacy_activation(mobile="+393331234567", flow_hash="f", now=LATER)),
        (started, lambda a: a.start_legacy_activation(mobile="+393331234567", flow_hash="f", now=LATER)),
        (legacy, lambda a: a.give_contacts(**_CONTACTS)),
        (legacy, lambda a: a.set_password("h", LATER)),
        (closed, lambda a: a.give_contacts(**_CONTACTS)),
        (closed, lambda a: a.verify_mobile()),
        (closed, lambda a: a.set_password("h", LATER)),
        (closed, lambda a: a.start_legacy_activation(mobile="+393331234567", flow_hash="f", now=LATER)),
    ],
    ids=lambda v: getattr(v, "__name__", "step"),
)
def test_invalid_transitions_are_refused_and_change_nothing(build, step):
    account = build()
    before = vars(account).copy()
    with pytest.raises(InvalidTransition) as excinfo:
        step(account)
    assert excinfo.value.code == "invalid_transition"
    assert excinfo.value.params == {"current": before["status"].value}
    assert vars(account) == before


@pytest.mark.parametrize("build", [started, with_contacts, mobile_verified])
def test_a_half_way_registration_may_restart_and_forgets_the_contacts(build):
    account = build()
    account.restart_registration(policy_number="P2", flow_hash="flow-2", marketing_consent=False, now=LATER)
    assert account.status is S.REGISTRATION_STARTED
    assert account.origin is AccountOrigin.REGISTRATION
    assert account.email is None and account.mobile is None and account.contacts_from_issuance is False
    assert account.policy_number == "P2" and account.flow_hash == "flow-2"
    assert account.flow_started_at == account.privacy_accepted_at == account.marketing_consent_at == LATER
    assert account.marketing_consent is False
    assert account.created_at == NOW
    account.give_contacts(email="nuova@example.it", mobile="+393331234567")  # the flow goes on
    assert account.status is S.CONTACTS_GIVEN


def test_a_closed_account_may_register_again():
    account = closed()
    account.restart_registration(policy_number="P9", flow_hash="flow-9", marketing_consent=True, now=LATER)
    assert account.status is S.REGISTRATION_STARTED
    assert account.origin is AccountOrigin.REGISTRATION
    assert account.password_hash is None and not account.can_log_in


def test_a_finished_registration_may_not_restart():
    account = consultative()
    with pytest.raises(AlreadyRegistered):
        account.restart_registration(policy_number="P2", flow_hash="f2", marketing_consent=False, now=LATER)
    assert account.status is S.CONSULTATIVE and account.password_hash == "hash-1"


def test_a_legacy_account_may_not_restart_a_registration():
    account = legacy()
    with pytest.raises(LegacyAccountExists):
        account.restart_registration(policy_number="P2", flow_hash="f2", marketing_consent=False, now=LATER)
    assert account.status is S.LEGACY_PENDING


# --- who may register (R-LEG-1) ----------------------------------------------------------------------
@pytest.mark.parametrize("build", [lambda: None, started, with_contacts, mobile_verified, closed])
def test_ensure_may_register_lets_new_half_way_and_closed_through(build):
    ensure_may_register(build())


@pytest.mark.parametrize("build", [legacy, legacy_activating])
def test_ensure_may_register_refuses_a_legacy_account(build):
    with pytest.raises(LegacyAccountExists) as excinfo:
        ensure_may_register(build())
    assert excinfo.value.code == "legacy_account_exists"


def test_ensure_may_register_refuses_a_consultative_account():
    with pytest.raises(AlreadyRegistered) as excinfo:
        ensure_may_register(consultative())
    assert excinfo.value.code == "already_registered"


def test_a_legacy_account_takes_its_password_once_first_access_started_and_then_logs_in():
    account = legacy_activating()
    account.set_password("h", LATER)
    assert account.status is S.CONSULTATIVE and account.can_log_in and account.flow_hash is None


def test_a_legacy_account_that_finished_activation_counts_as_registered():
    account = legacy_activating()
    account.set_password("h", LATER)
    with pytest.raises(AlreadyRegistered):
        ensure_may_register(account)


# --- legacy (R-LEG-2) --------------------------------------------------------------------------------
def test_the_legacy_first_access():
    account = legacy(mobile="+393000000000")
    assert account.status is S.LEGACY_PENDING and account.origin is AccountOrigin.LEGACY
    assert account.email == "mario@example.it" and account.display_name == "Mario Rossi"
    assert account.password_hash is None and not account.can_log_in and not account.is_registered

    with pytest.raises(MobileDiffersFromRecords):  # the old area holds another number
        account.start_legacy_activation(mobile="+393471234567", flow_hash="flow-X", now=LATER)
    account.start_legacy_activation(mobile="+393000000000", flow_hash="flow-L", now=LATER)
    assert account.status is S.LEGACY_PENDING
    assert (account.flow_hash, account.flow_started_at) == ("flow-L", LATER)

    account.confirm_legacy_mobile("+393000000000")
    assert account.status is S.LEGACY_PENDING and account.mobile == "+393000000000"

    account.set_password("argon2-hash", at(minutes=10))
    assert account.status is S.CONSULTATIVE
    assert account.origin is AccountOrigin.LEGACY
    assert account.email == "mario@example.it"
    assert account.flow_hash is None
    assert account.can_log_in


def test_without_a_mobile_on_file_first_access_may_start_again_with_another_number():
    account = legacy()
    account.start_legacy_activation(mobile="+393471234567", flow_hash="flow-L", now=LATER)
    account.start_legacy_activation(mobile="+393331234567", flow_hash="flow-L2", now=at(minutes=20))
    assert (account.mobile, account.flow_hash) == (None, "flow-L2")  # recorded only once its code is typed
    account.confirm_legacy_mobile("+393331234567")
    with pytest.raises(MobileDiffersFromRecords):
        account.start_legacy_activation(mobile="+393471234567", flow_hash="flow-L3", now=at(minutes=30))


@pytest.mark.parametrize("mobile", [None, "+393471234567"])
def test_a_legacy_mobile_is_verified_only_after_the_activation_asked_for_one(mobile):
    account = legacy(mobile=mobile)
    with pytest.raises(InvalidTransition):
        account.verify_mobile()
    assert account.status is S.LEGACY_PENDING


# --- closing and logging in --------------------------------------------------------------------------
def test_closing_ends_the_flow_and_the_login():
    account = consultative()
    account.close()
    assert account.status is S.CLOSED
    assert account.flow_hash is None
    assert not account.can_log_in and not account.is_registered


@pytest.mark.parametrize("build", [started, with_contacts, mobile_verified, legacy, legacy_activating, closed])
def test_only_consultative_accounts_log_in(build):
    assert not build().can_log_in


def test_a_consultative_account_without_a_hash_does_not_log_in():
    account = consultative()
    account.password_hash = None
    assert not account.can_log_in
    account.password_hash = "h"
    assert account.can_log_in


def test_the_flow_start_time_is_the_latest_restart():
    account = started()
    account.restart_registration(policy_number="P1", flow_hash="f2", marketing_consent=True, now=NOW + timedelta(hours=1))
    assert account.flow_started_at == NOW + timedelta(hours=1)
