"""Who a customer is: a person (codice fiscale) or a company (partita IVA)."""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date

from stdnum.exceptions import InvalidChecksum, ValidationError
from stdnum.it import codicefiscale, iva

from .errors import InvalidPartyId, InvalidTaxCode, InvalidVatNumber


class PartyKind(enum.Enum):
    PERSON = "person"
    COMPANY = "company"


@dataclass(frozen=True)
class PartyId:
    """A validated, normalised codice fiscale (person) or partita IVA (company)."""

    kind: PartyKind
    value: str

    def __str__(self) -> str:
        return self.value

    @property
    def is_company(self) -> bool:
        return self.kind is PartyKind.COMPANY


_SEPARATORS = re.compile(r"[\s.\-/]+")


def _compact(raw: str) -> str:
    return _SEPARATORS.sub("", raw or "").upper()


def parse_tax_code(raw: str) -> PartyId:
    """A person's codice fiscale, with its check character validated."""
    value = _compact(raw)
    if not value:
        raise InvalidTaxCode(reason="empty")
    if len(value) != 16:
        raise InvalidTaxCode(reason="length")
    try:
        codicefiscale.validate(value)
    except InvalidChecksum:
        raise InvalidTaxCode(reason="checksum") from None
    except ValidationError:
        raise InvalidTaxCode(reason="format") from None
    return PartyId(PartyKind.PERSON, value)


def parse_vat_number(raw: str) -> PartyId:
    """A company's partita IVA (11 digits, check digit validated); an ``IT`` prefix is accepted."""
    value = _compact(raw)
    if value.startswith("IT"):
        value = value[2:]
    if not value:
        raise InvalidVatNumber(reason="empty")
    if len(value) != 11 or not value.isdigit():
        raise InvalidVatNumber(reason="format")
    try:
        iva.validate(value)
    except InvalidChecksum:
        raise InvalidVatNumber(reason="checksum") from None
    except ValidationError:
        raise InvalidVatNumber(reason="format") from None
    return PartyId(PartyKind.COMPANY, value)


def parse_party_id(raw: str) -> PartyId:
    """One field that accepts either code, as the login and registration pages do.

    Eleven digits (optionally prefixed by ``IT``) are a partita IVA; anything else is read as a
    codice fiscale, so the error names the field the customer most likely meant.
    """
    value = _compact(raw)
    if not value:
        raise InvalidPartyId(reason="empty")
    digits = value[2:] if value.startswith("IT") else value
    if digits.isdigit():
        return parse_vat_number(value)
    return parse_tax_code(value)


@dataclass(frozen=True)
class Party:
    """A person or company as the policy core system knows them."""

    id: PartyId
    name: str
    birth_date: date | None = None
    first_name: str | None = None
    last_name: str | None = None

    @property
    def display_name(self) -> str:
        if self.first_name:
            return f"{self.first_name} {self.last_name or ''}".strip()
        return self.name
