"""The «Documenti» page and the download of a policy's documents (R-INFO). Placeholder routes: being written."""
from __future__ import annotations

from flask import Blueprint, Flask, abort

from .helpers import login_required

bp = Blueprint("documents", __name__)


@bp.get("/area-clienti/documenti")
@login_required
def list_documents():
    abort(404)


@bp.get("/area-clienti/polizze/<number>/documenti/<document_id>.pdf")
@login_required
def download(number: str, document_id: str):
    abort(404)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
