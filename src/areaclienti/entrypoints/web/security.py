"""The customer's security page (sessions open on the account, recent security events) and consents page
(privacy and marketing, with their history) — issue 12."""
from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import Blueprint, Flask, abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import format_time, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from areaclienti.app.use_cases.consents import ChangeConsent
from areaclienti.app.use_cases.security import OpenSession
from areaclienti.domain.audit import AuditEvent, AuditEventKind
from areaclienti.domain.consents import ConsentChannel, ConsentKind
from areaclienti.domain.errors import NotFound, PrivacyConsentRequired

from .errors import message_for
from .helpers import container, login_required, signed_out

bp = Blueprint("security", __name__)
ROME = ZoneInfo("Europe/Rome")

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


# --- devices and times ----------------------------------------------------------------------------
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


def approximately(moment: datetime, now: datetime) -> str:
    """«adesso», «5 minuti fa», «oggi alle 14:05», «ieri alle 9:30», «3 giorni fa» — in Italian time."""
    elapsed = now - moment
    if elapsed < timedelta(minutes=1):
        return _("adesso")
    if elapsed < timedelta(hours=1):
        minutes = int(elapsed.total_seconds() // 60)
        return ngettext("%(num)d minuto fa", "%(num)d minuti fa", minutes)
    days = (now.astimezone(ROME).date() - moment.astimezone(ROME).date()).days
    at = format_time(moment, "H:mm")  # Flask-Babel formats in the app's time zone, Europe/Rome
    if days <= 0:
        return _("oggi alle %(time)s", time=at)
    if days == 1:
        return _("ieri alle %(time)s", time=at)
    return ngettext("%(num)d giorno fa", "%(num)d giorni fa", days)


# --- pages ----------------------------------------------------------------------------------------
@bp.get("/area-clienti/sicurezza")
@login_required
def page():
    try:
        customer = container().customer_policies().profile(g.account_id)
        overview = container().account_security().overview(g.account_id, session.id_hash)
    except NotFound:
        return signed_out()
    now = container().clock().now()
    return render_template("security/page.html", customer=customer, overview=overview, now=now,
                           device=device, approximately=approximately, event_label=event_label)


@bp.post("/area-clienti/sicurezza/dispositivi/<handle>/esci")
@login_required
def end_session(handle: str):
    if container().account_security().end_session(g.account_id, handle, session.id_hash):
        flash(_("Hai chiuso l'accesso da quel dispositivo: per rientrare dovrà inserire di nuovo la password."),
              "success")
    else:
        flash(_("Quell'accesso era già terminato."), "info")
    return redirect(url_for("security.page"))


@bp.post("/area-clienti/sicurezza/esci-dagli-altri")
@login_required
def end_other_sessions():
    ended = container().account_security().end_other_sessions(g.account_id, session.id_hash)
    if ended:
        flash(ngettext("Hai chiuso l'accesso da %(num)d altro dispositivo.",
                       "Hai chiuso l'accesso da %(num)d altri dispositivi.", ended), "success")
    else:
        flash(_("Non c'erano altri dispositivi collegati."), "info")
    return redirect(url_for("security.page"))


@bp.route("/area-clienti/consensi", methods=["GET", "POST"])
@login_required
def consents():
    error = None
    status = 200
    if request.method == "POST":
        try:
            consent = ConsentKind(request.form.get("consent", ""))
            given = {"1": True, "0": False}[request.form.get("given", "")]
        except (ValueError, KeyError):
            abort(400)
        try:
            changed = container().consents().change(ChangeConsent(g.account_id, consent, given, ConsentChannel.WEB))
        except NotFound:
            return signed_out()
        except PrivacyConsentRequired as refused:
            error, status = message_for(refused), 422
        else:
            if consent is ConsentKind.MARKETING and changed:
                flash(_("Consenso dato: vedrai le comunicazioni promozionali nella tua area riservata.") if given
                      else _("Consenso revocato: non vedrai più comunicazioni promozionali nella tua area riservata."),
                      "success")
            return redirect(url_for("security.consents"))
    try:
        customer = container().customer_policies().profile(g.account_id)
        overview = container().consents().overview(g.account_id)
    except NotFound:
        return signed_out()
    return render_template("security/consents.html", customer=customer, overview=overview, error=error,
                           CONSENT_LABELS=CONSENT_LABELS, CHANNEL_LABELS=CHANNEL_LABELS), status


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
