"""The customer site: registration, login, password, first access for old-area customers, policies."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Flask, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from areaclienti.app.calendar import italian_day
from areaclienti.app.use_cases.legacy import StartFirstAccess
from areaclienti.app.use_cases.passwords import CompleteLink
from areaclienti.app.use_cases.registration import StartRegistration, VerifyMobile
from areaclienti.domain.errors import DomainError, FlowExpired, NotFound
from areaclienti.domain.links import LinkPurpose
from areaclienti.domain.policies import Company

from .errors import message_for
from .helpers import adopt_login, container, error_page, login_required, render_form, session_for_login, signed_out
from .phone_labels import service_hours_lines, shown_lines
from .schemas import (
    CodeSchema,
    ContactsSchema,
    EmailSchema,
    FirstAccessSchema,
    FormInvalid,
    LoginSchema,
    NewPasswordSchema,
    StartRegistrationSchema,
    load_form,
)

bp = Blueprint("customer", __name__)

REGISTRATION_FLOW = "registration_flow"
RESET_FLOW = "reset_flow"
LEGACY_FLOW = "legacy_flow"


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("customer.dashboard")


# --- public pages ---------------------------------------------------------------------------------
@bp.get("/")
def home():
    return redirect(url_for("customer.dashboard" if g.get("account_id") else "customer.login"))


@bp.get("/informativa-privacy")
def privacy():
    return render_template("privacy.html")


@bp.get("/lingua/<code>")
def language(code: str):
    if code in ("it", "en"):
        session["lang"] = code
    return redirect(_safe_next(request.args.get("next")))


@bp.route("/accesso", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_template("login.html", form={}, errors={}, error=None, next=request.args.get("next"))
    try:
        cmd = load_form(LoginSchema(), request.form)
        signed = container().login().start_session(cmd, session_for_login())
    except (DomainError, FormInvalid) as error:
        return render_form("login.html", error, status=401 if isinstance(error, DomainError) else 422,
                            next=request.form.get("next"))
    adopt_login(signed)
    return redirect(_safe_next(request.form.get("next")))


@bp.post("/esci")
def logout():
    if g.get("account_id") and session.sid:
        container().logout()(g.account_id, session.id_hash)
    session.clear()
    session.rotate(None)
    flash(_("Sei uscito da Area Clienti."), "info")
    return redirect(url_for("customer.login"))


# --- registration (R-REG-1..4) -------------------------------------------------------------------
@bp.route("/registrazione", methods=["GET", "POST"])
def register():
    if request.method == "GET":
        return render_template("register.html", form={}, errors={}, error=None)
    try:
        cmd: StartRegistration = load_form(StartRegistrationSchema(), request.form)
        step = container().registration().start(cmd)
    except (DomainError, FormInvalid) as error:
        return render_form("register.html", error)
    session[REGISTRATION_FLOW] = step.flow_token
    if step.next_step == "otp":
        session["registration_mobile"] = step.masked_mobile
        flash(_("Abbiamo usato l'email e il cellulare che hai indicato alla sottoscrizione della polizza."), "info")
        return redirect(url_for("customer.register_verify"))
    return redirect(url_for("customer.register_contacts"))


@bp.route("/registrazione/contatti", methods=["GET", "POST"])
def register_contacts():
    if REGISTRATION_FLOW not in session:
        return redirect(url_for("customer.register"))
    if request.method == "GET":
        return render_template("register_contacts.html", form={}, errors={}, error=None)
    try:
        cmd = load_form(ContactsSchema(), request.form, flow_token=session[REGISTRATION_FLOW])
        step = container().registration().give_contacts(cmd)
    except FlowExpired as error:
        return _restart_registration(error)
    except (DomainError, FormInvalid) as error:
        return render_form("register_contacts.html", error)
    session["registration_mobile"] = step.masked_mobile
    return redirect(url_for("customer.register_verify"))


@bp.route("/registrazione/verifica", methods=["GET", "POST"])
def register_verify():
    if REGISTRATION_FLOW not in session:
        return redirect(url_for("customer.register"))
    context = {"masked_mobile": session.get("registration_mobile"),
               "resend_url": url_for("customer.register_resend"), "step": 3}
    if request.method == "GET":
        return render_template("otp.html", form={}, errors={}, error=None, **context)
    try:
        cmd = load_form(CodeSchema(), request.form, flow_token=session[REGISTRATION_FLOW])
        email = container().registration().verify_mobile(VerifyMobile(cmd.flow_token, cmd.code))
    except FlowExpired as error:
        return _restart_registration(error)
    except (DomainError, FormInvalid) as error:
        return render_form("otp.html", error, **context)
    session.pop(REGISTRATION_FLOW, None)
    session.pop("registration_mobile", None)
    session["check_email_to"] = email
    return redirect(url_for("customer.check_email", reason="registration"))


@bp.post("/registrazione/verifica/nuovo-codice")
def register_resend():
    if REGISTRATION_FLOW not in session:
        return redirect(url_for("customer.register"))
    try:
        step = container().registration().resend_code(session[REGISTRATION_FLOW])
    except FlowExpired as error:
        return _restart_registration(error)
    except DomainError as error:
        flash(message_for(error), "error")
        return redirect(url_for("customer.register_verify"))
    session["registration_mobile"] = step.masked_mobile
    flash(_("Ti abbiamo inviato un nuovo codice: quello precedente non è più valido."), "info")
    return redirect(url_for("customer.register_verify"))


def _restart_registration(error: DomainError):
    session.pop(REGISTRATION_FLOW, None)
    flash(message_for(error), "error")
    return redirect(url_for("customer.register"))


@bp.get("/controlla-email")
def check_email():
    from areaclienti.domain.contacts import mask_email

    to = session.get("check_email_to")
    return render_template("check_email.html", reason=request.args.get("reason"),
                           masked_email=mask_email(to) if to else None)


# --- the emailed link (R-REG-4, R-LEG-2, R-PWD-1) ------------------------------------------------
@bp.route("/password/imposta/<token>", methods=["GET", "POST"])
def set_password(token: str):
    use_case = container().complete_password_link()
    try:
        purpose = use_case.check(token)
    except DomainError as error:
        return error_page(410, message_for(error), retry_url=url_for("customer.forgot_password"))
    context = {"reset": purpose is LinkPurpose.RESET_PASSWORD}
    if request.method == "GET":
        return render_template("set_password.html", form={}, errors={}, error=None, **context)
    try:
        cmd: CompleteLink = load_form(NewPasswordSchema(), request.form, token=token)
        use_case(cmd)
    except (DomainError, FormInvalid) as error:
        return render_form("set_password.html", error, **context)
    flash(_("Password impostata: ora puoi accedere ad Area Clienti con la tua email e la nuova password."), "success")
    return redirect(url_for("customer.login"))


# --- password reset (R-PWD-1) --------------------------------------------------------------------
@bp.route("/password/dimenticata", methods=["GET", "POST"])
def forgot_password():
    if request.method == "GET":
        return render_template("forgot_password.html", form={}, errors={}, error=None)
    try:
        cmd = load_form(EmailSchema(), request.form)
        session[RESET_FLOW] = container().password_reset().request(cmd.email)
    except (DomainError, FormInvalid) as error:
        return render_form("forgot_password.html", error)
    return redirect(url_for("customer.forgot_password_verify"))


@bp.route("/password/dimenticata/verifica", methods=["GET", "POST"])
def forgot_password_verify():
    if RESET_FLOW not in session:
        return redirect(url_for("customer.forgot_password"))
    context = {"masked_mobile": None, "resend_url": url_for("customer.forgot_password_resend"), "step": None,
               "generic": True}
    if request.method == "GET":
        return render_template("otp.html", form={}, errors={}, error=None, **context)
    try:
        cmd = load_form(CodeSchema(), request.form, flow_token=session[RESET_FLOW])
        container().password_reset().verify(cmd.flow_token, cmd.code)
    except (DomainError, FormInvalid) as error:
        return render_form("otp.html", error, **context)
    session.pop(RESET_FLOW, None)
    session.pop("check_email_to", None)
    return redirect(url_for("customer.check_email", reason="reset"))


@bp.post("/password/dimenticata/nuovo-codice")
def forgot_password_resend():
    if RESET_FLOW in session:
        container().password_reset().resend(session[RESET_FLOW])
    flash(_("Se i dati sono corretti riceverai un nuovo codice: quello precedente non è più valido."), "info")
    return redirect(url_for("customer.forgot_password_verify"))


# --- first access for customers of the old area (R-LEG-2, R-LEG-4) -------------------------------
@bp.route("/primo-accesso", methods=["GET", "POST"])
def first_access():
    if request.method == "GET":
        return render_template("first_access.html", form={}, errors={}, error=None)
    try:
        cmd: StartFirstAccess = load_form(FirstAccessSchema(), request.form)
        session[LEGACY_FLOW] = container().legacy_first_access().start(cmd)
    except (DomainError, FormInvalid) as error:
        return render_form("first_access.html", error)
    return redirect(url_for("customer.first_access_verify"))


@bp.route("/primo-accesso/verifica", methods=["GET", "POST"])
def first_access_verify():
    if LEGACY_FLOW not in session:
        return redirect(url_for("customer.first_access"))
    context = {"masked_mobile": None, "resend_url": None, "step": None, "generic": True}
    if request.method == "GET":
        return render_template("otp.html", form={}, errors={}, error=None, **context)
    try:
        cmd = load_form(CodeSchema(), request.form, flow_token=session[LEGACY_FLOW])
        container().legacy_first_access().verify(cmd.flow_token, cmd.code)
    except (DomainError, FormInvalid) as error:
        return render_form("otp.html", error, **context)
    session.pop(LEGACY_FLOW, None)
    session.pop("check_email_to", None)
    return redirect(url_for("customer.check_email", reason="first_access"))


# --- the reserved area ---------------------------------------------------------------------------
@bp.get("/area-clienti")
@login_required
def dashboard():
    try:
        overview = container().customer_policies().overview(g.account_id)
    except NotFound:
        return signed_out()
    # Promotional content only with the marketing consent (IVASS Regolamento 41/2018 art. 43).
    promotions = (container().promotions().current(italian_day(container().clock().now()))
                  if overview.customer.marketing_consent else [])
    return render_template("dashboard.html", overview=overview, customer=overview.customer,
                           companies=[Company.VITA, Company.DANNI], phone_lines=shown_lines(),
                           phone_hours=service_hours_lines(), promotions=promotions)


@bp.get("/area-clienti/polizze/<number>")
@login_required
def policy_detail(number: str):
    try:
        page = container().policy_pages().page(g.account_id, number)
    except NotFound:
        return error_page(404, _("La pagina che cerchi non esiste."))
    functions = page.functions
    detail = functions.detail
    open_receipts = [r for r in functions.receipts if r.is_open]
    return render_template("policy.html", page=page, detail=detail, customer=detail.customer, policy=detail.policy,
                           functions=functions, phone_lines=shown_lines(),
                           paid_receipts=sorted((r for r in functions.receipts if not r.is_open),
                                                key=lambda r: r.due_date, reverse=True),
                           open_receipts=sorted(open_receipts, key=lambda r: r.due_date),
                           next_due=min((r.due_date for r in open_receipts), default=None),
                           today=italian_day(page.now), now=page.now)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
