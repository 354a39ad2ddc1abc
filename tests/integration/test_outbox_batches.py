"""Outbox deliveries in batches: the batch claim and completion on every backend, two workers claiming the
same ids on PostgreSQL, and the rq side (a Redis list drained by wake-up jobs) against the real Redis."""
from __future__ import annotations

import os
import threading
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from areaclienti.app.ports.repositories import OutboxItem, OutboxKind, OutboxStatus

NOW = datetime(2026, 5, 9, 10, 30, tzinfo=timezone.utc)
LEASE = timedelta(seconds=60)


def _items(uow_factory, count: int) -> list[str]:
    ids = [f"item-{n}" for n in range(count)]
    with uow_factory() as uow:
        for item_id in ids:
            uow.outbox.add(OutboxItem(id=item_id, kind=OutboxKind.EMAIL, sealed_payload="sealed", created_at=NOW,
                                      available_at=NOW))
        uow.commit()
    return ids


def test_a_batch_claims_only_the_free_items_and_completes_only_under_its_own_claims(uow_factory):
    ids = _items(uow_factory, 4)
    with uow_factory() as uow:
        uow.outbox.claim(ids[1], now=NOW, lease_until=NOW + LEASE)  # another worker holds it
        uow.outbox.complete(ids[2], attempt=0, now=NOW)  # delivered already
        uow.commit()
    with uow_factory() as uow:
        claimed = uow.outbox.claim_many([ids[0], ids[1], ids[2], ids[3], ids[0], "unknown"],
                                        now=NOW, lease_until=NOW + LEASE)
        uow.commit()
    assert sorted((i.id, i.attempts, i.locked_until, i.sealed_payload) for i in claimed) == [
        (ids[0], 1, NOW + LEASE, "sealed"), (ids[3], 1, NOW + LEASE, "sealed")]
    with uow_factory() as uow:
        done = uow.outbox.complete_many([(ids[0], 1), (ids[3], 0), (ids[1], 1)], now=NOW)  # ids[3]: a stale claim
        uow.commit()
    assert done == {ids[0], ids[1]}
    with uow_factory() as uow:
        assert uow.outbox.get(ids[0]).status is OutboxStatus.DONE and uow.outbox.get(ids[0]).sealed_payload is None
        assert uow.outbox.get(ids[3]).status is OutboxStatus.PENDING
        assert uow.outbox.claim_many([], now=NOW, lease_until=NOW + LEASE) == []
        assert uow.outbox.complete_many([], now=NOW) == set()


@pytest.mark.postgres
def test_two_workers_claiming_the_same_batch_at_once_share_it_without_overlap(pg_engine):
    from areaclienti.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork

    from .conftest import clear_tables

    clear_tables(pg_engine)
    ids = _items(lambda: SqlAlchemyUnitOfWork(pg_engine), 200)
    start = threading.Barrier(2)
    claimed: list[list[str]] = []

    def claim() -> None:
        with SqlAlchemyUnitOfWork(pg_engine) as uow:
            start.wait()
            claimed.append([i.id for i in uow.outbox.claim_many(ids, now=NOW, lease_until=NOW + LEASE)])
            uow.commit()

    workers = [threading.Thread(target=claim) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    first, second = claimed
    assert not set(first) & set(second) and sorted(first + second) == sorted(ids)


@pytest.fixture
def rq_queue():
    url = os.environ.get("AREACLIENTI_TEST_REDIS_URL")
    if not url:
        if os.environ.get("AREACLIENTI_REQUIRE_SERVICES") == "1":
            pytest.fail("AREACLIENTI_REQUIRE_SERVICES=1 but AREACLIENTI_TEST_REDIS_URL is not set")
        pytest.skip("AREACLIENTI_TEST_REDIS_URL is not set")
    from rq import Queue

    from areaclienti.adapters.rq.queue import redis_from_url

    connection = redis_from_url(url)
    queue = Queue(f"areaclienti-test-{uuid.uuid4().hex}", connection=connection)
    yield queue
    queue.delete(delete_jobs=True)
    for key in connection.scan_iter(f"areaclienti:batched:{queue.name}:*"):
        connection.delete(key)
    connection.close()


@pytest.mark.redis
def test_deliveries_wake_one_job_which_drains_them_in_batches(rq_queue):
    from areaclienti.adapters.rq.queue import RqTaskQueue
    from areaclienti.app.notifications import DELIVER_TASK

    tasks = RqTaskQueue(rq_queue.connection, queue_name=rq_queue.name)
    for n in range(5):
        tasks.enqueue(DELIVER_TASK, item_id=f"item-{n}")
    tasks.enqueue("relay_outbox")  # not batched: a job of its own

    (wake_up, relay) = [rq_queue.fetch_job(job_id) for job_id in rq_queue.job_ids]
    assert wake_up.func_name.endswith("run_batch") and wake_up.args == (DELIVER_TASK, rq_queue.name)
    assert relay.func_name.endswith("run_task") and relay.args == ("relay_outbox", {})
    assert tasks.batches.pending(DELIVER_TASK) == 5

    batches = []
    assert tasks.batches.drain(DELIVER_TASK, batches.append, size=2) == 5
    assert batches == [[{"item_id": "item-0"}, {"item_id": "item-1"}], [{"item_id": "item-2"}, {"item_id": "item-3"}],
                       [{"item_id": "item-4"}]]
    assert rq_queue.count == 3  # a full batch woke one more job, for a second worker to share the list

    tasks.enqueue(DELIVER_TASK, item_id="item-5")  # that job is still on its way: no other
    assert rq_queue.count == 3


@pytest.mark.redis
def test_a_batch_that_fails_leaves_the_rest_of_the_list_to_another_job(rq_queue):
    from areaclienti.adapters.rq.queue import RqTaskQueue
    from areaclienti.app.notifications import DELIVER_TASK

    tasks = RqTaskQueue(rq_queue.connection, queue_name=rq_queue.name)
    for n in range(3):
        tasks.enqueue(DELIVER_TASK, item_id=f"item-{n}")
    rq_queue.empty()

    def down(calls):
        raise ConnectionError("PostgreSQL is down (test)")

    with pytest.raises(ConnectionError):
        tasks.batches.drain(DELIVER_TASK, down, size=2)
    assert tasks.batches.pending(DELIVER_TASK) == 1 and rq_queue.count == 1
