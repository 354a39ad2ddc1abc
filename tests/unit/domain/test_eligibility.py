"""R-ELIG-1 (qualifying roles) and R-ELIG-2 (in force, or expired less than 24 months ago)."""
from __future__ import annotations

import calendar
from datetime import date, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from areaclienti.domain.eligibility import (
    ACCESS_WINDOW_MONTHS,
    QUALIFYING_ROLES,
    access_window_closes_on,
    add_months,
    check_can_register_with,
    has_qualifying_role,
    is_in_force,
    is_within_access_window,
    visible_policies,
)
from areaclienti.domain.errors import PolicyDataMismatch, PolicyTooOld, RoleDoesNotQualify
from areaclienti.domain.policies import Company, PartyRole, Policy, PolicyStatus, Product, Role

from .strategies import company, person

SETTINGS = settings(max_examples=150, deadline=None)
ME = person("RCCMNL83S18D969H")
SOMEONE_ELSE = person("CNTCHR83T41D969D")
ACME = company("00743110157")
TODAY = date(2025, 6, 15)
PRODUCT = Product("RCA01", "Auto Sicura", Company.DANNI)

dates = st.dates(min_value=date(1950, 1, 1), max_value=date(2100, 12, 31))


def policy(
    *roles: tuple,
    status: PolicyStatus = PolicyStatus.IN_FORCE,
    expiry: date | None = date(2030, 1, 1),
    number: str = "P1",
) -> Policy:
    return Policy(
        number=number,
        product=PRODUCT,
        status=status,
        start_date=date(2015, 1, 1),
        expiry_date=expiry,
        roles=tuple(PartyRole(pid, role) for pid, role in roles),
    )


# --- R-ELIG-1 ----------------------------------------------------------------------------------------
def test_the_qualifying_roles_are_exactly_those_of_the_spec():
    assert QUALIFYING_ROLES == {Role.POLICYHOLDER, Role.MEMBER, Role.RISK_CERTIFICATE_HOLDER}
    assert ACCESS_WINDOW_MONTHS == 24


@pytest.mark.parametrize("role", [Role.POLICYHOLDER, Role.MEMBER, Role.RISK_CERTIFICATE_HOLDER])
@pytest.mark.parametrize("who", [ME, ACME])
def test_qualifying_roles_may_register(role, who):
    p = policy((who, role))
    assert has_qualifying_role(p, who)
    check_can_register_with(p, who, TODAY)  # no error


@pytest.mark.parametrize("roles", [{Role.INSURED}, {Role.BENEFICIARY}, {Role.INSURED, Role.BENEFICIARY}])
def test_insured_or_beneficiary_alone_do_not_qualify(roles):
    p = policy(*((ME, r) for r in roles), (SOMEONE_ELSE, Role.POLICYHOLDER))
    assert not has_qualifying_role(p, ME)
    with pytest.raises(RoleDoesNotQualify) as excinfo:
        check_can_register_with(p, ME, TODAY)
    assert excinfo.value.code == "role_does_not_qualify"


@pytest.mark.parametrize("other", [Role.INSURED, Role.BENEFICIARY])
def test_a_qualifying_role_next_to_a_non_qualifying_one_is_enough(other):
    p = policy((ME, other), (ME, Role.POLICYHOLDER))
    check_can_register_with(p, ME, TODAY)


def test_a_party_with_no_role_gets_the_same_answer_as_an_unknown_policy():
    p = policy((SOMEONE_ELSE, Role.POLICYHOLDER))
    with pytest.raises(PolicyDataMismatch) as on_policy:
        check_can_register_with(p, ME, TODAY)
    with pytest.raises(PolicyDataMismatch) as no_policy:
        check_can_register_with(None, ME, TODAY)
    assert on_policy.value.code == no_policy.value.code == "policy_data_mismatch"
    assert on_policy.value.params == no_policy.value.params == {}


def test_a_policy_with_no_roles_at_all_is_a_mismatch():
    with pytest.raises(PolicyDataMismatch):
        check_can_register_with(policy(), ME, TODAY)


def test_a_role_on_an_old_policy_is_too_old():
    p = policy((ME, Role.POLICYHOLDER), status=PolicyStatus.EXPIRED, expiry=date(2023, 6, 15))
    with pytest.raises(PolicyTooOld) as excinfo:
        check_can_register_with(p, ME, TODAY)
    assert excinfo.value.code == "policy_too_old"


def test_the_role_is_judged_before_the_age():
    p = policy((ME, Role.INSURED), status=PolicyStatus.EXPIRED, expiry=date(2000, 1, 1))
    with pytest.raises(RoleDoesNotQualify):
        check_can_register_with(p, ME, TODAY)


# --- R-ELIG-2: the boundary day ----------------------------------------------------------------------
def _expired(expiry: date, status: PolicyStatus = PolicyStatus.EXPIRED) -> Policy:
    return policy((ME, Role.POLICYHOLDER), status=status, expiry=expiry)


def test_the_day_expiry_plus_24_months_is_refused_and_the_day_before_accepted():
    p = _expired(date(2023, 6, 15))
    assert access_window_closes_on(p) == date(2025, 6, 15)
    assert not is_within_access_window(p, date(2025, 6, 15))
    assert not is_within_access_window(p, date(2025, 6, 16))
    assert is_within_access_window(p, date(2025, 6, 14))
    check_can_register_with(p, ME, date(2025, 6, 14))
    with pytest.raises(PolicyTooOld):
        check_can_register_with(p, ME, date(2025, 6, 15))


