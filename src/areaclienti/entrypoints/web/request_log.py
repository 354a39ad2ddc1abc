"""One log line per request (method, path, status, duration, request id) and the request id itself.

The id comes from the proxy's ``X-Request-Id`` when it is well formed, else it is made here; it is sent
back in the response's ``X-Request-Id``, named by every log line written while the request is served,
and stored with the outbox items the request writes, so the worker's lines about them name it too.
The path is logged without its query string, and a link's token in it (``<token>`` in a route) as ``…``:
a usable secret must not end up in the logs.
"""
from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable

from flask import Flask, request

from areaclienti.app.tracing import set_current_request_id

log = logging.getLogger("areaclienti.request")
HEADER = "X-Request-Id"
ENVIRON_KEY = "areaclienti.request_id"
LOGGED_PATH_KEY = "areaclienti.logged_path"
SECRET_ROUTE_VALUES = ("token",)
# What proxies send (a UUID, nginx's 32 hex digits, a ULID…): letters, digits and a few separators.
WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")


def request_id_of(environ: dict) -> str:
    """The incoming ``X-Request-Id`` when well formed, else a new one (32 hex digits)."""
    incoming = environ.get("HTTP_X_REQUEST_ID", "")
    return incoming if WELL_FORMED.fullmatch(incoming) else uuid.uuid4().hex


class RequestLog:
    """WSGI middleware, outermost: its duration covers reading the session, the view and saving the
    session, until the response starts (a streamed download's sending is not in it)."""

    def __init__(self, app: Callable) -> None:
        self.app = app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        started = time.perf_counter()
        request_id = environ[ENVIRON_KEY] = request_id_of(environ)
        set_current_request_id(request_id)
        status: list[str] = []

        def start(code: str, headers: list, exc_info=None):
            status[:] = [code]
            headers = [(name, value) for name, value in headers if name.lower() != HEADER.lower()]
            headers.append((HEADER, request_id))
            return start_response(code, headers, exc_info)

        def done() -> None:
            code = int(status[0].split(" ", 1)[0]) if status else 500
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            method = environ.get("REQUEST_METHOD", "")
            path = environ.get(LOGGED_PATH_KEY) or environ.get("PATH_INFO", "")
            log.info("%s %s %s %.1f ms", method, path, code, duration_ms, extra={
                "request_id": request_id,
                "fields": {"method": method, "path": path, "status": code, "duration_ms": duration_ms},
            })
            set_current_request_id(None)  # the thread's next request, or the server's own lines, are not this one's

        try:
            body = self.app(environ, start)
        except BaseException:
            status[:] = status or ["500 INTERNAL SERVER ERROR"]
            raise
        finally:
            done()
        return body


def install(app: Flask) -> None:
    """The request log around everything else of ``app``, and its secrets out of the logged paths."""
    app.wsgi_app = RequestLog(app.wsgi_app)  # type: ignore[method-assign]

    @app.url_value_preprocessor
    def _hide_secrets(endpoint: str | None, values: dict | None) -> None:
        # Runs right after the URL is matched, before any hook that could refuse the request.
        secrets = [str(values[name]) for name in SECRET_ROUTE_VALUES if values and values.get(name)]
        if secrets:
            path = request.path
            for secret in secrets:
                path = path.replace(secret, "…")
            request.environ[LOGGED_PATH_KEY] = path
