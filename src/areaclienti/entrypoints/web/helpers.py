"""What the blueprints of the site share, so that no blueprint ever imports another.

Belongs here what a second blueprint or a second customer journey needs from the first: the container,
the guards that ask for a signed-in customer, a form page shown again with its errors, the choice between
a JSON and an HTML answer (with the one JSON error body), the customer site's error page, and the one
table from broken rule to HTTP status, for pages and JSON API alike. What only one blueprint uses stays in
that blueprint; messages stay in ``errors``. This module imports no blueprint, and no blueprint imports
another (import-linter contracts in pyproject.toml, checked by tests/unit/test_architecture.py).
"""
from __future__ import annotations

from datetime import datetime
from functools import wraps

from flask import Blueprint, current_app, flash, g, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from areaclienti.app.use_cases.login import NewSession, SignedIn
from areaclienti.domain.errors import (
    DomainError,
    FileTooLarge,
    FileTypeNotAllowed,
    FlowExpired,
    FunctionNotAvailable,
    IdentificationAlreadySubmitted,
    IdentificationIncomplete,
    IdentificationNotAllowed,
    InvalidCredentials,
    InvalidTransition,
    KeywordChanged,
    LinkInvalid,
    NotFound,
    OtpSendRefused,
    PaymentServiceUnavailable,
    ReceiptAlreadyInPayment,
    SessionInUse,
    TemporarilyLocked,
)
from areaclienti.domain.questionnaires import QuestionnaireOutdated

from .api_errors import api_error_body
from .errors import message_for
from .schemas import FormInvalid, load_form
from .sessions import OPERATOR

# The one table from broken rule to HTTP status, for the pages and the JSON API alike; any other rule is a 422.
HTTP_STATUS: tuple[tuple[type[DomainError], int], ...] = (
    (InvalidCredentials, 401),
    (FunctionNotAvailable, 403),
    (NotFound, 404),
    (IdentificationAlreadySubmitted, 409),
    (InvalidTransition, 409),
    (KeywordChanged, 409),
    (IdentificationIncomplete, 409),
    (IdentificationNotAllowed, 409),
    (ReceiptAlreadyInPayment, 409),
    (SessionInUse, 409),  # the one in use ends by logging out
    (QuestionnaireOutdated, 409),  # the definition changed under the customer: reload it, answer again
    (FlowExpired, 410),
    (LinkInvalid, 410),
    (FileTooLarge, 413),
    (FileTypeNotAllowed, 415),
    (TemporarilyLocked, 429),
    (OtpSendRefused, 429),
    (PaymentServiceUnavailable, 503),
)


def http_status(error: DomainError | type[DomainError]) -> int:
    """The HTTP status of a broken rule (an error or its class)."""
    kind = error if isinstance(error, type) else type(error)
    return next((status for rule, status in HTTP_STATUS if issubclass(kind, rule)), 422)


def container():
    """The composition root this app was built with."""
    return current_app.extensions["areaclienti.container"]


# --- JSON or HTML ---------------------------------------------------------------------------------
def wants_json() -> bool:
    """The JSON API's paths, and scripts of the pages that ask for JSON (Accept: application/json)."""
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def json_error(message: str, status: int, code: str = "error", **extra):
    """An error for a script of the pages, in the API's one error body (``api_error_body``)."""
    response = jsonify(api_error_body(code, message, **extra))
    response.status_code = status
    return response


def error_page(status: int, message: str, **context):
    """The customer site's error page (the back-office has its own)."""
    return render_template("error.html", status=status, message=message, **context), status


# --- forms ----------------------------------------------------------------------------------------
def render_form(template: str, error: DomainError | FormInvalid | None = None, status: int = 200, **context):
    """The form page again, with what the customer typed and the message of each field at fault.

    A broken rule that names a field is shown beside it, any other above the form. Without a ``status``
    an error answers 422.
    """
    errors: dict[str, str] = {}
    general = None
    if isinstance(error, FormInvalid):
        errors = error.errors
    elif isinstance(error, DomainError):
        if error.field:
            errors[error.field] = message_for(error)
        else:
            general = message_for(error)
    if error is not None and status == 200:
        status = 422
    return render_template(template, form=request.form, errors=errors, error=general, **context), status


def posted_idempotency_key() -> str | None:
    """The key a review page put in its «conferma» form; None when the form did not come from it."""
    key = (request.form.get("idempotency_key") or "").strip()
    return key if key and len(key) <= 100 else None


def draft(kind: str, number: str) -> dict | None:
    """What the customer typed on a policy's form of ``kind``, kept in the server-side session so that going
    back from the review shows it again."""
    return (session.get(kind) or {}).get(number)


