"""Registration in four steps (R-REG-1..4, R-ELIG, R-LEG-1), through the container's use cases."""
from __future__ import annotations

import pytest

from dependency_injector import providers

from areaclienti.app.use_cases.registration import VerifyMobile
from areaclienti.domain.accounts import AccountOrigin, AccountStatus
from areaclienti.domain.errors import (
    AlreadyRegistered,
    EmailInUse,
    FlowExpired,
    InvalidTaxCode,
    InvalidVatNumber,
    LegacyAccountExists,
    LinkInvalid,
    PasswordContainsPersonalData,
    PasswordsDoNotMatch,
    PasswordTooCommon,
    PasswordTooShort,
    PolicyDataMismatch,
    PolicyTooOld,
    PrivacyNotAccepted,
    RoleDoesNotQualify,
)
from areaclienti.domain.links import LinkPurpose
from areaclienti.app.use_cases.passwords import CompleteLink

from tests.support import STRONG_PASSWORD

from .journeys import (
    EMAIL,
    MOBILE,
    account,
    account_of,
    give_contacts,
    log_in,
    register,
    set_password,
    start,
    start_scenario,
    verify,
)


@pytest.mark.parametrize(
    "scenario",
    ["policyholder_vita", "policyholder_danni", "member_collective", "risk_certificate_holder",
     "expired_10_months", "company"],
)
def test_an_eligible_customer_registers_in_four_steps_and_logs_in(harness, demo, scenario):
    s = demo.scenario(scenario)

    step = start_scenario(harness, s)
    assert step.next_step == "contacts" and step.flow_token
    assert harness.sms.sent == [] and harness.emails.sent == []

    step = give_contacts(harness, step.flow_token, EMAIL, MOBILE)
    assert step.next_step == "otp"
    assert step.masked_mobile.endswith("4567") and "347123" not in step.masked_mobile
    assert [sms.to for sms in harness.sms.sent] == [MOBILE]

    assert verify(harness, step.flow_token, harness.code_sent_to(MOBILE)) == EMAIL
    assert account(harness, account_of(harness, s.vat_number or s.tax_code).id).status is AccountStatus.MOBILE_VERIFIED
    token = harness.link_token_sent_to(EMAIL)
    assert harness.container.complete_password_link().check(token) is LinkPurpose.SET_PASSWORD

    account_id = set_password(harness, token)

    registered = account(harness, account_id)
    assert registered.status is AccountStatus.CONSULTATIVE
    assert registered.origin is AccountOrigin.REGISTRATION
    assert registered.party_id == s.party_id
    assert registered.email == EMAIL and registered.mobile == MOBILE
    assert registered.identification_pending
    assert registered.password_hash and STRONG_PASSWORD not in registered.password_hash
    assert log_in(harness, EMAIL) == account_id
    kinds = harness.audit_kinds(account_id)
    for kind in ("registration_started", "otp_sent", "otp_verified", "password_set", "login_succeeded"):
        assert kind in kinds


def test_a_company_registers_with_its_vat_number_in_any_spelling(harness, demo):
    s = demo.scenario("company")
    step = start(harness, f"IT {s.vat_number[:5]} {s.vat_number[5:]}", s.policy_number.lower())
    give_contacts(harness, step.flow_token)
    verify(harness, step.flow_token, harness.code_sent_to(MOBILE))
    account_id = set_password(harness, harness.link_token_sent_to(EMAIL))
    registered = account(harness, account_id)
    assert registered.party_id.is_company and registered.party_id.value == s.vat_number
    assert registered.display_name == "Officine Meccaniche Lombarde S.r.l."


def test_a_bad_vat_number_is_refused_naming_the_field(harness, demo):
    s = demo.scenario("company")
    bad = s.vat_number[:-1] + str((int(s.vat_number[-1]) + 1) % 10)
    with pytest.raises(InvalidVatNumber) as refused:
        start(harness, bad, s.policy_number)
    assert refused.value.field == "party_id" and refused.value.params["reason"] == "checksum"


