"""The work the task queue runs: the same code behind the inline queue and the rq worker."""
from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from .notifications import DELIVER_TASK
from .ports.clock import Clock
from .ports.notifications import EmailSender, OutgoingEmail, OutgoingSms, SmsSender
from .ports.queue import TaskQueue
from .ports.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)
RELAY_TASK = "relay_outbox"


class UnknownTask(Exception):
    pass


class TaskRunner:
    """Delivers outbox messages, and runs the background halves of use cases (``handlers``) by name."""

    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        sms_sender: SmsSender,
        email_sender: EmailSender,
        clock: Clock,
        queue: Callable[[], TaskQueue],
        handlers: Mapping[str, Callable[..., Any]] | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._sms = sms_sender
        self._email = email_sender
        self._clock = clock
        self._queue = queue
        self._handlers = dict(handlers or {})

    def run(self, task: str, kwargs: dict[str, Any]) -> Any:
        """Run one named task with its keyword arguments."""
        handlers = {DELIVER_TASK: self.deliver_message, RELAY_TASK: self.relay_outbox, **self._handlers}
        if task not in handlers:
            raise UnknownTask(task)
        return handlers[task](**kwargs)

    def deliver_message(self, message_id: str) -> bool:
        """Send one outbox message unless it was already sent; True when it was sent now.

        A failure raises, so the queue retries; a message is marked sent only after the provider took it
        (at least once: a crash between the two may send it twice, never zero times).
        """
        with self._uow_factory() as uow:
            message = uow.outbox.get(message_id)
            if message is None or message.sent_at is not None:
                return False
            uow.outbox.record_attempt(message_id)
            uow.commit()
        if message.channel == "sms":
            self._sms.send(OutgoingSms(to=message.recipient, text=message.body))
        else:
            self._email.send(OutgoingEmail(to=message.recipient, subject=message.subject, body=message.body))
        with self._uow_factory() as uow:
            uow.outbox.mark_sent(message_id, self._clock.now())
            uow.commit()
        return True

    def relay_outbox(self, older_than_seconds: int = 60, limit: int = 500) -> int:
        """Hand again to the queue the messages still unsent (the queue was down, a worker died)."""
        cutoff = self._clock.now() - timedelta(seconds=older_than_seconds)
        with self._uow_factory() as uow:
            pending = uow.outbox.pending(older_than=cutoff, limit=limit)
        queue = self._queue()
        for message in pending:
            queue.enqueue(DELIVER_TASK, message_id=message.id)
        return len(pending)
