"""The operators' assistance inbox in the back-office (SPEC §6, R-ASS-1): «Assistenza» with filters by reason,
state and age, oldest first; each request with its time waiting for a first answer counted in service hours
and the ones past the target marked; one request's whole thread (internal notes included, marked as such)
with the forms to answer the customer (emailed through the outbox), add an internal note, take the request
and close it.

Its own blueprint under the back-office's prefix, behind the same guard as the rest of the back-office
(``helpers.operator_guard``). Every action is audited by the use case.
"""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Flask, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from marshmallow import EXCLUDE, Schema, fields, validate

from areaclienti.app.ports.repositories import TicketFilter
from areaclienti.domain.assistance import TEXT_MAX, Author, Reason, TextMissing, TextTooLong, TicketClosed, TicketStatus
from areaclienti.domain.errors import InvalidTransition, NotFound

from .helpers import BACKOFFICE_PREFIX, FILTER_AGES, container, load_filters, operator_pages

bp = Blueprint("assistance_desk", __name__, url_prefix=BACKOFFICE_PREFIX)


operator_pages(bp)  # customers' messages and addresses: never kept by the browser or a proxy


@bp.context_processor
def _helpers() -> dict:
    return {"operator": g.get("operator"), "service_time": service_time, "Author": Author,
            "target": container().assistance_settings().first_answer_target}


def service_time(waited: timedelta) -> str:
    """Service time as an operator reads it: «3 h 20 min lavorative», «45 min lavorative»."""
    minutes = int(waited.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return _("%(h)d h %(m)d min lavorative", h=hours, m=minutes)
    if hours:
        return _("%(h)d h lavorative", h=hours)
    if minutes:
        return _("%(m)d min lavorative", m=minutes)
    return _("meno di 1 min lavorativo")


# --- forms ----------------------------------------------------------------------------------------
class FiltersForm(Schema):
    class Meta:
        unknown = EXCLUDE

    reason = fields.Enum(Reason, by_value=True, load_default=None)
    status = fields.Enum(TicketStatus, by_value=True, load_default=None)
    older_than = fields.Integer(load_default=None, validate=validate.Range(min=1, max=3650))
    mine = fields.String(load_default="", validate=validate.OneOf(["", "yes"]))


def _filters(args) -> tuple[TicketFilter, dict, dict]:
    """The filters of the query string; a value out of place is dropped and said beside its field."""
    data, errors = load_filters(FiltersForm, args)
    before = None
    if data["older_than"] is not None:
        before = container().clock().now() - timedelta(days=data["older_than"])
    where = TicketFilter(reasons=(data["reason"],) if data["reason"] else (),
                         statuses=(data["status"],) if data["status"] else (), created_before=before,
                         assigned_to=g.operator.id if data["mine"] == "yes" else None)
    return where, data, errors


def _operator_names() -> dict[str, str]:
    return {o.id: o.display_name for o in container().operator_access().list()}


# --- pages ----------------------------------------------------------------------------------------
@bp.get("/assistenza")
def inbox():
    where, chosen, errors = _filters(request.args)
    rows = container().assistance_desk().inbox(where)
    return render_template("backoffice/assistance.html", rows=rows, chosen=chosen, errors=errors,
                           reasons=list(Reason), statuses=list(TicketStatus), ages=FILTER_AGES, names=_operator_names())


@bp.get("/assistenza/<number>")
def ticket(number: str):
    return _ticket_page(number)


def _ticket_page(number: str, *, form=None, errors=None, status: int = 200):
    try:
        row = container().assistance_desk().get(number)
    except NotFound:
        abort(404)
    return render_template("backoffice/assistance_ticket.html", row=row, t=row.ticket, form=form or {},
                           errors=errors or {}, text_max=TEXT_MAX, names=_operator_names()), status


def _text_error(error: Exception, field: str) -> str:
    if isinstance(error, TextTooLong):
        length = error.params.get("length", 0)
        return ngettext("Il testo può avere al massimo %(max)d caratteri: ne hai scritto %(num)d.",
                        "Il testo può avere al massimo %(max)d caratteri: ne hai scritti %(num)d.",
                        length, max=TEXT_MAX)
    if field == "answer":
        return _("Scrivi la risposta prima di inviarla.")
    return _("Scrivi la nota prima di salvarla.")


def _write(number: str, field: str):
    """An answer or a note: the text typed comes back with its message when it cannot be kept."""
    text = request.form.get(field) or ""
    desk = container().assistance_desk()
    try:
        if field == "answer":
            desk.answer(g.operator.id, number, text)
        else:
            desk.note(g.operator.id, number, text)
    except NotFound:
        abort(404)
    except (TextMissing, TextTooLong) as error:
        return _ticket_page(number, form=request.form, errors={field: _text_error(error, field)}, status=422)
    except TicketClosed:
        return _ticket_page(number, form=request.form, status=409, errors={field: _(
            "La richiesta è chiusa: non si può più rispondere. Se il cliente ha ancora bisogno, "
            "può aprirne una nuova.")})
    if field == "answer":
        flash(_("Risposta inviata: il cliente la riceve per email con il link alla conversazione."), "success")
    else:
        flash(_("Nota interna salvata: il cliente non la vede."), "success")
    return redirect(url_for("assistance_desk.ticket", number=number, _anchor="thread"))


@bp.post("/assistenza/<number>/rispondi")
def answer(number: str):
    return _write(number, "answer")


@bp.post("/assistenza/<number>/nota")
def note(number: str):
    return _write(number, "note")


@bp.post("/assistenza/<number>/prendi")
def take(number: str):
    try:
        container().assistance_desk().take(g.operator.id, number)
    except NotFound:
        abort(404)
    except InvalidTransition:
        flash(_("La richiesta è chiusa: non si può più prendere in carico."), "info")
    else:
        flash(_("Richiesta presa in carico: ora è assegnata a te."), "success")
    return redirect(url_for("assistance_desk.ticket", number=number))


@bp.post("/assistenza/<number>/chiudi")
def close(number: str):
    try:
        container().assistance_desk().close(g.operator.id, number)
    except NotFound:
        abort(404)
    except InvalidTransition:
        flash(_("La richiesta era già chiusa."), "info")
    else:
        flash(_("Richiesta chiusa."), "success")
    return redirect(url_for("assistance_desk.ticket", number=number))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
