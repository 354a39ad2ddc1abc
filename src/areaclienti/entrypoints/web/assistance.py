"""Assistance on the customer site (SPEC §6, R-ASS-1 and complaints): the contact form for anyone (from the
login page) and for a signed-in customer (pre-filled, with one of their policies), the thread read and
answered by the emailed link without logging in, and the customer's requests in the area.

The form answers alike whatever the email belongs to (never «sei già cliente»); anonymous sending is counted
per address and per client (the client's own address: the app trusts no proxy, so X-Forwarded-For is not
read), a flood refused kindly with the time to retry.
"""
from __future__ import annotations

from flask import Blueprint, Flask, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from areaclienti.app.use_cases.assistance import AskForHelp
from areaclienti.domain.assistance import (
    TEXT_MAX,
    Reason,
    Ticket,
    TicketClosed,
    TicketStatus,
    TooManyAssistanceRequests,
    checked_text,
)
from areaclienti.domain.contacts import normalise_email
from areaclienti.domain.errors import DomainError, LinkInvalid, NotFound
from areaclienti.domain.policies import Company

from .errors import message_for
from .helpers import container, error_page, login_required, signed_out
from .labels import ASSISTANCE_REASONS

bp = Blueprint("assistance", __name__)

SENT = "assistance_sent"  # the number just sent, shown once on the confirmation page

# The state as the customer reads it (operators have their own words for it).
STATUSES = {
    TicketStatus.NEW: _l("Nuova"),
    TicketStatus.OPEN: _l("In lavorazione"),
    TicketStatus.WAITING_CUSTOMER: _l("In attesa di tua risposta"),
    TicketStatus.CLOSED: _l("Chiusa"),
}


def _typed_text() -> str:
    # Browsers send line breaks as CRLF: count them as the customer sees them (one character each).
    return (request.form.get("text") or "").replace("\r\n", "\n")


def _context(**extra) -> dict:
    return dict(REASONS=ASSISTANCE_REASONS, STATUSES=STATUSES, text_max=TEXT_MAX, **extra)


# --- the form --------------------------------------------------------------------------------------------
def _signed_in_overview():
    """The signed-in customer's policies (None for anyone else); NotFound when the account is gone."""
    if not g.get("account_id"):
        return None
    return container().customer_policies().overview(g.account_id)


def _form_page(overview, form: dict, errors: dict[str, str] | None = None, error: str | None = None,
               status: int = 200, headers: dict | None = None):
    policies = ([p for company in (Company.VITA, Company.DANNI) for p in overview.by_company.get(company, [])]
                if overview is not None else [])
    page = render_template("assistance/form.html", form=form, errors=errors or {}, error=error,
                           customer=overview.customer if overview is not None else None, policies=policies,
                           **_context())
    return page, status, headers or {}


def _field_errors(email: str, text: str) -> dict[str, str]:
    """Every field at fault at once (the use case stops at the first)."""
    errors: dict[str, str] = {}
    for name, check, value in (("email", normalise_email, email), ("text", checked_text, text)):
        try:
            check(value)
        except DomainError as refused:
            errors[name] = message_for(refused)
    return errors


@bp.route("/assistenza", methods=["GET", "POST"])
def form():
    try:
        overview = _signed_in_overview()
    except NotFound:
        return signed_out()
    if request.method == "GET":
        values = {"reason": request.args.get("motivo", ""), "policy_number": request.args.get("polizza", "")}
        if overview is not None:
            values["email"] = overview.customer.email
        return _form_page(overview, values)
    typed = {**request.form.to_dict(), "text": _typed_text()}
    errors = _field_errors(typed.get("email", ""), typed["text"])
    if typed.get("reason") not in {r.value for r in Reason}:
        errors["reason"] = _("Scegli il motivo della richiesta.")
    if errors:
        return _form_page(overview, typed, errors, status=422)
    try:
        sent = container().assistance().submit(AskForHelp(
            email=typed["email"], reason=typed["reason"], text=typed["text"], client_key=request.remote_addr or "-",
            account_id=g.get("account_id"), policy_number=(typed.get("policy_number") or None)))
    except TooManyAssistanceRequests as refused:
        retry_after = max(1, int((refused.params["retry_at"] - container().clock().now()).total_seconds()))
        return _form_page(overview, typed, error=message_for(refused), status=429,
                          headers={"Retry-After": str(retry_after)})
    except NotFound:  # a policy that is not the customer's (a forged form)
        return _form_page(overview, typed, {"policy_number": _("Scegli una delle tue polizze.")}, status=422)
    except DomainError as refused:
        if refused.field:
            return _form_page(overview, typed, {refused.field: message_for(refused)}, status=422)
        return _form_page(overview, typed, error=message_for(refused), status=422)
    session[SENT] = {"number": sent.number, "email": sent.email, "reason": typed["reason"]}
    return redirect(url_for("assistance.sent"), code=303)


