"""The customer's profile (the name at the top right): the account's data with what awaits confirmation, the
personal data the core system holds with what is «in lavorazione» (changed on the personal data page), the
way to the consents and the security page, and the changes of the password, of the login email (a link to
the new address, a way back from the old one) and of the mobile (a code to the new number)."""
from __future__ import annotations

from flask import Blueprint, Flask, flash, g, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from areaclienti.app.use_cases.account_contacts import ChangeLoginEmail, ChangeMobile, ConfirmMobile
from areaclienti.app.use_cases.passwords import ChangePassword
from areaclienti.domain.errors import DomainError, FlowExpired, LinkInvalid, NotFound
from areaclienti.domain.links import LinkPurpose

from . import personal_data_form
from .errors import message_for
from .helpers import container, error_page, http_status, login_required, new_session, render_form, signed_out
from .schemas import (
    ChangeLoginEmailSchema,
    ChangeMobileSchema,
    ChangePasswordSchema,
    FormInvalid,
    MobileCodeSchema,
    load_form,
)

bp = Blueprint("profile", __name__)

MOBILE_FLOW = "mobile_change_flow"  # the flow token of the code sent to the new mobile
MOBILE_TO = "mobile_change_to"  # that number, masked, to say where the code went


def _customer():
    """The signed-in customer's profile; NotFound when the account cannot log in any more."""
    return container().customer_policies().profile(g.account_id)


def _link_gone():
    return error_page(410, _("Il link non è valido o è scaduto: ogni link si può usare una sola volta. Se vuoi "
                             "ancora cambiare l'email di accesso, chiedilo di nuovo dal tuo profilo."),
                      retry_url=url_for("profile.profile"))


# --- the profile and the password ------------------------------------------------------------------
@bp.route("/area-clienti/profilo", methods=["GET", "POST"])
@login_required
def profile():
    try:
        personal = container().data_changes().page(g.account_id)  # with the profile, as _customer() reads it
        pending = container().account_contacts().pending(g.account_id)
    except NotFound:
        return signed_out()
    countries = dict(container().places().countries(str(get_locale() or "it")))
    context = {"customer": personal.customer, "pending": pending,
               "mobile_code_open": bool(pending.mobile and session.get(MOBILE_FLOW)),
               "personal": personal, "rows": personal_data_form.value_rows(personal, countries),
               "personal_refusal": personal_data_form.refusal_text(personal)}
    if request.method == "GET":
        return render_template("profile.html", form={}, errors={}, error=None, **context)
    try:
        cmd: ChangePassword = load_form(ChangePasswordSchema(), request.form, account_id=g.account_id,
                                        keep_session_hash=session.id_hash)
        container().change_password()(cmd)
    except (DomainError, FormInvalid) as error:
        return render_form("profile.html", error, **context)
    flash(_("Password modificata. Ti abbiamo inviato un'email di conferma e abbiamo chiuso le sessioni aperte "
            "su altri dispositivi."), "success")
    return redirect(url_for("profile.profile"))


# --- login email -----------------------------------------------------------------------------------
@bp.route("/area-clienti/profilo/email", methods=["GET", "POST"])
@login_required
def change_email():
    try:
        customer = _customer()
    except NotFound:
        return signed_out()
    if request.method == "GET":
        return render_template("profile/email.html", customer=customer, form={}, errors={}, error=None)
    try:
        cmd: ChangeLoginEmail = load_form(ChangeLoginEmailSchema(), request.form, account_id=g.account_id)
        new_email = container().account_contacts().change_login_email(cmd)
    except (DomainError, FormInvalid) as error:
        return render_form("profile/email.html", error, customer=customer)
    # The same words whether or not the address already logs in another account (no enumeration).
    flash(_("Ti abbiamo inviato un link a %(email)s: aprilo entro 24 ore per confermare il nuovo indirizzo. "
            "Fino ad allora accedi con l'email attuale.", email=new_email), "success")
    return redirect(url_for("profile.profile"))


@bp.route("/email/conferma/<token>", methods=["GET", "POST"])
def confirm_email(token: str):
    """From the new address (the customer may open it on a device where they are not signed in)."""
    contacts = container().account_contacts()
    try:
        link = contacts.email_link(token)
        if link.purpose is not LinkPurpose.CHANGE_EMAIL:
            raise LinkInvalid()
    except DomainError:
        return _link_gone()
    if request.method == "GET":
        return render_template("profile/confirm_email.html", email=link.email)
    try:
        new_email = contacts.confirm_login_email(token)
    except LinkInvalid:
        return _link_gone()
    except DomainError as error:
        return error_page(http_status(error), message_for(error), retry_url=url_for("profile.profile"))
    flash(_("Indirizzo confermato: da ora accedi ad Area Clienti con %(email)s.", email=new_email), "success")
    return redirect(url_for("profile.profile" if g.get("account_id") else "customer.login"))


