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

# The security events as the customer reads them; a kind not listed here reads as a generic one.
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
}
# Contact changes and the like, labelled by their kind's name once they exist (issue 12's other parts).
EVENT_LABELS_BY_NAME = {
    "email_change_requested": _l("Richiesta di modifica dell'email di accesso"),
    "email_changed": _l("Email di accesso modificata"),
    "mobile_change_requested": _l("Richiesta di modifica del cellulare"),
    "mobile_changed": _l("Cellulare modificato"),
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
    label = EVENT_LABELS.get(event.kind) or EVENT_LABELS_BY_NAME.get(event.kind.value)
    if event.kind is AuditEventKind.LOGIN_FAILED and event.details.get("during") == "password_change":
        return _("Password attuale errata durante la modifica della password")
    if event.kind is AuditEventKind.SESSIONS_REVOKED:
        count = int(event.details.get("count") or 0)
        return ngettext("Uscita da %(num)d altro dispositivo", "Uscita da %(num)d altri dispositivi", count)
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


