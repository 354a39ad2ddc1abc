"""The demo core system as a process of its own (``areaclienti core serve``): the port over HTTP.

One route per method of ``PolicyCoreSystem``, speaking the JSON of ``adapters.core_http.codec`` that the
client reads. What the core system does not know answers ``null`` with 200 (a 404 is a route that does
not exist: the client takes it for a misconfigured or different core system, never for "no policy");
an absent document answers 204. ``POST /handoffs`` is idempotent by the hand-off's key.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, Response, abort, request

from areaclienti.adapters.core_http.codec import CodecError, decode, encode
from areaclienti.app.ports.core_system import HandOff, PolicyCoreSystem
from areaclienti.domain.parties import PartyId, PartyKind

from .config import Settings

log = logging.getLogger(__name__)


def build_core(settings: Settings) -> PolicyCoreSystem:
    """The demo core system the server answers from, with its ledger of hand-offs in its own database
    (``AREACLIENTI_CORE_DATABASE_URL``, by default ``democore.db`` in the data folder). When that database
    holds parties and policies (``areaclienti core generate``) they are read there, a query a look-up, and
    no process holds a copy of them; otherwise the demo set for today, in memory."""
    from areaclienti.adapters.clock import SystemClock
    from areaclienti.adapters.demo_core.core_system import DemoCoreSystem
    from areaclienti.adapters.demo_core.ledger import SqlLedger
    from areaclienti.adapters.demo_core.store import stored_dataset
    from areaclienti.adapters.demo_core.tables import create_core_schema
    from areaclienti.adapters.sqlalchemy.database import make_engine
    from areaclienti.app.calendar import italian_day

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.core_database_url)
    create_core_schema(engine)
    clock = SystemClock()
    today = italian_day(clock.now())
    options = {"ledger": SqlLedger(engine), "now": clock.now,
               "delay": timedelta(seconds=settings.demo_core_delay_seconds)}
    if stored_dataset(engine) is not None:
        return DemoCoreSystem.from_database(engine, today, **options)
    return DemoCoreSystem.for_today(today, **options)


def _json(value: Any) -> Response:
    return Response(_dumps(encode(value)), mimetype="application/json")


def _dumps(data: Any) -> str:
    import json

    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _party(kind: str, value: str) -> PartyId:
    try:
        return PartyId(PartyKind(kind), value)
    except ValueError:
        abort(404)


def create_core_app(core: PolicyCoreSystem) -> Flask:
    """A WSGI app answering the port's calls from ``core``."""
    app = Flask(__name__)

    @app.get("/health")
    def health():
        return {"status": "ok"}

    @app.get("/policies/<number>")
    def find_policy(number: str):
        return _json(core.find_policy(number))

    @app.get("/parties/<kind>/<value>/policies")
    def policies_of(kind: str, value: str):
        return _json(core.policies_of(_party(kind, value)))

    @app.get("/parties/<kind>/<value>")
    def find_party(kind: str, value: str):
        return _json(core.find_party(_party(kind, value)))

    @app.get("/parties/<kind>/<value>/details")
    def party_details(kind: str, value: str):
        return _json(core.party_details(_party(kind, value)))

    @app.get("/products/<code>/rules")
    def product_rules(code: str):
        return _json(core.product_rules(code))

    @app.get("/policies/<number>/receipts")
    def receipts(number: str):
        return _json(core.receipts(number))

    @app.get("/policies/<number>/information")
    def information(number: str):
        return _json(core.information(number))

    @app.get("/documents")
    def documents():
        return _json(core.documents(request.args.getlist("policy")))

    @app.get("/policies/<number>/documents/<document_id>")
    def document_content(number: str, document_id: str):
        content = core.document_content(number, document_id)
        if content is None:
            return Response(status=204)
        return Response(content, mimetype="application/pdf")

    @app.post("/handoffs")
    def hand_over():
        try:
            handoff = decode(HandOff, request.get_json(force=True, silent=False))
        except (CodecError, ValueError) as error:
            return {"error": "bad_handoff", "message": str(error)}, 400
        return _json(core.hand_over(handoff))

    @app.get("/handoffs/<key>")
    def request_status(key: str):
        return _json(core.request_status(key))

    @app.get("/transfers/<reference>")
    def transfer_received(reference: str):
        try:
            since = datetime.fromisoformat(request.args["since"])
        except (KeyError, ValueError):
            return {"error": "bad_since", "message": "since: an ISO 8601 instant"}, 400
        return _json({"credited_at": core.transfer_received(reference, since)})

    return app


def create_app_from_env(settings: Settings | None = None) -> Flask:
    """The server as ``areaclienti core serve`` builds it (for gunicorn:
    ``'areaclienti.entrypoints.core_server:create_app_from_env()'``)."""
    return create_core_app(build_core(settings or Settings.from_env()))