def keep_draft(kind: str, number: str, values: dict | None) -> None:
    """Keep (or, with None, forget) the draft of a policy's form of ``kind``."""
    drafts = dict(session.get(kind) or {})
    if values is None:
        drafts.pop(number, None)
    else:
        drafts[number] = values
    session[kind] = drafts


# --- who is signed in -----------------------------------------------------------------------------
def login_required(view):
    """A customer's page: anybody else goes to the login, and comes back here after it."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not g.get("account_id"):
            flash(_("Accedi per continuare."), "info")
            return redirect(url_for("customer.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapped


def signed_in(view):
    """login_required, but a script (Accept: application/json) gets a 401 it can read, not a login page."""
    guarded = login_required(view)

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not g.get("account_id") and wants_json():
            return json_error(_("La sessione è scaduta: accedi di nuovo e riprova."), 401, "login_required")
        return guarded(*args, **kwargs)

    return wrapped


def signed_out():
    """The signed-in account is gone (deleted meanwhile): end the session, back to the login."""
    session.clear()
    session.rotate(None)
    return redirect(url_for("customer.login"))


def new_session(account_id: str | None = None) -> None:
    """A new session id for whoever signs in or out (None), keeping only the chosen language."""
    keep = _kept_across_sign_in()
    session.clear()
    session.update(keep)
    session.rotate(account_id)


def _kept_across_sign_in() -> dict:
    return {k: v for k, v in session.items() if k == "lang"}


def session_for_login() -> NewSession:
    """The session a login starts in place of this one (a new id, keeping only the chosen language): the
    login use case stores it in the transaction that records the login; then ``adopt_login``."""
    return session.successor(_kept_across_sign_in())


def adopt_login(signed: SignedIn) -> None:
    """Carry on as the session the login started: the response sets its cookie."""
    session.adopt(signed.session_id, signed.account_id, _kept_across_sign_in())


# --- the back-office's operators ------------------------------------------------------------------
BACKOFFICE_PREFIX = "/backoffice"  # every back-office blueprint lives under it: the operators' session realm
OPERATOR_SIGNED_IN = "operator_id"
OPERATOR_FACTOR = "operator_factor"  # the enrolment of the second factor the session was signed in with


FILTER_AGES = (1, 3, 7, 30)  # the «più vecchie di» choices of the back-office lists' filters, in days


def load_filters(schema: type, args) -> tuple[dict, dict[str, str]]:
    """The filters of a back-office list's query string, loaded with a new ``schema``: a value out of place
    is dropped (its field takes its default) and said beside its field."""
    values = {k: v for k, v in args.items() if v != ""}
    try:
        return load_form(schema(), values), {}
    except FormInvalid as error:
        errors = {k: _("Valore non valido: ignorato.") for k in error.errors}
        return load_form(schema(), {k: v for k, v in values.items() if k not in error.errors}), errors


def operator_factor(operator) -> str:
    return operator.enrolled_at.isoformat() if operator.enrolled_at else ""


def _same_factor(stored, operator) -> bool:
    """The instants, not their spelling: databases give the time back in their own time zone."""
    if not isinstance(stored, str) or not stored or operator.enrolled_at is None:
        return False
    try:
        return datetime.fromisoformat(stored) == operator.enrolled_at
    except ValueError:
        return False


def operator_guard(*, public: bool):
    """The ``before_request`` of every back-office blueprint: ``g.operator`` is the signed-in operator,
    looked up again on each request (one disabled, or whose second factor was reset, is out at once);
    anybody else sees only the sign-in (``public`` pages excepted)."""
    g.operator = None
    operator_id = session.get(OPERATOR_SIGNED_IN) if getattr(session, "realm", None) == OPERATOR else None
    thrown_out = False
    if operator_id:
        g.operator = container().operator_access().signed_in(operator_id)
        if g.operator is not None and not _same_factor(session.get(OPERATOR_FACTOR), g.operator):
            g.operator = None  # signed in with a second factor reset since (and maybe enrolled again)
        if g.operator is None:  # disabled, removed or second factor reset since the sign-in
            new_session()
            thrown_out = True
    if public or g.operator is not None:
        return None
    if thrown_out:
        flash(_("Il tuo accesso al back-office non è più valido: accedi di nuovo."), "info")
    else:
        flash(_("Accedi al back-office per continuare."), "info")
    return redirect(url_for("backoffice.login"))


def operator_pages(bp: Blueprint, *, public: frozenset[str] = frozenset()) -> None:
    """Every page of back-office blueprint ``bp`` behind ``operator_guard`` (the endpoints in ``public`` open to
    anybody too), and none kept by the browser or a proxy: they show customers' personal data."""
    @bp.before_request
    def _operator():
        return operator_guard(public=request.endpoint in public)

    @bp.after_request
    def _private(response):
        response.headers["Cache-Control"] = "private, no-store"
        return response