@bp.route("/email/annulla/<token>", methods=["GET", "POST"])
def cancel_email_change(token: str):
    """«Non sono stato io», from the old address."""
    contacts = container().account_contacts()
    try:
        link = contacts.email_link(token)
        if link.purpose is not LinkPurpose.CANCEL_EMAIL_CHANGE:
            raise LinkInvalid()
    except DomainError:
        return _link_gone()
    if request.method == "GET":
        return render_template("profile/cancel_email.html", email=link.email)
    try:
        restored = contacts.cancel_login_email_change(token)
    except DomainError:
        return _link_gone()
    new_session()  # every session of the account has ended: this browser's too
    if restored:
        flash(_("Fatto: l'email di accesso è tornata %(email)s e tutte le sessioni aperte sono state chiuse.",
                email=link.email), "success")
    else:
        flash(_("Fatto: la modifica dell'email di accesso è annullata e tutte le sessioni aperte sono state "
                "chiuse."), "success")
    flash(_("Chi ha chiesto la modifica conosceva la tua password: scegline subito una nuova qui sotto."), "info")
    return redirect(url_for("customer.forgot_password"))


# --- mobile ----------------------------------------------------------------------------------------
@bp.route("/area-clienti/profilo/cellulare", methods=["GET", "POST"])
@login_required
def change_mobile():
    try:
        customer = _customer()
    except NotFound:
        return signed_out()
    if request.method == "GET":
        return render_template("profile/mobile.html", customer=customer, form={}, errors={}, error=None)
    try:
        cmd: ChangeMobile = load_form(ChangeMobileSchema(), request.form, account_id=g.account_id)
        step = container().account_contacts().change_mobile(cmd)
    except (DomainError, FormInvalid) as error:
        return render_form("profile/mobile.html", error, customer=customer)
    session[MOBILE_FLOW] = step.flow_token
    session[MOBILE_TO] = step.masked_mobile
    return redirect(url_for("profile.verify_mobile"))


@bp.route("/area-clienti/profilo/cellulare/verifica", methods=["GET", "POST"])
@login_required
def verify_mobile():
    if MOBILE_FLOW not in session:
        return redirect(url_for("profile.change_mobile"))
    try:
        customer = _customer()
    except NotFound:
        return signed_out()
    context = {"masked_mobile": session.get(MOBILE_TO), "resend_url": url_for("profile.resend_mobile_code"),
               "step": None, "customer": customer,
               "purpose": _("Per confermare il nuovo numero di cellulare inserisci il codice che gli abbiamo "
                            "inviato. Finché non lo confermi resta valido il numero di prima."),
               "back_url": url_for("profile.profile"), "back_label": _("Torna al profilo")}
    if request.method == "GET":
        return render_template("otp.html", form={}, errors={}, error=None, **context)
    try:
        cmd: ConfirmMobile = load_form(MobileCodeSchema(), request.form, flow_token=session[MOBILE_FLOW],
                                       account_id=g.account_id)
        masked = container().account_contacts().confirm_mobile(cmd)
    except (DomainError, FormInvalid) as error:
        return render_form("otp.html", error, **context)
    session.pop(MOBILE_FLOW, None)
    session.pop(MOBILE_TO, None)
    flash(_("Numero di cellulare aggiornato: da ora i codici arrivano al %(mobile)s. Abbiamo avvisato il numero "
            "di prima e la tua email.", mobile=masked), "success")
    return redirect(url_for("profile.profile"))


@bp.post("/area-clienti/profilo/cellulare/nuovo-codice")
@login_required
def resend_mobile_code():
    if MOBILE_FLOW not in session:
        return redirect(url_for("profile.change_mobile"))
    try:
        step = container().account_contacts().resend_mobile_code(g.account_id, session[MOBILE_FLOW])
    except FlowExpired as error:
        session.pop(MOBILE_FLOW, None)
        flash(message_for(error), "error")
        return redirect(url_for("profile.change_mobile"))
    except DomainError as error:
        flash(message_for(error), "error")
        return redirect(url_for("profile.verify_mobile"))
    session[MOBILE_TO] = step.masked_mobile
    flash(_("Ti abbiamo inviato un nuovo codice: quello precedente non è più valido."), "info")
    return redirect(url_for("profile.verify_mobile"))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