# --- refusals at step 1 ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("scenario", "error"),
    [("insured_only", RoleDoesNotQualify), ("expired_30_months", PolicyTooOld)],
)
def test_customers_who_do_not_qualify_are_refused(harness, demo, scenario, error):
    s = demo.scenario(scenario)
    with pytest.raises(error):
        start_scenario(harness, s)
    assert account_of(harness, s.tax_code) is None
    assert harness.sms.sent == [] and harness.emails.sent == []


def test_an_unknown_policy_and_a_wrong_person_get_the_same_answer(harness, demo):
    giulia, luca = demo.scenario("policyholder_vita"), demo.scenario("policyholder_danni")
    with pytest.raises(PolicyDataMismatch) as unknown_policy:
        start(harness, giulia.tax_code, "VI99999999")
    with pytest.raises(PolicyDataMismatch) as wrong_person:
        start(harness, luca.tax_code, giulia.policy_number)  # a real policy, not Luca's
    assert type(unknown_policy.value) is type(wrong_person.value) is PolicyDataMismatch
    assert unknown_policy.value.params == wrong_person.value.params == {}
    assert unknown_policy.value.field == wrong_person.value.field
    assert str(unknown_policy.value) == str(wrong_person.value)
    assert account_of(harness, giulia.tax_code) is None and account_of(harness, luca.tax_code) is None
    assert harness.audit_kinds() == []


def test_a_customer_of_the_old_area_cannot_register_again(harness, seeded):
    with pytest.raises(LegacyAccountExists):
        start_scenario(harness, seeded.scenario("legacy"))
    assert account_of(harness, seeded.scenario("legacy").tax_code).status is AccountStatus.LEGACY_PENDING


def test_a_registered_customer_cannot_register_again(harness, seeded):
    s = seeded.scenario("already_registered")
    with pytest.raises(AlreadyRegistered):
        start_scenario(harness, s)
    assert log_in(harness, s.email, s.password)  # the existing account is untouched


def test_a_finished_registration_cannot_be_started_again(harness, demo):
    s = demo.scenario("policyholder_vita")
    account_id = register(harness, s)
    with pytest.raises(AlreadyRegistered):
        start_scenario(harness, s)
    assert log_in(harness, EMAIL) == account_id


def test_the_privacy_notice_must_be_accepted(harness, demo):
    s = demo.scenario("policyholder_vita")
    with pytest.raises(PrivacyNotAccepted) as refused:
        start_scenario(harness, s, privacy=False)
    assert refused.value.field == "privacy_accepted"
    assert account_of(harness, s.tax_code) is None


def test_a_tax_code_with_a_wrong_check_character_is_refused(harness, demo):
    s = demo.scenario("policyholder_vita")
    bad = s.tax_code[:-1] + ("A" if s.tax_code[-1] != "A" else "B")
    with pytest.raises(InvalidTaxCode) as refused:
        start(harness, bad, s.policy_number)
    assert refused.value.params["reason"] == "checksum"
    assert refused.value.field == "party_id"


def test_the_tax_code_is_normalised(harness, demo):
    s = demo.scenario("policyholder_vita")
    spaced = " ".join([s.tax_code[:6], s.tax_code[6:11], s.tax_code[11:]]).lower()
    step = start(harness, spaced, s.policy_number)
    assert step.next_step == "contacts"
    assert account_of(harness, s.tax_code) is not None


# --- step 2 skipped: contacts given at issuance ------------------------------------------------------
def test_contacts_given_at_issuance_skip_step_two(harness, demo):
    s = demo.scenario("contacts_at_issuance")
    step = start_scenario(harness, s)
    assert step.next_step == "otp"
    assert step.masked_mobile.endswith(s.mobile[-4:])
    assert [sms.to for sms in harness.sms.sent] == [s.mobile]

    assert verify(harness, step.flow_token, harness.code_sent_to(s.mobile)) == s.email
    account_id = set_password(harness, harness.link_token_sent_to(s.email))
    registered = account(harness, account_id)
    assert registered.contacts_from_issuance
    assert (registered.email, registered.mobile) == (s.email, s.mobile)
    assert log_in(harness, s.email) == account_id


