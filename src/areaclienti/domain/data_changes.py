"""Changes to the personal data the core system holds (R-DISP-DATA): residence, domicile, contact details
(landline, other phone), correspondence email and how communications are delivered.

A change is one request per party: the core system applies it to every policy of the party. Its payload
says, for each field that changes, the value before and the value asked (``{"changes": {field: {"old",
"new"}}}``), so the receipt and the core system read the same thing.
"""
from __future__ import annotations

import enum
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import phonenumbers

from .addresses import AddressInvalid, AnyAddress, Comune, address_from_dict, checked_address
from .contacts import DEFAULT_REGION, normalise_email
from .errors import DomainError, InvalidEmail


class DeliveryMode(str, enum.Enum):
    """How the insurer sends the party's communications."""

    PAPER = "paper"  # by post, to the residence or the domicile
    EMAIL = "email"  # to the correspondence email
    RESERVED_AREA = "reserved_area"  # published in Area Clienti, with an email that tells


class PostalAddress(str, enum.Enum):
    """Where paper communications go."""

    RESIDENCE = "residence"
    DOMICILE = "domicile"


class Section(str, enum.Enum):
    """What one form changes (each its own request)."""

    RESIDENCE = "residence"
    DOMICILE = "domicile"
    CONTACTS = "contacts"  # landline, other phone, correspondence email, delivery mode


# The fields of the party's data a change may carry, in the order pages show them.
FIELDS = ("residence", "domicile", "landline", "other_phone", "correspondence_email", "delivery_mode",
          "postal_address")
SECTION_FIELDS: dict[Section, tuple[str, ...]] = {
    Section.RESIDENCE: ("residence",),
    Section.DOMICILE: ("domicile",),
    Section.CONTACTS: ("landline", "other_phone", "correspondence_email", "delivery_mode", "postal_address"),
}


@dataclass(frozen=True)
class PartyDetails:
    """The personal data the core system holds about a party."""

    residence: AnyAddress | None = None
    domicile: AnyAddress | None = None  # None: the same as the residence
    landline: str | None = None  # E.164
    other_phone: str | None = None  # E.164
    correspondence_email: str | None = None
    delivery_mode: DeliveryMode = DeliveryMode.RESERVED_AREA
    postal_address: PostalAddress | None = None  # with paper delivery

    def as_dict(self) -> dict[str, Any]:
        """Every field as a request's payload holds it (addresses as dicts, enums as values)."""
        return {"residence": self.residence.as_dict() if self.residence else None,
                "domicile": self.domicile.as_dict() if self.domicile else None,
                "landline": self.landline, "other_phone": self.other_phone,
                "correspondence_email": self.correspondence_email, "delivery_mode": self.delivery_mode.value,
                "postal_address": self.postal_address.value if self.postal_address else None}

    def with_changes(self, changes: Mapping[str, Mapping[str, Any]]) -> "PartyDetails":
        """These details with a request's changes applied (the ``new`` value of each field)."""
        found = self
        for name, change in changes.items():
            new = change.get("new")
            if name in ("residence", "domicile"):
                found = replace(found, **{name: address_from_dict(new)})
            elif name == "delivery_mode" and new:
                found = replace(found, delivery_mode=DeliveryMode(new))
            elif name == "postal_address":
                found = replace(found, postal_address=PostalAddress(new) if new else None)
            elif name in ("landline", "other_phone", "correspondence_email"):
                found = replace(found, **{name: new or None})
        return found


class PersonalDataInvalid(DomainError):
    """What was typed cannot be sent: ``problems`` maps each field at fault to its reason (an address's
    fields as ``residence.cap``, ``domicile.comune``...); ``caps``/``comune`` help the CAP message."""

    code = "personal_data_invalid"


LANDLINE_TYPES = frozenset({phonenumbers.PhoneNumberType.FIXED_LINE,
                            phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE})


def checked_phone(raw: str | None, *, landline: bool) -> str | None:
    """A phone number in E.164, or None when left empty (the number is removed).

    Raises:
        ValueError: with ``"format"`` (not a number), or ``"not_landline"`` (a mobile typed as the landline).
    """
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        number = phonenumbers.parse(raw, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        raise ValueError("format") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError("format")
    if landline and phonenumbers.number_type(number) not in LANDLINE_TYPES:
        raise ValueError("not_landline")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _change(old: Any, new: Any) -> dict[str, Any]:
    return {"old": old, "new": new}


def checked_changes(section: Section, typed: Mapping[str, Any], current: PartyDetails, *,
                    comuni_named: Callable[[str], Sequence[Comune]],
                    countries: Collection[str]) -> dict[str, dict[str, Any]]:
    """The changes one form asks for: ``{field: {"old", "new"}}`` for the fields whose value differs from
    ``current``.

    ``typed`` holds the form's fields: for an address street, number, cap, comune, province, country (and,
    for the domicile, ``same_as_residence``); for the contacts landline, other_phone, correspondence_email,
    delivery_mode, postal_address.

    Raises:
        PersonalDataInvalid: every problem at once, ``nothing_changed`` under the section when all is as before.
    """
    before = current.as_dict()
    problems: dict[str, str] = {}
    params: dict[str, Any] = {}
    new: dict[str, Any] = {}
    if section in (Section.RESIDENCE, Section.DOMICILE):
        name = section.value
        if section is Section.DOMICILE and typed.get("same_as_residence"):
            new[name] = None
        else:
            try:
                new[name] = checked_address(typed, comuni_named=comuni_named, countries=countries).as_dict()
            except AddressInvalid as invalid:
                problems.update({f"{name}.{k}": v for k, v in invalid.params["problems"].items()})
                params = {k: v for k, v in invalid.params.items() if k != "problems"}
    else:
        for name in ("landline", "other_phone"):
            try:
                new[name] = checked_phone(typed.get(name), landline=name == "landline")
            except ValueError as invalid:
                problems[name] = str(invalid)
        raw_email = (typed.get("correspondence_email") or "").strip()
        try:
            new["correspondence_email"] = normalise_email(raw_email) if raw_email else None
        except InvalidEmail:
            problems["correspondence_email"] = "format"
        try:
            mode = DeliveryMode(typed.get("delivery_mode") or "")
        except ValueError:
            problems["delivery_mode"] = "missing"
            mode = None
        postal = None
        if mode is DeliveryMode.PAPER:
            try:
                postal = PostalAddress(typed.get("postal_address") or "")
            except ValueError:
                problems["postal_address"] = "missing"
            if postal is PostalAddress.DOMICILE and current.domicile is None:
                problems["postal_address"] = "no_domicile"
            if postal is PostalAddress.RESIDENCE and current.residence is None:
                problems["postal_address"] = "no_residence"
        if mode is DeliveryMode.EMAIL and "correspondence_email" not in problems \
                and not new.get("correspondence_email"):
            problems["correspondence_email"] = "needed_for_email"
        new["delivery_mode"] = mode.value if mode else None
        new["postal_address"] = postal.value if postal else None
    if problems:
        raise PersonalDataInvalid(problems=problems, **params)
    changes = {name: _change(before[name], value) for name, value in new.items() if before[name] != value}
    if not changes:
        raise PersonalDataInvalid(problems={section.value: "nothing_changed"})
    return changes


def pending_values(payloads: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """What the customer's requests not yet final ask for each field (the newest wins): shown «in lavorazione»
    beside the current value. ``payloads`` newest first."""
    found: dict[str, Any] = {}
    for payload in payloads:
        for name, change in (payload.get("changes") or {}).items():
            found.setdefault(name, change.get("new"))
    return found
