"""SPEC §8 passwords: 12 to 128 characters, not common, not the customer's own data."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from areaclienti.domain.errors import (
    PasswordContainsPersonalData,
    PasswordRejected,
    PasswordsDoNotMatch,
    PasswordTooCommon,
    PasswordTooLong,
    PasswordTooShort,
)
from areaclienti.domain.passwords import MAX_LENGTH, MIN_LENGTH, check_new_password, personal_fragments

CF = "RCCMNL83S18D969H"
EMAIL = "mario.rossi@example.it"
MINE = personal_fragments(tax_code=CF, email=EMAIL)
GOOD = "cavallo batteria graffetta"


def never_common(_: str) -> bool:
    return False


def check(password, confirmation=None, *, personal_data=MINE, is_common=never_common, **kw):
    check_new_password(password, confirmation, personal_data=personal_data, is_common=is_common, **kw)


def test_the_limits_are_those_of_the_spec():
    assert (MIN_LENGTH, MAX_LENGTH) == (12, 128)


def test_a_good_password_passes():
    check(GOOD, GOOD)
    check(GOOD, None)  # no confirmation field (e.g. an API)


@pytest.mark.parametrize(("length", "error"), [(0, PasswordTooShort), (11, PasswordTooShort), (12, None),
                                               (128, None), (129, PasswordTooLong), (500, PasswordTooLong)])
def test_length_boundaries(length, error):
    password = ("zq" * 300)[:length]
    if error is None:
        check(password, password)
    else:
        with pytest.raises(error) as excinfo:
            check(password, password)
        assert excinfo.value.field == "password"


def test_length_errors_carry_the_limit():
    with pytest.raises(PasswordTooShort) as short:
        check("x" * 7, min_length=8)
    assert short.value.params == {"min_length": 8}
    assert short.value.code == "password_too_short"
    with pytest.raises(PasswordTooLong) as long_:
        check("x" * 21, max_length=20)
    assert long_.value.params == {"max_length": 20}
    assert long_.value.code == "password_too_long"


def test_length_counts_characters_not_bytes():
    check("èèèèèèèèèèèè")  # 12 characters, 24 bytes
    with pytest.raises(PasswordTooShort):
        check("èèèèèèèèèèè")


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=MIN_LENGTH, max_size=MAX_LENGTH).filter(lambda p: len(p) >= MIN_LENGTH))
def test_no_composition_rules(password):
    check(password, password, personal_data=[])


@pytest.mark.parametrize(
    "password",
    [f"la mia {CF} segreta", f"la mia {CF.lower()} segreta", f"xx{CF.title()}xx", f"{EMAIL} forever",
     f"{EMAIL.upper()} forever", "io sono mario.rossi davvero", "MARIO.ROSSI2024!!"],
)
def test_the_customers_own_data_is_refused(password):
    with pytest.raises(PasswordContainsPersonalData) as excinfo:
        check(password, password)
    assert excinfo.value.code == "password_contains_personal_data"
    assert excinfo.value.field == "password"


def test_raw_personal_data_is_compared_without_case_too():
    with pytest.raises(PasswordContainsPersonalData):
        check(f"prefix-{CF.lower()}", personal_data=[CF])
    with pytest.raises(PasswordContainsPersonalData):
        check("prefix-MARIO.ROSSI@EXAMPLE.IT", personal_data=["Mario.Rossi@Example.it"])


def test_empty_fragments_are_ignored():
    check(GOOD, personal_data=["", ""])


def test_personal_fragments():
    assert personal_fragments(tax_code=CF, email=EMAIL) == [CF.casefold(), EMAIL, "mario.rossi"]
    assert personal_fragments(tax_code=None, email=None) == []
    assert personal_fragments(tax_code=None, email="Anna@Example.it") == ["anna@example.it", "anna"]


@pytest.mark.parametrize("email", ["abc@example.it", "a@example.it", "mr@x.it"])
def test_short_local_parts_are_not_fragments(email):
    fragments = personal_fragments(tax_code=None, email=email)
    assert fragments == [email]
    check(f"{email.partition('@')[0]} cavallo batteria", personal_data=fragments)


def test_the_common_password_callback_is_honoured():
    seen = []

    def is_common(password: str) -> bool:
        seen.append(password)
        return password == "passwordpassword"

    with pytest.raises(PasswordTooCommon) as excinfo:
        check("passwordpassword", "passwordpassword", is_common=is_common)
    assert excinfo.value.code == "password_too_common"
    check(GOOD, GOOD, is_common=is_common)
    assert seen == ["passwordpassword", GOOD]


def test_a_mismatched_confirmation_is_refused():
    with pytest.raises(PasswordsDoNotMatch) as excinfo:
        check(GOOD, GOOD + " ")
    assert excinfo.value.field == "password_confirm"
    assert excinfo.value.code == "passwords_do_not_match"
    assert isinstance(excinfo.value, PasswordRejected)


def test_checks_run_in_the_order_a_customer_fixes_them():
    always_common = lambda _: True  # noqa: E731
    # short beats everything
    with pytest.raises(PasswordTooShort):
        check(CF[:11], "different", is_common=always_common)
    # long beats personal data, common and mismatch
    with pytest.raises(PasswordTooLong):
        check(CF * 9, "different", is_common=always_common)
    # personal data beats common and mismatch
    with pytest.raises(PasswordContainsPersonalData):
        check(f"x{CF}", "different", is_common=always_common)
    # common beats mismatch
    with pytest.raises(PasswordTooCommon):
        check(GOOD, "different", is_common=always_common)


def test_a_rejected_password_is_not_looked_up_as_common():
    looked_up = []
    with pytest.raises(PasswordTooShort):
        check("short", is_common=lambda p: looked_up.append(p) or False)
    with pytest.raises(PasswordContainsPersonalData):
        check(f"mine {CF}", is_common=lambda p: looked_up.append(p) or False)
    assert looked_up == []
