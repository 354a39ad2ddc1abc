"""The task queue on rq and Redis: what the web process enqueues, ``areaclienti worker`` runs.

Most tasks are one rq job each. The outbox deliveries are not: one rq job costs the worker a few
milliseconds of its own (more than sending an email on an open connection), so each delivery is pushed on a
Redis list of its task and an rq job is enqueued only to wake a worker when none is on its way. The job
takes the list in batches (``RqBatches.drain``); the outbox's claim, not the list, keeps two workers from
sending one item twice, and an id lost with the list (Redis restarted empty, a worker killed holding a
batch) is handed over again by the relay, as a lost job was.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence
from typing import Any

import redis
from rq import Queue

from areaclienti.app.notifications import DELIVER_TASK
from areaclienti.app.ports.queue import TaskQueue

DEFAULT_QUEUE_NAME = "areaclienti"
# Named by string so that adapters do not import entrypoints; rq imports it in the worker.
DEFAULT_JOB_FUNCTION = "areaclienti.entrypoints.worker.run_task"
DEFAULT_BATCH_FUNCTION = "areaclienti.entrypoints.worker.run_batch"
BATCHED_TASKS = frozenset({DELIVER_TASK})
DEFAULT_BATCH_SIZE = 100
# While set, a wake-up job is on its way and a push enqueues none. It expires, so a wake-up lost between
# setting it and enqueueing (Redis failing at that instant) delays the list at most this long.
WAKE_UP_TTL_SECONDS = 10
RESULT_TTL = 60  # tasks return nothing worth keeping
FAILURE_TTL = 7 * 24 * 3600  # long enough for someone to look at a job that gave up


def redis_from_url(url: str) -> redis.Redis:
    """A Redis client for ``url`` (``redis://host:port/db``), as rq wants it (bytes, not decoded).

    A short connect timeout: with Redis down, a request that hands over an outbox item learns it at once
    (the item waits for the relay) instead of hanging.
    """
    return redis.Redis.from_url(url, decode_responses=False, socket_connect_timeout=2)


class RqTaskQueue(TaskQueue):
    """Enqueues ``job_function(task, kwargs)``; the worker maps names to use cases.

    No rq retries: retrying belongs to the outbox (``app/tasks.py``), which counts attempts, backs off
    and keeps what failed for good, whatever happens to Redis.
    """

    def __init__(
        self,
        connection: redis.Redis,
        queue_name: str = DEFAULT_QUEUE_NAME,
        job_function: str = DEFAULT_JOB_FUNCTION,
        batched_tasks: Collection[str] = BATCHED_TASKS,
        batch_function: str = DEFAULT_BATCH_FUNCTION,
    ) -> None:
        self.queue = Queue(queue_name, connection=connection)
        self._job_function = job_function
        self._batched = frozenset(batched_tasks)
        self.batches = RqBatches(self.queue, batch_function)

    def enqueue(self, task: str, **kwargs: Any) -> None:
        # Round-trip through JSON: the worker sees exactly what the in-memory queues give the runner,
        # and a datetime or an object slipped into kwargs fails here, in the caller, not in the worker.
        payload = json.loads(json.dumps(kwargs))
        if task in self._batched:
            self.batches.push(task, payload)
            return
        self.queue.enqueue_call(
            func=self._job_function,
            args=(task, payload),
            result_ttl=RESULT_TTL,
            failure_ttl=FAILURE_TTL,
            description=task,
        )


class RqBatches:
    """The calls of batched tasks: a Redis list per task, and rq jobs that only wake a worker to drain it.

    Ordering makes it safe without a lock: a push appends and then sets the wake-up flag (enqueueing a job
    when it was not set); a job clears the flag and then drains the list until it is empty. Whatever is
    pushed is drained by a job whose clearing comes after it, or wakes a new one.
    """

    def __init__(self, queue: Queue, batch_function: str = DEFAULT_BATCH_FUNCTION) -> None:
        self.queue = queue
        self._function = batch_function

    def _keys(self, task: str) -> tuple[str, str]:
        base = f"areaclienti:batched:{self.queue.name}:{task}"
        return f"{base}:calls", f"{base}:wake-up"

    def push(self, task: str, kwargs: dict[str, Any]) -> None:
        calls, flag = self._keys(task)
        with self.queue.connection.pipeline() as pipe:
            pipe.rpush(calls, json.dumps(kwargs))
            pipe.set(flag, 1, nx=True, ex=WAKE_UP_TTL_SECONDS)
            _, woken = pipe.execute()
        if woken:
            self._wake_up(task, flag)

    def _wake_up(self, task: str, flag: str) -> None:
        try:
            self.queue.enqueue_call(func=self._function, args=(task, self.queue.name), result_ttl=RESULT_TTL,
                                    failure_ttl=FAILURE_TTL, description=f"{task} (batch)")
        except Exception:
            self.queue.connection.delete(flag)
            raise

    def pending(self, task: str) -> int:
        """How many calls wait in the list."""
        return self.queue.connection.llen(self._keys(task)[0])

    def drain(self, task: str, run: Callable[[Sequence[dict[str, Any]]], Any], *,
              size: int = DEFAULT_BATCH_SIZE) -> int:
        """Take the calls of ``task`` in batches of at most ``size`` and run each batch, until none is
        left; how many calls. A full batch wakes another worker too, so several share a long list; and
        if ``run`` raises (PostgreSQL down), that batch waits for the relay while the rest of the list
        has a job on its way (the one a full batch woke, or the one a later push woke)."""
        calls, flag = self._keys(task)
        connection = self.queue.connection
        connection.delete(flag)
        taken = 0
        while True:
            raw = connection.lpop(calls, size) or []
            if not raw:
                return taken
            if len(raw) == size and connection.set(flag, 1, nx=True, ex=WAKE_UP_TTL_SECONDS):
                self._wake_up(task, flag)
            taken += len(raw)
            run([json.loads(call) for call in raw])
