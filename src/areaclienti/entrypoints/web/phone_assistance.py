"""Phone assistance from the login page (R-ASS-2, SPEC §6).

The codice fiscale or partita IVA of the contraente, aderente or avente diritto and a policy number,
«invia»; then «Hai bisogno di assistenza telefonica? Clicca qui» shows the number to call (Vita or Danni,
by the policy's company), the hours, and whether the line is open now or when it opens next (Italian time).
Wrong data get the registration's one answer, whatever was wrong (nothing said about who holds which
policy), and guesses are limited per client (``TooManyAssistanceRequests``: 429, with when to retry). What
was found stays in the server-side session between the two steps, never in the URL.
"""
from __future__ import annotations

from math import ceil

from flask import Blueprint, Flask, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from areaclienti.domain.assistance import TooManyAssistanceRequests
from areaclienti.domain.errors import DomainError, InvalidPartyId
from areaclienti.domain.policies import Company, normalise_policy_number

from .errors import message_for
from .helpers import container, render_form
from .phone_labels import line_status, service_hours_lines
from .schemas import FormInvalid

bp = Blueprint("phone_assistance", __name__)

FOUND = "phone_assistance"  # {"company": "vita" | "danni", "policy_number": "VI…"} after a lookup that matched
TEMPLATE = "phone_assistance/lookup.html"
MAX_LENGTH = 40  # a tax code has 16 characters, a policy number about 10


def _typed() -> tuple[str, str]:
    return ((request.form.get("party_id") or "").strip()[:MAX_LENGTH],
            (request.form.get("policy_number") or "").strip()[:MAX_LENGTH])


@bp.route("/assistenza/telefono", methods=["GET", "POST"])
def lookup():
    if request.method == "GET":
        return render_template(TEMPLATE, form={}, errors={}, error=None)
    session.pop(FOUND, None)  # a new lookup: what an earlier one found no longer counts
    party, policy_number = _typed()
    missing = {}
    if not party:
        missing["party_id"] = message_for(InvalidPartyId(reason="empty"))
    if not policy_number:
        missing["policy_number"] = _("Inserisci il numero di polizza.")
    if missing:
        return render_form(TEMPLATE, FormInvalid(missing))
    try:
        line = container().phone_assistance().lookup(party, policy_number, request.remote_addr or "-")
    except TooManyAssistanceRequests as refused:
        body, status = render_form(TEMPLATE, refused, status=429)
        wait = (refused.params["retry_at"] - container().clock().now()).total_seconds()
        return body, status, {"Retry-After": str(max(1, ceil(wait)))}
    except DomainError as refused:  # a malformed code beside its field; any mismatch as one answer
        return render_form(TEMPLATE, refused)
    session[FOUND] = {"company": line.company.value, "policy_number": normalise_policy_number(policy_number)}
    return redirect(url_for("phone_assistance.found"))


def _found() -> dict | None:
    found = session.get(FOUND)
    if not isinstance(found, dict) or found.get("company") not in {c.value for c in Company}:
        return None
    return found


@bp.get("/assistenza/telefono/polizza")
def found():
    found = _found()
    if found is None:
        return redirect(url_for("phone_assistance.lookup"))
    return render_template("phone_assistance/found.html", policy_number=found["policy_number"])


@bp.get("/assistenza/telefono/numero")
def number():
    found = _found()
    if found is None:
        return redirect(url_for("phone_assistance.lookup"))
    line = container().phone_assistance().line(Company(found["company"]))
    return render_template("phone_assistance/number.html", line=line, policy_number=found["policy_number"],
                           status=line_status(line, container().clock().now()), hours=service_hours_lines())


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.add_template_global(service_hours_lines, "service_hours_lines")  # the login page's hours
