"""R-ELIG-3: codice fiscale and partita IVA, validated and normalised."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import luhn
from stdnum.it import codicefiscale

from areaclienti.domain.errors import DomainError, InvalidPartyId, InvalidTaxCode, InvalidVatNumber
from areaclienti.domain.parties import (
    Party,
    PartyId,
    PartyKind,
    parse_party_id,
    parse_tax_code,
    parse_vat_number,
)

from .strategies import tax_codes, vat_numbers

SETTINGS = settings(max_examples=60, deadline=None)
KNOWN_CF = "RCCMNL83S18D969H"  # the example of python-stdnum's documentation
KNOWN_PIVA = "00743110157"


def _messy(code: str, data: st.DataObject) -> str:
    """The same code as a customer might type it: lower case, spaces, dots, dashes around."""
    pieces = []
    for char in code:
        pieces.append(char.lower() if data.draw(st.booleans()) else char)
        pieces.append(data.draw(st.sampled_from(["", "", " ", ".", "-", "  "])))
    return data.draw(st.sampled_from(["", " ", "\t"])) + "".join(pieces) + data.draw(st.sampled_from(["", " ", "\n"]))


def _reason(excinfo: pytest.ExceptionInfo) -> str:
    return excinfo.value.params["reason"]


# --- codice fiscale ----------------------------------------------------------------------------------
def test_a_known_tax_code_is_a_person():
    party_id = parse_tax_code(KNOWN_CF)
    assert party_id == PartyId(PartyKind.PERSON, KNOWN_CF)
    assert str(party_id) == KNOWN_CF
    assert not party_id.is_company


@SETTINGS
@given(tax_codes())
def test_every_valid_tax_code_is_accepted_as_is(code):
    assert parse_tax_code(code) == PartyId(PartyKind.PERSON, code)
    assert parse_party_id(code) == PartyId(PartyKind.PERSON, code)


@SETTINGS
@given(tax_codes(), st.data())
def test_tax_codes_are_normalised_from_spaces_dots_and_lower_case(code, data):
    messy = _messy(code, data)
    assert parse_tax_code(messy).value == code
    assert parse_party_id(messy).value == code


@pytest.mark.parametrize("typed", [" rccmnl83s18d969h ", "RCC MNL 83S18 D969H", "rcc.mnl.83s18.d969h", "RCC-MNL-83S18-D969H"])
def test_tax_code_examples_are_normalised(typed):
    assert parse_tax_code(typed).value == KNOWN_CF


@SETTINGS
@given(tax_codes(), st.data())
def test_a_wrong_check_character_is_a_checksum_error(code, data):
    wrong = data.draw(st.sampled_from([c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c != code[-1]]))
    with pytest.raises(InvalidTaxCode) as excinfo:
        parse_tax_code(code[:-1] + wrong)
    assert _reason(excinfo) == "checksum"
    with pytest.raises(InvalidTaxCode) as excinfo:
        parse_party_id(code[:-1] + wrong)
    assert _reason(excinfo) == "checksum"


@pytest.mark.parametrize("typed", [KNOWN_CF[:15], KNOWN_CF + "A", KNOWN_CF[:10], "X"])
def test_a_tax_code_of_the_wrong_length_is_refused(typed):
    with pytest.raises(InvalidTaxCode) as excinfo:
        parse_tax_code(typed)
    assert _reason(excinfo) == "length"


@SETTINGS
@given(tax_codes(), st.integers(1, 30))
def test_dropping_or_adding_characters_is_a_length_error(code, n):
    for typed in (code[: 16 - min(n, 15)], code + "A" * n):
        with pytest.raises(InvalidTaxCode) as excinfo:
            parse_tax_code(typed)
        assert _reason(excinfo) == "length"


@pytest.mark.parametrize("typed", ["", "   ", " . - ", None])
def test_an_empty_tax_code_is_refused(typed):
    with pytest.raises(InvalidTaxCode) as excinfo:
        parse_tax_code(typed)
    assert _reason(excinfo) == "empty"


def test_a_tax_code_with_the_wrong_shape_is_a_format_error():
    with pytest.raises(InvalidTaxCode) as excinfo:
        parse_tax_code("1234567890123456")
    assert _reason(excinfo) == "format"


def test_a_tax_code_with_an_impossible_birth_date_is_a_format_error():
    first15 = "RSSMRA80B30H501"  # 30 February
    code = first15 + codicefiscale.calc_check_digit(first15)
    with pytest.raises(InvalidTaxCode) as excinfo:
        parse_tax_code(code)
    assert _reason(excinfo) == "format"


def test_tax_code_error_names_the_field_and_code():
    with pytest.raises(InvalidTaxCode) as excinfo:
        parse_tax_code("RCCMNL83S18D969A")
    error = excinfo.value
    assert isinstance(error, InvalidPartyId) and isinstance(error, DomainError)
    assert error.code == "tax_code_invalid"
    assert error.field == "party_id"
    assert error.params == {"reason": "checksum"}


# --- partita IVA -------------------------------------------------------------------------------------
def test_a_known_vat_number_is_a_company():
    party_id = parse_vat_number(KNOWN_PIVA)
    assert party_id == PartyId(PartyKind.COMPANY, KNOWN_PIVA)
    assert party_id.is_company


@SETTINGS
@given(vat_numbers())
def test_every_valid_vat_number_is_accepted(code):
    assert parse_vat_number(code) == PartyId(PartyKind.COMPANY, code)
    assert parse_party_id(code) == PartyId(PartyKind.COMPANY, code)


@SETTINGS
@given(vat_numbers(), st.sampled_from(["IT", "it", "It", "IT ", "IT-"]), st.data())
def test_the_it_prefix_and_separators_are_accepted(code, prefix, data):
    typed = prefix + _messy(code, data)
    assert parse_vat_number(typed).value == code
    assert parse_party_id(typed) == PartyId(PartyKind.COMPANY, code)


@SETTINGS
@given(vat_numbers(), st.integers(1, 9))
def test_a_wrong_check_digit_is_a_checksum_error(code, shift):
    wrong = code[:-1] + str((int(code[-1]) + shift) % 10)
    with pytest.raises(InvalidVatNumber) as excinfo:
        parse_vat_number(wrong)
    assert _reason(excinfo) == "checksum"
    assert excinfo.value.code == "vat_number_invalid"
    assert excinfo.value.field == "party_id"


@pytest.mark.parametrize("typed", ["0074311015", "007431101570", "0074311015A", "IT0074311015"])
def test_a_vat_number_of_the_wrong_shape_is_a_format_error(typed):
    with pytest.raises(InvalidVatNumber) as excinfo:
        parse_vat_number(typed)
    assert _reason(excinfo) == "format"


def test_a_vat_number_with_an_unknown_tax_office_is_refused():
    first10 = "1234567" + "500"
    with pytest.raises(InvalidVatNumber) as excinfo:
        parse_vat_number(first10 + luhn.calc_check_digit(first10))
    assert _reason(excinfo) == "format"


def test_a_vat_number_of_zeros_is_refused():
    first10 = "0000000001"
    with pytest.raises(InvalidVatNumber):
        parse_vat_number(first10 + luhn.calc_check_digit(first10))


@pytest.mark.parametrize("typed", ["", "IT", " it ", None])
def test_an_empty_vat_number_is_refused(typed):
    with pytest.raises(InvalidVatNumber) as excinfo:
        parse_vat_number(typed)
    assert _reason(excinfo) == "empty"


# --- one field for both ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        (KNOWN_CF, PartyKind.PERSON),
        (KNOWN_CF.lower(), PartyKind.PERSON),
        (KNOWN_PIVA, PartyKind.COMPANY),
        ("IT" + KNOWN_PIVA, PartyKind.COMPANY),
        ("it 007 431 101 57", PartyKind.COMPANY),
    ],
)
def test_parse_party_id_dispatches_on_the_shape(typed, kind):
    assert parse_party_id(typed).kind is kind


@pytest.mark.parametrize("typed", ["0074311015", "123", "IT123", "1234567890123456"])
def test_digits_are_judged_as_a_vat_number(typed):
    with pytest.raises(InvalidVatNumber):
        parse_party_id(typed)


@pytest.mark.parametrize("typed", ["RCCMNL83S18D969", "MARIO ROSSI", "IT", "RCCMNL83S18D969A"])
def test_anything_else_is_judged_as_a_tax_code(typed):
    with pytest.raises(InvalidTaxCode):
        parse_party_id(typed)


@pytest.mark.parametrize("typed", ["", "  ", None])
def test_an_empty_party_id_names_neither_code(typed):
    with pytest.raises(InvalidPartyId) as excinfo:
        parse_party_id(typed)
    assert type(excinfo.value) is InvalidPartyId
    assert excinfo.value.code == "party_id_invalid"
    assert excinfo.value.field == "party_id"
    assert _reason(excinfo) == "empty"


# --- party -------------------------------------------------------------------------------------------
def test_display_name_prefers_first_and_last_name():
    pid = PartyId(PartyKind.PERSON, KNOWN_CF)
    assert Party(pid, "ROSSI MARIO", date(1983, 11, 18), "Mario", "Rossi").display_name == "Mario Rossi"
    assert Party(pid, "ROSSI MARIO", first_name="Mario").display_name == "Mario"
    assert Party(PartyId(PartyKind.COMPANY, KNOWN_PIVA), "Acme S.p.A.").display_name == "Acme S.p.A."
