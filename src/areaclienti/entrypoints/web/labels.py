"""Italian labels for identification and policy-request values, shared by the customer pages and the back office.

Lazy strings: they are translated when shown, in the language of the request that shows them.
"""
from __future__ import annotations

from decimal import Decimal

from flask_babel import format_currency, format_date, format_datetime, format_percent
from flask_babel import lazy_gettext as _l

from areaclienti.domain.assistance import Reason as AssistanceReason
from areaclienti.domain.assistance import TicketStatus
from areaclienti.domain.claims import ClaimKind, DocumentKind
from areaclienti.domain.identification import AttemptKind, AttemptStatus, DocumentType, GateReason, RejectionReason
from areaclienti.domain.policies import Company
from areaclienti.domain.policy_information import DocumentKind as PolicyDocumentKind
from areaclienti.domain.products import DispositiveFunction, PaymentMethod
from areaclienti.domain.requests import RequestKind, RequestStatus, RequestStep

from .errors import refusal_message

DOCUMENT_TYPES = {
    DocumentType.CARTA_IDENTITA: _l("Carta d'identità"),
    DocumentType.PATENTE: _l("Patente di guida"),
    DocumentType.PASSAPORTO: _l("Passaporto"),
}

# Why an operator refused a video selfie, as the customer reads it (R-ID-4).
REJECTION_REASONS = {
    RejectionReason.VIDEO_UNCLEAR: _l("Il video non è chiaro oppure il volto non si vede bene."),
    RejectionReason.KEYWORD_MISSING: _l("Nel video non si sente pronunciare la parola chiave indicata."),
    RejectionReason.FACE_MISMATCH: _l("Il volto nel video non corrisponde alla foto del documento."),
    RejectionReason.DOCUMENT_UNREADABLE: _l("Le immagini del documento non sono leggibili o sono incomplete."),
    RejectionReason.DOCUMENT_DATA_MISMATCH: _l("Il numero o la scadenza indicati non corrispondono al documento."),
    RejectionReason.PERSONAL_DATA_MISMATCH: _l("I dati del documento non corrispondono a quelli della tua anagrafica."),
    RejectionReason.DOCUMENT_NOT_VALID: _l("Il documento non è valido o non è tra quelli accettati."),
    RejectionReason.OTHER: _l("Un altro motivo, indicato dall'operatore."),
}

ATTEMPT_KINDS = {
    AttemptKind.FIRST: _l("Prima identificazione"),
    AttemptKind.DOCUMENT_UPDATE: _l("Aggiornamento del documento"),
}

ATTEMPT_STATUSES = {
    AttemptStatus.DRAFT: _l("In compilazione"),
    AttemptStatus.AWAITING_CONFIRMATION: _l("In attesa del codice SMS"),
    AttemptStatus.SUBMITTED: _l("Verifica in corso"),
    AttemptStatus.APPROVED: _l("Approvata"),
    AttemptStatus.REJECTED: _l("Rifiutata"),
    AttemptStatus.ABANDONED: _l("Annullata"),
}

GATE_REASONS = {
    GateReason.ALLOWED: _l("Identità verificata"),
    GateReason.NOT_IDENTIFIED: _l("Identità da verificare"),
    GateReason.IN_PROGRESS: _l("Identificazione da completare"),
    GateReason.UNDER_REVIEW: _l("Verifica in corso"),
    GateReason.DOCUMENT_EXPIRED: _l("Documento scaduto"),
}


def mask_document_number(number: str | None) -> str:
    """CA12345AB -> CA•••••AB: enough for the customer to recognise the document, not to copy it."""
    number = number or ""
    if len(number) <= 4:
        return "•" * len(number)
    return number[:2] + "•" * (len(number) - 4) + number[-2:]


