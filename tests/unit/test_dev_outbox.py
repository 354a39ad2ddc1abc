"""The development outbox: a JSONL file the web process and the worker append to together."""
from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone

import pytest

from areaclienti.adapters.dev_outbox.senders import DevOutboxEmailSender, DevOutboxSmsSender
from areaclienti.adapters.dev_outbox.store import DevOutbox
from areaclienti.adapters.memory.clock import FixedClock
from areaclienti.app.ports.notifications import OutgoingEmail, OutgoingSms

T0 = datetime(2025, 7, 1, 8, 30, tzinfo=timezone.utc)


@pytest.fixture
def outbox(tmp_path):
    return DevOutbox(tmp_path / "outbox" / "messages.jsonl")


def test_an_empty_outbox_lists_nothing(outbox):
    assert outbox.list() == []
    outbox.clear()  # nothing to clear is fine
    assert outbox.list() == []


def test_messages_are_listed_newest_first_with_every_field(outbox):
    outbox.append("sms", "+393331234567", "", "Il tuo codice è 01234", T0, reference="item-1")
    outbox.append("email", "anna@example.it", "Imposta la password", "Ciao Anna…", T0 + timedelta(minutes=1))

    assert outbox.list() == [
        {"channel": "email", "recipient": "anna@example.it", "subject": "Imposta la password",
         "body": "Ciao Anna…", "sent_at": "2025-07-01T08:31:00+00:00", "reference": ""},
        {"channel": "sms", "recipient": "+393331234567", "subject": "",
         "body": "Il tuo codice è 01234", "sent_at": "2025-07-01T08:30:00+00:00", "reference": "item-1"},
    ]


def test_times_are_stored_in_utc(outbox):
    rome = timezone(timedelta(hours=2))
    outbox.append("sms", "+39333", "", "x", datetime(2025, 7, 1, 10, 30, tzinfo=rome))
    assert outbox.list()[0]["sent_at"] == "2025-07-01T08:30:00+00:00"


def test_a_naive_time_is_refused(outbox):
    with pytest.raises(ValueError):
        outbox.append("sms", "+39333", "", "x", datetime(2025, 7, 1, 10, 30))


def test_list_keeps_only_the_newest_up_to_the_limit(outbox):
    for i in range(10):
        outbox.append("sms", "+39333", "", f"messaggio {i}", T0 + timedelta(seconds=i))
    assert [m["body"] for m in outbox.list(limit=3)] == ["messaggio 9", "messaggio 8", "messaggio 7"]


def test_clear_forgets_everything(outbox):
    outbox.append("sms", "+39333", "", "x", T0)
    outbox.clear()
    assert outbox.list() == []
    outbox.append("sms", "+39333", "", "y", T0)
    assert [m["body"] for m in outbox.list()] == ["y"]


def test_concurrent_appends_keep_every_line_whole(outbox):
    # Long bodies, bigger than a pipe buffer, would interleave without the lock and O_APPEND.
    threads, per_thread = 8, 40
    body = "è" * 5000

    def write(n: int) -> None:
        for i in range(per_thread):
            outbox.append("email", f"t{n}@example.it", f"{n}-{i}", body, T0)

    workers = [threading.Thread(target=write, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    lines = outbox.path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == threads * per_thread
    records = [json.loads(line) for line in lines]
    assert all(r["body"] == body for r in records)
    assert {r["subject"] for r in records} == {f"{n}-{i}" for n in range(threads) for i in range(per_thread)}


def test_the_senders_write_sms_and_email_at_the_clocks_time(outbox):
    clock = FixedClock(T0)
    DevOutboxSmsSender(outbox, clock).send(OutgoingSms(to="+393331234567", text="Codice: 12345"))
    clock.advance(seconds=30)
    DevOutboxEmailSender(outbox, clock).send(OutgoingEmail(to="anna@example.it", subject="Benvenuta", body="Ciao"))

    email, sms = outbox.list()
    assert (email["channel"], email["recipient"], email["subject"], email["body"]) == (
        "email", "anna@example.it", "Benvenuta", "Ciao")
    assert email["sent_at"] == "2025-07-01T08:30:30+00:00"
    assert (sms["channel"], sms["recipient"], sms["subject"], sms["body"]) == (
        "sms", "+393331234567", "", "Codice: 12345")
