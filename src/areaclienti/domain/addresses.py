"""Postal addresses as customers type them (R-DISP-DATA): an Italian address whose comune, province and CAP
agree with the ISTAT list, or a foreign one with its country.

The lists themselves come from outside (the places port): the rules here take the comuni found under the
typed name and the known country codes as arguments, so hypothesis can drive them with any list.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import DomainError

ITALY = "IT"
CAP = re.compile(r"^\d{5}$")
PROVINCE = re.compile(r"^[A-Z]{2}$")
COUNTRY = re.compile(r"^[A-Z]{2}$")
MAX_TEXT = 100  # a street, a number, a city: longer is a paste gone wrong
FOREIGN_POSTCODE = re.compile(r"^[A-Z0-9][A-Z0-9 -]{1,11}$")


@dataclass(frozen=True)
class Comune:
    """A comune of the ISTAT list: its code, name, province (sigla automobilistica) and CAPs."""

    istat_code: str
    name: str
    province: str
    caps: frozenset[str]


@dataclass(frozen=True)
class Address:
    """An Italian address, its comune checked against the ISTAT list."""

    street: str
    number: str
    cap: str
    comune: str
    province: str
    istat_code: str
    country: str = ITALY

    def lines(self) -> tuple[str, ...]:
        return (f"{self.street} {self.number}".strip(), f"{self.cap} {self.comune} ({self.province})")

    def as_dict(self) -> dict[str, str]:
        return {"country": ITALY, "street": self.street, "number": self.number, "cap": self.cap,
                "comune": self.comune, "province": self.province, "istat_code": self.istat_code}


@dataclass(frozen=True)
class ForeignAddress:
    """An address abroad: the country is what is checked (ISO 3166 alpha-2); the rest as typed."""

    street: str
    number: str
    postcode: str
    city: str
    country: str

    def lines(self) -> tuple[str, ...]:
        return (f"{self.street} {self.number}".strip(), f"{self.postcode} {self.city}".strip(), self.country)

    def as_dict(self) -> dict[str, str]:
        return {"country": self.country, "street": self.street, "number": self.number, "cap": self.postcode,
                "comune": self.city, "province": ""}


AnyAddress = Address | ForeignAddress


class AddressInvalid(DomainError):
    """Something typed in an address is missing or does not agree with the lists; ``problems`` maps each
    field at fault (street, number, cap, comune, province, country) to its reason."""

    code = "address_invalid"


def name_key(name: str) -> str:
    """How a comune's name is compared: no accents, case, apostrophes, dashes or repeated spaces
    («Sant'Agata» = «SANT AGATA», «Forlì» = «forli»)."""
    plain = unicodedata.normalize("NFKD", name or "")
    plain = "".join(c for c in plain if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain).split())


def _text(raw: Any) -> str:
    return " ".join(str(raw or "").split())


def address_from_dict(data: Mapping[str, Any] | None) -> AnyAddress | None:
    """An address as stored in a request's payload or by the core system (``as_dict``), or None."""
    if not data:
        return None
    if (data.get("country") or ITALY) == ITALY:
        return Address(data.get("street", ""), data.get("number", ""), data.get("cap", ""), data.get("comune", ""),
                       data.get("province", ""), data.get("istat_code", ""))
    return ForeignAddress(data.get("street", ""), data.get("number", ""), data.get("cap", ""),
                          data.get("comune", ""), data["country"])


def checked_address(typed: Mapping[str, Any], *, comuni_named: Callable[[str], Sequence[Comune]],
                    countries: Collection[str]) -> AnyAddress:
    """The address typed (fields street, number, cap, comune, province, country), checked.

    In Italy (country IT) the comune must be in the ISTAT list, in the province typed (when the name exists
    in one province only, an empty province is taken from it), and the CAP one of the comune's. Abroad the
    country must be a known ISO code and a city is needed; the postcode is checked for its form only.

    ``comuni_named`` gives the comuni whose ``name_key`` equals the key of the name typed, in any province.

    Raises:
        AddressInvalid: with ``problems`` {field: reason}, every field at fault at once.
    """
    street, number = _text(typed.get("street")), _text(typed.get("number"))
    cap = _text(typed.get("cap")).upper()
    comune_typed, province = _text(typed.get("comune")), _text(typed.get("province")).upper()
    country = _text(typed.get("country")).upper()
    problems: dict[str, str] = {}
    if not street:
        problems["street"] = "missing"
    elif len(street) > MAX_TEXT:
        problems["street"] = "too_long"
    if not number:
        problems["number"] = "missing"
    elif len(number) > 20:
        problems["number"] = "too_long"
    if not country:
        problems["country"] = "missing"
    elif not COUNTRY.match(country) or country not in countries:
        problems["country"] = "unknown"
    if country and country != ITALY:
        if not comune_typed:
            problems["comune"] = "city_missing"
        elif len(comune_typed) > MAX_TEXT:
            problems["comune"] = "too_long"
        if cap and not FOREIGN_POSTCODE.match(cap):
            problems["cap"] = "postcode_format"
        if problems:
            raise AddressInvalid(problems=problems)
        return ForeignAddress(street, number, cap, comune_typed, country)
    if not country:  # nothing to check the rest against yet
        raise AddressInvalid(problems=problems)
    comune = _comune(comune_typed, province, comuni_named, problems)
    if not cap:
        problems["cap"] = "missing"
    elif not CAP.match(cap):
        problems["cap"] = "format"
    elif comune is not None and cap not in comune.caps:
        problems["cap"] = "mismatch"
    if problems or comune is None:
        raise AddressInvalid(problems=problems, caps=sorted(comune.caps) if comune else [],
                             comune=comune.name if comune else None)
    return Address(street, number, cap, comune.name, comune.province, comune.istat_code)


def _comune(typed: str, province: str, comuni_named: Callable[[str], Sequence[Comune]],
            problems: dict[str, str]) -> Comune | None:
    if not typed:
        problems["comune"] = "missing"
        return None
    found = list(comuni_named(name_key(typed)))
    if not found:
        problems["comune"] = "unknown"
        return None
    if province and not PROVINCE.match(province):
        problems["province"] = "format"
        return None
    if not province:
        if len(found) == 1:
            return found[0]
        problems["province"] = "missing"  # the same name in several provinces: say which
        return None
    here = [c for c in found if c.province == province]
    if not here:
        problems["province"] = "mismatch"
        return None
    return here[0]
