"""The unit of work in memory: many of them (one per use-case call) share one ``InMemoryStore``."""
from __future__ import annotations

from areaclienti.app.ports.unit_of_work import UnitOfWork

from .repositories import (
    InMemoryAccountRepository,
    InMemoryAttachmentRepository,
    InMemoryAuditLog,
    InMemoryConsentRepository,
    InMemoryRateCounters,
    InMemoryTicketRepository,
    InMemoryIdentificationRepository,
    InMemoryLinkRepository,
    InMemoryOperatorRepository,
    InMemoryOtpRepository,
    InMemoryOutbox,
    InMemoryRequestRepository,
    InMemorySessionRepository,
    InMemoryStore,
    InMemoryThrottleRepository,
    Transaction,
)


class InMemoryUnitOfWork(UnitOfWork):
    """One transaction over an ``InMemoryStore``; after a commit or rollback the next one starts."""

    def __init__(self, store: InMemoryStore | None = None) -> None:
        self.store = store if store is not None else InMemoryStore()
        self._txn: Transaction | None = None
        self.accounts = InMemoryAccountRepository(self._transaction)
        self.otps = InMemoryOtpRepository(self._transaction)
        self.links = InMemoryLinkRepository(self._transaction)
        self.throttles = InMemoryThrottleRepository(self._transaction)
        self.audit = InMemoryAuditLog(self._transaction)
        self.outbox = InMemoryOutbox(self._transaction)
        self.sessions = InMemorySessionRepository(self._transaction)
        self.identifications = InMemoryIdentificationRepository(self._transaction)
        self.operators = InMemoryOperatorRepository(self._transaction)
        self.requests = InMemoryRequestRepository(self._transaction)
        self.attachments = InMemoryAttachmentRepository(self._transaction)
        self.consents = InMemoryConsentRepository(self._transaction)
        self.tickets = InMemoryTicketRepository(self._transaction)
        self.rate_counters = InMemoryRateCounters(self._transaction)

    def _transaction(self) -> Transaction:
        if self._txn is None:
            raise RuntimeError("use the unit of work inside a `with` block")
        return self._txn

    def _begin(self) -> None:
        if self._txn is not None:
            raise RuntimeError("this unit of work is already open")
        self._txn = self.store.begin()

    def _commit(self) -> None:
        txn = self._transaction()
        self._txn = self.store.begin()
        txn.commit()

    def rollback(self) -> None:
        if self._txn is not None:
            self._txn.rollback()

    def _end(self) -> None:
        if self._txn is not None:
            self._txn.rollback()
            self._txn = None
