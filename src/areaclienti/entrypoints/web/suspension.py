"""Suspension and reactivation on the customer site (R-DISP-SUSP). Placeholder routes: being written (issue 11)."""
from __future__ import annotations

from flask import Blueprint, Flask, abort

from .helpers import login_required

bp = Blueprint("suspension", __name__)
SUSPENSION = "/area-clienti/polizze/<number>/sospensione"


@bp.get(SUSPENSION)
@login_required
def page(number: str):
    abort(404)


@bp.post("/area-clienti/richieste/<number>/ritira")
@login_required
def withdraw(number: str):
    abort(404)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