@bp.get("/assistenza/inviata")
def sent():
    done = session.pop(SENT, None)
    if not done:
        return redirect(url_for("assistance.form"))
    try:
        overview = _signed_in_overview()
    except NotFound:
        return signed_out()
    return render_template("assistance/sent.html", number=done["number"], email=done["email"],
                           complaint=done.get("reason") == Reason.COMPLAINT.value,
                           customer=overview.customer if overview is not None else None, **_context())


# --- the thread by the emailed link ------------------------------------------------------------------------
def _link_invalid():
    return render_template("assistance/link_invalid.html", **_context()), 410


def _thread_page(ticket: Ticket, action: str, *, customer=None, form: dict | None = None,
                 errors: dict[str, str] | None = None, error: str | None = None, status: int = 200):
    return render_template("assistance/thread.html", ticket=ticket, messages=ticket.visible_messages(),
                           action=action, customer=customer, form=form or {}, errors=errors or {}, error=error,
                           **_context()), status


def _replied(reply, ticket: Ticket, action: str, done_url: str, customer=None):
    """The customer's reply: back to the thread, or the thread again with the message beside the text."""
    text = _typed_text()
    try:
        reply(text)
    except TicketClosed as refused:
        return _thread_page(ticket, action, customer=customer, form={"text": text}, error=message_for(refused),
                            status=409)
    except DomainError as refused:
        if isinstance(refused, (LinkInvalid, NotFound)):
            raise
        return _thread_page(ticket, action, customer=customer, form={"text": text},
                            errors={"text": message_for(refused)}, status=422)
    flash(_("Messaggio inviato: lo leggerà un nostro operatore."), "success")
    return redirect(done_url, code=303)


@bp.route("/assistenza/richiesta/<token>", methods=["GET", "POST"])
def thread(token: str):
    assistance = container().assistance()
    try:
        ticket = assistance.by_token(token)
    except LinkInvalid:
        return _link_invalid()
    here = url_for("assistance.thread", token=token)
    if request.method == "GET":
        return _thread_page(ticket, here)
    try:
        return _replied(lambda text: assistance.reply_by_token(token, text), ticket, here, here)
    except LinkInvalid:  # expired between the page and the reply
        return _link_invalid()


# --- the signed-in customer's requests ---------------------------------------------------------------------
def _profile():
    return container().customer_policies().profile(g.account_id)


@bp.get("/area-clienti/assistenza")
@login_required
def my_requests():
    try:
        customer = _profile()
    except NotFound:
        return signed_out()
    tickets = container().assistance().for_account(g.account_id)
    return render_template("assistance/list.html", customer=customer, tickets=tickets, **_context())


@bp.route("/area-clienti/assistenza/<number>", methods=["GET", "POST"])
@login_required
def my_request(number: str):
    try:
        customer = _profile()
    except NotFound:
        return signed_out()
    assistance = container().assistance()
    try:
        ticket = assistance.of_account(g.account_id, number)
    except NotFound:
        return error_page(404, _("La pagina che cerchi non esiste."), customer=customer)
    here = url_for("assistance.my_request", number=ticket.number)
    if request.method == "GET":
        return _thread_page(ticket, here, customer=customer)
    return _replied(lambda text: assistance.reply_of_account(g.account_id, ticket.number, text), ticket, here, here,
                    customer=customer)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
