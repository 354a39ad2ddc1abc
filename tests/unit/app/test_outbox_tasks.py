"""SMS and emails go through the outbox: written in the transaction, queued after commit, sent once."""
from __future__ import annotations

import pytest
from dependency_injector import providers

from areaclienti.adapters.memory.notifications import FailingEmailSender
from areaclienti.adapters.memory.queue import RecordingTaskQueue
from areaclienti.adapters.memory.unit_of_work import InMemoryUnitOfWork
from areaclienti.app.notifications import DELIVER_TASK
from areaclienti.app.ports.queue import TaskQueue
from areaclienti.app.tasks import RELAY_TASK, UnknownTask
from areaclienti.domain.errors import OtpSendRefused

from .journeys import EMAIL, MOBILE, give_contacts, start_scenario, verify


@pytest.fixture
def queue(harness):
    recording = RecordingTaskQueue()
    harness.container.task_queue.override(providers.Object(recording))
    return recording


def _run(harness, queue) -> int:
    return queue.run_all(lambda task, kwargs: harness.container.task_runner().run(task, kwargs))


def _outbox(harness):
    return dict(harness.store.outbox)


class CommitFails(InMemoryUnitOfWork):
    def _commit(self) -> None:
        raise RuntimeError("the database went away (test double)")


class DownQueue(TaskQueue):
    def enqueue(self, task, **kwargs):
        raise ConnectionError("redis is down (test double)")


def test_a_message_is_queued_only_once_the_transaction_commits(harness, queue):
    notifier = harness.container.notifier()
    now = harness.clock.now()
    with harness.container.uow() as uow:
        notifier.sms(uow, to=MOBILE, text="ciao", now=now)
        assert queue.tasks == []
        assert _outbox(harness) == {}  # not visible outside the transaction yet
        uow.commit()
    (message,) = _outbox(harness).values()
    assert queue.tasks == [(DELIVER_TASK, {"message_id": message.id})]
    assert (message.channel, message.recipient, message.body) == ("sms", MOBILE, "ciao")
    assert message.sent_at is None
    assert harness.sms.sent == []


def test_a_message_of_a_rolled_back_transaction_is_neither_stored_nor_queued(harness, queue):
    notifier = harness.container.notifier()
    with pytest.raises(RuntimeError):
        with harness.container.uow() as uow:
            notifier.email(uow, to=EMAIL, subject="s", body="b", now=harness.clock.now())
            raise RuntimeError("the use case failed")
    assert queue.tasks == [] and _outbox(harness) == {}


def test_a_use_case_writes_its_sms_to_the_outbox_and_queues_it_after_commit(harness, demo, queue):
    step = start_scenario(harness, demo.scenario("policyholder_vita"))
    give_contacts(harness, step.flow_token)

    (message,) = _outbox(harness).values()
    assert message.channel == "sms" and message.recipient == MOBILE
    assert queue.names() == [DELIVER_TASK]
    assert harness.sms.sent == []  # nothing leaves inside the request

    assert _run(harness, queue) == 1
    assert [s.to for s in harness.sms.sent] == [MOBILE]
    assert _outbox(harness)[message.id].sent_at == harness.clock.now()


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
    with harness.container.uow() as uow:
        assert uow.otps.latest_for_flow(harness.container.secret_hasher().hash(step.flow_token)) is None


def test_nothing_is_queued_when_the_use_case_refuses(harness, demo, queue):
    step = start_scenario(harness, demo.scenario("policyholder_vita"))
    give_contacts(harness, step.flow_token)
    queue.clear()
    before = _outbox(harness)
    with pytest.raises(OtpSendRefused):
        harness.container.registration().resend_code(step.flow_token)
    assert queue.tasks == [] and _outbox(harness) == before


def test_a_message_is_delivered_once(harness, demo, queue):
    step = start_scenario(harness, demo.scenario("policyholder_vita"))
    give_contacts(harness, step.flow_token)
    (message,) = _outbox(harness).values()
    runner = harness.container.task_runner()
    assert runner.deliver_message(message.id) is True
    assert runner.deliver_message(message.id) is False
    assert runner.run(DELIVER_TASK, {"message_id": message.id}) is False
    assert len(harness.sms.sent) == 1
    assert runner.deliver_message("no-such-message") is False


def test_a_failing_sender_leaves_the_message_pending_and_the_relay_queues_it_again(harness, demo, queue):
    sender = FailingEmailSender(failures=1)
    harness.container.email_sender.override(providers.Object(sender))
    step = start_scenario(harness, demo.scenario("policyholder_vita"))
    give_contacts(harness, step.flow_token)
    _run(harness, queue)
    verify(harness, step.flow_token, harness.code_sent_to(MOBILE))
    (email,) = [m for m in _outbox(harness).values() if m.channel == "email"]

    with pytest.raises(ConnectionError):
        _run(harness, queue)
    pending = _outbox(harness)[email.id]
    assert pending.sent_at is None and pending.attempts == 1
    assert sender.sent == []

    runner = harness.container.task_runner()
    assert runner.relay_outbox() == 0  # too recent: its own delivery may still be on its way
    harness.clock.advance(seconds=61)
    assert runner.run(RELAY_TASK, {}) == 1
    assert queue.tasks == [(DELIVER_TASK, {"message_id": email.id})]

    _run(harness, queue)
    assert [m.to for m in sender.sent] == [EMAIL]
    assert "/password/imposta/" in sender.sent[0].body
    assert _outbox(harness)[email.id].sent_at is not None
    assert _outbox(harness)[email.id].attempts == 2
    harness.clock.advance(seconds=61)
    assert runner.relay_outbox() == 0


def test_a_queue_that_is_down_does_not_fail_the_request_and_the_relay_catches_up(harness, demo):
    harness.container.task_queue.override(providers.Object(DownQueue()))
    step = start_scenario(harness, demo.scenario("policyholder_vita"))
    give_contacts(harness, step.flow_token)  # committed even though the queue refused the message
    assert harness.sms.sent == []
    (message,) = _outbox(harness).values()

    recording = RecordingTaskQueue()
    harness.container.task_queue.override(providers.Object(recording))
    harness.clock.advance(seconds=61)
    assert harness.container.task_runner().relay_outbox() == 1
    _run(harness, recording)
    assert [s.to for s in harness.sms.sent] == [MOBILE]
    verify(harness, step.flow_token, harness.code_sent_to(MOBILE))


def test_an_unknown_task_is_refused(harness):
    with pytest.raises(UnknownTask):
        harness.container.task_runner().run("format_the_disk", {})
