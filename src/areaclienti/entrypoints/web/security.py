"""The customer's security page (sessions open on the account, recent security events) and consents page
(privacy and marketing, with their history) — issue 12."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, Flask, abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import format_time, ngettext
from flask_babel import gettext as _

from areaclienti.app.use_cases.consents import ChangeConsent
from areaclienti.domain.consents import ConsentChannel, ConsentKind
from areaclienti.domain.errors import NotFound, PrivacyConsentRequired

from .errors import message_for
from .helpers import container, login_required, signed_out
from .security_labels import CHANNEL_LABELS, CONSENT_LABELS, device, event_label

bp = Blueprint("security", __name__)
ROME = ZoneInfo("Europe/Rome")


# --- times ----------------------------------------------------------------------------
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
