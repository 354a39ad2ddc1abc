"""The unit of work on SQLAlchemy: one connection and its transaction per ``with`` block."""
from __future__ import annotations

from sqlalchemy import Connection, Engine

from areaclienti.app.ports.unit_of_work import UnitOfWork

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


class SqlAlchemyUnitOfWork(UnitOfWork):
    """Every repository shares the block's connection; after a commit the next statement begins anew."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Connection | None = None

    def _begin(self) -> None:
        if self._connection is not None:
            raise RuntimeError("this unit of work is already open")
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

    def rollback(self) -> None:
        if self._connection is not None:
            self._connection.rollback()

    def _end(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
