"""Fault tests of policy requests: nothing lost, nothing handed to the core system twice.

The same rig as ``test_faults.py`` (its fixtures and helpers, imported): the real PostgreSQL in a private
schema, a private redis-server, ``areaclienti worker`` as a real process. The identified demo customer pays
premium receipts by card in this process (the demo provider's notification is applied here, as the webhook
would); the worker hands the paid requests to the demo core system, which keeps every hand-off in its own
table and counts raw calls apart from distinct keys.
"""
from __future__ import annotations

import signal
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from areaclienti.adapters.sqlalchemy.tables import outbox_items, policy_requests, request_events
from areaclienti.app.ports.payments import PaymentOutcome
from areaclienti.app.ports.repositories import OutboxStatus
from areaclienti.app.use_cases.requests import PayReceipts
from areaclienti.domain.products import PaymentMethod
from areaclienti.domain.receipts import Receipt, ReceiptKind
from areaclienti.domain.requests import RequestStatus

from .test_faults import mailbox, private_redis, stack, stop  # noqa: F401 - fixtures used by name

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

HOME = "DA20040288"  # the identified demo customer's home policy (card, SEPA, bank transfer)
MARCO = "marco.rinaldi@example.it"


class Payer:
    """The identified demo customer paying receipts by card, each with its own idempotency key.

    The demo core gives one open receipt at a time; here its home policy has ``count`` open ones, so that
    one customer can submit many payments (the worker's hand-off does not read receipts)."""

    def __init__(self, stack, count: int) -> None:
        from areaclienti.entrypoints.demo import load_demo

        c = self.container = stack.container
        load_demo(c)
        core = c.core_system()
        policy = core.find_policy(HOME)
        first = policy.premium.next_due_date
        receipts = [Receipt(f"{HOME}-R{k:04d}", HOME, ReceiptKind.INSTALMENT, policy.premium.amount,
                            first + timedelta(days=k)) for k in range(count)]
        core.receipts = lambda number: list(receipts) if number == HOME else []
        with c.uow() as uow:
            self.account_id = uow.accounts.get_by_email(MARCO).id
        provider = c.payment_provider()

        def webhook(url: str, body: bytes, headers: dict) -> int:  # the provider's POST, applied here
            c.policy_requests().receive_payment_notification(body, headers)
            return 200

        provider.post = webhook
        self.provider = provider

    def submit(self, n: int, *, key: str | None = None):
        return self.container.policy_requests().pay_receipts(PayReceipts(
            self.account_id, HOME, [f"{HOME}-R{n:04d}"], PaymentMethod.CARD, key or f"pay-{n:04d}"))

    def pay(self, n: int) -> str:
        """Submit and pay (the provider's notification applied): the request's number."""
        submitted = self.submit(n)
        self.provider.choose(submitted.request.payment_session, PaymentOutcome.SUCCEEDED)
        return submitted.request.number


def handed_over(container) -> Counter:
    """How many HANDED_OVER events each request has."""
    with container.engine().connect() as connection:
        rows = connection.execute(select(request_events.c.request_id, func.count())
                                  .where(request_events.c.status == RequestStatus.HANDED_OVER.value)
                                  .group_by(request_events.c.request_id)).all()
    return Counter({request_id: count for request_id, count in rows})


def wait_until_handed_over(container, count: int, timeout: float) -> Counter:
    deadline = time.monotonic() + timeout
    while True:
        found = handed_over(container)
        if len(found) >= count:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{len(found)} of {count} requests handed over within {timeout} s")
        time.sleep(0.2)


def stored_requests(container) -> list:
    with container.engine().connect() as connection:
        return list(connection.execute(select(policy_requests.c.id, policy_requests.c.number,
                                              policy_requests.c.idempotency_key)).mappings())


def dead_items(container) -> int:
    with container.engine().connect() as connection:
        return connection.execute(select(func.count()).select_from(outbox_items)
                                  .where(outbox_items.c.status == OutboxStatus.DEAD.value)).scalar_one()


