"""Fault tests of suspensions: a suspension and its withdrawal each reach the core system exactly once.

The rig of ``test_faults.py`` (imported): the real PostgreSQL in a private schema, a private redis-server,
``areaclienti worker`` as a real process. The identified demo customer suspends his car policy from
tomorrow at 14:00 and withdraws the suspension through the ``Suspensions`` use case of the container, as the
site does; the worker hands both to the demo core system, which keeps every hand-off in its own table by
key (raw calls apart from distinct keys) and applies what it received to the policy it answers.
"""
from __future__ import annotations

import signal
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import time as hour, timedelta

import pytest
from sqlalchemy import func, select

from areaclienti.adapters.sqlalchemy.tables import democore_handoffs, outbox_items, request_events
from areaclienti.app.calendar import italian_day
from areaclienti.app.ports.core_system import SUSPENSION_WITHDRAWAL
from areaclienti.app.ports.repositories import OutboxKind
from areaclienti.app.use_cases.suspension import ScheduleChange
from areaclienti.domain.policies import PolicyStatus
from areaclienti.domain.requests import PolicyRequest, RequestStatus

from .test_faults import mailbox, private_redis, stack, stop  # noqa: F401 - fixtures used by name
from .test_request_faults import MARCO, dead_items

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

MOTOR = "DA20040117"  # Marco's car, in force: suspendable today


class Customer:
    """Marco suspending his car from tomorrow at 14:00 (Italian time) and withdrawing, as the site does."""

    def __init__(self, stack) -> None:
        from areaclienti.entrypoints.demo import load_demo

        self.container = c = stack.container
        load_demo(c)
        with c.uow() as uow:
            self.account_id = uow.accounts.get_by_email(MARCO).id

    def suspend(self, key: str) -> PolicyRequest:
        tomorrow = italian_day(self.container.clock().now()) + timedelta(days=1)
        return self.container.suspensions().suspend(ScheduleChange(self.account_id, MOTOR, tomorrow, hour(14, 0),
                                                                   key))

    def withdraw(self, number: str) -> PolicyRequest:
        return self.container.suspensions().withdraw(self.account_id, number)


def received(container) -> dict[str, tuple[str, int]]:
    """What the demo core system received on the car: kind and raw calls, by key."""
    c = democore_handoffs.c
    with container.engine().connect() as connection:
        rows = connection.execute(select(c.key, c.kind, c.calls).where(c.policy_number == MOTOR)).all()
    return {key: (kind, calls) for key, kind, calls in rows}


def timeline(container, request_id: str) -> Counter:
    """How many times each status is on the request's timeline (steps left out)."""
    c = request_events.c
    with container.engine().connect() as connection:
        rows = connection.execute(select(c.status, func.count()).where(
            c.request_id == request_id, c.step.is_(None)).group_by(c.status)).all()
    return Counter(dict(rows))


def withdrawal_items(container) -> int:
    with container.engine().connect() as connection:
        return connection.execute(select(func.count()).select_from(outbox_items).where(
            outbox_items.c.kind == OutboxKind.HAND_OVER_WITHDRAWAL.value)).scalar_one()