@pytest.mark.parametrize(
    ("expiry", "closes_on"),
    [
        (date(2024, 1, 31), date(2026, 1, 31)),
        (date(2024, 2, 29), date(2026, 2, 28)),
        (date(2024, 3, 31), date(2026, 3, 31)),
        (date(2023, 2, 28), date(2025, 2, 28)),
        (date(2022, 2, 28), date(2024, 2, 28)),  # a leap year later, still the 28th
        (date(2023, 12, 31), date(2025, 12, 31)),
    ],
)
def test_month_ends(expiry, closes_on):
    p = _expired(expiry)
    assert access_window_closes_on(p) == closes_on
    assert is_within_access_window(p, closes_on - timedelta(days=1))
    assert not is_within_access_window(p, closes_on)


def test_a_policy_expired_on_29_february_closes_on_28_february_not_1_march():
    p = _expired(date(2024, 2, 29))
    assert is_within_access_window(p, date(2026, 2, 27))
    assert not is_within_access_window(p, date(2026, 2, 28))
    assert not is_within_access_window(p, date(2026, 3, 1))


def test_an_open_ended_policy_has_no_closing_day():
    assert access_window_closes_on(policy(expiry=None)) is None


# --- add_months --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2024, 3, 31), -1, date(2024, 2, 29)),
        (date(2024, 12, 15), 1, date(2025, 1, 15)),
        (date(2025, 1, 15), -1, date(2024, 12, 15)),
        (date(2024, 5, 31), -13, date(2023, 4, 30)),
        (date(2024, 5, 31), 0, date(2024, 5, 31)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
    ],
)
def test_add_months_examples(day, months, expected):
    assert add_months(day, months) == expected


@SETTINGS
@given(dates, st.integers(-600, 600))
def test_add_months_keeps_the_day_when_it_exists_else_the_last_day(day, months):
    result = add_months(day, months)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    assert result.day <= day.day
    last = calendar.monthrange(result.year, result.month)[1]
    if day.day <= last:
        assert result.day == day.day
    else:
        assert result.day == last


@SETTINGS
@given(dates, dates, st.integers(-600, 600))
def test_add_months_is_monotonic_in_the_date(d1, d2, months):
    first, second = sorted((d1, d2))
    assert add_months(first, months) <= add_months(second, months)


@SETTINGS
@given(dates, st.integers(-300, 300), st.integers(-300, 300))
def test_add_months_is_monotonic_in_the_months(day, m1, m2):
    low, high = sorted((m1, m2))
    assert add_months(day, low) <= add_months(day, high)


@SETTINGS
@given(dates, st.integers(-600, 600))
def test_going_back_never_overshoots(day, months):
    assert add_months(add_months(day, months), -months) <= day
    assert add_months(day, 0) == day


# --- R-ELIG-2 as properties --------------------------------------------------------------------------
@SETTINGS
@given(dates, dates, st.sampled_from([PolicyStatus.EXPIRED, PolicyStatus.CANCELLED]))
def test_a_policy_not_in_force_opens_until_expiry_plus_24_months(expiry, today, status):
    p = _expired(expiry, status)
    assert not is_in_force(p, today)
    assert is_within_access_window(p, today) == (today < add_months(expiry, 24))


@SETTINGS
@given(dates, dates)
def test_an_in_force_policy_whose_expiry_passed_follows_the_same_rule(expiry, today):
    assume(expiry < today)
    p = _expired(expiry, PolicyStatus.IN_FORCE)
    assert not is_in_force(p, today)
    assert is_within_access_window(p, today) == (today < add_months(expiry, 24))


@SETTINGS
@given(dates, st.integers(0, 20_000), st.sampled_from([PolicyStatus.IN_FORCE, PolicyStatus.SUSPENDED]))
def test_an_in_force_policy_is_always_within(today, days_left, status):
    for expiry in (today + timedelta(days=days_left), None):
        p = _expired(expiry, status)
        assert is_in_force(p, today)
        assert is_within_access_window(p, today)


def test_an_in_force_policy_is_in_force_on_its_expiry_day():
    p = _expired(TODAY, PolicyStatus.IN_FORCE)
    assert is_in_force(p, TODAY)
    assert not is_in_force(p, TODAY + timedelta(days=1))


@pytest.mark.parametrize("status", [PolicyStatus.EXPIRED, PolicyStatus.CANCELLED])
def test_a_policy_not_in_force_without_expiry_date_does_not_open(status):
    assert not is_within_access_window(_expired(None, status), TODAY)  # type: ignore[arg-type]


# --- visible policies --------------------------------------------------------------------------------
def test_visible_policies_keep_qualifying_recent_ones_in_order():
    in_force = policy((ME, Role.POLICYHOLDER), number="A")
    member = policy((ME, Role.MEMBER), number="B", status=PolicyStatus.SUSPENDED, expiry=None)
    recent = policy((ME, Role.RISK_CERTIFICATE_HOLDER), number="C", status=PolicyStatus.EXPIRED, expiry=date(2023, 6, 16))
    too_old = policy((ME, Role.POLICYHOLDER), number="D", status=PolicyStatus.EXPIRED, expiry=date(2023, 6, 15))
    insured_only = policy((ME, Role.INSURED), (SOMEONE_ELSE, Role.POLICYHOLDER), number="E")
    beneficiary_only = policy((ME, Role.BENEFICIARY), number="F")
    someone_elses = policy((SOMEONE_ELSE, Role.POLICYHOLDER), number="G")
    every = [in_force, member, recent, too_old, insured_only, beneficiary_only, someone_elses]

    assert [p.number for p in visible_policies(every, ME, TODAY)] == ["A", "B", "C"]
    assert [p.number for p in visible_policies(every, SOMEONE_ELSE, TODAY)] == ["E", "G"]
    assert visible_policies(every, ACME, TODAY) == []
    assert visible_policies(iter(every), ME, TODAY) == visible_policies(every, ME, TODAY)
