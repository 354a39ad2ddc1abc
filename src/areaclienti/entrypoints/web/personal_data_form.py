"""The personal data changes (R-DISP-DATA) as pages and the JSON API show them: the message of each problem
``PersonalDataInvalid`` names, values as a customer reads them, and the fields each form posts. Shared by the
personal data blueprint and the JSON API (blueprints never import each other)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import phonenumbers
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from areaclienti.domain.addresses import ITALY
from areaclienti.domain.data_changes import PersonalDataInvalid, Section

from .errors import refusal_message

ADDRESS_FIELDS = ("country", "street", "number", "cap", "comune", "province")
CONTACT_FIELDS = ("landline", "other_phone", "correspondence_email", "delivery_mode", "postal_address")
FORM_FIELDS = {Section.RESIDENCE: ADDRESS_FIELDS, Section.DOMICILE: ADDRESS_FIELDS + ("same_as_residence",),
               Section.CONTACTS: CONTACT_FIELDS}
SECTION_SLUGS = {"residenza": Section.RESIDENCE, "domicilio": Section.DOMICILE, "recapiti": Section.CONTACTS}
SLUG_OF = {section: slug for slug, section in SECTION_SLUGS.items()}
SECTION_TITLES = {Section.RESIDENCE: _l("Residenza"), Section.DOMICILE: _l("Domicilio"),
                  Section.CONTACTS: _l("Recapiti e comunicazioni")}
FIELD_LABELS = {"residence": _l("Residenza"), "domicile": _l("Domicilio"), "landline": _l("Telefono fisso"),
                "other_phone": _l("Altro telefono"), "correspondence_email": _l("Email per la corrispondenza"),
                "delivery_mode": _l("Invio delle comunicazioni"), "postal_address": _l("Indirizzo per la posta")}
DELIVERY_LABELS = {"paper": _l("Cartaceo, per posta"), "email": _l("Per email"),
                   "reserved_area": _l("Nell'area riservata")}
POSTAL_LABELS = {"residence": _l("all'indirizzo di residenza"), "domicile": _l("all'indirizzo di domicilio")}


def posted(section: Section, form: Mapping[str, Any]) -> dict[str, str]:
    """The fields of one section's form, as typed (nothing else is kept)."""
    return {name: str(form.get(name) or "") for name in FORM_FIELDS[section]}


def _caps(params: Mapping[str, Any]) -> str:
    caps = params.get("caps") or []
    if not caps:
        return ""
    return caps[0] if len(caps) == 1 else _("da %(first)s a %(last)s", first=caps[0], last=caps[-1])


def problem_message(name: str, reason: str, params: Mapping[str, Any]) -> str:
    """One problem of ``PersonalDataInvalid`` (field as the domain names it, e.g. ``residence.cap``), in Italian."""
    field = name.rsplit(".", 1)[-1]
    if reason == "nothing_changed":
        return _("Non hai modificato nessun dato: cambia almeno un valore prima di inviare la richiesta.")
    if field == "street":
        return _("Indica la via o la piazza.") if reason == "missing" else _("L'indirizzo è troppo lungo.")
    if field == "number":
        return _("Indica il numero civico (se non c'è, scrivi «snc»).") if reason == "missing" \
            else _("Il numero civico è troppo lungo.")
    if field == "country":
        return _("Indica il paese dell'indirizzo.") if reason == "missing" \
            else _("Scegli il paese dall'elenco.")
    if field == "comune":
        return {
            "missing": _("Indica il comune."),
            "unknown": _("Non troviamo questo comune nell'elenco ISTAT: controlla come è scritto (per un indirizzo "
                         "all'estero scegli il paese)."),
            "city_missing": _("Indica la città."),
        }.get(reason, _("Il nome è troppo lungo."))
    if field == "province":
        return {
            "missing": _("Ci sono più comuni con questo nome: indica la sigla della provincia."),
            "mismatch": _("Il comune indicato non è in questa provincia: controlla la sigla."),
        }.get(reason, _("Indica la sigla della provincia, di due lettere (per esempio BO)."))
    if field == "cap":
        if reason == "mismatch":
            return _("Il CAP non corrisponde al comune di %(comune)s (CAP validi: %(caps)s).",
                     comune=params.get("comune") or "", caps=_caps(params))
        if reason == "missing":
            return _("Indica il CAP.")
        if reason == "postcode_format":
            return _("Il codice postale contiene caratteri non validi.")
        return _("Il CAP è fatto di 5 cifre.")
    if field == "landline":
        if reason == "not_landline":
            return _("Il numero indicato è un cellulare: qui inserisci un telefono fisso (o usa «Altro telefono»).")
        return _("Il numero di telefono non è valido: controlla prefisso e cifre.")
    if field == "other_phone":
        return _("Il numero di telefono non è valido: controlla prefisso e cifre (per l'estero con +).")
    if field == "correspondence_email":
        if reason == "needed_for_email":
            return _("Per ricevere le comunicazioni per email indica l'email per la corrispondenza.")
        return _("L'indirizzo email non è valido: controlla di averlo scritto per intero.")
    if field == "delivery_mode":
        return _("Scegli come ricevere le comunicazioni.")
    if field == "postal_address":
        return {
            "no_domicile": _("Non hai un domicilio diverso dalla residenza: scegli la residenza o indica prima "
                             "un domicilio."),
            "no_residence": _("Non abbiamo un indirizzo di residenza: indicalo prima."),
        }.get(reason, _("Scegli a quale indirizzo ricevere la posta."))
    return _("Controlla questo dato.")


