"""Surrender on the customer site (R-DISP-SURR): the value as of today, the simulation, the request.

The steps, as for the Vita additional payment: the form (total or partial, the amount, «Calcola» for the
simulation, the IBAN and holder to credit, the questionnaires; each POST brings the form back with everything
typed, and «Prosegui» keeps it in the server-side session) → the review (GET: the simulation computed again,
a fresh idempotency key, everything again as hidden fields) → «conferma» (POST: the use case checks it all once
more) → the request's page. No script is needed: «Calcola» is a submit button of the same form.
"""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, Flask, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from areaclienti.app.use_cases.surrender import RequestSurrender, SurrenderForm
from areaclienti.domain.errors import (
    DomainError,
    FunctionNotAvailable,
    IbanHolderMissing,
    NotFound,
    QuestionnairesInvalid,
)
from areaclienti.domain.questionnaires import QuestionnaireOutdated
from areaclienti.domain.requests import checked_iban
from areaclienti.domain.surrender import (
    PartialSurrenderNotAllowed,
    PartialSurrenderOutOfRange,
    SurrenderSimulation,
    SurrenderTooEarly,
)

from . import questionnaire_form
from .errors import message_for, refusal_message, typed_amount
from .helpers import (
    container,
    draft,
    error_page,
    http_status,
    keep_draft,
    login_required,
    posted_idempotency_key,
)

bp = Blueprint("surrender", __name__)
SURRENDER = "/area-clienti/polizze/<number>/riscatto"
DRAFTS = "surrender_drafts"
TOTAL, PARTIAL = "total", "partial"
CALCULATE = "calcola"  # the value of «Calcola»: the form again with the simulation, nothing checked beyond it


def _not_found():
    return error_page(404, _("La pagina che cerchi non esiste."))


def _refused(number: str, error: DomainError):
    """Why there is no surrender on this policy today (or not yet), under the policy's name: 403."""
    try:
        detail = container().customer_policies().detail(g.account_id, number)
    except NotFound:
        return _not_found()
    if isinstance(error, SurrenderTooEarly):
        message = message_for(error)
    else:
        p = error.params
        message = refusal_message(p.get("refusal"), p.get("live_from"), p.get("gate"), detail.policy.status.value)
    return render_template("surrender/refused.html", policy=detail.policy, customer=detail.customer,
                           message=message, too_early=isinstance(error, SurrenderTooEarly)), 403


def _with_form(view):
    """The view gets the policy's surrender form; another customer's policy is a 404, a policy without the
    surrender today (a Danni one, the function not allowed, before the minimum period) the refusal page."""
    @wraps(view)
    def wrapped(number: str):
        try:
            found = container().surrenders().form(g.account_id, number)
        except NotFound:
            return _not_found()
        except (FunctionNotAvailable, SurrenderTooEarly) as refused:
            return _refused(number, refused)
        return view(number, found)

    return wrapped


def _kind(values) -> str:
    return PARTIAL if values.get("kind") == PARTIAL else TOTAL


def _simulate(found: SurrenderForm, values) -> tuple[SurrenderSimulation | None, str | None]:
    """The simulation of what the form asks, or the message saying what is wrong with the amount."""
    if _kind(values) == TOTAL:
        return found.total, None
    amount = typed_amount(values.get("amount"))
    try:
        # An empty partial amount is as out of range as any other: the message gives the figures to choose from.
        return container().surrenders().simulate(g.account_id, found.detail.policy.number, amount or "0"), None
    except (PartialSurrenderOutOfRange, PartialSurrenderNotAllowed) as refused:
        return None, message_for(refused)


def _check(found: SurrenderForm, values) -> tuple[SurrenderSimulation | None, dict[str, str], set[str], dict]:
    """The simulation, a message per field at fault, the outdated questionnaires and the answers kept."""
    simulation, amount_error = _simulate(found, values)
    errors = {"amount": amount_error} if amount_error else {}
    try:
        checked_iban(values.get("iban"))
    except DomainError as invalid:
        errors["iban"] = message_for(invalid)
    if not " ".join((values.get("iban_holder") or "").split()):
        errors["iban_holder"] = message_for(IbanHolderMissing())
    answers, outdated, kept = questionnaire_form.checked(values, is_company=found.detail.customer.is_company,
                                                         now=container().clock().now())
    return simulation, {**errors, **answers}, outdated, kept


def _context(found: SurrenderForm) -> dict:
    return dict(surrender=found, policy=found.detail.policy, customer=found.detail.customer, rules=found.rules,
                TOTAL=TOTAL, PARTIAL=PARTIAL)


def _form_page(found: SurrenderForm, values, *, simulation: SurrenderSimulation | None = None,
               errors: dict | None = None, outdated: set[str] = frozenset(), error: str | None = None,
               status: int = 200):
    last = found.last_answers
    return render_template(
        "surrender/form.html", form=values, errors=errors or {}, error=error, simulation=simulation,
        questionnaires=questionnaire_form.definitions(), countries=questionnaire_form.countries(),
        qform=questionnaire_form, is_company=found.detail.customer.is_company,
        given_on=questionnaire_form.given_on(last), outdated=questionnaire_form.outdated(last) | set(outdated),
        **_context(found)), status


