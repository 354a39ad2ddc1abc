"""Policy requests on the customer site (SPEC §4): paying open premium receipts, «Le mie richieste», a request's
page and its PDF receipt, the payment provider's return page and its signed notifications.

Paying goes: choose receipts and method (GET, nothing stored) → review (GET: a fresh idempotency key is put in
the form) → «conferma» (POST) → the provider's page for card and SEPA, or the bank details for a transfer. The
return page only shows where the request stands: the signed notification (``POST /pagamenti/notifiche``) is the
only thing that marks a payment paid.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import wraps

from flask import Blueprint, Flask, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from areaclienti.app.calendar import italian_day
from areaclienti.app.ports.documents import ReceiptDocument
from areaclienti.app.ports.payments import InvalidNotification
from areaclienti.app.use_cases.requests import PayAdditional, PayReceipts, PolicyFunctions
from areaclienti.domain.claims import ClaimKind, DocumentKind, documents_for, missing_documents
from areaclienti.domain.errors import (
    AmountOutOfRange,
    DomainError,
    FunctionNotAvailable,
    NotFound,
    PaymentMethodNotAllowed,
    QuestionnairesInvalid,
    ReceiptsInvalid,
)
from areaclienti.domain.policies import Company
from areaclienti.domain.products import DispositiveFunction, PaymentMethod
from areaclienti.domain.questionnaires import QuestionnaireOutdated
from areaclienti.domain.requests import WITHDRAWABLE, PolicyRequest, RequestKind, RequestStatus

from . import personal_data_form, questionnaire_form
from .errors import amount_problem, message_for, refusal_message, typed_amount
from .helpers import (
    container,
    draft,
    error_page,
    http_status,
    keep_draft,
    login_required,
    posted_idempotency_key,
    signed_out,
)
from .labels import (
    COMPANY_NAMES,
    PAYMENT_METHODS,
    REQUEST_KINDS,
    REQUEST_STATUSES,
    euro,
    long_date,
    mask_iban,
    percent,
    rome_datetime,
)

bp = Blueprint("requests", __name__)

PAY = "/area-clienti/polizze/<number>/pagamento"
ADDITIONAL = "/area-clienti/polizze/<number>/versamento"
REQUEST = "/area-clienti/richieste/<number>"
S = RequestStatus


def _not_found():
    return error_page(404, _("La pagina che cerchi non esiste."))


def _functions(number: str) -> PolicyFunctions:
    return container().policy_requests().functions(g.account_id, number)


def _with_functions(allowed=None):
    """A view of one of the customer's policies: it gets the policy's functions, or the page is a 404 (not
    the customer's, or no such policy); with ``allowed``, a function it refuses is the refusal page."""
    def decorate(view):
        @wraps(view)
        def wrapped(number: str):
            try:
                functions = _functions(number)
            except NotFound:
                return _not_found()
            if allowed is not None and not allowed(functions):
                return _refused(functions)
            return view(number, functions)

        return wrapped

    return decorate


def _with_request(view):
    """A view of one of the customer's requests: it gets the request, or the page is a 404."""
    @wraps(view)
    def wrapped(number: str):
        try:
            found = _request(number)
        except NotFound:
            return _not_found()
        return view(found)

    return wrapped


def _posted_method() -> PaymentMethod | None:
    return next((m for m in PaymentMethod if m.value == request.form.get("method")), None)


def _mandate_missing() -> str:
    return _("Per pagare con addebito diretto SEPA devi accettare il mandato.")


def _questionnaire_updated() -> str:
    return _("Il questionario è stato aggiornato: rivedi le risposte")


def _submit_payment(functions: PolicyFunctions, submit, on_error):
    """Runs the use case's ``submit`` and answers: the refusal page, a 404, ``on_error(error)`` for any other
    domain error, or where the submitted payment leads."""
    try:
        submitted = submit()
    except FunctionNotAvailable:
        return _refused(functions)
    except NotFound:
        return _not_found()
    except DomainError as error:
        return on_error(error)
    return _after_payment(submitted)


def _payment_allowed(functions: PolicyFunctions) -> bool:
    found = functions.function(DispositiveFunction.PAYMENT)
    return found is not None and found.allowed


def _refused(functions: PolicyFunctions):
    """The payment function's refusal as a page: why, and what to do (the gate's explanation)."""
    found = functions.function(DispositiveFunction.PAYMENT)
    reason = refusal_message(found.refusal.value if found and found.refusal else "not_offered",
                             found.live_from if found else None,
                             found.gate.reason.value if found and found.gate else None,
                             functions.detail.policy.status.value)
    return render_template("requests/pay_refused.html", availability=found, policy=functions.detail.policy,
                           customer=functions.detail.customer, reason=reason), 403


def _selection(functions: PolicyFunctions, source) -> tuple[list, PaymentMethod | None, dict[str, str]]:
    """The receipts and method chosen in the form, checked against what may be paid today."""
    errors: dict[str, str] = {}
    payable = {r.id: r for r in functions.payable if r.id not in functions.busy_receipts}
    ids = list(dict.fromkeys(source.getlist("receipts")))
    chosen = [payable[i] for i in ids if i in payable]
    if not ids or len(chosen) != len(ids):
        errors["receipts"] = message_for(ReceiptsInvalid())
    methods = functions.rules.payment_methods if functions.rules else ()
    method = next((m for m in methods if m.value == source.get("method")), None)
    if method is None:
        errors["method"] = message_for(PaymentMethodNotAllowed())
    return chosen, method, errors


def _pay_context(functions: PolicyFunctions) -> dict:
    today = italian_day(container().clock().now())
    return dict(functions=functions, policy=functions.detail.policy, customer=functions.detail.customer,
                methods=functions.rules.payment_methods if functions.rules else (), today_open=functions.payable,
                overdue={r.id for r in functions.payable if r.is_overdue(today)},
                bank=container().policy_requests().bank_accounts.get(functions.detail.policy.company))


# --- paying open receipts (R-DISP-PAY) ---------------------------------------------------------------
@bp.get(PAY)
@login_required
@_with_functions(allowed=_payment_allowed)
def pay(number: str, functions: PolicyFunctions):
    return render_template("requests/pay_choose.html", form=request.args, errors={}, **_pay_context(functions))


@bp.get(PAY + "/riepilogo")
@login_required
@_with_functions(allowed=_payment_allowed)
def pay_review(number: str, functions: PolicyFunctions):
    chosen, method, errors = _selection(functions, request.args)
    if errors:
        return render_template("requests/pay_choose.html", form=request.args, errors=errors,
                               **_pay_context(functions)), 422
    # A new key each time the review is shown: a double click or a retried POST of this form is one request.
    key = container().secrets().token()
    return render_template("requests/pay_review.html", chosen=chosen, method=method, idempotency_key=key,
                           total=sum((r.amount for r in chosen), Decimal("0.00")), errors={},
                           **_pay_context(functions))


@bp.post(PAY + "/conferma")
@login_required
@_with_functions()
def pay_confirm(number: str, functions: PolicyFunctions):
    key = posted_idempotency_key()
    if key is None:  # not from the review page: start again
        return redirect(url_for("requests.pay", number=number), 303)
    ids = list(dict.fromkeys(request.form.getlist("receipts")))
    method = _posted_method()
    known = {r.id: r for r in functions.receipts}
    chosen = [known[i] for i in ids if i in known]
    context = dict(chosen=chosen, method=method, idempotency_key=key,
                   total=sum((r.amount for r in chosen), Decimal("0.00")), **_pay_context(functions))
    errors = {}
    if method is None:
        errors["method"] = message_for(PaymentMethodNotAllowed())
    elif method is PaymentMethod.SEPA_DIRECT_DEBIT and not request.form.get("mandate_accepted"):
        errors["mandate_accepted"] = _mandate_missing()
    if errors:
        return render_template("requests/pay_review.html", errors=errors, **context), 422
    # The use case checks the receipts and the method again, after the key: the same key answers the
    # request it created (a double click), even once its receipts are no longer open.
    return _submit_payment(
        functions,
        lambda: container().policy_requests().pay_receipts(PayReceipts(
            account_id=g.account_id, policy_number=functions.detail.policy.number, receipt_ids=ids,
            method=method, idempotency_key=key)),
        lambda error: (render_template("requests/pay_review.html", error=message_for(error), errors={},
                                       **context), http_status(error)))


# --- Vita: versamento aggiuntivo with the questionnaires (R-DISP-PAY, R-DISP-Q) -------------------------
# The steps: the form (amount, method, questionnaires; POST checks it all and keeps it in the server-side
# session) → the review (GET: a fresh idempotency key, and everything again as hidden fields) → «conferma»
# (POST: the use case checks it all once more) → the same payment path as the receipts. The draft in the
# session only serves the back button: going back from the review shows what was typed.
DRAFTS = "additional_payment_drafts"


def _additional_allowed(functions: PolicyFunctions) -> bool:
    return (_payment_allowed(functions) and functions.rules is not None
            and functions.rules.additional_payment is not None and functions.detail.policy.company is Company.VITA)


def _additional_context(functions: PolicyFunctions, last: dict | None = None) -> dict:
    last = last if last is not None else {}
    return dict(functions=functions, policy=functions.detail.policy, customer=functions.detail.customer,
                limits=functions.rules.additional_payment, methods=functions.rules.payment_methods,
                questionnaires=questionnaire_form.definitions(), countries=questionnaire_form.countries(),
                qform=questionnaire_form, is_company=functions.detail.customer.is_company,
                given_on=questionnaire_form.given_on(last), outdated=questionnaire_form.outdated(last),
                bank=container().policy_requests().bank_accounts.get(functions.detail.policy.company))


def _draft(number: str) -> dict | None:
    return draft(DRAFTS, number)


def _keep_draft(number: str, values: dict | None) -> None:
    keep_draft(DRAFTS, number, values)


def _check_additional(functions: PolicyFunctions, form) -> tuple[dict[str, str], set[str], dict]:
    """Field errors, outdated questionnaires and, when there is nothing wrong, what the use case keeps."""
    limits = functions.rules.additional_payment
    errors: dict[str, str] = {}
    problem = amount_problem(form.get("amount", ""), limits.minimum, limits.maximum)
    if problem:
        errors["amount"] = problem
    if not any(m.value == form.get("method") for m in functions.rules.payment_methods):
        errors["method"] = message_for(PaymentMethodNotAllowed())
    answers, outdated, kept = questionnaire_form.checked(form, is_company=functions.detail.customer.is_company,
                                                        now=container().clock().now())
    return {**errors, **answers}, outdated, kept


def _additional_form(functions: PolicyFunctions, form, errors: dict, outdated: set[str], status: int = 200,
                     error: str | None = None, last: dict | None = None):
    context = _additional_context(functions, last)
    context["outdated"] = context["outdated"] | outdated
    return render_template("requests/additional.html", form=form, errors=errors, error=error,
                           **context), status


@bp.get(ADDITIONAL)
@login_required
@_with_functions(allowed=_additional_allowed)
def additional(number: str, functions: PolicyFunctions):
    draft = _draft(functions.detail.policy.number)
    if draft is not None:  # back from the review: what was typed
        return _additional_form(functions, draft, {}, set())
    last = container().policy_requests().last_answers(g.account_id)
    form = questionnaire_form.prefilled(last)
    return _additional_form(functions, form, {}, set(), last=last)


@bp.post(ADDITIONAL)
@login_required
@_with_functions(allowed=_additional_allowed)
def additional_check(number: str, functions: PolicyFunctions):
    errors, outdated, _kept = _check_additional(functions, request.form)
    values = {k: v for k, v in request.form.items() if k != "csrf_token"}
    if errors or outdated:
        general = _questionnaire_updated() if outdated else None
        status = http_status(QuestionnaireOutdated) if outdated and not errors else 422
        return _additional_form(functions, request.form, errors, outdated, status, general)
    _keep_draft(functions.detail.policy.number, values)
    return redirect(url_for("requests.additional_review", number=functions.detail.policy.number), 303)


@bp.get(ADDITIONAL + "/riepilogo")
@login_required
@_with_functions(allowed=_additional_allowed)
def additional_review(number: str, functions: PolicyFunctions):
    draft = _draft(functions.detail.policy.number)
    if draft is None:
        return redirect(url_for("requests.additional", number=functions.detail.policy.number), 303)
    errors, outdated, kept = _check_additional(functions, draft)
    if errors or outdated:  # the definitions or the limits changed meanwhile
        return _additional_form(functions, draft, errors, outdated, 422)
    return _additional_review_page(functions, draft, kept, container().secrets().token())


def _additional_review_page(functions: PolicyFunctions, values, kept: dict, key: str, status: int = 200,
                            errors: dict | None = None, error: str | None = None):
    method = next(m for m in functions.rules.payment_methods if m.value == values.get("method"))
    answered = kept.get("questionnaires") or {}
    summaries = [(q, questionnaire_form.summary(q, (answered.get(q.code.value) or {}).get("answers") or {}))
                 for q in questionnaire_form.definitions()]
    return render_template(
        "requests/additional_review.html", amount=Decimal(typed_amount(values.get("amount"))), method=method,
        summaries=summaries, hidden=questionnaire_form.hidden_fields(answered), idempotency_key=key,
        errors=errors or {}, error=error, **_additional_context(functions)), status


@bp.post(ADDITIONAL + "/conferma")
@login_required
@_with_functions()
def additional_confirm(number: str, functions: PolicyFunctions):
    key = posted_idempotency_key()
    if key is None:  # not from the review page: start again
        return redirect(url_for("requests.additional", number=number), 303)
    method = _posted_method()
    if method is PaymentMethod.SEPA_DIRECT_DEBIT and not request.form.get("mandate_accepted") \
            and _additional_allowed(functions):
        errors, outdated, kept = _check_additional(functions, request.form)
        if not errors and not outdated:
            return _additional_review_page(functions, request.form, kept, key, 422,
                                           errors={"mandate_accepted": _mandate_missing()})

    def submit():
        submitted = container().policy_requests().pay_additional(PayAdditional(
            account_id=g.account_id, policy_number=functions.detail.policy.number,
            amount=typed_amount(request.form.get("amount")), method=method or request.form.get("method", ""),
            questionnaires=questionnaire_form.posted(request.form), idempotency_key=key))
        _keep_draft(functions.detail.policy.number, None)
        return submitted

    def on_error(error: DomainError):
        errors, outdated, kept = _check_additional(functions, request.form)
        if isinstance(error, (AmountOutOfRange, QuestionnairesInvalid, QuestionnaireOutdated,
                              PaymentMethodNotAllowed)):
            # Something changed between the review and «conferma»: the form again, with everything posted.
            general = _questionnaire_updated() if isinstance(error, QuestionnaireOutdated) else message_for(error)
            return _additional_form(functions, request.form, errors, outdated, http_status(error), general)
        return _additional_review_page(functions, request.form, kept, key, http_status(error),
                                       error=message_for(error))

    return _submit_payment(functions, submit, on_error)


def _after_payment(submitted):
    """Where a submitted payment leads: the provider's page, the bank details, or the request."""
    paid_request = submitted.request
    if submitted.redirect_url and paid_request.status is S.AWAITING_PAYMENT:
        return redirect(submitted.redirect_url, 303)
    if paid_request.payment_method is PaymentMethod.BANK_TRANSFER and paid_request.status is S.AWAITING_PAYMENT:
        return redirect(url_for("requests.bank_transfer", number=paid_request.number), 303)
    return redirect(url_for("requests.detail", number=paid_request.number), 303)


def _bank_account(paid_request: PolicyRequest):
    accounts = container().policy_requests().bank_accounts
    return accounts.get(Company(paid_request.payload.get("company", Company.DANNI.value)))


def _request(number: str) -> PolicyRequest:
    return container().policy_requests().get(g.account_id, number)


@bp.get(REQUEST + "/bonifico")
@login_required
@_with_request
def bank_transfer(paid_request: PolicyRequest):
    if paid_request.payment_method is not PaymentMethod.BANK_TRANSFER:
        return redirect(url_for("requests.detail", number=paid_request.number))
    return render_template("requests/bank_transfer.html", r=paid_request, bank=_bank_account(paid_request),
                           customer=_customer())


# --- «Le mie richieste» ---------------------------------------------------------------------------------
def _customer():
    try:
        return container().customer_policies().profile(g.account_id)
    except NotFound:
        return None


@bp.get("/area-clienti/richieste")
@login_required
def list_requests():
    customer = _customer()
    if customer is None:
        return signed_out()
    found = container().policy_requests().list(g.account_id)
    return render_template("requests/list.html", requests=found, customer=customer)


@bp.get(REQUEST)
@login_required
@_with_request
def detail(found: PolicyRequest):
    bank = _bank_account(found) if found.payment_method is PaymentMethod.BANK_TRANSFER else None
    return render_template("requests/detail.html", r=found, bank=bank, customer=_customer(), **_claim_context(found),
                           **_schedule_context(found), data_changes=_data_change_rows(found))


def _data_change_rows(found: PolicyRequest) -> list[tuple[str, str, str]]:
    """(field, before, asked) for a personal data change (app.use_cases.data_changes' payload)."""
    if found.kind is not RequestKind.DATA_CHANGE:
        return []
    return personal_data_form.change_rows(found.payload, dict(container().places().countries()))


def _scheduled_from(found: PolicyRequest) -> datetime | None:
    """When a suspension or reactivation takes effect (its payload, written by app.use_cases.suspension)."""
    section = found.payload.get(found.kind.value) if found.kind in (RequestKind.SUSPENSION,
                                                                    RequestKind.REACTIVATION) else None
    raw = section.get("starts_at") if isinstance(section, dict) else None
    return datetime.fromisoformat(raw) if raw else None


def _schedule_context(found: PolicyRequest) -> dict:
    """A suspension's or reactivation's start, and whether the suspension may still be withdrawn (it has not
    started and is not withdrawn: the use case checks it again)."""
    starts = _scheduled_from(found)
    if starts is None:
        return {}
    withdrawable = (found.kind is RequestKind.SUSPENSION and found.status in WITHDRAWABLE
                    and container().clock().now() < starts)
    return dict(scheduled_from=starts, withdrawable=withdrawable, new_expiry=_new_expiry(found))


def _new_expiry(found: PolicyRequest) -> date | None:
    """A reactivation's expiry after it, as the effect showed it before «conferma»."""
    raw = (found.payload.get("reactivation") or {}).get("expiry_after") if found.kind is RequestKind.REACTIVATION \
        else None
    return date.fromisoformat(raw) if raw else None


def _claim_context(found: PolicyRequest) -> dict:
    """A claim's files and what its kind still asks for (templates/claims/_request_claim.html)."""
    if found.kind is not RequestKind.CLAIM:
        return {}
    claims = container().claims()
    files = claims.attachments(g.account_id, found.number)
    claim = found.payload.get("claim") or {}
    try:
        kind = ClaimKind(claim.get("kind"))
    except ValueError:
        missing: list[str] = []
    else:
        missing = [d.value for d in missing_documents(kind, [DocumentKind(a.document) for a in files],
                                                      cai_signed=bool(claim.get("cai_signed")))]
    return dict(claim_files=files, claim_missing=missing, claim_max_files=claims.max_files,
                claim_documents=documents_for(found.payload.get("product", "")),
                claim_max_mb=container().upload_limits().max_document_bytes // (1024 * 1024))


@bp.get(REQUEST + "/esito-pagamento")
@login_required
@_with_request
def payment_return(found: PolicyRequest):
    """Where the provider sends the customer back: it shows where the request stands, and proves nothing."""
    return render_template("requests/payment_return.html", r=found, customer=_customer())


@bp.get(REQUEST + "/ricevuta.pdf")
@login_required
@_with_request
def receipt_pdf(found: PolicyRequest):
    pdf = container().receipt_renderer().render(_receipt_document(found))
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="ricevuta-{found.number}.pdf"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _surrender_rows(figures: dict | None) -> list[tuple[str, str]]:
    """A surrender's figures as simulated at «conferma» (app.use_cases.surrender's payload)."""
    if not figures:
        return []
    rows = [
        (_("Tipo di riscatto"), _("Riscatto totale") if figures["total"] else _("Riscatto parziale")),
        (_("Valore di riscatto al %(date)s", date=long_date(date.fromisoformat(figures["value_as_of"]))),
         euro(Decimal(figures["value"]))),
        (_("Importo riscattato (lordo)"), euro(Decimal(figures["gross"]))),
        (_("Penale di riscatto (%(rate)s)", rate=percent(figures["penalty_rate"])), euro(Decimal(figures["penalty"]))),
        (_("Imposta stimata sul rendimento"), euro(Decimal(figures["tax"]))),
        (_("Importo netto stimato"), euro(Decimal(figures["net"]))),
    ]
    if not figures["total"]:
        rows.append((_("Valore che resta sulla polizza"), euro(Decimal(figures["residual"]))))
    return rows


def _receipt_document(found: PolicyRequest) -> ReceiptDocument:
    company = Company(found.payload.get("company", Company.DANNI.value))
    rows: list[tuple[str, str]] = [
        (_("Numero della richiesta"), found.number),
        (_("Tipo di richiesta"), str(REQUEST_KINDS[found.kind])),
        (_("Polizza"), found.policy_number),
        (_("Inviata il"), rome_datetime(found.created_at)),
    ]
    receipts = found.payload.get("receipts") or []
    if receipts:
        rows.append((_("Quietanze"), "\n".join(
            _("scadenza %(date)s: %(amount)s", date=long_date(date.fromisoformat(r["due_date"])),
              amount=euro(Decimal(r["amount"])))
            for r in receipts)))
    if found.amount is not None:
        rows.append((_("Importo"), euro(found.amount)))
    rows += _surrender_rows(found.payload.get("surrender") if found.kind is RequestKind.SURRENDER else None)
    for label, before, asked in _data_change_rows(found):
        rows.append((label, _("da «%(before)s» a «%(asked)s»", before=before, asked=asked)))
    starts = _scheduled_from(found)
    if starts is not None:
        label = _("Sospensione dal") if found.kind is RequestKind.SUSPENSION else _("Riattivazione dal")
        rows.append((label, rome_datetime(starts)))
        expiry = _new_expiry(found)
        if expiry is not None:
            rows.append((_("Nuova scadenza"), long_date(expiry)))
    if found.payment_method is not None:
        rows.append((_("Metodo di pagamento"), str(PAYMENT_METHODS[found.payment_method])))
    iban = found.payload.get("iban")
    if iban is None and found.payment_method is PaymentMethod.BANK_TRANSFER:
        bank = _bank_account(found)
        iban = bank.iban if bank else None
        if bank:
            rows.append((_("Beneficiario del bonifico"), bank.holder))
    if iban:
        rows.append((_("IBAN"), mask_iban(iban)))
    if found.payload.get("iban_holder"):
        rows.append((_("Intestatario del conto"), found.payload["iban_holder"]))
    last = found.events[-1]
    rows.append((_("Stato"), str(REQUEST_STATUSES[found.status])))
    rows.append((_("Aggiornato il"), rome_datetime(last.at)))
    if last.reason:
        rows.append((_("Motivo"), last.reason))
    return ReceiptDocument(
        issuer=COMPANY_NAMES[company], title=_("Ricevuta della richiesta"), reference=found.number,
        rows=tuple(rows),
        footer=_("Documento generato da Area Clienti. Orari in ora italiana."))


# --- the payment provider's signed notifications -----------------------------------------------------
@bp.post("/pagamenti/notifiche")
def payment_notifications():
    try:
        changed = container().policy_requests().receive_payment_notification(
            request.get_data(cache=False), dict(request.headers))
    except InvalidNotification:
        return {"received": False}, 400
    return {"received": True, "changed": changed}, 200


def init_app(app: Flask, csrf) -> None:
    app.register_blueprint(bp)
    csrf.exempt(payment_notifications)  # signed by the provider instead (its own HMAC over the raw body)