def test_redis_stopped_during_submissions_loses_no_hand_off(stack, private_redis):  # noqa: F811
    count, outage = 30, 6.0
    payer = Payer(stack, count)
    worker = stack.start_worker()
    numbers = []
    try:
        for n in range(count):
            if n == count // 3:
                private_redis.kill()
                threading.Timer(outage, private_redis.start).start()
                killed_at = time.monotonic()
            numbers.append(payer.pay(n))  # answers as usual while Redis is down
            if n >= count // 3:  # the rest spread over the outage and a little after
                time.sleep((outage + 2) / (count - count // 3))
        assert time.monotonic() > killed_at + outage, "the submissions ended before Redis came back"
        found = wait_until_handed_over(stack.container, count, timeout=60)
        assert worker.poll() is None, stack.log_text()[-3000:]
    finally:
        stop(worker)
    requests = stored_requests(stack.container)
    assert len(requests) == count and sorted(r["number"] for r in requests) == sorted(numbers)
    assert set(found) == {r["id"] for r in requests} and set(found.values()) == {1}
    calls, keys = stack.container.core_system().counts()
    assert keys == count and calls >= keys
    assert dead_items(stack.container) == 0
    print(f"\nRedis down {outage:.0f} s during {count} card payments: {keys} handed over ({calls} calls), 0 lost")


def test_a_worker_killed_during_hand_offs_leaves_one_hand_off_per_request(stack):
    count = 120
    payer = Payer(stack, count)
    for n in range(count):  # paid while no worker runs: a backlog of hand-offs in the outbox
        payer.pay(n)
    kills = 0
    for progress in (10, 35, 60, 85):
        worker = stack.start_worker()
        wait_until_handed_over(stack.container, progress, timeout=60)  # busy handing over: now die
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        kills += 1
    between = len(handed_over(stack.container))
    assert between < count, "the backlog was gone before the last kill"
    worker = stack.start_worker()
    try:
        found = wait_until_handed_over(stack.container, count, timeout=90)
        assert worker.poll() is None, stack.log_text()[-3000:]
    finally:
        stop(worker)
    calls, keys = stack.container.core_system().counts()
    requests = stored_requests(stack.container)
    # The customer has one request per payment; the core system one hand-off per request (by key), even
    # if a worker died between its call and marking the item done (then it called again with the same key).
    assert len(requests) == count and len({r["number"] for r in requests}) == count
    assert len({r["idempotency_key"] for r in requests}) == count
    assert keys == count and calls >= keys
    assert set(found.values()) == {1}  # each request's timeline says «handed over» once
    assert dead_items(stack.container) == 0
    print(f"\n{kills} SIGKILLs during {count} hand-offs ({between} done before the last worker): "
          f"{keys} distinct keys, {calls} calls to the core system")


def test_two_identical_submissions_fired_together_create_one_request(stack):
    pairs = 8
    payer = Payer(stack, pairs)
    outcomes = []
    for n in range(pairs):
        barrier = threading.Barrier(2)
        answers, errors = [], []

        def submit(n=n, barrier=barrier, answers=answers, errors=errors):
            try:
                barrier.wait(timeout=10)
                answers.append(payer.submit(n, key=f"double-click-{n}"))
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)

        threads = [threading.Thread(target=submit) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert not errors, errors  # both answered (no 409, no 500): the second is the first's request
        assert len({a.request.number for a in answers}) == 1
        outcomes.append(sorted(a.repeated for a in answers))
    requests = stored_requests(stack.container)
    assert len(requests) == pairs
    assert outcomes == [[False, True]] * pairs


def test_one_receipt_submitted_from_two_tabs_at_once_is_paid_by_one_request(stack):
    """Two different submissions (two tabs: two keys) of the same receipt, fired together."""
    from areaclienti.domain.errors import ReceiptAlreadyInPayment

    tries = 8
    payer = Payer(stack, tries)
    paying = []
    for n in range(tries):
        barrier = threading.Barrier(2)
        outcomes = []

        def submit(tab: int, n=n, barrier=barrier, outcomes=outcomes):
            barrier.wait(timeout=10)
            try:
                outcomes.append(payer.submit(n, key=f"tab-{tab}-{n}").request.number)
            except ReceiptAlreadyInPayment:
                outcomes.append("refused")

        threads = [threading.Thread(target=submit, args=(tab,)) for tab in (1, 2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        paying.append(sum(o != "refused" for o in outcomes))
    assert paying == [1] * tries, paying  # never two open requests paying one receipt
