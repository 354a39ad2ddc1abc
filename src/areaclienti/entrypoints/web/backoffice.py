"""The operators' back-office (R-ID-4): sign in with password and TOTP, the queue of identifications, the
review of one attempt beside the core system's data, and the decision.

A separate world from the customer site (SPEC §8): its own session realm and cookie (see ``sessions``),
its own templates, and every page but the sign-in asks for a signed-in operator, looked up again on
each request so that an operator disabled (or whose second factor was reset) is out at once.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import segno
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_date, format_datetime, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from marshmallow import EXCLUDE, Schema, fields, pre_load, validate
from werkzeug.wsgi import wrap_file

from areaclienti.app.use_cases.operators import PendingLogin
from areaclienti.domain.errors import (
    DocumentExpired,
    DomainError,
    InvalidCredentials,
    InvalidTransition,
    NotFound,
    TemporarilyLocked,
)
from areaclienti.domain.identification import (
    MAX_NOTE_LENGTH,
    AttemptKind,
    AttemptStatus,
    RejectionReason,
    StoredFile,
)

from .errors import local_time, message_for
from .files import DOCUMENT_CSP, VIDEO_CSP, disposition
from .helpers import (
    BACKOFFICE_PREFIX,
    OPERATOR_FACTOR,
    OPERATOR_SIGNED_IN,
    container,
    new_session,
    operator_factor,
    operator_pages,
)
from .labels import ATTEMPT_KINDS, DOCUMENT_TYPES
from .schemas import FormInvalid, load_form

PREFIX = BACKOFFICE_PREFIX
bp = Blueprint("backoffice", __name__, url_prefix=PREFIX)

PENDING = "bo_pending"  # password checked, second factor to come (at most second_factor_window)
SIGNED_IN = OPERATOR_SIGNED_IN
FACTOR = OPERATOR_FACTOR
PUBLIC = frozenset({"backoffice.login", "backoffice.code", "backoffice.enrol", "backoffice.logout"})

# The reasons as the operator chooses them (short); the customer reads labels.REJECTION_REASONS.
REJECTION_REASON_LABELS = {
    RejectionReason.VIDEO_UNCLEAR: _l("Video non chiaro o volto non visibile"),
    RejectionReason.KEYWORD_MISSING: _l("Parola chiave non pronunciata o diversa"),
    RejectionReason.FACE_MISMATCH: _l("Il volto non corrisponde alla foto del documento"),
    RejectionReason.DOCUMENT_UNREADABLE: _l("Documento illeggibile o incompleto"),
    RejectionReason.DOCUMENT_DATA_MISMATCH: _l("Numero o scadenza non corrispondono al documento"),
    RejectionReason.PERSONAL_DATA_MISMATCH: _l("Dati anagrafici diversi da quelli in archivio"),
    RejectionReason.DOCUMENT_NOT_VALID: _l("Documento non valido o non accettato"),
    RejectionReason.OTHER: _l("Altro (specificare nelle note)"),
}


def owns(path: str) -> bool:
    """Does this path belong to the back-office (its session realm, its pages)?"""
    return path == PREFIX or path.startswith(PREFIX + "/")


# --- forms ----------------------------------------------------------------------------------------
class _Form(Schema):
    class Meta:
        unknown = EXCLUDE


class LoginForm(_Form):
    email = fields.String(required=True, validate=validate.Length(min=1, max=254))
    password = fields.String(required=True, validate=validate.Length(min=1, max=1024))


class CodeForm(_Form):
    code = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$"))

    @pre_load
    def _compact(self, data, **_):
        if isinstance(data.get("code"), str):
            data = {**data, "code": data["code"].replace(" ", "").strip()}
        return data


class ApproveForm(_Form):
    note = fields.String(load_default="", validate=validate.Length(max=MAX_NOTE_LENGTH))


class RejectForm(_Form):
    reason = fields.Enum(RejectionReason, by_value=True, required=True)
    note = fields.String(load_default="", validate=validate.Length(max=MAX_NOTE_LENGTH))


# --- who is there ---------------------------------------------------------------------------------
# The signed-in operator, checked on every request; anybody else sees only the sign-in (PUBLIC aside).
# Personal data and identity documents: never kept by the browser or a proxy.
operator_pages(bp, public=PUBLIC)


@bp.context_processor
def _helpers() -> dict:
    return {"operator": g.get("operator"), "waiting_for": waiting_for, "when": when, "day": day,
            "document_type_labels": DOCUMENT_TYPES, "rejection_reason_labels": REJECTION_REASON_LABELS,
            "kind_label": kind_label, "AttemptStatus": AttemptStatus, "AttemptKind": AttemptKind}


def waiting_for(waiting: timedelta) -> str:
    """«in attesa da 2 ore»: rounded down, so that nobody seems to wait longer than they did."""
    minutes = int(waiting.total_seconds() // 60)
    if minutes < 1:
        return _("in attesa da meno di un minuto")
    if minutes < 60:
        return ngettext("in attesa da %(num)d minuto", "in attesa da %(num)d minuti", minutes)
    if minutes < 48 * 60:
        return ngettext("in attesa da %(num)d ora", "in attesa da %(num)d ore", minutes // 60)
    return ngettext("in attesa da %(num)d giorno", "in attesa da %(num)d giorni", minutes // (24 * 60))


def when(moment: datetime | None) -> str:
    return format_datetime(moment, "dd/MM/yyyy HH:mm") if moment else "—"


def day(value) -> str:
    return format_date(value, "dd/MM/yyyy") if value else "—"


def kind_label(kind: AttemptKind) -> str:
    return str(ATTEMPT_KINDS[kind])


def _message(error: DomainError) -> str:
    if isinstance(error, TemporarilyLocked):  # the customers' text points to «password dimenticata?»
        return _("Troppi tentativi non riusciti: per sicurezza potrai riprovare dalle %(time)s.",
                 time=local_time(error.params["retry_after"]))
    return message_for(error)


# --- sign in: password, then TOTP (or its enrolment at the first login) ---------------------------
@bp.get("")
@bp.get("/")
def home():
    return redirect(url_for("backoffice.queue"))


@bp.route("/accesso", methods=["GET", "POST"])
def login():
    if g.operator is not None:
        return redirect(url_for("backoffice.queue"))
    if request.method == "GET":
        return render_template("backoffice/login.html", form={}, errors={})
    try:
        data = load_form(LoginForm(), request.form)
        pending = container().operator_access().check_password(data["email"], data["password"])
    except FormInvalid as error:
        return render_template("backoffice/login.html", form=request.form, errors=error.errors), 422
    except DomainError as error:
        status = 429 if isinstance(error, TemporarilyLocked) else 401
        return render_template("backoffice/login.html", form=request.form, errors={},
                               error=_message(error)), status
    new_session()
    session[PENDING] = {"operator_id": pending.operator_id, "started_at": pending.started_at.isoformat(),
                        "needs_enrolment": pending.needs_enrolment}
    return redirect(url_for("backoffice.enrol" if pending.needs_enrolment else "backoffice.code"))


def _pending():
    """The half-done login of this session, or where to go instead: the sign-in, told why if it expired.

    The use case checks the window again; this spares a page that could only fail.
    """
    stored = session.get(PENDING)
    if not isinstance(stored, dict):
        return None, redirect(url_for("backoffice.login"))
    pending = PendingLogin(stored["operator_id"], datetime.fromisoformat(stored["started_at"]),
                           bool(stored["needs_enrolment"]))
    window = container().operator_session_settings().second_factor_window
    if container().clock().now() - pending.started_at > window:
        return None, _login_again()
    return pending, None


def _login_again():
    session.pop(PENDING, None)
    flash(_("L'accesso non è stato completato in tempo: inserisci di nuovo email e password."), "info")
    return redirect(url_for("backoffice.login"))


@bp.route("/accesso/codice", methods=["GET", "POST"])
def code():
    pending, elsewhere = _pending()
    if pending is None:
        return elsewhere
    if pending.needs_enrolment:
        return redirect(url_for("backoffice.enrol"))
    if request.method == "GET":
        return render_template("backoffice/code.html", errors={})
    return _finish(pending, "backoffice/code.html", {})


@bp.route("/attivazione", methods=["GET", "POST"])
def enrol():
    pending, elsewhere = _pending()
    if pending is None:
        return elsewhere
    if not pending.needs_enrolment:
        return redirect(url_for("backoffice.code"))
    if request.method == "GET":
        # Every visit draws a new secret (a reload shows a new QR code): only the one confirmed counts.
        try:
            enrolment = container().operator_access().begin_enrolment(pending)
        except InvalidCredentials:
            return _login_again()
        except InvalidTransition:  # enrolled meanwhile, in another tab: the code is enough
            session[PENDING] = {**session[PENDING], "needs_enrolment": False}
            return redirect(url_for("backoffice.code"))
        session[PENDING] = {**session[PENDING], "enrolment_uri": enrolment.provisioning_uri,
                            "enrolment_secret": enrolment.secret}
        return render_template("backoffice/enrol.html", errors={}, **_enrolment_context())
    if "enrolment_uri" not in session[PENDING]:
        return redirect(url_for("backoffice.enrol"))
    return _finish(pending, "backoffice/enrol.html", _enrolment_context())


def _enrolment_context() -> dict:
    stored = session[PENDING]
    qr = segno.make(stored["enrolment_uri"], error="m")
    svg = qr.svg_inline(scale=5, border=4, dark="#000", light="#fff",
                        title=_("QR code da inquadrare con l'app di autenticazione"))
    secret = stored["enrolment_secret"]
    return {"qr_svg": Markup(svg), "secret": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))}


def _finish(pending: PendingLogin, template: str, context: dict):
    """The code typed at the second step or at the end of the enrolment: signed in, or told why not."""
    try:
        data = load_form(CodeForm(), request.form)
        operator = container().operator_access().check_code(pending, data["code"])
    except FormInvalid:
        errors = {"code": _("Inserisci le 6 cifre del codice mostrato dall'app di autenticazione.")}
        return render_template(template, errors=errors, **context), 422
    except InvalidCredentials:  # the half-done login expired or the operator was disabled meanwhile
        return _login_again()
    except DomainError as error:
        status = 429 if isinstance(error, TemporarilyLocked) else 422
        return render_template(template, errors={"code": _message(error)}, **context), status
    new_session()  # a new session id for the signed-in operator (the pending login goes with the old)
    session[SIGNED_IN] = operator.id
    session[FACTOR] = operator_factor(operator)
    flash(_("Accesso eseguito come %(name)s.", name=operator.display_name), "success")
    return redirect(url_for("backoffice.queue"))


@bp.post("/esci")
def logout():
    if g.operator is not None:
        container().operator_access().logout(g.operator.id)
    new_session()
    flash(_("Sei uscito dal back-office."), "info")
    return redirect(url_for("backoffice.login"))


# --- the queue and the review (R-ID-4) -----------------------------------------------------------
@bp.get("/identificazioni")
def queue():
    items, total = container().review().queue()
    return render_template("backoffice/queue.html", items=items, total=total)


@bp.get("/identificazioni/<attempt_id>")
def review(attempt_id: str):
    return _review_page(attempt_id)


def _review_page(attempt_id: str, *, form=None, errors=None, error: str | None = None, status: int = 200):
    try:
        view = container().review().detail(attempt_id)
    except NotFound:
        abort(404)
    decided_by = None
    if view.attempt.decided_by:
        operators = {o.id: o for o in container().operator_access().list()}
        decided_by = operators.get(view.attempt.decided_by)
    return render_template("backoffice/review.html", view=view, attempt=view.attempt, decided_by=decided_by,
                           reasons=list(RejectionReason), form=form or {}, errors=errors or {},
                           error=error), status


@bp.post("/identificazioni/<attempt_id>/approva")
def approve(attempt_id: str):
    try:
        data = load_form(ApproveForm(), request.form)
        container().review().approve(operator_id=g.operator.id, attempt_id=attempt_id, note=data["note"])
    except FormInvalid as error:
        return _review_page(attempt_id, form=request.form, errors=error.errors, status=422)
    except NotFound:
        abort(404)
    except InvalidTransition:
        return _already_decided(attempt_id)
    except DocumentExpired:  # expired while it waited: only a rejection is possible now (R-ID-5)
        return _review_page(attempt_id, status=409, error=_(
            "Il documento è scaduto mentre l'identificazione era in attesa: non si può approvare. Rifiutala con "
            "il motivo «Documento non valido o non accettato»."))
    flash(_("Identificazione approvata: il cliente riceve un'email di conferma."), "success")
    return redirect(url_for("backoffice.queue"))


@bp.post("/identificazioni/<attempt_id>/rifiuta")
def reject(attempt_id: str):
    try:
        data = load_form(RejectForm(), request.form)
        container().review().reject(operator_id=g.operator.id, attempt_id=attempt_id, reason=data["reason"],
                                    note=data["note"])
    except FormInvalid as error:
        errors = dict(error.errors)
        if "reason" in errors:
            errors["reason"] = _("Scegli il motivo del rifiuto.")
        return _review_page(attempt_id, form=request.form, errors=errors, status=422)
    except NotFound:
        abort(404)
    except InvalidTransition:
        return _already_decided(attempt_id)
    except DomainError as error:  # «Altro» without a note
        return _review_page(attempt_id, form=request.form, errors={"note": message_for(error)},
                            error=message_for(error), status=422)
    flash(_("Identificazione rifiutata: il cliente riceve un'email con il motivo e può ripetere la procedura."),
          "success")
    return redirect(url_for("backoffice.queue"))


def _already_decided(attempt_id: str):
    flash(_("Questa identificazione è già stata decisa: ecco l'esito."), "info")
    return redirect(url_for("backoffice.review", attempt_id=attempt_id))


# --- the files, only to a signed-in operator -------------------------------------------------------
@bp.get("/identificazioni/<attempt_id>/video")
def video(attempt_id: str):
    return _send(attempt_id, "video", "video-selfie")


@bp.get("/identificazioni/<attempt_id>/documento/<int:index>")
def document_file(attempt_id: str, index: int):
    return _send(attempt_id, str(index), f"documento-{index + 1}")


video.talisman_view_options = {"content_security_policy": VIDEO_CSP}  # type: ignore[attr-defined]
document_file.talisman_view_options = {"content_security_policy": DOCUMENT_CSP}  # type: ignore[attr-defined]


def _send(attempt_id: str, which: str, name: str):
    """Stream a stored file; ranges are answered (206) so that the video player can seek."""
    try:
        stream, stored = container().review().open_file(attempt_id, which)
    except NotFound:
        abort(404)
    response = current_app.response_class(wrap_file(request.environ, stream), mimetype=stored.content_type,
                                          direct_passthrough=True)
    response.content_length = stored.size
    response.set_etag(_etag(stored))
    # A server-made name: nothing the customer typed reaches a header.
    response.headers.set("Content-Disposition", disposition(stored), filename=name + stored.suffix)
    try:
        return response.make_conditional(request, accept_ranges=True, complete_length=stored.size)
    except Exception:
        response.close()
        raise


def _etag(stored: StoredFile) -> str:
    # Stored files never change under a key; the key itself stays on the server.
    return hashlib.sha256(stored.key.encode()).hexdigest()[:32]


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

