"""R-REG-2: email and mobile number, validated and normalised."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from areaclienti.domain.contacts import mask_email, mask_mobile, normalise_email, normalise_mobile
from areaclienti.domain.errors import InvalidEmail, InvalidMobile

SETTINGS = settings(max_examples=60, deadline=None)
_MOBILE_PREFIXES = ["320", "328", "329", "330", "333", "335", "338", "339", "340", "345", "347", "348",
                    "349", "351", "360", "366", "368", "380", "388", "389", "391", "392", "393"]


@pytest.mark.parametrize(
    "typed",
    [
        "3471234567",
        "347 123 4567",
        "347-123-4567",
        "(347) 1234567",
        "+393471234567",
        "+39 347 123 4567",
        "0039 347 1234567",
        "  +39 347 1234567  ",
    ],
)
def test_italian_mobiles_are_normalised_to_e164(typed):
    assert normalise_mobile(typed) == "+393471234567"


@SETTINGS
@given(st.sampled_from(_MOBILE_PREFIXES), st.text("0123456789", min_size=7, max_size=7),
       st.sampled_from(["", "+39", "+39 ", "0039", "0039 "]), st.sampled_from(["", " ", "-"]))
def test_any_italian_mobile_with_or_without_prefix_is_normalised(prefix, rest, country, sep):
    typed = f"{country}{prefix}{sep}{rest[:3]}{sep}{rest[3:]}"
    assert normalise_mobile(typed) == f"+39{prefix}{rest}"


def test_a_foreign_mobile_is_accepted_in_e164():
    assert normalise_mobile("+44 7911 123456") == "+447911123456"


@pytest.mark.parametrize("typed", ["06 12345678", "+39 02 1234 5678", "0039 011 1234567", "055 123456"])
def test_landlines_are_refused(typed):
    with pytest.raises(InvalidMobile) as excinfo:
        normalise_mobile(typed)
    assert excinfo.value.params == {"reason": "not_mobile"}


@pytest.mark.parametrize("typed", ["abc", "123", "+39 12", "347 12", "+39 347 123 4567 8901 23", "++39347"])
def test_garbage_is_refused(typed):
    with pytest.raises(InvalidMobile) as excinfo:
        normalise_mobile(typed)
    assert excinfo.value.params == {"reason": "format"}
    assert excinfo.value.code == "mobile_invalid"
    assert excinfo.value.field == "mobile"


@pytest.mark.parametrize("typed", ["", "   ", None])
def test_an_empty_mobile_is_refused(typed):
    with pytest.raises(InvalidMobile) as excinfo:
        normalise_mobile(typed)
    assert excinfo.value.params == {"reason": "empty"}


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("mario.rossi@example.it", "mario.rossi@example.it"),
        ("  Mario.Rossi@Example.IT  ", "mario.rossi@example.it"),
        ("MARIO@CA-VITA.IT", "mario@ca-vita.it"),
        ("mario+polizze@posta.example.com", "mario+polizze@posta.example.com"),
    ],
)
def test_emails_are_trimmed_and_lower_cased(typed, expected):
    assert normalise_email(typed) == expected


@pytest.mark.parametrize(
    "typed",
    ["", "   ", None, "mario", "mario@", "@example.it", "mario@@example.it", "mario rossi@example.it",
     "mario@example", "mario@localhost", "mario@.it", "x" * 250 + "@example.it"],
)
def test_invalid_emails_are_refused(typed):
    with pytest.raises(InvalidEmail) as excinfo:
        normalise_email(typed)
    assert excinfo.value.code == "email_invalid"
    assert excinfo.value.field == "email"
    assert excinfo.value.params == {"reason": "format"}


def test_normalising_an_email_twice_changes_nothing():
    once = normalise_email(" Anna.Bianchi@Example.IT ")
    assert normalise_email(once) == once


def test_mask_mobile_shows_country_and_last_four_digits():
    assert mask_mobile("+393471234567") == "+39 *** *** 4567"
    assert "123" not in mask_mobile("+393471234567")[:-4]
    assert mask_mobile("+3934") == "***"


def test_mask_email_shows_first_letter_and_domain():
    assert mask_email("mario.rossi@example.it") == "m***@example.it"
    assert mask_email("not-an-email") == "***"
