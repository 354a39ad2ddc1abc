from __future__ import annotations

import abc
import logging
from collections.abc import Callable

from .repositories import (
    AccountRepository,
    AttachmentRepository,
    AuditLog,
    ConsentRepository,
    IdentificationRepository,
    LinkRepository,
    OperatorRepository,
    OtpRepository,
    Outbox,
    RateCounters,
    RequestRepository,
    SessionRepository,
    ThrottleRepository,
    TicketRepository,
)

log = logging.getLogger(__name__)


class UnitOfWork(abc.ABC):
    """One transaction over every repository; rolls back unless committed.

    ``on_commit`` callbacks run after a successful commit (to hand outbox messages to the queue).
    """

    accounts: AccountRepository
    otps: OtpRepository
    links: LinkRepository
    throttles: ThrottleRepository
    audit: AuditLog
    outbox: Outbox
    sessions: SessionRepository
    identifications: IdentificationRepository
    operators: OperatorRepository
    requests: RequestRepository
    attachments: AttachmentRepository
    consents: ConsentRepository
    tickets: TicketRepository
    rate_counters: RateCounters

    def __enter__(self) -> "UnitOfWork":
        self._after_commit: list[Callable[[], None]] = []
        self._begin()
        return self

    def __exit__(self, *exc_info: object) -> None:
        try:
            self.rollback()
        finally:
            self._end()

    def commit(self) -> None:
        self._commit()
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            try:
                callback()
            except Exception:  # the change is committed; the relay picks up what was not handed on
                log.exception("after-commit callback failed")

    def on_commit(self, callback: Callable[[], None]) -> None:
        self._after_commit.append(callback)

    @abc.abstractmethod
    def _begin(self) -> None:
        """Open the transaction and the repositories."""

    @abc.abstractmethod
    def _commit(self) -> None:
        """Make the transaction's changes durable."""

    @abc.abstractmethod
    def rollback(self) -> None:
        """Drop what was not committed (harmless after a commit)."""

    def _end(self) -> None:
        """Release the connection (override when there is one)."""
