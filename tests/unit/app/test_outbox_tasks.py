"""The typed outbox: items written in the transaction, queued after commit, delivered once, retried with
backoff, given up into a dead-letter state; payloads sealed at rest and dropped once delivered."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from dependency_injector import providers

from areaclienti.adapters.memory.notifications import FailingEmailSender
from areaclienti.adapters.memory.queue import RecordingTaskQueue
from areaclienti.adapters.memory.unit_of_work import InMemoryUnitOfWork
from areaclienti.adapters.security.secret_box import FernetSecretBox
from areaclienti.app.notifications import DELIVER_TASK
from areaclienti.app.ports.queue import TaskQueue
from areaclienti.app.ports.repositories import OutboxItem, OutboxKind, OutboxStatus
from areaclienti.app.tasks import DEFAULT_LANES, RELAY_TASK, UnknownTask
from areaclienti.app.use_cases.legacy import StartFirstAccess
from areaclienti.domain.errors import OtpSendRefused

from .journeys import EMAIL, MOBILE, give_contacts, register, start_scenario, verify

UNKNOWN = "nessuno@example.it"


@pytest.fixture
def queue(harness):
    recording = RecordingTaskQueue()
    harness.container.task_queue.override(providers.Object(recording))
    return recording


def _run(harness, queue) -> int:
    return queue.run_all(lambda task, kwargs: harness.container.task_runner().run(task, kwargs))


def _outbox(harness) -> dict[str, OutboxItem]:
    return dict(harness.store.outbox)


def _payload(harness, item: OutboxItem) -> dict:
    return json.loads(harness.container.secret_box().open(item.sealed_payload))


def _policy(harness):
    return harness.container.retry_policy()


class CommitFails(InMemoryUnitOfWork):
    def _commit(self) -> None:
        raise RuntimeError("the database went away (test double)")


class DownQueue(TaskQueue):
    def enqueue(self, task, **kwargs):
        raise ConnectionError("redis is down (test double)")


# --- writing ---------------------------------------------------------------------------------------------------
def test_an_item_is_queued_only_once_the_transaction_commits(harness, queue):
    notifier = harness.container.notifier()
    now = harness.clock.now()
    with harness.container.uow() as uow:
        notifier.sms(uow, to=MOBILE, text="Il tuo codice è 12345", now=now)
        assert queue.tasks == []
        assert _outbox(harness) == {}  # not visible outside the transaction yet
        uow.commit()
    (item,) = _outbox(harness).values()
    assert queue.tasks == [(DELIVER_TASK, {"item_id": item.id})]
    assert item.kind is OutboxKind.SMS and item.status is OutboxStatus.PENDING and item.attempts == 0
    assert _payload(harness, item) == {"to": MOBILE, "text": "Il tuo codice è 12345"}
    # Handed to the queue: the relay leaves it alone for the visibility timeout.
    assert item.available_at == now + _policy(harness).visibility_timeout
    assert harness.sms.sent == []


def test_codes_and_links_are_sealed_at_rest(harness, queue):
    with harness.container.uow() as uow:
        harness.container.notifier().email(uow, to=EMAIL, subject="Link", body="https://x/password/imposta/SEGRETO",
                                           now=harness.clock.now())
        uow.commit()
    (item,) = _outbox(harness).values()
    assert "SEGRETO" not in item.sealed_payload and EMAIL not in item.sealed_payload
    with pytest.raises(ValueError):
        FernetSecretBox(b"another application key").open(item.sealed_payload)


def test_an_item_of_a_rolled_back_transaction_is_neither_stored_nor_queued(harness, queue):
    notifier = harness.container.notifier()
    with pytest.raises(RuntimeError):
        with harness.container.uow() as uow:
            notifier.email(uow, to=EMAIL, subject="s", body="b", now=harness.clock.now())
            raise RuntimeError("the use case failed")
    assert queue.tasks == [] and _outbox(harness) == {}


def test_a_use_case_writes_its_sms_to_the_outbox_and_it_is_delivered_with_its_id(harness, demo, queue):
    step = start_scenario(harness, demo.scenario("policyholder_vita"))
    give_contacts(harness, step.flow_token)

    (item,) = _outbox(harness).values()
    assert item.kind is OutboxKind.SMS and _payload(harness, item)["to"] == MOBILE
    assert queue.names() == [DELIVER_TASK]
    assert harness.sms.sent == []  # nothing leaves inside the request

    assert _run(harness, queue) == 1
    (sms,) = harness.sms.sent
    assert sms.to == MOBILE and sms.reference == item.id
    done = _outbox(harness)[item.id]
    assert done.status is OutboxStatus.DONE and done.done_at == harness.clock.now()
    assert done.sealed_payload is None  # the code is not kept once delivered


def test_nothing_is_queued_when_the_use_case_fails_to_commit(harness, demo, queue):
    step = start_scenario(harness, demo.scenario("policyholder_vita"))
    harness.container.uow.override(providers.Factory(CommitFails, harness.store))
    try:
        with pytest.raises(RuntimeError):
            give_contacts(harness, step.flow_token)
    finally:
        harness.container.uow.reset_last_overriding()
    assert queue.tasks == [] and _outbox(harness) == {}
    assert harness.sms.sent == []


def test_nothing_is_queued_when_the_use_case_refuses(harness, demo, queue):
    step = start_scenario(harness, demo.scenario("policyholder_vita"))
    give_contacts(harness, step.flow_token)
    queue.clear()
    before = _outbox(harness)
    with pytest.raises(OtpSendRefused):
        harness.container.registration().resend_code(step.flow_token)
    assert queue.tasks == [] and _outbox(harness) == before


# --- delivering ------------------------------------------------------------------------------------------------
def test_an_item_is_delivered_once(harness, demo, queue):
    step = start_scenario(harness, demo.scenario("policyholder_vita"))
    give_contacts(harness, step.flow_token)
    (item,) = _outbox(harness).values()
    runner = harness.container.task_runner()
    assert runner.deliver(item.id) is True
    assert runner.deliver(item.id) is False
    assert runner.run(DELIVER_TASK, {"item_id": item.id}) is False
    assert len(harness.sms.sent) == 1
    assert runner.deliver("no-such-item") is False


def test_an_item_held_by_one_worker_is_not_taken_by_another_until_its_lease_runs_out(harness, queue):
    with harness.container.uow() as uow:
        item_id = harness.container.notifier().sms(uow, to=MOBILE, text="x", now=harness.clock.now())
        uow.commit()
    now = harness.clock.now()
    lease = _policy(harness).lease
    with harness.container.uow() as uow:
        first = uow.outbox.claim(item_id, now=now, lease_until=now + lease)
        assert uow.outbox.claim(item_id, now=now, lease_until=now + lease) is None
        uow.commit()
    assert first.attempts == 1
    assert harness.container.task_runner().deliver(item_id) is False  # a duplicate job waits its turn
    harness.clock.advance(seconds=lease.total_seconds() + 1)
    assert harness.container.task_runner().deliver(item_id) is True  # the first worker died: taken over
    with harness.container.uow() as uow:  # the first worker, back from the dead, cannot complete it again
        assert uow.outbox.complete(item_id, attempt=first.attempts, now=harness.clock.now()) is False
    assert len(harness.sms.sent) == 1 and _outbox(harness)[item_id].attempts == 2


def test_a_failing_sender_backs_off_and_the_relay_hands_the_item_over_when_it_is_due(harness, demo, queue):
    sender = FailingEmailSender(failures=1)
    harness.container.email_sender.override(providers.Object(sender))
    step = start_scenario(harness, demo.scenario("policyholder_vita"))
    give_contacts(harness, step.flow_token)
    _run(harness, queue)
    verify(harness, step.flow_token, harness.code_sent_to(MOBILE))
    (email,) = [i for i in _outbox(harness).values() if i.kind is OutboxKind.EMAIL]

    assert _run(harness, queue) == 1  # the failure does not escape: the outbox owns the retry
    failed = _outbox(harness)[email.id]
    policy = _policy(harness)
    assert failed.status is OutboxStatus.PENDING and failed.attempts == 1 and failed.locked_until is None
    assert "ConnectionError" in failed.last_error and sender.sent == []
    wait = failed.available_at - harness.clock.now()
    assert policy.base_delay * (1 - policy.jitter) <= wait <= policy.base_delay

    runner = harness.container.task_runner()
    assert runner.relay() == 0  # not due yet
    harness.clock.advance(seconds=wait.total_seconds())
    assert runner.run(RELAY_TASK, {}) == 1
    assert queue.tasks == [(DELIVER_TASK, {"item_id": email.id})]
    assert runner.relay() == 0  # handed over: never twice while it may sit in the queue

    _run(harness, queue)
    assert [m.to for m in sender.sent] == [EMAIL] and sender.sent[0].reference == email.id
    assert "/password/imposta/" in sender.sent[0].body
    assert _outbox(harness)[email.id].status is OutboxStatus.DONE
    assert _outbox(harness)[email.id].attempts == 2
    harness.clock.advance(hours=2)
    assert runner.relay() == 0


def test_an_item_lost_by_the_queue_is_handed_over_again_after_the_visibility_timeout(harness, queue):
    with harness.container.uow() as uow:
        item_id = harness.container.notifier().sms(uow, to=MOBILE, text="x", now=harness.clock.now())
        uow.commit()
    queue.clear()  # Redis restarted empty
    runner = harness.container.task_runner()
    harness.clock.advance(seconds=_policy(harness).visibility_timeout.total_seconds() - 1)
    assert runner.relay() == 0
    harness.clock.advance(seconds=1)
    assert runner.relay() == 1
    _run(harness, queue)
    assert [s.reference for s in harness.sms.sent] == [item_id]


def test_after_the_last_attempt_an_item_is_dead_listed_and_can_be_revived(harness, queue):
    sender = FailingEmailSender()
    harness.container.email_sender.override(providers.Object(sender))
    with harness.container.uow() as uow:
        item_id = harness.container.notifier().email(uow, to=EMAIL, subject="s", body="b", now=harness.clock.now())
        uow.commit()
    runner = harness.container.task_runner()
    policy = _policy(harness)
    for _ in range(policy.max_attempts):
        _run(harness, queue)
        harness.clock.advance(seconds=policy.max_delay.total_seconds())
        runner.relay()
    assert sender.attempts == policy.max_attempts
    (dead,) = runner.dead()
    assert dead.id == item_id and dead.status is OutboxStatus.DEAD and dead.attempts == policy.max_attempts
    assert dead.sealed_payload is not None  # kept, so it can be tried again
    assert runner.counts()[OutboxStatus.DEAD] == 1
    queue.clear()
    harness.clock.advance(hours=24)
    assert runner.relay() == 0  # dead items are not retried by themselves

    sender.failures_left = 0
    assert runner.revive(item_id) is True and runner.revive(item_id) is False
    assert runner.relay() == 1
    _run(harness, queue)
    assert [m.reference for m in sender.sent] == [item_id]
    assert runner.dead() == []


def test_an_item_nothing_handles_is_dead_at_once_and_never_sent_as_an_email(harness, queue):
    runner = harness.container.task_runner()
    runner._senders.pop(OutboxKind.SMS)  # a kind written by a newer release than this worker's
    with harness.container.uow() as uow:
        item_id = harness.container.notifier().sms(uow, to=MOBILE, text="x", now=harness.clock.now())
        uow.commit()
    assert runner.deliver(item_id) is False
    assert harness.sms.sent == [] and harness.emails.sent == []
    assert _outbox(harness)[item_id].status is OutboxStatus.DEAD
    assert "NoHandler" in _outbox(harness)[item_id].last_error


def test_an_unreadable_payload_is_dead_at_once(harness, queue):
    with harness.container.uow() as uow:
        item_id = harness.container.notifier().sms(uow, to=MOBILE, text="x", now=harness.clock.now())
        uow.commit()
    harness.container.secret_box.override(providers.Object(FernetSecretBox(b"a rotated key")))
    try:
        assert harness.container.task_runner().deliver(item_id) is False
    finally:
        harness.container.secret_box.reset_last_overriding()
    assert _outbox(harness)[item_id].status is OutboxStatus.DEAD and harness.sms.sent == []


# --- the queue down --------------------------------------------------------------------------------------------
def test_a_queue_that_is_down_does_not_fail_the_request_and_the_relay_catches_up_at_once(harness, demo):
    harness.container.task_queue.override(providers.Object(DownQueue()))
    step = start_scenario(harness, demo.scenario("policyholder_vita"))
    give_contacts(harness, step.flow_token)  # committed even though the queue refused the item
    assert harness.sms.sent == []
    (item,) = _outbox(harness).values()
    assert item.available_at == harness.clock.now()  # released to the relay, no visibility wait

    recording = RecordingTaskQueue()
    harness.container.task_queue.override(providers.Object(recording))
    assert harness.container.task_runner().relay() == 1
    _run(harness, recording)
    assert [s.to for s in harness.sms.sent] == [MOBILE]
    verify(harness, step.flow_token, harness.code_sent_to(MOBILE))


def test_a_relay_that_finds_the_queue_down_releases_what_it_could_not_hand_over(harness, queue):
    with harness.container.uow() as uow:
        ids = [harness.container.notifier().sms(uow, to=MOBILE, text=str(n), now=harness.clock.now())
               for n in range(3)]
        uow.commit()
    harness.clock.advance(seconds=_policy(harness).visibility_timeout.total_seconds())
    harness.container.task_queue.override(providers.Object(DownQueue()))
    with pytest.raises(ConnectionError):
        harness.container.task_runner().relay()
    assert all(_outbox(harness)[i].available_at == harness.clock.now() for i in ids)
    harness.container.task_queue.reset_last_overriding()
    assert harness.container.task_runner().relay() == 3


@pytest.mark.parametrize("email", [EMAIL, UNKNOWN])
def test_a_reset_asked_while_the_queue_is_down_is_not_lost_and_answers_alike(harness, demo, email):
    register(harness, demo.scenario("policyholder_vita"))
    harness.clock.advance(minutes=20)
    harness.sms.clear()
    before = set(_outbox(harness))
    harness.container.task_queue.override(providers.Object(DownQueue()))
    harness.container.password_reset().request(email)
    (item,) = [_outbox(harness)[i] for i in set(_outbox(harness)) - before]
    assert item.kind is OutboxKind.BEGIN_PASSWORD_RESET and item.status is OutboxStatus.PENDING

    recording = RecordingTaskQueue()
    harness.container.task_queue.override(providers.Object(recording))
    harness.container.task_runner().relay()
    _run(harness, recording)
    assert _outbox(harness)[item.id].status is OutboxStatus.DONE
    assert [s.to for s in harness.sms.sent] == ([MOBILE] if email == EMAIL else [])


def test_a_first_access_asked_while_the_queue_is_down_is_not_lost(harness, demo, demo_accounts):
    legacy = demo.scenario("legacy")
    harness.container.task_queue.override(providers.Object(DownQueue()))
    harness.container.legacy_first_access().start(StartFirstAccess(email=legacy.email, mobile=legacy.mobile))
    (item,) = [i for i in _outbox(harness).values() if i.kind is OutboxKind.BEGIN_FIRST_ACCESS]
    recording = RecordingTaskQueue()
    harness.container.task_queue.override(providers.Object(recording))
    harness.container.task_runner().relay()
    _run(harness, recording)
    assert _outbox(harness)[item.id].status is OutboxStatus.DONE
    assert harness.sms.to(legacy.mobile)


def test_a_step_runs_once_even_when_its_item_was_taken_over(harness, demo):
    """A background step commits with its item: a worker that lost its lease changes nothing."""
    register(harness, demo.scenario("policyholder_vita"))
    harness.clock.advance(minutes=20)
    harness.sms.clear()
    queue = RecordingTaskQueue()
    harness.container.task_queue.override(providers.Object(queue))
    before = set(_outbox(harness))
    harness.container.password_reset().request(EMAIL)
    (item_id,) = [i.id for i in _outbox(harness).values() if i.kind is OutboxKind.BEGIN_PASSWORD_RESET]
    now = harness.clock.now()
    with harness.container.uow() as uow:  # another worker claimed it and its lease is still running
        uow.outbox.claim(item_id, now=now, lease_until=now + timedelta(minutes=5))
        uow.commit()
    runner = harness.container.task_runner()
    stale = _outbox(harness)[item_id]
    assert runner._run_step(stale, _payload(harness, stale)) is True  # under its own claim: runs
    queue.clear()
    assert runner._run_step(stale, _payload(harness, stale)) is False  # the same claim again: nothing
    new = [_outbox(harness)[i] for i in set(_outbox(harness)) - before]
    assert sorted(i.kind.value for i in new) == ["begin_password_reset", "sms"]  # one code, not two


def test_an_unknown_task_is_refused(harness):
    with pytest.raises(UnknownTask):
        harness.container.task_runner().run("format_the_disk", {})


# --- batches -----------------------------------------------------------------------------------------------------
class OneBadAddress(FailingEmailSender):
    """Refuses the emails to one address; counts the batches it was asked to hold a connection for."""

    def __init__(self, bad: str) -> None:
        super().__init__(failures=0)
        self.bad = bad
        self.batches = 0

    def send(self, email):
        if email.to == self.bad:
            raise ConnectionError("550 mailbox unavailable (test double)")
        super().send(email)

    def batch(self):
        self.batches += 1
        return super().batch()


def test_a_batch_is_delivered_in_one_go_and_one_failure_fails_only_its_item(harness, queue):
    sender = OneBadAddress("rotto@example.it")
    harness.container.email_sender.override(providers.Object(sender))
    notifier = harness.container.notifier()
    with harness.container.uow() as uow:
        ids = [notifier.email(uow, to=to, subject="Avviso", body="Testo", now=harness.clock.now())
               for to in ("a@example.it", "rotto@example.it", "b@example.it")]
        sms_id = notifier.sms(uow, to=MOBILE, text="Codice 12345", now=harness.clock.now())
        uow.commit()

    runner = harness.container.task_runner()
    calls = [kwargs for _, kwargs in queue.tasks] + [{"item_id": ids[0]}, {"item_id": "sconosciuto"}]
    assert runner.run_batch(DELIVER_TASK, calls) == 3  # a repeated and an unknown id are not sent again

    items = _outbox(harness)
    assert sorted(e.to for e in sender.sent) == ["a@example.it", "b@example.it"]
    assert sender.batches == min(DEFAULT_LANES, 4)  # each lane holds its own connection for the batch
    assert [s.reference for s in harness.sms.sent] == [sms_id]
    assert {items[i].status for i in (ids[0], ids[2], sms_id)} == {OutboxStatus.DONE}
    bad = items[ids[1]]
    assert bad.status is OutboxStatus.PENDING and bad.attempts == 1 and "550" in bad.last_error
    assert bad.available_at > harness.clock.now()  # its own backoff, the others are done
    first_retry = bad.available_at
    assert runner.deliver_many([ids[1]]) == 0  # handed over again: a second attempt, a longer wait
    again = _outbox(harness)[ids[1]]
    assert again.attempts == 2 and again.available_at > first_retry and len(sender.sent) == 2


def test_a_batch_skips_the_items_another_worker_holds(harness, queue):
    with harness.container.uow() as uow:
        item_id = harness.container.notifier().sms(uow, to=MOBILE, text="Codice 12345", now=harness.clock.now())
        uow.commit()
    policy = _policy(harness)
    with harness.container.uow() as uow:  # another worker's claim, its lease still running
        assert uow.outbox.claim(item_id, now=harness.clock.now(), lease_until=harness.clock.now() + policy.lease)
        uow.commit()
    assert harness.container.task_runner().deliver_many([item_id]) == 0
    assert harness.sms.sent == [] and _outbox(harness)[item_id].attempts == 1
