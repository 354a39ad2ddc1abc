"""The operators' requests desk in the back-office (R-DISP-Q): «Richieste» with filters, one request with its
timeline and questionnaire answers (the flagged ones highlighted), the decision on a request «in verifica»,
the IBAN shown masked unless asked for, and the hand-offs to the core system that died, with «riprova».

Its own blueprint under the back-office's prefix, so the operators' session realm and error pages are
its own; the same guard as the rest of the back-office (``helpers.operator_guard``) lets only a
signed-in operator in. Every action is audited by the use case.
"""
from __future__ import annotations

from flask import Blueprint, Flask, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, fields, validate

from areaclienti.app.use_cases.desk import DeskFilters
from areaclienti.domain.errors import InvalidTransition, NotFound
from areaclienti.domain.questionnaires import AnswerType, Flag
from areaclienti.domain.requests import RequestKind, RequestStatus

from .helpers import BACKOFFICE_PREFIX, FILTER_AGES, container, load_filters, operator_pages
from .schemas import FormInvalid, load_form

bp = Blueprint("desk", __name__, url_prefix=BACKOFFICE_PREFIX)

REASON_MAX = 1000
FLAG_LABELS = {
    Flag.POLITICALLY_EXPOSED: _l("Persona politicamente esposta"),
    Flag.US_PERSON: _l("Soggetto statunitense (FATCA)"),
    Flag.SANCTIONS_LINK: _l("Legami con paesi o soggetti sanzionati"),
    Flag.HIGH_RISK_FUNDS: _l("Fondi da un paese ad alto rischio"),
}
# Operators read every status, the two of the review included.
STATUS_LABELS = {
    RequestStatus.SUBMITTED: _l("Inviata"),
    RequestStatus.AWAITING_PAYMENT: _l("In attesa del pagamento"),
    RequestStatus.PAID: _l("Pagata"),
    RequestStatus.PAYMENT_REFUSED: _l("Pagamento non riuscito"),
    RequestStatus.PAYMENT_ABANDONED: _l("Pagamento annullato"),
    RequestStatus.UNDER_REVIEW: _l("In verifica"),
    RequestStatus.RELEASED: _l("Sbloccata dall'operatore"),
    RequestStatus.HANDED_OVER: _l("Trasmessa alla compagnia"),
    RequestStatus.TAKEN_IN_CHARGE: _l("Presa in carico"),
    RequestStatus.COMPLETED: _l("Completata"),
    RequestStatus.REJECTED: _l("Respinta"),
    RequestStatus.WITHDRAWN: _l("Ritirata dal cliente"),
}


operator_pages(bp)  # customers' answers and bank details: never kept by the browser or a proxy


@bp.context_processor
def _helpers() -> dict:
    return {"operator": g.get("operator"), "status_label": status_label, "flag_label": flag_label,
            "answer_label": answer_label, "AnswerType": AnswerType}


def status_label(status: RequestStatus) -> str:
    return str(STATUS_LABELS[status])


def flag_label(value: str) -> str:
    try:
        return str(FLAG_LABELS[Flag(value)])
    except ValueError:
        return value


def answer_label(answer) -> str:
    """An answer as the customer chose it: «Sì»/«No», an option's Italian label, or the text typed."""
    question, value = answer.question, answer.value
    if question.type is AnswerType.YES_NO:
        return _("Sì") if value == "yes" else _("No") if value == "no" else value
    if question.type is AnswerType.CHOICE:
        return next((label for v, label in question.options if v == value), value)
    return value


# --- forms ----------------------------------------------------------------------------------------
class FiltersForm(Schema):
    class Meta:
        unknown = EXCLUDE

    kind = fields.Enum(RequestKind, by_value=True, load_default=None)
    status = fields.Enum(RequestStatus, by_value=True, load_default=None)
    flagged = fields.String(load_default="", validate=validate.OneOf(["", "yes", "no"]))
    older_than = fields.Integer(load_default=None, validate=validate.Range(min=1, max=3650))
    order = fields.String(load_default="newest", validate=validate.OneOf(["newest", "oldest"]))


