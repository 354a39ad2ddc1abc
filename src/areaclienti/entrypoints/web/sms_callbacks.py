"""The SMS provider's delivery-status callbacks (``POST /sms/notifiche?ref=<outbox item id>``).

Signed by the provider (Twilio's X-Twilio-Signature over the URL and the posted fields), not by a CSRF
token: the signature is checked against the address we gave the provider (``AREACLIENTI_BASE_URL`` and the
path and query of this request), not the one this process sees behind the TLS proxy. A report without a
valid signature is refused with 403 and writes nothing.
"""
from __future__ import annotations

from flask import Blueprint, Flask, abort, current_app, request

from areaclienti.adapters.sms.twilio import CALLBACK_PATH
from areaclienti.app.ports.sms_reports import InvalidSmsReport

from .helpers import container

bp = Blueprint("sms_callbacks", __name__)


def _signed_url() -> str:
    base = current_app.extensions["areaclienti.settings"].base_url.rstrip("/")
    query = request.query_string.decode("latin-1")
    return f"{base}{request.script_root}{request.path}" + (f"?{query}" if query else "")


@bp.post(CALLBACK_PATH)
def status_report():
    statuses = container().sms_delivery_statuses()
    if not statuses.enabled:
        abort(404)
    try:
        statuses.receive(_signed_url(), list(request.form.items(multi=True)), dict(request.headers))
    except InvalidSmsReport:
        return {"received": False}, 403
    return "", 204


def init_app(app: Flask, csrf) -> None:
    app.register_blueprint(bp)
    csrf.exempt(status_report)  # signed by the provider instead (X-Twilio-Signature)
