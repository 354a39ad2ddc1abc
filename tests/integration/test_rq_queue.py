"""RqTaskQueue against the real Redis server: a job enqueued here runs in an rq worker."""
from __future__ import annotations

import json
import os
import uuid

import pytest

pytestmark = pytest.mark.redis

REDIS_URL = os.environ.get("AREACLIENTI_TEST_REDIS_URL")
PROBE = f"{__name__}.probe"
FAILING_PROBE = f"{__name__}.failing_probe"


def probe(task: str, kwargs: dict) -> None:
    """The job function the worker runs: writes what it received where the test can read it."""
    from rq import get_current_job

    job = get_current_job()
    assert job is not None
    job.connection.set(kwargs["result_key"], json.dumps({"task": task, "kwargs": kwargs}), ex=60)


def failing_probe(task: str, kwargs: dict) -> None:
    raise ConnectionError("mail server down (probe)")


@pytest.fixture
def redis_connection():
    if not REDIS_URL:
        if os.environ.get("AREACLIENTI_REQUIRE_SERVICES") == "1":
            pytest.fail("AREACLIENTI_REQUIRE_SERVICES=1 but AREACLIENTI_TEST_REDIS_URL is not set")
        pytest.skip("AREACLIENTI_TEST_REDIS_URL is not set")
    from areaclienti.adapters.rq.queue import redis_from_url

    connection = redis_from_url(REDIS_URL)
    try:
        connection.ping()
    except Exception as exc:
        pytest.fail(f"Redis at {REDIS_URL} does not answer: {exc}")
    yield connection
    connection.close()


@pytest.fixture
def queue_name(redis_connection):
    # One queue per test, so parallel runs on the same Redis database never take each other's jobs.
    name = f"areaclienti-test-{uuid.uuid4().hex}"
    yield name
    from rq import Queue

    queue = Queue(name, connection=redis_connection)
    for registry in (queue.scheduled_job_registry, queue.failed_job_registry,
                     queue.finished_job_registry, queue.started_job_registry):
        for job_id in registry.get_job_ids():
            registry.remove(job_id, delete_job=True)
    queue.delete(delete_jobs=True)


def run_burst(connection, queue):
    from rq import SimpleWorker

    worker = SimpleWorker([queue], connection=connection)
    worker.work(burst=True)


def test_an_enqueued_task_runs_in_the_worker_with_its_arguments(redis_connection, queue_name):
    from areaclienti.adapters.rq.queue import RqTaskQueue

    result_key = f"{queue_name}:result"
    tasks = RqTaskQueue(redis_connection, queue_name=queue_name, job_function=PROBE)

    tasks.enqueue("send_email", message_id="m-1", result_key=result_key, note="città")

    assert tasks.queue.count == 1
    run_burst(redis_connection, tasks.queue)
    seen = json.loads(redis_connection.get(result_key))
    redis_connection.delete(result_key)
    assert seen == {
        "task": "send_email",
        "kwargs": {"message_id": "m-1", "result_key": result_key, "note": "città"},
    }
    assert tasks.queue.count == 0


def test_a_failing_job_is_not_retried_by_rq_the_outbox_owns_retries(redis_connection, queue_name):
    from rq.job import JobStatus

    from areaclienti.adapters.rq.queue import RqTaskQueue

    tasks = RqTaskQueue(redis_connection, queue_name=queue_name, job_function=FAILING_PROBE)
    tasks.enqueue("deliver_outbox_item", item_id="m-2")
    (job_id,) = tasks.queue.job_ids
    run_burst(redis_connection, tasks.queue)

    job = tasks.queue.fetch_job(job_id)
    assert job.get_status() == JobStatus.FAILED
    assert job_id not in tasks.queue.scheduled_job_registry.get_job_ids()


def test_arguments_that_are_not_json_are_refused_before_anything_is_enqueued(redis_connection, queue_name):
    from datetime import datetime, timezone

    from areaclienti.adapters.rq.queue import RqTaskQueue

    tasks = RqTaskQueue(redis_connection, queue_name=queue_name, job_function=PROBE)
    with pytest.raises(TypeError):
        tasks.enqueue("send_email", at=datetime.now(timezone.utc))
    assert tasks.queue.count == 0
