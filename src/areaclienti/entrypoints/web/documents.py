"""The «Documenti» page and the download of a policy's documents (R-INFO, IVASS Regolamento 41/2018 art. 42 c.3)."""
from __future__ import annotations

from io import BytesIO

from flask import Blueprint, Flask, g, render_template, send_file
from flask_babel import gettext as _
from werkzeug.utils import secure_filename

from areaclienti.domain.errors import NotFound
from areaclienti.domain.policy_information import PolicyDocument

from .helpers import container, error_page, login_required, signed_out

bp = Blueprint("documents", __name__)


@bp.get("/area-clienti/documenti")
@login_required
def list_documents():
    try:
        overview = container().policy_pages().documents(g.account_id)
    except NotFound:
        return signed_out()
    return render_template("documents.html", overview=overview, customer=overview.customer)


@bp.get("/area-clienti/polizze/<number>/documenti/<document_id>.pdf")
@login_required
def download(number: str, document_id: str):
    try:
        document, content = container().policy_pages().document(g.account_id, number, document_id)
    except NotFound:  # another customer's policy and an unknown document get the same answer
        return error_page(404, _("Il documento che cerchi non esiste."))
    response = send_file(BytesIO(content), mimetype="application/pdf", as_attachment=True,
                         download_name=download_name(document), max_age=0)
    response.headers["Cache-Control"] = "no-store"  # a personal document: no copy kept on the way or on disk
    return response


def download_name(document: PolicyDocument) -> str:
    """«Attestato di rischio» of DA20040117 issued on 26/10/2026 -> Attestato_di_rischio_DA20040117_2026-10-26.pdf"""
    title = document.title if document.policy_number in document.title else f"{document.title} {document.policy_number}"
    return secure_filename(f"{title} {document.issued_on.isoformat()}.pdf")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
