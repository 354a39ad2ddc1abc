"""Development-only pages: the outbox of sent SMS and emails, the demo customers and the demo operator.

Registered only when the settings say development; production answers 404 here.
"""
from __future__ import annotations

from flask import Blueprint, Flask, abort, redirect, render_template, request, url_for

from areaclienti.adapters.demo_core.data import scenarios_as_json
from areaclienti.app.ports.payments import PaymentOutcome
from areaclienti.domain.policies import Company

from ..demo import DEMO_OPERATOR_EMAIL, DEMO_OPERATOR_PASSWORD, demo_data
from .helpers import container, wants_json
from .labels import COMPANY_NAMES

bp = Blueprint("dev", __name__, url_prefix="/_dev")


@bp.get("/outbox")
def outbox():
    messages = container().dev_outbox().list(limit=200)
    if wants_json() or request.args.get("format") == "json":
        return {"messages": messages}
    return render_template("dev_outbox.html", messages=messages,
                           demo_operator={"email": DEMO_OPERATOR_EMAIL, "password": DEMO_OPERATOR_PASSWORD})


@bp.get("/demo-customers")
def demo_customers():
    return {
        "customers": scenarios_as_json(demo_data(container())),
        # The back-office's demo operator (``demo load``); the first login enrols the second factor.
        "operator": {"email": DEMO_OPERATOR_EMAIL, "password": DEMO_OPERATOR_PASSWORD,
                     "login": url_for("backoffice.login", _external=True)},
    }


# --- the demo payment provider's hosted page (what a real provider serves on its own site) -----------
CHOICES = {"pay": PaymentOutcome.SUCCEEDED, "refuse": PaymentOutcome.REFUSED, "cancel": PaymentOutcome.ABANDONED,
           "accept_mandate": PaymentOutcome.PENDING}


def _company_of(reference: str) -> str:
    with container().uow() as uow:
        found = uow.requests.get_by_number(reference)
    company = Company((found.payload if found else {}).get("company", Company.DANNI.value))
    return COMPANY_NAMES[company]


@bp.get("/pagamenti/<session_id>")
def payment_page(session_id: str):
    found = container().payment_provider().session(session_id)
    if found is None:
        abort(404)
    return render_template("dev_payment.html", s=found, company=_company_of(found.reference))


@bp.post("/pagamenti/<session_id>")
def payment_choice(session_id: str):
    outcome = CHOICES.get(request.form.get("choice", ""))
    if outcome is None:
        abort(400)
    # The provider posts its signed notification to the app (over HTTP), then sends the customer back.
    found = container().payment_provider().choose(session_id, outcome)
    if found is None:
        abort(404)
    return redirect(found.return_url, 303)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