# --- policy requests (SPEC §4) ----------------------------------------------------------------------------
FUNCTIONS = {
    DispositiveFunction.PAYMENT: _l("Pagamento del premio"),
    DispositiveFunction.CLAIM: _l("Denuncia di sinistro"),
    DispositiveFunction.DATA_CHANGE: _l("Modifica dei dati"),
    DispositiveFunction.SURRENDER: _l("Riscatto"),
    DispositiveFunction.SUSPENSION: _l("Sospensione o riattivazione"),
}

PAYMENT_METHODS = {
    PaymentMethod.CARD: _l("Carta di pagamento"),
    PaymentMethod.SEPA_DIRECT_DEBIT: _l("Addebito diretto SEPA sul conto corrente"),
    PaymentMethod.BANK_TRANSFER: _l("Bonifico bancario"),
}

REQUEST_KINDS = {
    RequestKind.PREMIUM_PAYMENT: _l("Pagamento del premio"),
    RequestKind.ADDITIONAL_PAYMENT: _l("Versamento aggiuntivo"),
    RequestKind.CLAIM: _l("Denuncia di sinistro"),
    RequestKind.DATA_CHANGE: _l("Modifica dei dati"),
    RequestKind.SURRENDER: _l("Riscatto"),
    RequestKind.SUSPENSION: _l("Sospensione"),
    RequestKind.REACTIVATION: _l("Riattivazione"),
}

REQUEST_STATUSES = {
    RequestStatus.SUBMITTED: _l("Inviata"),
    RequestStatus.AWAITING_PAYMENT: _l("In attesa del pagamento"),
    RequestStatus.PAID: _l("Pagata"),
    RequestStatus.PAYMENT_REFUSED: _l("Pagamento non riuscito"),
    RequestStatus.PAYMENT_ABANDONED: _l("Pagamento annullato"),
    # Answers to the questionnaires that need a person: the customer is never told which (R-DISP-Q).
    RequestStatus.UNDER_REVIEW: _l("In verifica"),
    RequestStatus.RELEASED: _l("Verificata"),
    RequestStatus.HANDED_OVER: _l("Trasmessa alla compagnia"),
    RequestStatus.TAKEN_IN_CHARGE: _l("Presa in carico"),
    RequestStatus.COMPLETED: _l("Completata"),
    RequestStatus.REJECTED: _l("Respinta"),
    RequestStatus.WITHDRAWN: _l("Ritirata"),
}

# Steps that add to a request's timeline without changing its status.
REQUEST_STEPS = {
    RequestStep.DOCUMENTS_ADDED: _l("Documenti integrati"),
}

# Claims (R-DISP-CLAIM): what happened, and what each file is.
CLAIM_KINDS = {
    ClaimKind.COLLISION: _l("Incidente stradale (collisione)"),
    ClaimKind.THEFT: _l("Furto del veicolo"),
    ClaimKind.GLASS: _l("Rottura cristalli"),
    ClaimKind.VANDALISM: _l("Atti vandalici"),
    ClaimKind.NATURAL_EVENTS: _l("Eventi naturali (grandine, alluvione…)"),
    ClaimKind.WATER_DAMAGE: _l("Danni da acqua"),
    ClaimKind.FIRE: _l("Incendio"),
    ClaimKind.HOME_THEFT: _l("Furto in casa"),
    ClaimKind.CIVIL_LIABILITY: _l("Danni causati a terzi (responsabilità civile)"),
    ClaimKind.INJURY: _l("Infortunio"),
    ClaimKind.DEATH: _l("Decesso dell'assicurato"),
    ClaimKind.MATURITY: _l("Scadenza del contratto"),
    ClaimKind.SERIOUS_ILLNESS: _l("Malattia grave"),
}

DOCUMENT_KINDS = {
    DocumentKind.PHOTO: _l("Foto dei danni"),
    DocumentKind.CAI_FORM: _l("Modulo CAI (constatazione amichevole) firmato"),
    DocumentKind.POLICE_REPORT: _l("Denuncia alle autorità"),
    DocumentKind.REPAIR_ESTIMATE: _l("Preventivo di riparazione"),
    DocumentKind.MEDICAL_REPORT: _l("Certificato o referto medico"),
    DocumentKind.DEATH_CERTIFICATE: _l("Certificato di morte"),
    DocumentKind.HEIRS_DECLARATION: _l("Dichiarazione sostitutiva di atto notorio"),
    DocumentKind.BENEFICIARY_ID: _l("Documento d'identità del beneficiario"),
    DocumentKind.OTHER: _l("Altro documento"),
}