# --- restarting, expiry, flows ---------------------------------------------------------------------
def test_a_half_way_registration_can_be_restarted_and_the_old_flow_stops_working(harness, demo):
    s = demo.scenario("policyholder_vita")
    first = start_scenario(harness, s)
    give_contacts(harness, first.flow_token, "vecchia@example.it", "+393331112233")
    old_code = harness.code_sent_to("+393331112233")

    harness.clock.advance(seconds=61)  # the cool-down between two codes to the same person
    second = start_scenario(harness, s)
    assert second.flow_token != first.flow_token

    with pytest.raises(FlowExpired):
        verify(harness, first.flow_token, old_code)
    with pytest.raises(FlowExpired):
        give_contacts(harness, first.flow_token)

    give_contacts(harness, second.flow_token)
    verify(harness, second.flow_token, harness.code_sent_to(MOBILE))
    account_id = set_password(harness, harness.link_token_sent_to(EMAIL))
    assert log_in(harness, EMAIL) == account_id
    assert account(harness, account_id).mobile == MOBILE


def test_restarting_after_the_link_was_sent_voids_the_old_link(harness, demo):
    s = demo.scenario("policyholder_vita")
    first = start_scenario(harness, s)
    give_contacts(harness, first.flow_token, "vecchia@example.it", "+393331112233")
    verify(harness, first.flow_token, harness.code_sent_to("+393331112233"))
    old_link = harness.link_token_sent_to("vecchia@example.it")

    start_scenario(harness, s)  # someone starts over before the password was set

    with pytest.raises(LinkInvalid):
        harness.container.complete_password_link().check(old_link)
    with pytest.raises(LinkInvalid):
        set_password(harness, old_link)
    assert account_of(harness, s.tax_code).status is AccountStatus.REGISTRATION_STARTED


def test_an_unknown_flow_token_is_expired(harness):
    with pytest.raises(FlowExpired):
        give_contacts(harness, "not-a-flow")
    with pytest.raises(FlowExpired):
        verify(harness, "", "12345")


def test_a_flow_older_than_thirty_minutes_expires(harness, demo):
    step = start_scenario(harness, demo.scenario("policyholder_vita"))
    harness.clock.advance(minutes=30, seconds=1)
    with pytest.raises(FlowExpired):
        give_contacts(harness, step.flow_token)
    assert harness.sms.sent == []


def test_a_flow_is_still_good_just_before_thirty_minutes(harness, demo):
    step = start_scenario(harness, demo.scenario("policyholder_vita"))
    harness.clock.advance(minutes=29, seconds=59)
    assert give_contacts(harness, step.flow_token).next_step == "otp"


def test_the_code_step_expires_with_the_flow(harness, demo):
    step = start_scenario(harness, demo.scenario("policyholder_vita"))
    give_contacts(harness, step.flow_token)
    code = harness.code_sent_to(MOBILE)
    harness.clock.advance(minutes=31)
    with pytest.raises(FlowExpired):
        verify(harness, step.flow_token, code)


# --- step 2 -----------------------------------------------------------------------------------------
def test_an_email_that_already_logs_in_elsewhere_gets_a_notice_instead_of_a_link(harness, demo):
    register(harness, demo.scenario("policyholder_vita"), email="giulia@example.it")
    step = start_scenario(harness, demo.scenario("policyholder_danni"))
    # Accepted like any address: refusing it here would tell anyone which addresses have a profile.
    give_contacts(harness, step.flow_token, "Giulia@Example.it", "+393331112233")
    before = len(harness.emails_to("giulia@example.it"))
    harness.container.registration().verify_mobile(
        VerifyMobile(step.flow_token, harness.code_sent_to("+393331112233")))
    notice = harness.emails_to("giulia@example.it")[before:]
    assert len(notice) == 1 and "già un profilo" in notice[0].subject
    assert "/password/imposta/" not in notice[0].body


