"""Fault test of claims: a claim and each «integra documenti» reach the core system exactly once.

The rig of ``test_faults.py`` (imported): the real PostgreSQL in a private schema, a private redis-server,
``areaclienti worker`` as a real process. The identified demo customer reports motor claims with a photo in
this process and adds a repair estimate to each; the worker hands claims and document batches to the demo
core system (which counts raw calls apart from distinct keys) and is SIGKILLed while doing so.
"""
from __future__ import annotations

import io
import signal
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from areaclienti.adapters.sqlalchemy.tables import democore_handoffs, request_events
from areaclienti.app.calendar import italian_day
from areaclienti.app.uploads import Upload
from areaclienti.app.use_cases.claims import ReportClaim
from areaclienti.domain.requests import RequestStatus, RequestStep

from tests.sample_files import image_bytes

from .test_faults import mailbox, private_redis, stack, stop  # noqa: F401 - fixtures used by name
from .test_request_faults import MARCO, dead_items

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

MOTOR = "DA20040117"  # Marco's motor policy


def keys_by_kind(container) -> Counter:
    with container.engine().connect() as connection:
        return Counter(dict(connection.execute(select(democore_handoffs.c.kind, func.count())
                                               .group_by(democore_handoffs.c.kind)).all()))


def wait_for_keys(container, count: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while container.core_system().counts()[1] < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"{container.core_system().counts()[1]} of {count} hand-offs within {timeout} s")
        time.sleep(0.1)


def timeline_marks(container) -> tuple[Counter, Counter]:
    """Per request: its «handed over» events (not steps), and its documents_added steps."""
    c = request_events.c
    with container.engine().connect() as connection:
        handed = connection.execute(select(c.request_id, func.count()).where(
            c.status == RequestStatus.HANDED_OVER.value, c.step.is_(None)).group_by(c.request_id)).all()
        steps = connection.execute(select(c.request_id, func.count()).where(
            c.step == RequestStep.DOCUMENTS_ADDED.value).group_by(c.request_id)).all()
    return Counter(dict(handed)), Counter(dict(steps))


def test_a_worker_killed_during_hand_offs_hands_each_claim_and_each_document_batch_once(stack):
    from areaclienti.entrypoints.demo import load_demo

    count = 30
    c = stack.container
    load_demo(c)
    with c.uow() as uow:
        account_id = uow.accounts.get_by_email(MARCO).id
    claims = c.claims()
    day = italian_day(c.clock().now()) - timedelta(days=1)

    def stage(seed: int, document: str):
        upload = Upload(io.BytesIO(image_bytes("JPEG", (64, 48), seed=seed)), f"foto{seed}.jpg")
        return claims.stage(account_id, upload, document, policy_number=MOTOR).id

    numbers = []
    for n in range(count):  # reported while no worker runs: a backlog of claims and document batches
        request = claims.report(ReportClaim(
            account_id=account_id, policy_number=MOTOR, kind="collision", event_date=day,
            description=f"Tamponamento n. {n}.", idempotency_key=f"claim-fault-{n:03d}",
            attachment_ids=[stage(2 * n, "photo")]))
        claims.add_documents(account_id, request.number, [stage(2 * n + 1, "repair_estimate")])
        numbers.append(request.number)
    total = 2 * count
    kills, seen_at_kills = 0, []
    for progress in (8, 20, 34, 48):
        worker = stack.start_worker()
        wait_for_keys(c, progress, timeout=60)  # busy handing over: now die
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        kills += 1
        seen_at_kills.append(dict(keys_by_kind(c)))
    between = c.core_system().counts()[1]
    assert between < total, "the backlog was gone before the last kill"
    worker = stack.start_worker()
    try:
        wait_for_keys(c, total, timeout=90)
        deadline = time.monotonic() + 30
        while len(timeline_marks(c)[0]) < count and time.monotonic() < deadline:
            time.sleep(0.2)  # the last claim's «handed over» is written after the core system's answer
        assert worker.poll() is None, stack.log_text()[-3000:]
    finally:
        stop(worker)
    calls, keys = c.core_system().counts()
    assert keys == total and calls >= keys  # distinct keys == claims + document batches
    assert keys_by_kind(c) == Counter({"claim": count, "claim_documents": count})
    handed, steps = timeline_marks(c)
    assert len(handed) == count and set(handed.values()) == {1}  # each claim «handed over» once
    assert len(steps) == count and set(steps.values()) == {1}  # one «integra documenti» step each
    assert dead_items(c) == 0
    assert len(set(numbers)) == count
    print(f"\n{kills} SIGKILLs during {total} hand-offs ({count} claims + {count} document batches; "
          f"{between} done before the last worker; by kind at each kill {seen_at_kills}): {keys} distinct keys, "
          f"{calls} calls to the core system")
