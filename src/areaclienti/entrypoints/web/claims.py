"""Claims on the customer site (R-DISP-CLAIM): the report with its documents and photos, and documents added
to a claim already sent («integra documenti»).

Files go through the one upload pipeline as soon as they are picked: the page's script
(static/js/claim_uploads.js) sends each to the staging endpoint with its progress bar, lists it with «rimuovi»,
and ticks off the checklist; the report then names the staged files. Without the script the same form posts
the files with the report (or with «integra documenti»), and they are staged here first, then sent.
"""
from __future__ import annotations

import functools

import re
from datetime import date

from flask import Blueprint, Flask, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wsgi import wrap_file

from areaclienti.app.uploads import Upload
from areaclienti.app.use_cases.claims import ClaimForm, ReportClaim, download_name
from areaclienti.domain.claims import DocumentKind, documents_for
from areaclienti.domain.errors import (
    ClaimIncomplete,
    DomainError,
    FunctionNotAvailable,
    NotFound,
    QuestionnairesInvalid,
)
from areaclienti.domain.products import DispositiveFunction
from areaclienti.domain.questionnaires import QuestionnaireOutdated

from . import questionnaire_form
from .errors import message_for, refusal_message
from .files import DOCUMENT_CSP, DOWNLOAD_LINK_SECONDS
from .helpers import container, error_page, http_status, json_error, signed_in, wants_json

bp = Blueprint("claims", __name__)

CLAIM = "/area-clienti/polizze/<number>/sinistro"
STAGE = CLAIM + "/file"
FILE = "/area-clienti/sinistri/file/<attachment_id>"
ADD_DOCUMENTS = "/area-clienti/richieste/<number>/documenti"
UPLOAD_MARGIN = 512 * 1024  # multipart boundaries and the form's other fields, on top of the files
HOUR = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
# ClaimIncomplete's ``missing`` -> the field the page shows it beside
MISSING_FIELD = {"event_date": "event_date", "description": "description", "iban_holder": "iban_holder",
                 "too_long": "description", "files": "files", "document": "files"}


def _not_found():
    if wants_json():
        return json_error(_("La pagina che cerchi non esiste."), 404, "not_found")
    return error_page(404, _("La pagina che cerchi non esiste."))


def _claims():
    return container().claims()


def _refused(error: FunctionNotAvailable):
    message = refusal_message(error.params.get("refusal"), error.params.get("live_from"), error.params.get("gate"))
    if wants_json():
        return json_error(message, 403, error.code)
    return error_page(403, message)


# --- the form ----------------------------------------------------------------------------------------------
def _page(claim: ClaimForm, form, errors: dict[str, str] | None = None, error: str | None = None,
          status: int = 200, key: str | None = None, outdated: set[str] | None = None):
    limits = container().upload_limits()
    checklists = {kind.value: [(item.document.value, item.required) for item in items]
                  for kind, items in claim.checklists.items()}
    context = dict(
        claim=claim, policy=claim.detail.policy, customer=claim.detail.customer, form=form, errors=errors or {},
        error=error, idempotency_key=key or form.get("idempotency_key") or container().secrets().token(),
        checklists=checklists, documents=list(DocumentKind), max_mb=limits.max_document_bytes // (1024 * 1024),
        claim_documents=documents_for(claim.detail.policy.product.code),
        staged_documents=sorted({a.document for a in claim.staged}),
    )
    if claim.is_vita:
        context.update(questionnaires=questionnaire_form.definitions(), countries=questionnaire_form.countries(),
                       qform=questionnaire_form, is_company=claim.detail.customer.is_company,
                       given_on=questionnaire_form.given_on(claim.last_answers),
                       outdated=questionnaire_form.outdated(claim.last_answers) | (outdated or set()))
    return render_template("claims/form.html", **context), status


def _form(number: str) -> ClaimForm:
    return _claims().form(g.account_id, number)


def _with_claim_form(view):
    """The view gets the policy's claim form; another customer's policy answers 404, a claim not allowed
    today the reason (403)."""

    @functools.wraps(view)
    def wrapper(number: str, **kwargs):
        try:
            claim = _form(number)
        except NotFound:
            return _not_found()
        except FunctionNotAvailable as refused:
            return _refused(refused)
        return view(number, claim, **kwargs)

    return wrapper