class RejectForm(Schema):
    class Meta:
        unknown = EXCLUDE

    reason = fields.String(required=True, validate=validate.Length(min=1, max=REASON_MAX))


def _filters(args) -> tuple[DeskFilters, dict, dict]:
    """The filters of the query string; a value out of place is dropped and said beside its field."""
    data, errors = load_filters(FiltersForm, args)
    flagged = {"yes": True, "no": False}.get(data["flagged"])
    filters = DeskFilters(kinds=(data["kind"],) if data["kind"] else (),
                          statuses=(data["status"],) if data["status"] else (), flagged=flagged,
                          older_than_days=data["older_than"], oldest_first=data["order"] == "oldest")
    return filters, data, errors


# --- pages ----------------------------------------------------------------------------------------
@bp.get("/richieste")
def requests_list():
    filters, chosen, errors = _filters(request.args)
    rows = container().requests_desk().list(filters)
    return render_template("backoffice/requests.html", rows=rows, chosen=chosen, errors=errors,
                           kinds=list(RequestKind), statuses=list(RequestStatus), ages=FILTER_AGES)


@bp.get("/richieste/<number>")
def request_detail(number: str):
    return _detail_page(number)


def _detail_page(number: str, *, iban: str | None = None, form=None, errors=None, status: int = 200):
    try:
        detail = container().requests_desk().detail(number)
    except NotFound:
        abort(404)
    return render_template("backoffice/request.html", detail=detail, r=detail.request, iban=iban,
                           form=form or {}, errors=errors or {}, reason_max=REASON_MAX), status


@bp.post("/richieste/<number>/iban")
def reveal_iban(number: str):
    try:
        iban = container().requests_desk().reveal_iban(g.operator.id, number)
    except NotFound:
        abort(404)
    return _detail_page(number, iban=iban)  # shown on this page only, never kept in the session


@bp.post("/richieste/<number>/sblocca")
def release(number: str):
    try:
        container().requests_desk().release(g.operator.id, number)
    except NotFound:
        abort(404)
    except InvalidTransition:
        return _already_decided(number)
    flash(_("Richiesta sbloccata: viene trasmessa alla compagnia."), "success")
    return redirect(url_for("desk.request_detail", number=number))


@bp.post("/richieste/<number>/respingi")
def reject(number: str):
    reason = (request.form.get("reason") or "").strip()
    try:
        data = load_form(RejectForm(), {"reason": reason})
        container().requests_desk().reject(g.operator.id, number, data["reason"])
    except FormInvalid:
        message = (_("Il motivo può avere al massimo %(n)d caratteri.", n=REASON_MAX) if reason else
                   _("Scrivi il motivo del rifiuto: il cliente lo legge nella sua richiesta."))
        return _detail_page(number, form=request.form, errors={"reason": message}, status=422)
    except NotFound:
        abort(404)
    except InvalidTransition:
        return _already_decided(number)
    flash(_("Richiesta respinta: il cliente riceve un'email con il motivo."), "success")
    return redirect(url_for("desk.request_detail", number=number))


def _already_decided(number: str):
    flash(_("Questa richiesta non è più in verifica: ecco a che punto è."), "info")
    return redirect(url_for("desk.request_detail", number=number))


@bp.get("/trasmissioni")
def hand_offs():
    return render_template("backoffice/hand_offs.html", items=container().requests_desk().dead_hand_offs())


@bp.post("/trasmissioni/<item_id>/riprova")
def retry(item_id: str):
    if container().requests_desk().retry_hand_off(g.operator.id, item_id):
        flash(_("Nuovi tentativi di trasmissione avviati: la richiesta parte entro pochi minuti."), "success")
    else:
        flash(_("Questa trasmissione non è più tra quelle non riuscite (forse già ripresa da un collega)."), "info")
    return redirect(url_for("desk.hand_offs"))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
