"""Surrender on the customer site (R-DISP-SURR). Placeholder routes: being written (issue 11)."""
from __future__ import annotations

from flask import Blueprint, Flask, abort

from .helpers import login_required

bp = Blueprint("surrender", __name__)
SURRENDER = "/area-clienti/polizze/<number>/riscatto"


@bp.get(SURRENDER)
@login_required
def form(number: str):
    abort(404)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
