"""The typed outbox's writing side: every piece of work a request starts leaves through it.

An item (an SMS, an email, a background look-up…) is written in the same transaction as the change that
caused it, its payload sealed at rest, and handed to the task queue once that transaction commits. If the
queue cannot take it (Redis down), nothing is lost: the relay hands it over when its visibility timeout
runs out (``app/tasks.py``). A request never waits on, or fails because of, the SMS provider, the mail
server or Redis, and known and unknown identities cost the request the same: one row.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from areaclienti.domain.retries import RetryPolicy

from .ports.queue import TaskQueue
from .ports.repositories import OutboxItem, OutboxKind
from .ports.security import SecretBox
from .ports.unit_of_work import UnitOfWork
from .tracing import current_request_id

log = logging.getLogger(__name__)
DELIVER_TASK = "deliver_outbox_item"
# The id of the web request that wrote an item, kept in its sealed payload: the worker logs it (app.tracing).
REQUEST_ID_KEY = "_request_id"


class OutageLog:
    """Logs a dependency's failure once per outage, and its recovery once, instead of every time."""

    def __init__(self, logger: logging.Logger, what: str) -> None:
        self._log = logger
        self._what = what
        self.down = False

    def failed(self, error: BaseException) -> None:
        if not self.down:
            self.down = True
            self._log.warning("%s unreachable (%s): retrying", self._what, error)

    def recovered(self) -> None:
        if self.down:
            self.down = False
            self._log.warning("%s reachable again", self._what)


class Notifier:
    def __init__(
        self,
        queue: Callable[[], TaskQueue],
        new_id: Callable[[], str],
        box: SecretBox,
        policy: RetryPolicy,
        uow_factory: Callable[[], UnitOfWork],
    ) -> None:
        self._queue = queue
        self._new_id = new_id
        self._box = box
        self._policy = policy
        self._uow_factory = uow_factory
        self._queue_outage = OutageLog(log, "task queue")

    def sms(self, uow: UnitOfWork, *, to: str, text: str, now: datetime) -> str:
        """Queue an SMS; it is handed to the task queue once ``uow`` commits."""
        return self.add(uow, OutboxKind.SMS, {"to": to, "text": text}, now=now)

    def email(self, uow: UnitOfWork, *, to: str, subject: str, body: str, now: datetime) -> str:
        """Queue an email; it is handed to the task queue once ``uow`` commits."""
        return self.add(uow, OutboxKind.EMAIL, {"to": to, "subject": subject, "body": body}, now=now)

    def add(self, uow: UnitOfWork, kind: OutboxKind, payload: dict[str, Any], *, now: datetime) -> str:
        """Write one item of ``kind`` in ``uow``'s transaction; its id."""
        origin = current_request_id()
        if origin:
            payload = {**payload, REQUEST_ID_KEY: origin}
        item = OutboxItem(
            id=self._new_id(),
            kind=kind,
            sealed_payload=self._box.seal(json.dumps(payload).encode()),
            created_at=now,
            # Handed to the queue at commit: the relay leaves it alone until the visibility timeout.
            available_at=now + self._policy.visibility_timeout,
        )
        uow.outbox.add(item)
        uow.on_commit(lambda: self._hand_over(item.id, now))
        return item.id

    def _hand_over(self, item_id: str, now: datetime) -> None:
        try:
            self._queue().enqueue(DELIVER_TASK, item_id=item_id)
        except Exception as error:  # the queue is down: the relay hands the item over when it is back
            self._queue_outage.failed(error)
            self._release(item_id, now)
        else:
            self._queue_outage.recovered()

    def _release(self, item_id: str, now: datetime) -> None:
        """Make the item the relay's at once rather than after the visibility timeout (best effort)."""
        try:
            with self._uow_factory() as uow:
                uow.outbox.postpone([item_id], until=now)
                uow.commit()
        except Exception:
            log.exception("could not release outbox item %s; the relay takes it after the timeout", item_id)