@pytest.mark.parametrize("holder", ["already_registered", "legacy"])
def test_the_email_of_a_seeded_account_gets_a_notice_instead_of_a_link(harness, seeded, holder):
    step = start_scenario(harness, seeded.scenario("policyholder_vita"))
    email = seeded.scenario(holder).email
    give_contacts(harness, step.flow_token, email, "+393331112244")
    harness.container.registration().verify_mobile(
        VerifyMobile(step.flow_token, harness.code_sent_to("+393331112244")))
    assert [m.subject for m in harness.emails_to(email)] == ["Area Clienti: questo indirizzo ha già un profilo"]


def test_two_pending_registrations_with_one_email_cannot_both_finish(harness, demo):
    giulia, luca = demo.scenario("policyholder_vita"), demo.scenario("policyholder_danni")
    a = start_scenario(harness, giulia)
    give_contacts(harness, a.flow_token, EMAIL, "+393331112233")
    b = start_scenario(harness, luca)
    give_contacts(harness, b.flow_token, EMAIL, "+393401234501")
    verify(harness, a.flow_token, harness.code_sent_to("+393331112233"))
    link_a = harness.link_token_sent_to(EMAIL)
    verify(harness, b.flow_token, harness.code_sent_to("+393401234501"))
    link_b = harness.link_token_sent_to(EMAIL)

    giulia_id = set_password(harness, link_a)
    with pytest.raises(EmailInUse):
        set_password(harness, link_b)
    assert log_in(harness, EMAIL) == giulia_id


def test_marketing_consent_is_stored_with_its_time(harness, demo):
    s = demo.scenario("policyholder_vita")
    start_scenario(harness, s, marketing=True)
    pending = account_of(harness, s.tax_code)
    assert pending.marketing_consent is True
    assert pending.marketing_consent_at == harness.clock.now()
    assert pending.privacy_accepted_at == harness.clock.now()


def test_marketing_consent_is_optional(harness, demo):
    s = demo.scenario("policyholder_vita")
    account_id = register(harness, s, marketing=False)
    assert account(harness, account_id).marketing_consent is False
    assert account(harness, account_id).privacy_accepted_at is not None


# --- step 4: the link ------------------------------------------------------------------------------
def _link_for(harness, demo):
    step = start_scenario(harness, demo.scenario("policyholder_vita"))
    give_contacts(harness, step.flow_token)
    verify(harness, step.flow_token, harness.code_sent_to(MOBILE))
    return harness.link_token_sent_to(EMAIL)


def test_the_set_password_link_is_single_use(harness, demo):
    token = _link_for(harness, demo)
    set_password(harness, token)
    with pytest.raises(LinkInvalid):
        set_password(harness, token, "un'altra password lunga e nuova")
    with pytest.raises(LinkInvalid):
        harness.container.complete_password_link().check(token)
    with pytest.raises(Exception):
        log_in(harness, EMAIL, "un'altra password lunga e nuova")


def test_the_set_password_link_expires_after_24_hours(harness, demo):
    token = _link_for(harness, demo)
    harness.clock.advance(hours=24)
    with pytest.raises(LinkInvalid):
        set_password(harness, token)
    assert account_of(harness, demo.scenario("policyholder_vita").tax_code).status is AccountStatus.MOBILE_VERIFIED


def test_the_set_password_link_works_until_24_hours(harness, demo):
    token = _link_for(harness, demo)
    harness.clock.advance(hours=23, minutes=59)
    assert set_password(harness, token)


def test_an_unknown_link_is_invalid(harness):
    with pytest.raises(LinkInvalid):
        set_password(harness, "made-up-token")


