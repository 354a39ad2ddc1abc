"""The unit of work on SQLAlchemy: one connection and its transaction per ``with`` block, or, inside a
``RequestScope``, the request's one connection and, while only reading, its one transaction."""
from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import DBAPIError, ResourceClosedError

from areaclienti.app.ports.unit_of_work import UnitOfWork

from .database import is_unavailable
from .repositories import (
    SqlAccountRepository,
    SqlAttachmentRepository,
    SqlAuditLog,
    SqlConsentRepository,
    SqlIdentificationRepository,
    SqlLinkRepository,
    SqlOperatorRepository,
    SqlOtpRepository,
    SqlOutbox,
    SqlRateCounters,
    SqlRequestRepository,
    SqlSessionRepository,
    SqlThrottleRepository,
    SqlTicketRepository,
)


log = logging.getLogger(__name__)
_WROTE = "areaclienti.wrote"  # in Connection.info: the open transaction has written (or locked) something


def _note_writes(conn: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
    if not conn.info.get(_WROTE):
        head = statement.lstrip()[:6].upper()
        if head != "SELECT" or "FOR UPDATE" in statement.upper():
            conn.info[_WROTE] = True


class _Shared:
    """The connection of one request, checked out at its first unit of work."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.connection: Connection | None = None
        self.busy = False  # a unit of work holds it: one opened inside that one gets a connection of its own

    def take(self) -> Connection:
        if self.connection is None:
            self.connection = self.engine.connect()
        self.busy = True
        return self.connection

    def close(self) -> None:
        connection, self.connection = self.connection, None
        if connection is None:
            return
        if not connection.invalidated:
            connection.info.pop(_WROTE, None)
        try:
            connection.close()  # rolls back what is still open: reads only, by then
        except DBAPIError as error:
            # The server dropped the connection after the page's last statement: the rollback of its reads
            # cannot reach it and has nothing to undo; the answer is already made. The pool discards it.
            if not is_unavailable(error):
                raise
            log.warning("the database connection of a request was lost as it ended: %s", error.__class__.__name__)
            try:  # usually done already by SQLAlchemy, which saw the disconnect and closed it
                connection.invalidate()
            except (DBAPIError, ResourceClosedError):
                pass


_scope: ContextVar[_Shared | None] = ContextVar("areaclienti_request_scope", default=None)


class RequestScope:
    """What one web request reads, it reads in one transaction (issue 14: one transaction a page).

    Units of work opened inside share one connection, taken at the first of them. One that only reads
    leaves the transaction open for the next, so the session, the account and the page's own reads are
    one BEGIN and one ROLLBACK; one that commits ends it (the next statement begins another), one that
    wrote or failed and did not commit rolls it back. A unit of work opened while another is open gets a
    connection of its own, as outside a scope: an inner rollback must never undo the outer's writes.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        if not event.contains(engine, "before_cursor_execute", _note_writes):
            event.listen(engine, "before_cursor_execute", _note_writes)

    @contextmanager
    def __call__(self) -> Iterator[None]:
        shared = _Shared(self._engine)
        token = _scope.set(shared)
        try:
            yield
        finally:
            _scope.reset(token)
            shared.close()


class SqlAlchemyUnitOfWork(UnitOfWork):
    """Every repository shares the block's connection; after a commit the next statement begins anew."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Connection | None = None
        self._shared: _Shared | None = None
        self._failed = False

    def __exit__(self, *exc_info: object) -> None:
        self._failed = exc_info[0] is not None
        super().__exit__(*exc_info)

    def _begin(self) -> None:
        if self._connection is not None:
            raise RuntimeError("this unit of work is already open")
        shared = _scope.get()
        if shared is not None and shared.engine is self._engine and not shared.busy:
            self._shared, self._failed = shared, False
            connection = self._connection = shared.take()
        else:
            connection = self._connection = self._engine.connect()
        self.accounts = SqlAccountRepository(connection)
        self.otps = SqlOtpRepository(connection)
        self.links = SqlLinkRepository(connection)
        self.throttles = SqlThrottleRepository(connection)
        self.audit = SqlAuditLog(connection)
        self.outbox = SqlOutbox(connection)
        self.sessions = SqlSessionRepository(connection)
        self.identifications = SqlIdentificationRepository(connection)
        self.operators = SqlOperatorRepository(connection)
        self.requests = SqlRequestRepository(connection)
        self.attachments = SqlAttachmentRepository(connection)
        self.consents = SqlConsentRepository(connection)
        self.tickets = SqlTicketRepository(connection)
        self.rate_counters = SqlRateCounters(connection)

    def _commit(self) -> None:
        if self._connection is None:
            raise RuntimeError("use the unit of work inside a `with` block")
        self._connection.commit()
        if self._shared is not None:
            self._connection.info.pop(_WROTE, None)

    def rollback(self) -> None:
        connection = self._connection
        if connection is None:
            return
        # In a request's scope, a transaction that only read stays open for the request's next reads.
        if self._shared is None or self._failed or connection.invalidated or connection.info.get(_WROTE):
            connection.rollback()
            if self._shared is not None and not connection.invalidated:
                connection.info.pop(_WROTE, None)

    def _end(self) -> None:
        if self._shared is not None:
            self._shared.busy = False
            self._shared = None
        elif self._connection is not None:
            self._connection.close()
        self._connection = None
