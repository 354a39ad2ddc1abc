"""``GET /health``: what a load balancer or a monitor asks before sending customers here.

200 when the database, Redis (when configured), the core system and the file storage all answer; 503
naming the parts that do not. The checks run at once, each in a thread of its own, and the answer comes
within ``CHECK_TIMEOUT_S`` whatever hangs (a part still silent then is ``timeout``). No authentication,
so nothing in the answer but each part's state: the errors themselves go to the log.
"""
from __future__ import annotations

import io
import logging
import threading
import time
from collections.abc import Callable

from flask import Blueprint, Flask, jsonify
from sqlalchemy import text

from .helpers import container

log = logging.getLogger(__name__)
CHECK_TIMEOUT_S = 2.0
OK, DOWN, TIMEOUT, NOT_CONFIGURED = "ok", "down", "timeout", "not configured"

bp = Blueprint("health", __name__)


def _database(engine) -> None:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1")).scalar_one()


def _storage(storage) -> None:
    # A write and a delete through the port: a full or read-only disk, or a bucket refusing us, shows.
    storage.delete(storage.put(io.BytesIO(b"health")))


def checks_of(c) -> dict[str, Callable[[], object] | None]:
    """Each part's check (None: the part is not configured here)."""
    return {
        "database": lambda: _database(c.engine()),
        "redis": (lambda: c.redis().ping()) if c.settings().redis_url else None,
        "core_system": lambda: c.core_system().ping(),
        "storage": lambda: _storage(c.storage()),
    }


def run_checks(checks: dict[str, Callable[[], object] | None], timeout: float = CHECK_TIMEOUT_S) -> dict[str, str]:
    """Every check at once; each part's state."""
    results: dict[str, str] = {name: NOT_CONFIGURED for name, check in checks.items() if check is None}

    def run(name: str, check: Callable[[], object]) -> None:
        try:
            check()
        except Exception as error:
            log.warning("health: %s down: %s", name, (str(error) or type(error).__name__).splitlines()[0])
            results[name] = DOWN
        else:
            results[name] = OK

    # Daemon threads: a check hanging past the deadline never holds the process when it stops.
    threads = [threading.Thread(target=run, args=(name, check), name=f"health-{name}", daemon=True)
               for name, check in checks.items() if check is not None]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    for name in checks:
        if name not in results:
            log.warning("health: %s did not answer within %.1f s", name, timeout)
            results[name] = TIMEOUT
    return {name: results[name] for name in checks}


@bp.get("/health")
def health():
    parts = run_checks(checks_of(container()))
    failing = [name for name, state in parts.items() if state not in (OK, NOT_CONFIGURED)]
    response = jsonify(status="unavailable" if failing else "ok", failing=failing, checks=parts)
    response.status_code = 503 if failing else 200
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
