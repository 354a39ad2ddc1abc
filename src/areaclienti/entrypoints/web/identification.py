"""The customer's pages for identification by video selfie (R-ID-1..3, R-ID-5, R-ID-6, R-LEG-3).

preparation -> recorder (video) -> document data -> document files and «conferma invio»
            -> (document update only) SMS code -> «verifica in corso»

Every step carries the attempt's id in its URL and shows only the customer's own open attempt: any other
id, another customer's above all, is answered 404 exactly like an id that never existed.
"""
from __future__ import annotations

from flask import (
    Blueprint,
    Flask,
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge

from areaclienti.app.calendar import italian_day
from areaclienti.app.use_cases.identification import (
    IdentificationStatus,
    SendDocumentFiles,
    Upload,
    document_file_name,
)
from areaclienti.domain.errors import (
    DomainError,
    FileRejected,
    IdentificationAlreadySubmitted,
    IdentificationIncomplete,
    InvalidTransition,
    KeywordChanged,
    NotFound,
    OtpSendRefused,
)
from areaclienti.domain.identification import AttemptStatus, DraftStep, IdentificationAttempt

from .errors import message_for
from .files import DOCUMENT_CSP, DOWNLOAD_LINK_SECONDS, disposition
from .helpers import container, error_page, json_error, render_form, signed_in, signed_out, wants_json
from .helpers import http_status as _status_code  # the one table, shared with the JSON API
from .labels import DOCUMENT_TYPES, REJECTION_REASONS, mask_document_number
from .schemas import CodeSchema, DocumentSchema, FormInvalid, load_form

bp = Blueprint("identification", __name__, url_prefix="/area-clienti/identificazione")

MAX_RECORDING_SECONDS = 30  # long enough for name, document and keyword; the recorder stops by itself
COUNTDOWN_SECONDS = 3
UPLOAD_MARGIN = 512 * 1024  # multipart boundaries and the form's other fields, on top of the files


def _use_case():
    return container().identification()


def _limits():
    return container().upload_limits()


def _customer():
    """For the header (the customer's name, linking to the profile): the newest status read in this
    request already holds it, so no page reads the account twice for it."""
    status = g.get("identification_status") or _status()
    return status.customer


def _status() -> IdentificationStatus:
    g.identification_status = _use_case().status(g.account_id)
    return g.identification_status


def _open_attempt(attempt_id: str) -> tuple[IdentificationStatus, IdentificationAttempt]:
    """The customer's open attempt, if that is the one in the URL; 404 for anything else."""
    status = _status()
    if status.attempt is None or status.attempt.id != attempt_id:
        abort(404)
    return status, status.attempt


def _step_url(attempt: IdentificationAttempt) -> str:
    if attempt.status is AttemptStatus.SUBMITTED:
        return url_for(".status_page")
    if attempt.status is AttemptStatus.AWAITING_CONFIRMATION:
        return url_for(".code", attempt_id=attempt.id)
    step = attempt.next_step
    if step is DraftStep.VIDEO:
        return url_for(".video", attempt_id=attempt.id)
    if step is DraftStep.DOCUMENT:
        return url_for(".document", attempt_id=attempt.id)
    return url_for(".files", attempt_id=attempt.id)


def _upload(name: str) -> Upload | None:
    """The file of one form field; None when the customer chose none (browsers still send an empty part)."""
    file = request.files.get(name)
    if file is None or not file.filename:
        return None
    return Upload(file.stream, file.filename)


def _megabytes(size: int) -> int:
    return max(1, size // (1024 * 1024))


# --- errors common to every step -----------------------------------------------------------------
@bp.errorhandler(IdentificationAlreadySubmitted)
def _already_submitted(error: IdentificationAlreadySubmitted):
    """A second «conferma invio» (double click, another tab), or any change after it: nothing changes."""
    if wants_json():
        return json_error(message_for(error), 409, error.code, next=url_for(".status_page"))
    status = _status()
    if status.attempt is None or status.attempt.status is not AttemptStatus.SUBMITTED:
        return error_page(409, message_for(error))
    return _status_page(status, error=message_for(error), http_status=409)


@bp.errorhandler(NotFound)
def _not_found(error: NotFound):
    message = _("La pagina che cerchi non esiste.")
    if wants_json():
        return json_error(message, 404, "not_found")
    return error_page(404, message)


@bp.errorhandler(DomainError)
def _refused(error: DomainError):
    """Anything a step did not answer itself (a draft dropped in another tab, no mobile for the code)."""
    status = _status_code(error)
    if wants_json():
        return json_error(message_for(error), status, error.code)
    return error_page(status, message_for(error))


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error: RequestEntityTooLarge):
    """The whole request is larger than any acceptable upload: refused before reading it (SPEC §8)."""
    limits = _limits()
    if request.endpoint == "identification.video":
        message = _("Il video supera %(mb)d MB: registrane uno più breve.", mb=_megabytes(limits.max_video_bytes))
    else:
        message = _("I file scelti superano in tutto %(mb)d MB: scegli file più leggeri (al massimo %(each)d MB "
                    "ciascuno).", mb=_megabytes(2 * limits.max_document_bytes),
                    each=_megabytes(limits.max_document_bytes))
    if wants_json():
        return json_error(message, 413, "request_too_large")
    # Refused inside the CSRF check, before the signed-in customer is known: a page without any customer data,
    # with the way back to the step, where nothing was lost.
    return render_template("identification/too_large.html", message=message, back_url=request.path), 413


# --- 1. preparation (R-ID-1) ---------------------------------------------------------------------
@bp.get("")
@signed_in
def prepare():
    try:
        customer = _customer()
    except NotFound:
        return signed_out()
    status = _status()
    return render_template("identification/prepare.html", customer=customer, status=status,
                           rejection_label=REJECTION_REASONS.get(status.last_rejection),
                           resume_url=_step_url(status.attempt) if status.attempt else None,
                           max_seconds=MAX_RECORDING_SECONDS)


@bp.post("/avvia")
@signed_in
def start():
    """«avvia video selfie»: a new attempt with a fresh keyword, or the draft already open."""
    attempt = _use_case().start(g.account_id)
    return redirect(_step_url(attempt), 303)


@bp.get("/prosegui")
@signed_in
def resume():
    """Where the customer stands: the next step of the open attempt, or the preparation page."""
    status = _status()
    return redirect(_step_url(status.attempt) if status.attempt else url_for(".prepare"))


@bp.post("/<attempt_id>/annulla")
@signed_in
def abandon(attempt_id: str):
    """Drop a draft nobody has seen yet, to start again from the beginning."""
    _use_case().abandon(g.account_id, attempt_id)
    flash(_("Hai annullato l'identificazione in corso: puoi ricominciare quando vuoi."), "info")
    return redirect(url_for(".prepare"), 303)


# --- 2. the recorder (R-ID-2) --------------------------------------------------------------------
def _recorder_page(attempt: IdentificationAttempt, *, error: str | None = None, http_status: int = 200):
    limits = _limits()
    return render_template(
        "identification/video.html", customer=_customer(), attempt=attempt, error=error,
        max_seconds=MAX_RECORDING_SECONDS, countdown=COUNTDOWN_SECONDS, max_bytes=limits.max_video_bytes,
        max_mb=_megabytes(limits.max_video_bytes),
    ), http_status


@bp.route("/<attempt_id>/video", methods=["GET", "POST"])
@signed_in
def video(attempt_id: str):
    """GET: the recorder. POST: the recording, from the recorder's script (JSON answer) or from the plain
    form of browsers that cannot record (redirect, or the page again with the message)."""
    status, attempt = _open_attempt(attempt_id)
    if request.method == "GET":
        if attempt.status is AttemptStatus.SUBMITTED:
            return redirect(url_for(".status_page"))
        return _recorder_page(attempt)
    try:
        _use_case().send_video(g.account_id, attempt_id, _upload("video") or Upload(None, ""),  # type: ignore[arg-type]
                               take=_take(request.form.get("take")))
    except (FileRejected, InvalidTransition, IdentificationIncomplete, KeywordChanged) as error:
        if wants_json():
            extra = {"keyword": error.params["keyword"], "take": error.params["take"]} \
                if isinstance(error, KeywordChanged) else {}
            return json_error(message_for(error), _status_code(error), error.code, **extra)
        if isinstance(error, KeywordChanged):  # show the keyword drawn meanwhile, to record it
            fresh = _status().attempt
            attempt = fresh if fresh is not None and fresh.id == attempt_id else attempt
        return _recorder_page(attempt, error=message_for(error), http_status=_status_code(error))
    next_url = url_for(".document", attempt_id=attempt_id)
    if wants_json():
        return jsonify({"next": next_url})
    return redirect(next_url, 303)


def _take(raw: str | None) -> int | None:
    """The take the recorder showed (a hidden field); None when absent, so older pages still send."""
    try:
        return int(raw) if raw else None
    except ValueError:
        return 0  # never a real take: refused as a keyword that changed


@bp.post("/<attempt_id>/nuova-registrazione")
@signed_in
def retake(attempt_id: str):
    """«registra di nuovo»: a new keyword; a video already sent is dropped."""
    try:
        keyword = _use_case().new_take(g.account_id, attempt_id)
    except InvalidTransition as error:
        if wants_json():
            return json_error(message_for(error), 409, error.code)
        raise
    if wants_json():
        attempt = _status().attempt
        return jsonify({"keyword": keyword, "take": attempt.takes if attempt else None})
    flash(_("Nuova registrazione: pronuncia la nuova parola chiave «%(keyword)s».", keyword=keyword), "info")
    return redirect(url_for(".video", attempt_id=attempt_id), 303)


# --- 3. the document's data (R-ID-3) -------------------------------------------------------------
def _document_context(attempt: IdentificationAttempt) -> dict:
    today = italian_day(container().clock().now())
    return {"customer": _customer(), "attempt": attempt, "today": today, "document_types": DOCUMENT_TYPES}


@bp.route("/<attempt_id>/documento", methods=["GET", "POST"])
@signed_in
def document(attempt_id: str):
    status, attempt = _open_attempt(attempt_id)
    if attempt.status is AttemptStatus.SUBMITTED:
        if request.method == "POST":
            raise IdentificationAlreadySubmitted()
        return redirect(url_for(".status_page"))
    if attempt.video is None:
        flash(message_for(IdentificationIncomplete(missing=DraftStep.VIDEO.value)), "info")
        return redirect(url_for(".video", attempt_id=attempt_id))
    if request.method == "GET":
        given = attempt.document
        form = {"document_type": given.type.value, "document_number": given.number,
                "expires_on": given.expires_on.isoformat()} if given else {}
        return render_template("identification/document.html", form=form, errors={}, error=None,
                               **_document_context(attempt))
    try:
        cmd = load_form(DocumentSchema(), request.form, account_id=g.account_id, attempt_id=attempt_id)
        _use_case().give_document(cmd)
    except (NotFound, IdentificationAlreadySubmitted):
        raise
    except (DomainError, FormInvalid) as error:
        status_code = _status_code(error) if isinstance(error, DomainError) else 422
        return render_form("identification/document.html", error, status=status_code,
                            **_document_context(attempt))
    return redirect(url_for(".files", attempt_id=attempt_id), 303)


# --- 4. the document's files and «conferma invio» (R-ID-3) ---------------------------------------
def _files_page(attempt: IdentificationAttempt, *, errors: dict | None = None, error: str | None = None,
                http_status: int = 200, mode: str | None = None):
    limits = _limits()
    return render_template(
        "identification/files.html", customer=_customer(), attempt=attempt, errors=errors or {}, error=error,
        mode=mode or request.form.get("mode") or "both", max_bytes=limits.max_document_bytes,
        max_mb=_megabytes(limits.max_document_bytes), document_types=DOCUMENT_TYPES,
    ), http_status


@bp.route("/<attempt_id>/file", methods=["GET", "POST"])
@signed_in
def files(attempt_id: str):
    status, attempt = _open_attempt(attempt_id)
    if request.method == "GET":
        if attempt.status is AttemptStatus.SUBMITTED:
            return redirect(url_for(".status_page"))
        if attempt.status is AttemptStatus.DRAFT and attempt.next_step in (DraftStep.VIDEO, DraftStep.DOCUMENT):
            return redirect(_step_url(attempt))
        return _files_page(attempt)
    single = request.form.get("mode") == "single"
    front, back = _upload("front"), None if single else _upload("back")
    errors = {}
    if front is None:
        errors["front"] = (_("Scegli il file con il documento (fronte e retro).") if single
                           else _("Scegli il file con il fronte del documento."))
    if not single and back is None:
        errors["back"] = _("Scegli il file con il retro del documento, oppure scegli «un unico file».")
    if errors:
        return _files_page(attempt, errors=errors, error=_("Scegli i file del documento da inviare."),
                           http_status=422)
    try:
        confirmation = _use_case().send_document_files(SendDocumentFiles(g.account_id, attempt_id, front, back))
    except FileRejected as error:
        field = next((name for name, upload in (("front", front), ("back", back))
                      if upload is not None and upload.filename == error.params.get("name")), None)
        if field is None:
            return _files_page(attempt, error=message_for(error), http_status=_status_code(error))
        return _files_page(attempt, errors={field: message_for(error)}, http_status=_status_code(error),
                           error=_("Il documento non è stato inviato: controlla il file indicato e sceglilo di "
                                   "nuovo. I dati del documento restano quelli che hai inserito."))
    except (NotFound, IdentificationAlreadySubmitted):
        raise
    except DomainError as error:  # the document expired meanwhile, a step missing, no mobile for the code
        return _files_page(attempt, error=message_for(error), http_status=_status_code(error))
    if confirmation.submitted:
        flash(_("Abbiamo ricevuto video selfie e documento: un operatore verificherà i dati e ti avviseremo "
                "via email appena la verifica sarà completata."), "success")
        return redirect(url_for(".status_page"), 303)
    return redirect(url_for(".code", attempt_id=attempt_id), 303)


@bp.get("/<attempt_id>/allegati/<int:index>")
@signed_in
def document_file(attempt_id: str, index: int):
    """One image (or PDF) of the customer's own document; 404 for anyone else's (SPEC §8: uploads). The
    video is never served back to the customer: only operators see it. A PDF in an object store is a
    short-lived link signed for it; an image is the page's preview (its CSP loads images from here only),
    streamed here like anything on the disk."""
    link, stored = _use_case().file_link(g.account_id, attempt_id, index, seconds=DOWNLOAD_LINK_SECONDS)
    if link and disposition(stored) == "attachment":
        response = redirect(link, 303)
        response.headers["Cache-Control"] = "private, no-store"
        return response
    stream, stored = _use_case().open_file(g.account_id, attempt_id, index)
    response = send_file(stream, mimetype=stored.content_type, conditional=False, etag=False, max_age=0,
                         as_attachment=disposition(stored) == "attachment",
                         download_name=document_file_name(index, stored))
    response.headers["Cache-Control"] = "private, no-store"
    return response


document_file.talisman_view_options = {"content_security_policy": DOCUMENT_CSP}  # type: ignore[attr-defined]


# --- 5. the SMS code of a document update (R-ID-6) -----------------------------------------------
@bp.route("/<attempt_id>/codice", methods=["GET", "POST"])
@signed_in
def code(attempt_id: str):
    status, attempt = _open_attempt(attempt_id)
    if attempt.status is not AttemptStatus.AWAITING_CONFIRMATION:
        return redirect(_step_url(attempt))
    context = {"customer": _customer(), "attempt": attempt, "masked_mobile": status.mobile_masked,
               "resend_url": url_for(".resend_code", attempt_id=attempt_id)}
    if request.method == "GET":
        return render_template("identification/code.html", form={}, errors={}, error=None, **context)
    try:
        cmd = load_form(CodeSchema(), request.form)
        _use_case().confirm_with_code(g.account_id, attempt_id, cmd.code)
    except (NotFound, IdentificationAlreadySubmitted):
        raise
    except (DomainError, FormInvalid) as error:
        status_code = _status_code(error) if isinstance(error, DomainError) else 422
        return render_form("identification/code.html", error, status=status_code, **context)
    flash(_("Codice verificato: abbiamo ricevuto il nuovo documento. Un operatore lo verificherà e ti avviseremo "
            "via email; fino ad allora resta valido il documento registrato."), "success")
    return redirect(url_for(".status_page"), 303)


@bp.post("/<attempt_id>/codice/nuovo")
@signed_in
def resend_code(attempt_id: str):
    try:
        _use_case().resend_code(g.account_id, attempt_id)
    except (OtpSendRefused, InvalidTransition) as error:
        flash(message_for(error), "error")
    else:
        flash(_("Ti abbiamo inviato un nuovo codice: quello precedente non è più valido."), "info")
    return redirect(url_for(".code", attempt_id=attempt_id), 303)


# --- 6. «verifica in corso» ----------------------------------------------------------------------
def _status_page(status: IdentificationStatus, *, error: str | None = None, http_status: int = 200):
    return render_template("identification/status.html", customer=_customer(), status=status,
                           attempt=status.attempt, error=error, document_types=DOCUMENT_TYPES), http_status


@bp.get("/verifica")
@signed_in
def status_page():
    status = _status()
    if status.attempt is None:
        return redirect(url_for(".prepare"))
    if status.attempt.status is not AttemptStatus.SUBMITTED:
        return redirect(_step_url(status.attempt))
    return _status_page(status)


# --- wiring --------------------------------------------------------------------------------------
UPLOAD_ENDPOINTS = ("identification.video", "identification.files")


def _raise_upload_limit() -> None:
    """The site accepts 1 MB per request; the two upload steps accept what UploadLimits allows, plus the
    form around it. It runs before CSRFProtect's hook, which reads the form and so applies the limit."""
    if request.endpoint not in UPLOAD_ENDPOINTS or request.method != "POST":
        return
    limits = _limits()
    if request.endpoint == "identification.video":
        request.max_content_length = limits.max_video_bytes + UPLOAD_MARGIN
    else:
        request.max_content_length = 2 * limits.max_document_bytes + UPLOAD_MARGIN


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    # Application hooks run before blueprint hooks, and CSRFProtect's was added first: go before it.
    app.before_request_funcs.setdefault(None, []).insert(0, _raise_upload_limit)
    app.add_template_filter(mask_document_number, "masked_document")
    app.add_template_global(DOCUMENT_TYPES, "DOCUMENT_TYPES")
