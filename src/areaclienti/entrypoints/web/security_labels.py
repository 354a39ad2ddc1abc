"""The words of the security and consents pages that the JSON API says too: the device a session runs on
(from its User-Agent), the security events and the consents as the customer reads them (issue 12).

Lazy strings: they are translated when shown, in the language of the request that shows them.
"""
from __future__ import annotations

from functools import lru_cache

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from areaclienti.app.use_cases.security import OpenSession
from areaclienti.domain.audit import AuditEvent, AuditEventKind
from areaclienti.domain.consents import ConsentChannel, ConsentKind

# The security events as the customer reads them.
EVENT_LABELS = {
    AuditEventKind.REGISTRATION_STARTED: _l("Registrazione avviata"),
    AuditEventKind.LOGIN_SUCCEEDED: _l("Accesso all'area riservata"),
    AuditEventKind.LOGIN_FAILED: _l("Tentativo di accesso con password errata"),
    AuditEventKind.ACCOUNT_LOCKED: _l("Accesso bloccato temporaneamente dopo troppi tentativi"),
    AuditEventKind.LOGOUT: _l("Uscita dall'area riservata"),
    AuditEventKind.OTP_SEND_REFUSED: _l("Invio del codice SMS sospeso: troppe richieste"),
    AuditEventKind.OTP_FAILED: _l("Codice SMS errato"),
    AuditEventKind.OTP_VERIFIED: _l("Codice SMS confermato"),
    AuditEventKind.PASSWORD_SET: _l("Password impostata"),
    AuditEventKind.PASSWORD_CHANGED: _l("Password modificata"),
    AuditEventKind.PASSWORD_RESET_REQUESTED: _l("Richiesta di recupero della password"),
    AuditEventKind.PASSWORD_RESET: _l("Password reimpostata con il recupero"),
    AuditEventKind.SESSIONS_REVOKED: _l("Uscita da altri dispositivi"),
    AuditEventKind.LEGACY_ACTIVATION_STARTED: _l("Primo accesso al nuovo sito avviato"),
    AuditEventKind.LEGACY_DATA_WRONG: _l("Dati del vecchio sito segnalati come errati"),
    AuditEventKind.IDENTIFICATION_STARTED: _l("Identificazione con video selfie avviata"),
    AuditEventKind.IDENTIFICATION_SUBMITTED: _l("Video selfie inviato per la verifica"),
    AuditEventKind.IDENTIFICATION_APPROVED: _l("Identità verificata"),
    AuditEventKind.IDENTIFICATION_REJECTED: _l("Identificazione non approvata"),
    AuditEventKind.EMAIL_CHANGE_REQUESTED: _l("Richiesta di modifica dell'email di accesso"),
    AuditEventKind.EMAIL_CHANGED: _l("Email di accesso modificata"),
    AuditEventKind.EMAIL_CHANGE_CANCELLED: _l("Modifica dell'email di accesso annullata («non sono stato io»)"),
    AuditEventKind.MOBILE_CHANGE_REQUESTED: _l("Richiesta di modifica del cellulare"),
    AuditEventKind.MOBILE_CHANGED: _l("Cellulare modificato"),
}
# Every kind the page may show has its words above; the ones it never shows are
# app.use_cases.security.NOT_SHOWN (tests/unit/test_security_labels.py keeps the two together).
# A wrong current password typed again before a change reads as what it was, not as a failed login.
FAILED_RECHECK_LABELS = {
    "password_change": _l("Password attuale errata durante la modifica della password"),
    "email_change": _l("Password attuale errata durante la modifica dell'email di accesso"),
    "mobile_change": _l("Password attuale errata durante la modifica del cellulare"),
}
OTP_LABELS = {  # (kind, the code's purpose) where the purpose says more than «codice SMS»
    (AuditEventKind.OTP_FAILED, "mobile_change"): _l("Codice SMS errato durante la modifica del cellulare"),
    (AuditEventKind.OTP_VERIFIED, "mobile_change"): _l("Codice SMS del nuovo cellulare confermato"),
    (AuditEventKind.OTP_SEND_REFUSED, "mobile_change"): _l("Invio del codice al nuovo cellulare sospeso: "
                                                           "troppe richieste"),
}

CONSENT_LABELS = {
    ConsentKind.PRIVACY: _l("Trattamento dei dati personali (privacy)"),
    ConsentKind.MARKETING: _l("Comunicazioni promozionali nell'area riservata"),
}
CHANNEL_LABELS = {
    ConsentChannel.REGISTRATION: _l("registrazione"),
    ConsentChannel.WEB: _l("sito"),
    ConsentChannel.API: _l("app"),
}


def event_label(event: AuditEvent) -> str:
    details = event.details or {}
    if event.kind is AuditEventKind.LOGIN_FAILED and details.get("during") in FAILED_RECHECK_LABELS:
        return str(FAILED_RECHECK_LABELS[details["during"]])
    if (event.kind, details.get("purpose")) in OTP_LABELS:
        return str(OTP_LABELS[(event.kind, details.get("purpose"))])
    if event.kind is AuditEventKind.SESSIONS_REVOKED:
        count = int(details.get("count") or 0)
        if details.get("by") == "customer":  # from the security page: the others, this one kept
            return ngettext("Uscita da %(num)d altro dispositivo", "Uscita da %(num)d altri dispositivi", count)
        if not count:  # a password reset or «non sono stato io» when no session was open
            return _("Chiusi tutti gli accessi aperti")
        return ngettext("Chiuso l'accesso aperto su %(num)d dispositivo",
                        "Chiusi gli accessi aperti su %(num)d dispositivi", count)
    label = EVENT_LABELS.get(event.kind)
    return str(label) if label is not None else _("Evento di sicurezza")


@lru_cache(maxsize=512)
def _parsed(user_agent: str):
    import ua_parser  # the rules load at the first parse (a few tenths of a second), once per process

    return ua_parser.parse(user_agent)


_BROWSERS = {"Mobile Safari": "Safari", "Chrome Mobile": "Chrome", "Chrome Mobile iOS": "Chrome",
             "Chrome Mobile WebView": "Chrome", "HeadlessChrome": "Chrome", "Firefox Mobile": "Firefox",
             "Firefox iOS": "Firefox", "Edge Mobile": "Edge", "Samsung Internet": "Samsung Internet"}
_SYSTEMS = {"Mac OS X": "macOS"}


def device(open_session: OpenSession) -> str:
    """«Chrome su Android», from the browser's User-Agent; the app's sessions say so."""
    parsed = _parsed(open_session.user_agent) if open_session.user_agent else None
    browser = parsed.user_agent.family if parsed and parsed.user_agent else None
    system = parsed.os.family if parsed and parsed.os else None
    browser = _BROWSERS.get(browser or "", browser)
    system = _SYSTEMS.get(system or "", system)
    if browser in (None, "Other"):
        browser = None
    if system in (None, "Other"):
        system = None
    if open_session.via_api:
        return _("App (su %(system)s)", system=system) if system else _("App")
    if browser and system:
        return _("%(browser)s su %(system)s", browser=browser, system=system)
    return browser or system or _("Dispositivo sconosciuto")


