"""The worker's side: rq jobs run ``run_task``; ``work`` keeps a worker alive through outages.

``areaclienti worker`` runs one rq ``SimpleWorker`` (jobs in the worker's own process, so the container
and its connections are built once) and, beside it, the periodic jobs (the outbox relay). When Redis goes
away the worker logs it once, waits with a growing backoff and starts again; when PostgreSQL goes away the
jobs fail and their items wait in the outbox for the relay. Nothing needs restarting by hand.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import redis

from areaclienti.app.notifications import OutageLog
from areaclienti.app.tasks import TaskRunner

from .config import Settings
from .container import Container, build_container

log = logging.getLogger(__name__)
# Expired sessions are harmless (refused when presented) but pile up: a sweep every few minutes is enough.
SESSION_PURGE_PERIOD_SECONDS = 600
_container: Container | None = None
_runner: tuple[Container, TaskRunner] | None = None


def _the_container() -> Container:
    global _container
    if _container is None:
        _container = build_container(Settings.from_env())
    return _container


def _the_runner() -> TaskRunner:
    # Built once per process: a TaskRunner (and the senders, SSL context and engine behind it) per job
    # cost more than the job.
    global _runner
    container = _the_container()
    if _runner is None or _runner[0] is not container:
        _runner = (container, container.task_runner())
    return _runner[1]


def run_task(task: str, kwargs: dict[str, Any]) -> Any:
    """Entry point of every rq job but the batches (see ``adapters.rq.queue.RqTaskQueue``)."""
    return _the_runner().run(task, kwargs)


def run_batch(task: str, queue_name: str) -> int:
    """Entry point of the jobs that wake a worker to drain a batched task's calls (the outbox
    deliveries, ``adapters.rq.queue.RqBatches``); how many calls it ran."""
    from rq import Queue, get_current_job

    from areaclienti.adapters.rq.queue import RqBatches

    job = get_current_job()
    connection = job.connection if job is not None else _the_container().redis()
    batches = RqBatches(Queue(queue_name, connection=connection))
    runner = _the_runner()
    return batches.drain(task, lambda calls: runner.run_batch(task, calls))


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    period_seconds: float
    run: Callable[[], Any]


def periodic_jobs(container: Container) -> list[PeriodicJob]:
    """What runs on a schedule: in production beside the worker, in the embedded default in-process."""
    settings = container.settings()
    return [
        PeriodicJob("outbox relay", settings.relay_period_seconds, lambda: container.task_runner().relay()),
        PeriodicJob("requests follow-up", settings.follow_up_period_seconds,
                    lambda: container.policy_requests().follow_up()),
        # The demo payment provider's own schedule (SEPA confirmations, notifications to post again).
        PeriodicJob("demo payment provider", settings.follow_up_period_seconds,
                    lambda: container.payment_provider().deliver_due()),
        PeriodicJob("expired sessions purge", SESSION_PURGE_PERIOD_SECONDS, lambda: container.session_purge()()),
    ]


class Schedule(threading.Thread):
    """Runs each job every ``period_seconds`` until ``stop`` is set; a failing job is logged once per
    outage (the database or Redis down) and tried again at its next turn."""

    def __init__(self, jobs: Sequence[PeriodicJob], stop: threading.Event) -> None:
        super().__init__(name="areaclienti-schedule", daemon=True)
        self._jobs = list(jobs)
        self._stopping = stop
        self._outages = {job.name: OutageLog(log, job.name) for job in self._jobs}

    def run(self) -> None:
        next_at = {job.name: 0.0 for job in self._jobs}
        while not self._stopping.is_set():
            for job in self._jobs:
                if time.monotonic() >= next_at[job.name]:
                    self.run_once(job)
                    next_at[job.name] = time.monotonic() + job.period_seconds
            wait = min(next_at.values()) - time.monotonic()
            self._stopping.wait(max(0.05, wait))

    def run_all_once(self) -> None:
        for job in self._jobs:
            self.run_once(job)

    def run_once(self, job: PeriodicJob) -> None:
        try:
            job.run()
        except Exception as error:
            self._outages[job.name].failed(error)
        else:
            self._outages[job.name].recovered()


_REDIS_DOWN = "could not connect to Redis instance"


class _OncePerOutage(logging.Filter):
    """rq retries a lost Redis by itself, logging an error at every try: one line per outage instead."""

    def __init__(self, outage: OutageLog) -> None:
        super().__init__()
        self.outage = outage

    def filter(self, record: logging.LogRecord) -> bool:
        if _REDIS_DOWN in str(record.msg):
            self.outage.failed(ConnectionError(record.getMessage().split(": ", 2)[-1]))
            return False
        return True


def _surviving_worker_class(outage: OutageLog, max_backoff: float):
    from rq import SimpleWorker

    class SurvivingWorker(SimpleWorker):
        """Runs jobs in its own process (the container is built once); says when Redis is back."""

        max_connection_wait_time = max_backoff

        def dequeue_job_and_maintain_ttl(self, *args, **kwargs):
            result = super().dequeue_job_and_maintain_ttl(*args, **kwargs)
            outage.recovered()
            return result

    return SurvivingWorker


def wait_for_database(prepare: Callable[[], Any], *, max_backoff: float = 5.0) -> None:
    """Run ``prepare`` (the migrations) until the database answers: a worker started during a PostgreSQL
    outage waits for it instead of exiting. A wrong statement still raises."""
    from areaclienti.adapters.sqlalchemy.database import is_unavailable

    outage = OutageLog(log, "PostgreSQL")
    backoff = 0.5
    while True:
        try:
            prepare()
        except Exception as error:
            if not is_unavailable(error):
                raise
            outage.failed(error)
            time.sleep(backoff)
            backoff = min(max_backoff, backoff * 2)
        else:
            outage.recovered()
            return


def work(container: Container, *, burst: bool = False, max_backoff: float = 5.0) -> None:
    """Run the rq worker and the schedule until the worker is stopped (SIGTERM/SIGINT: warm shutdown)."""
    global _container
    _container = container  # rq jobs in this process use the container already built
    settings = container.settings()
    stop = threading.Event()
    schedule = Schedule(periodic_jobs(container), stop)
    if burst:
        schedule.run_all_once()  # hand the queue what waits, then run it dry
    else:
        schedule.start()
    outage = OutageLog(log, "Redis")
    once = _OncePerOutage(outage)
    rq_log = logging.getLogger("rq.worker")
    rq_log.addFilter(once)
    worker_class = _surviving_worker_class(outage, max_backoff)
    backoff = 0.5
    try:
        while True:
            try:
                connection = container.redis()
                connection.ping()
                outage.recovered()
                backoff = 0.5
                worker_class([settings.queue_name], connection=connection).work(burst=burst)
                return  # the queue ran dry (burst) or the worker was asked to stop
            except (redis.ConnectionError, redis.TimeoutError) as error:  # what rq does not retry itself
                outage.failed(error)
                time.sleep(backoff)
                backoff = min(max_backoff, backoff * 2)
    finally:
        stop.set()
        rq_log.removeFilter(once)