COMPANY_NAMES = {Company.VITA: "CA Vita S.p.A.", Company.DANNI: "CA Assicurazioni S.p.A."}

# The documents of a policy (R-INFO): contract conditions, the policy, the motor risk certificate, Vita statements.
POLICY_DOCUMENT_KINDS = {
    PolicyDocumentKind.CONDITIONS: _l("Condizioni di assicurazione"),
    PolicyDocumentKind.POLICY: _l("Contratto di polizza"),
    PolicyDocumentKind.RISK_CERTIFICATE: _l("Attestato di rischio"),
    PolicyDocumentKind.STATEMENT: _l("Estratto conto annuale"),
}


# Assistance requests (SPEC §6): why the customer writes, and where the request stands.
ASSISTANCE_REASONS = {
    AssistanceReason.NAVIGATION: _l("Problemi di navigazione"),
    AssistanceReason.POLICY_INFORMATION: _l("Informazioni sulla polizza"),
    AssistanceReason.COMPLAINT: _l("Reclamo"),
}

# A request's state as operators read it (the customer pages word it from the customer's side).
TICKET_STATUSES = {
    TicketStatus.NEW: _l("Nuova"),
    TicketStatus.OPEN: _l("Aperta"),
    TicketStatus.WAITING_CUSTOMER: _l("In attesa del cliente"),
    TicketStatus.CLOSED: _l("Chiusa"),
}

def mask_iban(iban: str | None) -> str:
    """IT60X0542811101000000123456 -> IT60 •••• •••• 3456: enough to recognise the account."""
    compact = (iban or "").replace(" ", "").upper()
    if len(compact) < 8:
        return "•" * len(compact)
    return f"{compact[:4]} •••• •••• {compact[-4:]}"


# Formats for amounts, days and moments, in the customer's language; moments in Italian time (Europe/Rome,
# Flask-Babel's default time zone here).
def euro(amount) -> str:
    return format_currency(amount, "EUR")


def percent(rate) -> str:
    """A product's rate (a surrender penalty, a tax): 0.025 -> 2,5% in Italian."""
    return format_percent(Decimal(rate), "#,##0.##%")


def long_date(day) -> str:
    return format_date(day, "d MMMM y")


def rome_datetime(moment) -> str:
    return format_datetime(moment, "d MMMM y, HH:mm")


def register_template_helpers(app) -> None:
    """The labels and formats above, for every template of the customer site (policy page, requests)."""
    app.add_template_filter(euro, "euro")
    app.add_template_filter(long_date, "long_date")
    app.add_template_filter(rome_datetime, "rome_datetime")
    app.add_template_filter(mask_iban, "masked_iban")
    app.add_template_filter(percent, "percent")
    app.add_template_global(FUNCTIONS, "FUNCTIONS")
    app.add_template_global(PAYMENT_METHODS, "PAYMENT_METHODS")
    app.add_template_global(REQUEST_KINDS, "REQUEST_KINDS")
    app.add_template_global(REQUEST_STATUSES, "REQUEST_STATUSES")
    app.add_template_global(REQUEST_STEPS, "REQUEST_STEPS")
    app.add_template_global(CLAIM_KINDS, "CLAIM_KINDS")
    app.add_template_global(DOCUMENT_KINDS, "DOCUMENT_KINDS")
    app.add_template_global(POLICY_DOCUMENT_KINDS, "POLICY_DOCUMENT_KINDS")
    app.add_template_global(ASSISTANCE_REASONS, "ASSISTANCE_REASONS")
    app.add_template_global(TICKET_STATUSES, "TICKET_STATUSES")
    app.add_template_global(refusal_message, "refusal_message")