@bp.get(CLAIM)
@signed_in
@_with_claim_form
def form(number: str, claim: ClaimForm):
    values: dict[str, str] = {}
    if claim.is_vita:
        values = {**questionnaire_form.prefilled(claim.last_answers), "iban_holder": claim.detail.customer.display_name}
    if len(claim.kinds) == 1:
        values["kind"] = claim.kinds[0].value
    return _page(claim, values)


def _stage_posted(number: str, field: str = "files") -> tuple[list[str], list[str]]:
    """The files posted with the form (a page without the script): staged one by one, each refusal said."""
    staged: list[str] = []
    refusals: list[str] = []
    document = request.form.get("document") or DocumentKind.OTHER.value
    for file in request.files.getlist(field):
        if not file or not file.filename:
            continue
        try:
            staged.append(_claims().stage(g.account_id, Upload(file.stream, file.filename), document,
                                          policy_number=number).id)
        except DomainError as refused:
            refusals.append(message_for(refused))
    return staged, refusals


def _event_date(raw: str | None) -> date | None:
    try:
        return date.fromisoformat((raw or "").strip())
    except ValueError:
        return None


@bp.post(CLAIM)
@signed_in
@_with_claim_form
def report(number: str, claim: ClaimForm):
    key = (request.form.get("idempotency_key") or "").strip()[:100]
    new_ids, refusals = _stage_posted(claim.detail.policy.number)
    errors: dict[str, str] = {}
    if refusals:
        errors["files"] = " ".join(refusals)
    hour = (request.form.get("event_time") or "").strip()
    if hour and not HOUR.match(hour):
        errors["event_time"] = _("Scrivi l'ora come hh:mm, per esempio 18:40.")
    raw_date = (request.form.get("event_date") or "").strip()
    event_date = _event_date(raw_date)
    if raw_date and event_date is None:
        errors["event_date"] = _("La data non è valida: scegli il giorno dal calendario oppure scrivila come "
                                 "gg/mm/aaaa.")
    if errors or not key:
        return _page(_form(number), request.form, errors, status=422, key=key or None)
    ids = [*request.form.getlist("attachments"), *new_ids]
    counterparty = {k: request.form.get(f"counterparty_{k}", "") for k in ("name", "plate", "insurer")}
    try:
        sent = _claims().report(ReportClaim(
            account_id=g.account_id, policy_number=claim.detail.policy.number, kind=request.form.get("kind", ""),
            event_date=event_date, description=request.form.get("description", ""), idempotency_key=key,
            attachment_ids=ids, event_time=hour or None, place=request.form.get("place", ""),
            counterparty=counterparty, cai_signed=bool(request.form.get("cai_signed")),
            iban=request.form.get("iban") if claim.is_vita else None,
            iban_holder=request.form.get("iban_holder") if claim.is_vita else None,
            questionnaires=questionnaire_form.posted(request.form) if claim.is_vita else None))
    except NotFound:
        return _not_found()
    except FunctionNotAvailable as refused:
        return _refused(refused)
    except QuestionnairesInvalid as invalid:
        errors = questionnaire_form.problems(invalid.params.get("problems") or {}, request.form)
        return _page(_form(number), request.form, errors, message_for(invalid), http_status(invalid), key)
    except QuestionnaireOutdated as outdated:
        return _page(_form(number), request.form, {}, _("Il questionario è stato aggiornato: rivedi le risposte"),
                     http_status(outdated), key, {outdated.params.get("questionnaire") or ""})
    except DomainError as refused:
        field = refused.field
        if isinstance(refused, ClaimIncomplete):
            field = MISSING_FIELD.get(refused.params.get("missing") or "")
        errors = {field: message_for(refused)} if field else {}
        return _page(_form(number), request.form, errors, None if field else message_for(refused),
                     http_status(refused), key)
    return redirect(url_for("requests.detail", number=sent.number), 303)


# --- the files, one at a time (the page's script) ----------------------------------------------------------
def _described(attachment) -> dict:
    return {"id": attachment.id, "name": attachment.name, "document": attachment.document,
            "size": attachment.file.size, "content_type": attachment.file.content_type,
            "remove_url": url_for("claims.discard", attachment_id=attachment.id),
            "download_url": url_for("claims.download", attachment_id=attachment.id)}


