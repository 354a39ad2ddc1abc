"""The typed outbox's delivering side, the same code behind the inline queue and the rq worker.

One retry mechanism for every kind (``domain.retries.RetryPolicy``): a delivery claims the item under a
lease and counts the attempt; success marks it done and drops its payload; failure frees it until a
backoff with jitter, or after the last attempt marks it dead. The relay hands the queue what is due:
items never handed over, lost by the queue, or waiting for their retry.

Two kinds of handler:
- *senders* talk to the world (SMS provider, mail server): at least once, each delivery carrying the
  item's id as its reference, so a receiver can drop the duplicate a crash between "the provider took it"
  and "marked done" may cause;
- *steps* change only our own data (a background look-up): run in the same transaction that marks the
  item done, so exactly once.
"""
from __future__ import annotations

import contextlib
import functools
import json
import logging
import random
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from areaclienti.domain.retries import RetryPolicy

from .notifications import DELIVER_TASK, REQUEST_ID_KEY
from .ports.clock import Clock
from .ports.core_system import CoreSystemUnavailable
from .ports.notifications import EmailSender, OutgoingEmail, OutgoingSms, SmsSender
from .ports.queue import TaskQueue
from .ports.repositories import OutboxItem, OutboxKind, OutboxStatus
from .ports.security import SecretBox
from .ports.unit_of_work import UnitOfWork
from .tracing import current_request_id, request_id, set_current_request_id

log = logging.getLogger(__name__)
RELAY_TASK = "relay_outbox"
ERROR_LENGTH = 500

Sender = Callable[[str, dict[str, Any]], None]  # (item id, payload)
# Entered around the sends of one batch (a sender's ``batch()``: one SMTP connection for the batch).
BatchScope = Callable[[], contextlib.AbstractContextManager[Any]]
# A batch's sends go over this many lanes at once: most of an email's time is waiting on the mail server
# (four round trips on an open connection), and the lanes overlap those waits.
DEFAULT_LANES = 4
# Each lane marks what it sent as done every this many items: a worker killed mid-batch sends again at most
# LANES × COMPLETE_EVERY messages (those sent and not yet marked), not the whole batch.
COMPLETE_EVERY = 5
Step = Callable[..., None]  # (uow, now=…, **payload), inside the transaction that completes the item


def _keeping_request_id(method: Callable[..., Any]) -> Callable[..., Any]:
    """The request id items set while they are delivered ends with the task (the worker's next lines,
    or the web request that ran the task in-process, keep their own)."""
    @functools.wraps(method)
    def kept(*args: Any, **kwargs: Any) -> Any:
        with request_id(current_request_id()):
            return method(*args, **kwargs)

    return kept


class UnknownTask(Exception):
    pass


class PermanentFailure(Exception):
    """Trying again cannot help: the item is marked dead at once."""


class NoHandler(PermanentFailure):
    """An item of a kind nothing handles: it is never guessed at (nor sent as an email)."""


class Unreadable(PermanentFailure):
    """The sealed payload was altered, or sealed with another application key."""


def sms_handler(sender: SmsSender) -> Sender:
    return lambda item_id, p: sender.send(OutgoingSms(to=p["to"], text=p["text"], reference=item_id))


def email_handler(sender: EmailSender) -> Sender:
    return lambda item_id, p: sender.send(
        OutgoingEmail(to=p["to"], subject=p["subject"], body=p["body"], reference=item_id))


