"""The id of the web request a piece of work comes from, so that the worker's log lines name it too.

The web layer sets it for the time of a request; the notifier stores it with each outbox item the request
writes, and the task runner sets it again while it delivers that item (whichever worker, whenever).
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_current: ContextVar[str | None] = ContextVar("areaclienti_request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request (or of the request that started the task) being served now, if any."""
    return _current.get()


@contextmanager
def request_id(value: str | None) -> Iterator[None]:
    """Name ``value`` as the current request id for the block (None: no request)."""
    token = _current.set(value)
    try:
        yield
    finally:
        _current.reset(token)


def set_current_request_id(value: str | None) -> None:
    """Name ``value`` from now on in this thread (the web's middleware: a request's body is sent after
    the call that started it returns, so no ``with`` block spans it)."""
    _current.set(value)
