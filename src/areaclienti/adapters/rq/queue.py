"""The task queue on rq and Redis: what the web process enqueues, ``areaclienti worker`` runs."""
from __future__ import annotations

import json
from typing import Any

import redis
from rq import Queue

from areaclienti.app.ports.queue import TaskQueue

DEFAULT_QUEUE_NAME = "areaclienti"
# Named by string so that adapters do not import entrypoints; rq imports it in the worker.
DEFAULT_JOB_FUNCTION = "areaclienti.entrypoints.worker.run_task"
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
    ) -> None:
        self.queue = Queue(queue_name, connection=connection)
        self._job_function = job_function

    def enqueue(self, task: str, **kwargs: Any) -> None:
        # Round-trip through JSON: the worker sees exactly what the in-memory queues give the runner,
        # and a datetime or an object slipped into kwargs fails here, in the caller, not in the worker.
        payload = json.loads(json.dumps(kwargs))
        self.queue.enqueue_call(
            func=self._job_function,
            args=(task, payload),
            result_ttl=RESULT_TTL,
            failure_ttl=FAILURE_TTL,
            description=task,
        )
