"""The in-process task queues and recording senders used by the embedded default and the tests."""
from __future__ import annotations

import logging
from datetime import datetime, timezone

import pytest

from areaclienti.adapters.memory.notifications import (
    FailingEmailSender,
    RecordingEmailSender,
    RecordingSmsSender,
)
from areaclienti.adapters.memory.queue import InlineTaskQueue, RecordingTaskQueue
from areaclienti.app.ports.notifications import OutgoingEmail, OutgoingSms


def test_the_inline_queue_runs_the_task_at_once_with_json_arguments():
    ran = []
    InlineTaskQueue(lambda task, kwargs: ran.append((task, kwargs))).enqueue("send_sms", ids=("a", "b"))
    assert ran == [("send_sms", {"ids": ["a", "b"]})]


def test_the_inline_queue_logs_a_failing_task_instead_of_failing_the_request(caplog):
    def runner(task, kwargs):
        raise ConnectionError("smtp down")

    with caplog.at_level(logging.ERROR):
        InlineTaskQueue(runner).enqueue("send_email", message_id="m-1")
    assert "send_email" in caplog.text and "smtp down" in caplog.text


def test_queues_refuse_arguments_a_worker_could_not_receive():
    with pytest.raises(TypeError):
        RecordingTaskQueue().enqueue("x", at=datetime.now(timezone.utc))
    with pytest.raises(TypeError):
        InlineTaskQueue(lambda task, kwargs: None).enqueue("x", at=datetime.now(timezone.utc))


def test_the_recording_queue_runs_everything_including_tasks_enqueued_by_tasks():
    queue = RecordingTaskQueue()
    ran = []

    def runner(task, kwargs):
        ran.append(task)
        if task == "first":
            queue.enqueue("second")

    queue.enqueue("first", n=1)
    assert queue.names() == ["first"]
    assert queue.run_all(runner) == 2
    assert ran == ["first", "second"]
    assert queue.tasks == []


def test_recording_senders_find_the_last_message_to_someone():
    sms, emails = RecordingSmsSender(), RecordingEmailSender()
    sms.send(OutgoingSms(to="+39333", text="uno"))
    sms.send(OutgoingSms(to="+39333", text="due"))
    emails.send(OutgoingEmail(to="a@example.it", subject="s", body="b"))
    assert sms.last_to("+39333").text == "due"
    assert emails.last_to("a@example.it").subject == "s"
    with pytest.raises(AssertionError):
        emails.last_to("b@example.it")


def test_the_failing_sender_fails_as_often_as_told():
    sender = FailingEmailSender(failures=1)
    email = OutgoingEmail(to="a@example.it", subject="s", body="b")
    with pytest.raises(ConnectionError):
        sender.send(email)
    sender.send(email)
    assert sender.attempts == 2 and sender.sent == [email]