def field_errors(error: PersonalDataInvalid) -> dict[str, str]:
    """Each problem's message under the form's field name (``residence.cap`` -> ``cap``; the section -> ``_``)."""
    params = error.params
    found: dict[str, str] = {}
    for name, reason in (params.get("problems") or {}).items():
        key = "_" if reason == "nothing_changed" else name.rsplit(".", 1)[-1]
        found[key] = problem_message(name, reason, params)
    return found


# --- values as a customer reads them ----------------------------------------------------------------------
def address_text(address: Mapping[str, Any] | Any | None, countries: Mapping[str, str]) -> str:
    if not address:
        return ""
    data = address if isinstance(address, Mapping) else address.as_dict()
    line = f"{data.get('street', '')} {data.get('number', '')}".strip()
    if (data.get("country") or ITALY) == ITALY:
        return f"{line}, {data.get('cap', '')} {data.get('comune', '')} ({data.get('province', '')})"
    place = f"{data.get('cap', '')} {data.get('comune', '')}".strip()
    return f"{line}, {place}, {countries.get(data['country'], data['country'])}"


def phone_text(e164: str | None) -> str:
    if not e164:
        return ""
    try:
        return phonenumbers.format_number(phonenumbers.parse(e164), phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        return e164


def value_text(name: str, value: Any, countries: Mapping[str, str]) -> str:
    """A field's value (as a payload or ``PartyDetails.as_dict`` holds it) for a page or a receipt."""
    if name in ("residence", "domicile"):
        if not value:
            return _("coincide con la residenza") if name == "domicile" else _("non indicata")
        return address_text(value, countries)
    if name in ("landline", "other_phone"):
        return phone_text(value) or _("non indicato")
    if name == "correspondence_email":
        return value or _("non indicata")
    if name == "delivery_mode":
        return str(DELIVERY_LABELS.get(value or "", value or ""))
    if name == "postal_address":
        return str(POSTAL_LABELS.get(value or "", "—"))
    return str(value or "")


VALUE_FIELDS = ("residence", "domicile", "landline", "other_phone", "correspondence_email", "delivery_mode",
                "postal_address")


def value_rows(data: Any, countries: Mapping[str, str]) -> list[tuple[str, str, str, str | None, str | None]]:
    """(field, label, current, pending, request number) for each field of ``PersonalData`` as the personal data
    page and the profile show them: the pending value and its request's number only while a request not yet
    final asks it; the postal address only with paper delivery (or a change of it pending)."""
    current = data.details.as_dict()
    return [(name, str(FIELD_LABELS[name]), value_text(name, current[name], countries),
             value_text(name, data.pending[name], countries) if name in data.pending else None,
             data.pending_numbers.get(name))
            for name in VALUE_FIELDS
            if name != "postal_address" or current["delivery_mode"] == "paper" or name in data.pending]


def refusal_text(data: Any) -> str | None:
    """Why ``PersonalData`` allows no change today (e.g. the identification gate), in Italian; None if it does."""
    if data.refusal is None:
        return None
    p = data.refusal.params
    return refusal_message(p.get("refusal"), p.get("live_from"), p.get("gate"))


def change_rows(payload: Mapping[str, Any], countries: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """(label, before, asked) for each field a data-change request's payload changes."""
    return [(str(FIELD_LABELS.get(name, name)), value_text(name, change.get("old"), countries),
             value_text(name, change.get("new"), countries))
            for name, change in (payload.get("changes") or {}).items()]


def form_values(section: Section, details: Any) -> dict[str, str]:
    """The form pre-filled with the current values (an address as its fields)."""
    data = details.as_dict()
    if section in (Section.RESIDENCE, Section.DOMICILE):
        address = data[section.value] or (data["residence"] if section is Section.DOMICILE else None) or {}
        values = {name: str(address.get(name) or "") for name in ADDRESS_FIELDS}
        values["country"] = values["country"] or ITALY
        if section is Section.DOMICILE and not data["domicile"]:
            values["same_as_residence"] = "1"
        return values
    return {"landline": phone_text(data["landline"]), "other_phone": phone_text(data["other_phone"]),
            "correspondence_email": data["correspondence_email"] or "",
            "delivery_mode": data["delivery_mode"] or "", "postal_address": data["postal_address"] or ""}