@bp.post(STAGE)
@signed_in
def stage(number: str):
    try:  # the same gate as the report: a customer who may not report a claim keeps no file for one
        container().policy_requests().allowed(g.account_id, number, DispositiveFunction.CLAIM)
    except NotFound:
        return _not_found()
    except FunctionNotAvailable as refused:
        return _refused(refused)
    file = request.files.get("file")
    upload = Upload(file.stream, file.filename or "") if file and file.filename else None
    try:
        attachment = _claims().stage(g.account_id, upload, request.form.get("document", ""), policy_number=number)
    except DomainError as refused:
        if wants_json():
            return json_error(message_for(refused), http_status(refused), refused.code)
        flash(message_for(refused), "error")
        return redirect(url_for("claims.form", number=number), 303)
    if wants_json():
        return _described(attachment), 201
    return redirect(url_for("claims.form", number=number), 303)


@bp.route(FILE, methods=["DELETE"])
@signed_in
def discard(attachment_id: str):
    try:
        _claims().discard(g.account_id, attachment_id)
    except NotFound:
        return _not_found()
    return "", 204


@bp.post(CLAIM + "/file/<attachment_id>/rimuovi")
@signed_in
def discard_and_stay(number: str, attachment_id: str):
    """«rimuovi» without the script: the whole form comes along, and comes back with everything typed."""
    try:
        _claims().discard(g.account_id, attachment_id)
    except NotFound:
        return _not_found()
    return _with_claim_form(lambda _number, claim: _page(claim, request.form))(number)


@bp.get(FILE)
@signed_in
def download(attachment_id: str):
    """One of the customer's own files, always as a download (nosniff is on for every answer): from an
    object store, a short-lived link signed for it; from the disk, streamed here."""
    try:
        link, attachment = _claims().file_link(g.account_id, attachment_id, seconds=DOWNLOAD_LINK_SECONDS)
        if link:
            response = redirect(link, 303)
            response.headers["Cache-Control"] = "private, no-store"
            return response
        stream, attachment = _claims().open_file(g.account_id, attachment_id)
    except NotFound:
        return _not_found()
    stored = attachment.file
    response = current_app.response_class(wrap_file(request.environ, stream), mimetype=stored.content_type,
                                          direct_passthrough=True)
    response.content_length = stored.size
    response.headers.set("Content-Disposition", "attachment", filename=download_name(attachment))
    response.headers["Cache-Control"] = "private, no-store"
    return response


download.talisman_view_options = {"content_security_policy": DOCUMENT_CSP}  # type: ignore[attr-defined]


# --- «integra documenti» -----------------------------------------------------------------------------------
@bp.post(ADD_DOCUMENTS)
@signed_in
def add_documents(number: str):
    try:
        found = container().policy_requests().get(g.account_id, number)
    except NotFound:
        return _not_found()
    new_ids, refusals = _stage_posted(found.policy_number)
    ids = [*request.form.getlist("attachments"), *new_ids]
    for refusal in refusals:
        flash(refusal, "error")
    if ids:
        try:
            _claims().add_documents(g.account_id, found.number, ids)
        except NotFound:
            return _not_found()
        except DomainError as refused:
            flash(message_for(refused), "error")
        else:
            flash(_("Documenti aggiunti alla denuncia: li inoltriamo alla compagnia."), "success")
    elif not refusals:
        flash(message_for(ClaimIncomplete(missing="files")), "error")
    return redirect(url_for("requests.detail", number=found.number), 303)


# --- wiring ------------------------------------------------------------------------------------------------
UPLOADING = ("claims.stage", "claims.report", "claims.add_documents", "claims.discard_and_stay")


def _raise_upload_limit() -> None:
    """The site accepts 1 MB per request; staging takes one file, the forms without the script every file a
    claim may have. It runs before CSRFProtect's hook, which reads the form and so applies the limit."""
    if request.endpoint not in UPLOADING or request.method != "POST":
        return
    limits = container().upload_limits()
    files = 1 if request.endpoint == "claims.stage" else container().claims().max_files
    request.max_content_length = files * limits.max_document_bytes + UPLOAD_MARGIN


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error: RequestEntityTooLarge):
    mb = container().upload_limits().max_document_bytes // (1024 * 1024)
    message = _("Il file supera %(mb)d MB: scegline uno più leggero.", mb=mb)
    if wants_json():
        return json_error(message, 413, "request_too_large")
    return error_page(413, message)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    # Application hooks run before blueprint hooks, and CSRFProtect's was added first: go before it.
    app.before_request_funcs.setdefault(None, []).insert(0, _raise_upload_limit)

