"""Routes for ``bench/pages.py`` only, registered when ``AREACLIENTI_BENCH_ROUTES=1`` (never by default).

They are the two yardsticks the customer pages are measured against, served by the same worker:
- ``/_bench/bare/``: a bare Flask application mounted beside the app (no session, Babel, CSRF or
  security headers): what gunicorn and Flask cost alone;
- ``/_bench/una-query/<account_id>``: one SELECT through the app's engine and one template in the site's
  layout, with every hook of the app: the floor of a page that reads the database.
"""
from __future__ import annotations

from flask import Blueprint, Flask, abort, render_template
from sqlalchemy import select
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from areaclienti.adapters.sqlalchemy.tables import accounts

from .helpers import container

BARE_PREFIX = "/_bench/bare"

bp = Blueprint("bench", __name__)


@bp.get("/_bench/una-query/<account_id>")
def one_query(account_id: str):
    with container().engine().connect() as connection:
        row = connection.execute(
            select(accounts.c.status, accounts.c.created_at).where(accounts.c.id == account_id)).first()
    if row is None:
        abort(404)
    return render_template("bench/one_query.html", status=row.status, created_at=row.created_at)


def _bare_app() -> Flask:
    bare = Flask("areaclienti_bench_bare")

    @bare.get("/")
    def ok():
        return "ok"

    return bare


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {BARE_PREFIX: _bare_app()})  # type: ignore[method-assign]