def wait_for(what: str, done: Callable[[], bool], timeout: float, poll: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(poll)


def wait_for_key(container, key: str, timeout: float = 60) -> None:
    wait_for(f"the core system receives {key}", lambda: key in received(container), timeout, poll=0.01)


def wait_for_status(container, request_id: str, status: RequestStatus, timeout: float = 60) -> None:
    wait_for(f"{request_id} {status.value}", lambda: timeline(container, request_id)[status.value] >= 1, timeout)


def assert_nothing_suspended_at_the_core(container) -> None:
    """What the site reads back: no suspension on the car, in force (the demo core applies withdrawals)."""
    core = container.core_system()
    assert core.information(MOTOR).suspensions == ()
    assert core.find_policy(MOTOR).status is PolicyStatus.IN_FORCE


def test_a_suspension_and_its_withdrawal_submitted_while_redis_is_down_reach_the_core_once_each(
        stack, private_redis):  # noqa: F811
    customer = Customer(stack)
    c = stack.container
    worker = stack.start_worker()
    try:
        outage = 3.0
        private_redis.kill()
        threading.Timer(outage, private_redis.start).start()
        request = customer.suspend("suspend-while-redis-is-down")  # answers as usual
        assert request.status is RequestStatus.SUBMITTED
        assert customer.suspend("suspend-while-redis-is-down").id == request.id  # the same key: the same one
        wait_for_key(c, request.id)
        wait_for_status(c, request.id, RequestStatus.HANDED_OVER)
        assert c.suspensions().state(customer.account_id, MOTOR).suspension.request.id == request.id

        private_redis.kill()
        threading.Timer(outage, private_redis.start).start()
        withdrawn = customer.withdraw(request.number)
        assert withdrawn.status is RequestStatus.WITHDRAWN
        assert customer.withdraw(request.number).status is RequestStatus.WITHDRAWN  # twice: answered unchanged
        wait_for_key(c, f"{request.id}:withdrawal")
        stack.wait_until_all_done(timeout=60)
        assert worker.poll() is None, stack.log_text()[-3000:]
    finally:
        stop(worker)
    found = received(c)
    assert {key: kind for key, (kind, _) in found.items()} == {
        request.id: "suspension", f"{request.id}:withdrawal": SUSPENSION_WITHDRAWAL}
    marks = timeline(c, request.id)
    assert marks[RequestStatus.HANDED_OVER.value] == 1 and marks[RequestStatus.WITHDRAWN.value] == 1
    assert withdrawal_items(c) == 1 and dead_items(c) == 0
    assert_nothing_suspended_at_the_core(c)
    assert c.suspensions().state(customer.account_id, MOTOR).can_suspend  # it may be scheduled again
    print(f"\nRedis down {outage:.0f} s at each submission: calls by key {found}")


def test_a_worker_killed_right_after_each_hand_off_hands_each_one_over_once(stack):
    """The worker is SIGKILLed the moment the core system has the suspension (before the outbox hears of it),
    restarted, then killed again the moment the core system has the withdrawal; then the suspension is
    scheduled again and withdrawn at once, while the worker may be handing it over."""
    customer = Customer(stack)
    c = stack.container
    kills = 0

    def kill_when_received(worker, key: str):
        nonlocal kills
        wait_for_key(c, key)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        kills += 1
        return stack.start_worker()

    worker = stack.start_worker()
    try:
        first = customer.suspend("suspend-then-crash")
        worker = kill_when_received(worker, first.id)
        wait_for_status(c, first.id, RequestStatus.HANDED_OVER)  # the restarted worker finishes the item
        customer.withdraw(first.number)
        worker = kill_when_received(worker, f"{first.id}:withdrawal")
        stack.wait_until_all_done(timeout=60)

        again = customer.suspend("scheduled-again")  # the journey: withdrawn, then scheduled again
        customer.withdraw(again.number)  # at once: its hand-over may be on its way
        wait_for_key(c, f"{again.id}:withdrawal")
        stack.wait_until_all_done(timeout=60)
        assert worker.poll() is None, stack.log_text()[-3000:]
    finally:
        stop(worker)
    found = received(c)
    assert found[first.id][0] == "suspension" and found[f"{first.id}:withdrawal"][0] == SUSPENSION_WITHDRAWAL
    assert found[f"{again.id}:withdrawal"][0] == SUSPENSION_WITHDRAWAL
    assert set(found) <= {first.id, f"{first.id}:withdrawal", again.id, f"{again.id}:withdrawal"}
    for request in (first, again):
        marks = timeline(c, request.id)
        assert marks[RequestStatus.HANDED_OVER.value] <= 1 and marks[RequestStatus.WITHDRAWN.value] == 1
    assert timeline(c, first.id)[RequestStatus.HANDED_OVER.value] == 1
    assert withdrawal_items(c) == 2 and dead_items(c) == 0
    assert_nothing_suspended_at_the_core(c)
    print(f"\n{kills} SIGKILLs right after the core system received: calls by key {found}")


def test_a_withdrawal_while_the_suspension_is_being_handed_over_still_reaches_the_core(stack):
    """Deterministic (no worker): the customer withdraws between the core system's answer to the hand-over and
    the hand-over's lock on the request; the core system has the suspension, so it must hear of the withdrawal."""
    customer = Customer(stack)
    c = stack.container
    request = customer.suspend("withdrawn-mid-hand-over")
    core = c.core_system()
    original = core.hand_over

    def hand_over_then_the_customer_withdraws(handoff):
        answer = original(handoff)
        if handoff.key == request.id:
            withdrawing = threading.Thread(target=customer.withdraw, args=(request.number,))
            withdrawing.start()
            withdrawing.join(timeout=30)
        return answer

    core.hand_over = hand_over_then_the_customer_withdraws
    runner = c.task_runner()
    with c.engine().connect() as connection:
        [item_id] = connection.execute(select(outbox_items.c.id).where(
            outbox_items.c.kind == OutboxKind.HAND_OVER_REQUEST.value)).scalars().all()
    assert runner.deliver(item_id)
    assert timeline(c, request.id)[RequestStatus.WITHDRAWN.value] == 1
    assert timeline(c, request.id)[RequestStatus.HANDED_OVER.value] == 0
    assert request.id in received(c)  # the core system did get the suspension
    with c.engine().connect() as connection:
        withdrawals = connection.execute(select(outbox_items.c.id).where(
            outbox_items.c.kind == OutboxKind.HAND_OVER_WITHDRAWAL.value)).scalars().all()
    assert len(withdrawals) == 1, "the withdrawal never goes to the core system: the suspension would start"
    assert runner.deliver(withdrawals[0])
    assert received(c)[f"{request.id}:withdrawal"][0] == SUSPENSION_WITHDRAWAL
    assert_nothing_suspended_at_the_core(c)
