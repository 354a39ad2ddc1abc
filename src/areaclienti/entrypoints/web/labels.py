"""Italian labels for identification values, shared by the customer pages and the back office.

Lazy strings: they are translated when shown, in the language of the request that shows them.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from areaclienti.domain.identification import AttemptKind, AttemptStatus, DocumentType, GateReason, RejectionReason

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