@bp.get(SURRENDER)
@login_required
@_with_form
def form(number: str, found: SurrenderForm):
    kept = draft(DRAFTS, found.detail.policy.number)
    if kept is not None:  # back from the review: what was typed
        return _form_page(found, kept, simulation=_simulate(found, kept)[0])
    values = {**questionnaire_form.prefilled(found.last_answers), "kind": TOTAL,
              "iban_holder": found.detail.customer.display_name}
    return _form_page(found, values, simulation=found.total)


@bp.post(SURRENDER)
@login_required
@_with_form
def check(number: str, found: SurrenderForm):
    values = {k: v for k, v in request.form.items() if k not in ("csrf_token", "action")}
    if request.form.get("action") == CALCULATE:
        simulation, amount_error = _simulate(found, values)
        if amount_error:
            return _form_page(found, values, errors={"amount": amount_error}, status=422)
        return _form_page(found, values, simulation=simulation)
    simulation, errors, outdated = _check(found, values)[:3]
    if errors or outdated:
        general = _("Il questionario è stato aggiornato: rivedi le risposte") if outdated else None
        status = http_status(QuestionnaireOutdated) if outdated and not errors else 422
        return _form_page(found, values, simulation=simulation, errors=errors, outdated=outdated, error=general,
                          status=status)
    keep_draft(DRAFTS, found.detail.policy.number, values)
    return redirect(url_for("surrender.review", number=found.detail.policy.number), 303)


@bp.get(SURRENDER + "/riepilogo")
@login_required
@_with_form
def review(number: str, found: SurrenderForm):
    values = draft(DRAFTS, found.detail.policy.number)
    if values is None:
        return redirect(url_for("surrender.form", number=found.detail.policy.number), 303)
    simulation, errors, outdated, kept = _check(found, values)
    if errors or outdated:  # the value, the rules or the questionnaires changed meanwhile
        return _form_page(found, values, simulation=simulation, errors=errors, outdated=outdated, status=422)
    return _review_page(found, values, simulation, kept, container().secrets().token())


def _review_page(found: SurrenderForm, values, simulation: SurrenderSimulation, kept: dict, key: str,
                 status: int = 200, error: str | None = None):
    answered = kept.get("questionnaires") or {}
    summaries = [(q, questionnaire_form.summary(q, (answered.get(q.code.value) or {}).get("answers") or {}))
                 for q in questionnaire_form.definitions()]
    iban = checked_iban(values.get("iban"))
    return render_template(
        "surrender/review.html", simulation=simulation, kind=_kind(values),
        amount=typed_amount(values.get("amount")) if _kind(values) == PARTIAL else "",
        iban=iban, iban_grouped=" ".join(iban[i:i + 4] for i in range(0, len(iban), 4)),
        iban_holder=" ".join(values.get("iban_holder", "").split()), summaries=summaries,
        hidden=questionnaire_form.hidden_fields(answered), idempotency_key=key, error=error,
        **_context(found)), status


@bp.post(SURRENDER + "/conferma")
@login_required
def confirm(number: str):
    key = posted_idempotency_key()
    if key is None:  # not from the review page: start again
        return redirect(url_for("surrender.form", number=number), 303)
    values = {k: v for k, v in request.form.items() if k not in ("csrf_token", "idempotency_key")}
    partial = _kind(values) == PARTIAL
    try:
        # The key first, in the use case: a double click answers the request the first click made.
        submitted = container().surrenders().submit(RequestSurrender(
            account_id=g.account_id, policy_number=number,
            amount=(typed_amount(values.get("amount")) or "0") if partial else None,
            iban=values.get("iban", ""), iban_holder=values.get("iban_holder", ""),
            questionnaires=questionnaire_form.posted(values), idempotency_key=key))
    except NotFound:
        return _not_found()
    except (FunctionNotAvailable, SurrenderTooEarly) as refused:
        return _refused(number, refused)
    except DomainError as error:
        return _after_refusal(number, values, error)
    keep_draft(DRAFTS, submitted.policy_number, None)
    return redirect(url_for("requests.detail", number=submitted.number), 303)


def _after_refusal(number: str, values, error: DomainError):
    """Something changed between the review and «conferma» (the value, the questionnaires): the form again,
    with everything posted and the message beside the field at fault."""
    def page(_number: str, found: SurrenderForm):
        simulation, errors, outdated = _check(found, values)[:3]
        general = None
        if isinstance(error, QuestionnaireOutdated):
            general = _("Il questionario è stato aggiornato: rivedi le risposte")
            outdated = outdated | {error.params.get("questionnaire") or ""}
        elif error.field:
            errors.setdefault(error.field, message_for(error))
        elif not isinstance(error, QuestionnairesInvalid):
            general = message_for(error)
        return _form_page(found, values, simulation=simulation, errors=errors, outdated=outdated, error=general,
                          status=http_status(error))

    return _with_form(page)(number)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
