"""SMS and emails leave through the outbox: written in the transaction, delivered by the task queue.

So a request never waits on (or fails because of) the SMS provider or the mail server, and known and
unknown identities answer alike.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from .ports.queue import TaskQueue
from .ports.repositories import OutboxMessage
from .ports.unit_of_work import UnitOfWork

DELIVER_TASK = "deliver_message"


class Notifier:
    def __init__(self, queue: TaskQueue, new_id: Callable[[], str]) -> None:
        self._queue = queue
        self._new_id = new_id

    def sms(self, uow: UnitOfWork, *, to: str, text: str, now: datetime) -> None:
        """Queue an SMS; it is handed to the task queue once ``uow`` commits."""
        self._add(uow, OutboxMessage(self._new_id(), "sms", to, "", text, now))

    def email(self, uow: UnitOfWork, *, to: str, subject: str, body: str, now: datetime) -> None:
        """Queue an email; it is handed to the task queue once ``uow`` commits."""
        self._add(uow, OutboxMessage(self._new_id(), "email", to, subject, body, now))

    def _add(self, uow: UnitOfWork, message: OutboxMessage) -> None:
        uow.outbox.add(message)
        uow.on_commit(lambda: self._queue.enqueue(DELIVER_TASK, message_id=message.id))
