"""Every request gets an id: one JSON log line names it, the response carries it, and the worker's lines
about the tasks the request started name it too."""
from __future__ import annotations

import io
import json
import logging

import pytest
from dependency_injector import providers

from areaclienti.adapters.memory.queue import RecordingTaskQueue
from areaclienti.entrypoints.logs import JsonFormatter, RequestIdFilter

from .journeys import csrf_token


@pytest.fixture
def json_log():
    """The root logger's lines as production writes them (JSON, the request id filter), kept in a buffer."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)

    def lines() -> list[dict]:
        return [json.loads(line) for line in buffer.getvalue().splitlines()]

    lines.clear = lambda: (buffer.seek(0), buffer.truncate())  # type: ignore[attr-defined]
    yield lines
    root.removeHandler(handler)
    root.setLevel(level)


def request_lines(lines: list[dict]) -> list[dict]:
    return [line for line in lines if line["logger"] == "areaclienti.request"]


def test_a_request_is_logged_in_one_json_line_with_the_id_the_response_carries(client, json_log):
    response = client.get("/accesso?next=/segreto", headers={"X-Request-Id": "not well formed!"})

    assert response.status_code == 200
    request_id = response.headers["X-Request-Id"]
    assert request_id != "not well formed!" and len(request_id) == 32
    [line] = request_lines(json_log())
    assert line["request_id"] == request_id
    assert (line["method"], line["path"], line["status"]) == ("GET", "/accesso", 200)
    assert line["duration_ms"] >= 0 and "segreto" not in json.dumps(line)


def test_a_well_formed_incoming_id_is_kept_and_a_malformed_one_replaced(client, json_log):
    kept = client.get("/health", headers={"X-Request-Id": "f3b1c0de-7a2e-4e55-9b1f-0c4d2a9e8b7c"})
    replaced = client.get("/health", headers={"X-Request-Id": "a<script>"})

    assert kept.headers["X-Request-Id"] == "f3b1c0de-7a2e-4e55-9b1f-0c4d2a9e8b7c"
    assert replaced.headers["X-Request-Id"] not in ("a<script>", kept.headers["X-Request-Id"])
    assert [line["request_id"] for line in request_lines(json_log())] == [
        kept.headers["X-Request-Id"], replaced.headers["X-Request-Id"]]


def test_a_token_in_the_path_is_not_logged(client, json_log):
    client.get("/password/imposta/very-secret-token-123")

    [line] = request_lines(json_log())
    assert line["path"] == "/password/imposta/…"
    assert "very-secret-token-123" not in json.dumps(json_log())


def test_the_tasks_a_request_started_log_its_id_in_the_worker(harness, app, client, demo_accounts, json_log):
    queue = RecordingTaskQueue()  # the tasks wait, as in Redis, until "the worker" runs them
    harness.container.task_queue.override(providers.Object(queue))
    token = csrf_token(client, "/password/dimenticata")

    response = client.post("/password/dimenticata", data={"csrf_token": token, "email": "marco.rinaldi@example.it"},
                           headers={"X-Request-Id": "req-0123456789abcdef"})
    assert response.status_code == 302 and queue.tasks
    json_log.clear()
    # The worker: another moment, outside any request (its own lines carry no id of their own).
    queue.run_all(lambda task, kwargs: harness.container.task_runner().run(task, kwargs))

    delivered = [line for line in json_log() if line["message"].startswith("outbox item ")]
    # The reset's background step, then the SMS it wrote in the worker: both named after the request.
    assert {line["message"].split("(")[1].split(")")[0] for line in delivered} >= {"begin_password_reset", "sms"}
    assert {line.get("request_id") for line in delivered} == {"req-0123456789abcdef"}
    assert harness.sms.sent, "the SMS was not delivered"
