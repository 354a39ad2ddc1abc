"""Claims (R-DISP-CLAIM): what may be reported on which product, when the event may have happened, and
which documents each kind of claim asks for.

Dates are Italian days; ``today`` comes in as an argument.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime

from .availability import Scope
from .errors import DomainError
from .policies import Policy

MAX_FILES = 10  # files per claim (each within the upload limits), staged and added later included
TEXT_MAX = 2000


class ClaimKind(str, enum.Enum):
    # motor
    COLLISION = "collision"
    THEFT = "theft"
    GLASS = "glass"
    VANDALISM = "vandalism"
    NATURAL_EVENTS = "natural_events"
    # home
    WATER_DAMAGE = "water_damage"
    FIRE = "fire"
    HOME_THEFT = "home_theft"
    CIVIL_LIABILITY = "civil_liability"
    # accident
    INJURY = "injury"
    # Vita events
    DEATH = "death"
    MATURITY = "maturity"
    SERIOUS_ILLNESS = "serious_illness"


class DocumentKind(str, enum.Enum):
    PHOTO = "photo"
    CAI_FORM = "cai_form"  # constatazione amichevole di incidente
    POLICE_REPORT = "police_report"  # denuncia alle autorità
    REPAIR_ESTIMATE = "repair_estimate"
    MEDICAL_REPORT = "medical_report"
    DEATH_CERTIFICATE = "death_certificate"
    HEIRS_DECLARATION = "heirs_declaration"  # dichiarazione sostitutiva di atto notorio
    BENEFICIARY_ID = "beneficiary_id"
    OTHER = "other"


# The kinds of claim each product covers (the product's list); Vita products list the events they pay on.
KINDS_BY_PRODUCT: dict[str, tuple[ClaimKind, ...]] = {
    "DANNI-AUTO": (ClaimKind.COLLISION, ClaimKind.THEFT, ClaimKind.GLASS, ClaimKind.VANDALISM,
                   ClaimKind.NATURAL_EVENTS),
    "DANNI-CASA": (ClaimKind.WATER_DAMAGE, ClaimKind.FIRE, ClaimKind.HOME_THEFT, ClaimKind.CIVIL_LIABILITY),
    "DANNI-INF": (ClaimKind.INJURY,),
    "VITA-TCM": (ClaimKind.DEATH, ClaimKind.SERIOUS_ILLNESS),
    "VITA-RISP": (ClaimKind.DEATH, ClaimKind.MATURITY),
    "VITA-INVPLUS": (ClaimKind.DEATH, ClaimKind.MATURITY),
    "VITA-PREVCOLL": (ClaimKind.DEATH, ClaimKind.MATURITY),
}


@dataclass(frozen=True)
class ChecklistItem:
    document: DocumentKind
    required: bool


_CHECKLISTS: dict[ClaimKind, tuple[ChecklistItem, ...]] = {
    ClaimKind.COLLISION: (ChecklistItem(DocumentKind.PHOTO, True), ChecklistItem(DocumentKind.REPAIR_ESTIMATE, False)),
    ClaimKind.THEFT: (ChecklistItem(DocumentKind.POLICE_REPORT, True),),
    ClaimKind.GLASS: (ChecklistItem(DocumentKind.PHOTO, True), ChecklistItem(DocumentKind.REPAIR_ESTIMATE, False)),
    ClaimKind.VANDALISM: (ChecklistItem(DocumentKind.PHOTO, True), ChecklistItem(DocumentKind.POLICE_REPORT, True)),
    ClaimKind.NATURAL_EVENTS: (ChecklistItem(DocumentKind.PHOTO, True),),
    ClaimKind.WATER_DAMAGE: (ChecklistItem(DocumentKind.PHOTO, True), ChecklistItem(DocumentKind.REPAIR_ESTIMATE, True)),
    ClaimKind.FIRE: (ChecklistItem(DocumentKind.PHOTO, True), ChecklistItem(DocumentKind.POLICE_REPORT, True)),
    ClaimKind.HOME_THEFT: (ChecklistItem(DocumentKind.POLICE_REPORT, True), ChecklistItem(DocumentKind.PHOTO, False)),
    ClaimKind.CIVIL_LIABILITY: (ChecklistItem(DocumentKind.PHOTO, False), ChecklistItem(DocumentKind.OTHER, False)),
    ClaimKind.INJURY: (ChecklistItem(DocumentKind.MEDICAL_REPORT, True),),
    ClaimKind.DEATH: (ChecklistItem(DocumentKind.DEATH_CERTIFICATE, True),
                      ChecklistItem(DocumentKind.HEIRS_DECLARATION, True),
                      ChecklistItem(DocumentKind.BENEFICIARY_ID, True)),
    ClaimKind.MATURITY: (ChecklistItem(DocumentKind.BENEFICIARY_ID, True),),
    ClaimKind.SERIOUS_ILLNESS: (ChecklistItem(DocumentKind.MEDICAL_REPORT, True),
                                ChecklistItem(DocumentKind.BENEFICIARY_ID, True)),
}


class ClaimDateInFuture(DomainError):
    code = "claim_date_in_future"
    field = "event_date"


class ClaimDateOutsideCover(DomainError):
    """Before the policy started, after it expired, or (suspended policy) after the suspension began;
    ``first`` and ``last`` are the days a claim may have happened."""

    code = "claim_date_outside_cover"
    field = "event_date"


class ClaimKindNotCovered(DomainError):
    code = "claim_kind_not_covered"
    field = "kind"


class TooManyFiles(DomainError):
    code = "too_many_files"
    field = "files"


def kinds_for(product_code: str) -> tuple[ClaimKind, ...]:
    return KINDS_BY_PRODUCT.get(product_code, ())


def kinds_available(policy: Policy, today: date) -> tuple[ClaimKind, ...]:
    """The kinds the product covers that can have happened by ``today``: a maturity only once reached."""
    return tuple(k for k in kinds_for(policy.product.code) if k is not ClaimKind.MATURITY
                 or (policy.expiry_date is not None and policy.expiry_date <= today))


def documents_for(product_code: str) -> tuple[DocumentKind, ...]:
    """What a customer may upload for this product's claims: its checklists' documents, and «other»."""
    found: dict[DocumentKind, None] = {}
    for kind in kinds_for(product_code):
        for item in checklist(kind, cai_signed=True):
            found[item.document] = None
    found[DocumentKind.OTHER] = None
    return tuple(found)


def checklist(kind: ClaimKind, *, cai_signed: bool = False) -> tuple[ChecklistItem, ...]:
    """The documents this kind of claim asks for; a signed CAI form is required once it was signed."""
    items = _CHECKLISTS.get(kind, ())
    if kind is ClaimKind.COLLISION and cai_signed:
        items = (*items, ChecklistItem(DocumentKind.CAI_FORM, True))
    return items


def missing_documents(kind: ClaimKind, documents: list[DocumentKind], *, cai_signed: bool = False
                      ) -> list[DocumentKind]:
    """The required documents not given yet (the customer may send the claim and add them later)."""
    given = set(documents)
    return [item.document for item in checklist(kind, cai_signed=cai_signed) if item.required
            and item.document not in given]


def cover_period(policy: Policy, scope: Scope | None, today: date) -> tuple[date, date]:
    """The first and last day on which the event may have happened, for the claim function's scope."""
    last = today
    if policy.expiry_date is not None:
        last = min(last, policy.expiry_date)
    if scope is Scope.EVENTS_BEFORE_SUSPENSION and policy.suspended_on is not None:
        last = min(last, policy.suspended_on)
    return policy.start_date, last


def check_event_date(event_date: date, *, policy: Policy, scope: Scope | None, today: date,
                     kind: ClaimKind | None = None) -> None:
    """Not in the future, and inside the cover period; a maturity is the policy's maturity day.

    Raises:
        ClaimDateInFuture, ClaimDateOutsideCover(first=…, last=…).
    """
    if event_date > today:
        raise ClaimDateInFuture()
    if kind is ClaimKind.MATURITY and policy.expiry_date is not None and event_date != policy.expiry_date:
        raise ClaimDateOutsideCover(first=policy.expiry_date, last=policy.expiry_date)
    first, last = cover_period(policy, scope, today)
    if not first <= event_date <= last:
        raise ClaimDateOutsideCover(first=first, last=last)


def event_moment(event_date: date, event_time: str | None) -> str:
    """The event as kept with the claim: the day and, when given, the hour (HH:MM, Italian time)."""
    if not event_time:
        return event_date.isoformat()
    hour = datetime.strptime(event_time, "%H:%M")
    return f"{event_date.isoformat()}T{hour:%H:%M}"
