"""Development-only pages: the outbox of sent SMS and emails, the demo customers and the demo operator.

Registered only when the settings say development; production answers 404 here.
"""
from __future__ import annotations

from flask import Blueprint, Flask, render_template, request, url_for

from areaclienti.adapters.demo_core.data import scenarios_as_json

from ..demo import DEMO_OPERATOR_EMAIL, DEMO_OPERATOR_PASSWORD
from .helpers import container, wants_json

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
    core = container().core_system()
    return {
        "customers": scenarios_as_json(core.data),
        # The back-office's demo operator (``demo load``); the first login enrols the second factor.
        "operator": {"email": DEMO_OPERATOR_EMAIL, "password": DEMO_OPERATOR_PASSWORD,
                     "login": url_for("backoffice.login", _external=True)},
    }


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