@pytest.mark.parametrize(
    ("password", "error"),
    [
        ("corta", PasswordTooShort),
        ("la mia password {tax_code} lunga", PasswordContainsPersonalData),
        ("la mia {email_tax} lunga", PasswordContainsPersonalData),
        ("password1234", PasswordTooCommon),
    ],
)
def test_step_four_enforces_the_password_rules(harness, demo, password, error):
    s = demo.scenario("policyholder_vita")
    token = _link_for(harness, demo)
    password = password.format(tax_code=s.tax_code.lower(), email_tax=EMAIL)
    with pytest.raises(error):
        set_password(harness, token, password)
    # The link is not spent by a rejected password.
    assert set_password(harness, token)


def test_step_four_wants_the_confirmation_to_match(harness, demo):
    token = _link_for(harness, demo)
    with pytest.raises(PasswordsDoNotMatch):
        harness.container.complete_password_link()(CompleteLink(token, STRONG_PASSWORD, STRONG_PASSWORD + "x"))


def test_contacts_at_issuance_already_used_elsewhere_fall_back_to_step_two(harness, demo):
    sara = demo.scenario("contacts_at_issuance")
    register(harness, demo.scenario("policyholder_vita"), email=sara.email)
    harness.clock.advance(seconds=61)
    step = start_scenario(harness, sara)
    assert step.next_step == "contacts"
    assert harness.sms.to(sara.mobile) == []
    give_contacts(harness, step.flow_token, "sara.altra@example.it", sara.mobile)
    verify(harness, step.flow_token, harness.code_sent_to(sara.mobile))
    account_id = set_password(harness, harness.link_token_sent_to("sara.altra@example.it"))
    assert log_in(harness, "sara.altra@example.it") == account_id


def test_two_first_registrations_of_one_party_at_once_both_end_well(harness, demo):
    """The loser of the race (its account insert refused) starts again on the winner's account."""
    from areaclienti.adapters.memory.unit_of_work import InMemoryUnitOfWork

    scenario = demo.scenario("policyholder_vita")
    store = harness.store
    racing = {"first": True}

    class RacingUnitOfWork(InMemoryUnitOfWork):
        def _begin(self):
            super()._begin()
            real = self.accounts.get_by_party

            def get_by_party(party_id):
                if racing.pop("first", False):  # the other registration commits right after we looked
                    start(harness, scenario.tax_code, scenario.policy_number)
                    return None
                return real(party_id)

            self.accounts.get_by_party = get_by_party

    harness.container.uow.override(providers.Factory(RacingUnitOfWork, store))
    try:
        step = start(harness, scenario.tax_code, scenario.policy_number)
    finally:
        harness.container.uow.reset_last_overriding()
    assert step.next_step == "contacts"
    accounts = [a for a in store.accounts.values() if a.party_id.value == scenario.tax_code]
    assert len(accounts) == 1
    assert accounts[0].flow_hash == harness.container.secret_hasher().hash(step.flow_token)  # ours is the live flow


@pytest.mark.parametrize("utc_time, accepted", [
    ("2026-11-25T22:30:00+00:00", True),   # 23:30 in Rome on the 25th: the window is still open
    ("2026-11-25T23:30:00+00:00", False),  # 00:30 in Rome on the 26th: the window closed that day
])
def test_the_24_month_window_counts_italian_days(harness, demo, utc_time, accepted):
    """A policy that expired on 26/11/2024 opens Area Clienti until 25/11/2026 included, Italian time."""
    from dataclasses import replace
    from datetime import date, datetime

    from areaclienti.domain.errors import PolicyTooOld
    from areaclienti.domain.policies import PolicyStatus

    scenario = demo.scenario("expired_10_months")
    core = harness.container.core_system()
    policy = core.find_policy(scenario.policy_number)
    expired = replace(policy, status=PolicyStatus.EXPIRED, expiry_date=date(2024, 11, 26))
    core.store._by_number[policy.number] = expired  # the in-memory demo store
    harness.clock.set(datetime.fromisoformat(utc_time))
    if accepted:
        assert start_scenario(harness, scenario).next_step == "contacts"
    else:
        with pytest.raises(PolicyTooOld):
            start_scenario(harness, scenario)