class TaskRunner:
    """Runs the queue's two tasks: deliver one outbox item, relay the due ones."""

    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        clock: Clock,
        box: SecretBox,
        policy: RetryPolicy,
        queue: Callable[[], TaskQueue],
        senders: Mapping[OutboxKind, Sender],
        steps: Mapping[OutboxKind, Step] | None = None,
        random_fraction: Callable[[], float] = random.random,
        batch_scopes: Sequence[BatchScope] = (),
        lanes: int = DEFAULT_LANES,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._box = box
        self._policy = policy
        self._queue = queue
        self._senders = dict(senders)
        self._steps = dict(steps or {})
        self._random = random_fraction
        self._batch_scopes = list(batch_scopes)
        self._lanes = max(1, lanes)
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    @_keeping_request_id
    def run(self, task: str, kwargs: dict[str, Any]) -> Any:
        """Run one named task with its keyword arguments."""
        if task == DELIVER_TASK:
            return self.deliver(**kwargs)
        if task == RELAY_TASK:
            return self.relay(**kwargs)
        raise UnknownTask(task)

    @_keeping_request_id
    def run_batch(self, task: str, calls: Sequence[dict[str, Any]]) -> Any:
        """Run several calls of one task (a queue that batches hands them over together)."""
        if task == DELIVER_TASK:
            return self.deliver_many([call["item_id"] for call in calls])
        return [self.run(task, call) for call in calls]

    def deliver_many(self, item_ids: Iterable[str]) -> int:
        """Deliver a batch of items: one claim for all, the sends spread over a few lanes (threads) that
        each hold the senders' connections for the batch, one completion for all that went. Each item
        keeps its own attempts and backoff: one that fails is retried alone, the batch goes on. How many
        were done now."""
        now = self._clock.now()
        with self._uow_factory() as uow:
            items = uow.outbox.claim_many(list(item_ids), now=now, lease_until=now + self._policy.lease)
            uow.commit()
        if not items:
            return 0
        lanes = [items[n::self._lanes] for n in range(min(self._lanes, len(items)))]
        if len(lanes) == 1:
            return self._deliver_lane(lanes[0])
        return sum(self._lane_pool().map(self._deliver_lane, lanes))

    def _complete(self, sent: list[OutboxItem]) -> int:
        """Mark items sent as done in one statement (only under their own claim); how many were."""
        if not sent:
            return 0
        with self._uow_factory() as uow:
            completed = uow.outbox.complete_many([(item.id, item.attempts) for item in sent],
                                                 now=self._clock.now())
            uow.commit()
        for item in sent:
            if item.id not in completed:
                log.warning("outbox item %s delivered after its lease ran out (another attempt began)", item.id)
        return len(completed)

    def _deliver_lane(self, items: Sequence[OutboxItem]) -> int:
        """Send one lane's items in turn, the senders' batch scopes held around them, marking them done every
        ``COMPLETE_EVERY`` sends (steps complete in their own transaction); how many were done."""
        sent: list[OutboxItem] = []
        done = 0
        with contextlib.ExitStack() as scopes:
            for scope in self._batch_scopes:
                scopes.enter_context(scope())
            for item in items:
                try:
                    payload = self._open(item)
                    if item.kind in self._steps:  # our own data: its own transaction, exactly once
                        done += self._run_step(item, payload)
                        continue
                    if item.kind not in self._senders:
                        raise NoHandler(item.kind)
                    self._senders[item.kind](item.id, payload)
                except Exception as error:
                    self._failed(item, error)
                else:
                    sent.append(item)
                    if len(sent) >= COMPLETE_EVERY:
                        done += self._complete(sent)
                        sent = []
        return done + self._complete(sent)

    def _lane_pool(self) -> ThreadPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self._lanes, thread_name_prefix="areaclienti-lane")
            return self._pool

    def deliver(self, item_id: str) -> bool:
        """Deliver one item unless it is done, dead or held by another worker; True when done now."""
        now = self._clock.now()
        with self._uow_factory() as uow:
            item = uow.outbox.claim(item_id, now=now, lease_until=now + self._policy.lease)
            uow.commit()
        if item is None:
            return False
        try:
            payload = self._open(item)
            if item.kind in self._steps:
                return self._run_step(item, payload)
            if item.kind not in self._senders:
                raise NoHandler(item.kind)
            self._senders[item.kind](item.id, payload)
        except Exception as error:
            self._failed(item, error)
            return False
        with self._uow_factory() as uow:
            completed = uow.outbox.complete(item.id, attempt=item.attempts, now=self._clock.now())
            uow.commit()
        if not completed:
            log.warning("outbox item %s delivered after its lease ran out (another attempt began)", item.id)
        return completed

    def _open(self, item: OutboxItem) -> dict[str, Any]:
        # From here until the next item, log lines (and the items a step writes) name the request this
        # item comes from; ``_keeping_request_id`` ends it with the task.
        set_current_request_id(None)
        try:
            payload = json.loads(self._box.open(item.sealed_payload or ""))
        except ValueError as error:
            raise Unreadable(str(error)) from error
        origin = payload.pop(REQUEST_ID_KEY, None)
        if origin:
            set_current_request_id(origin)
            log.info("outbox item %s (%s) of request %s", item.id, item.kind.value, origin)
        return payload

    def _run_step(self, item: OutboxItem, payload: dict[str, Any]) -> bool:
        with self._uow_factory() as uow:
            self._steps[item.kind](uow, now=self._clock.now(), **payload)
            if not uow.outbox.complete(item.id, attempt=item.attempts, now=self._clock.now()):
                return False  # taken over meanwhile: roll back, the other attempt does the work once
            uow.commit()
        return True

    def _failed(self, item: OutboxItem, error: Exception) -> None:
        now = self._clock.now()
        retry_at = None if isinstance(error, PermanentFailure) else (
            self._policy.next_attempt_at(item.attempts, now, self._random()))
        if retry_at is None and isinstance(error, CoreSystemUnavailable):
            # An outage of the core system is waited out, however long: the hand-off goes when it is back
            # (tried at most ``max_delay`` apart), never dead while the request is still the customer's.
            retry_at = now + self._policy.delay(item.attempts, self._random())
        described = f"{type(error).__name__}: {error}"[:ERROR_LENGTH]
        with self._uow_factory() as uow:
            uow.outbox.fail(item.id, attempt=item.attempts, retry_at=retry_at, error=described)
            uow.commit()
        if retry_at is None:
            log.error("outbox item %s (%s) is dead after %d attempts: %s", item.id, item.kind.value,
                      item.attempts, described)
        else:
            log.warning("outbox item %s (%s) failed (attempt %d), next at %s: %s", item.id, item.kind.value,
                        item.attempts, retry_at.isoformat(), described)

    def relay(self, limit: int = 500) -> int:
        """Hand the queue every item due (never handed over, lost by the queue, or due a retry); how many.

        The items are postponed by the visibility timeout before they are handed over, so a relay
        running again meanwhile does not queue them twice; if the queue refuses, the rest are released.
        """
        now = self._clock.now()
        with self._uow_factory() as uow:
            due = uow.outbox.due(now=now, limit=limit)
            uow.outbox.postpone(due, until=now + self._policy.visibility_timeout)
            uow.commit()
        queue = self._queue()
        for n, item_id in enumerate(due):
            try:
                queue.enqueue(DELIVER_TASK, item_id=item_id)
            except Exception:
                with self._uow_factory() as uow:
                    uow.outbox.postpone(due[n:], until=now)
                    uow.commit()
                raise
        return len(due)

    def dead(self, limit: int = 100) -> list[OutboxItem]:
        with self._uow_factory() as uow:
            return uow.outbox.dead(limit=limit)

    def revive(self, item_id: str) -> bool:
        """Give a dead item a new round of attempts; the relay hands it over."""
        with self._uow_factory() as uow:
            revived = uow.outbox.revive(item_id, now=self._clock.now())
            uow.commit()
        return revived

    def counts(self) -> dict[OutboxStatus, int]:
        with self._uow_factory() as uow:
            return uow.outbox.counts()
