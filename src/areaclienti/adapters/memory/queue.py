"""Task queues without Redis: run at once (the embedded default) or record for tests."""
from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from areaclienti.app.ports.queue import TaskQueue

log = logging.getLogger(__name__)

TaskRunner = Callable[[str, dict[str, Any]], None]


def _as_json(kwargs: dict[str, Any]) -> dict[str, Any]:
    # The same round-trip as the rq queue: tests catch arguments a real worker could not receive.
    return json.loads(json.dumps(kwargs))


class InlineTaskQueue(TaskQueue):
    """Runs each task in-process as it is enqueued.

    A failing task is logged, not raised: the caller's change is already committed and the
    outbox relay delivers what was not sent, whereas an exception would turn a successful web
    request into an error page.
    """

    def __init__(self, runner: TaskRunner) -> None:
        self._runner = runner

    def enqueue(self, task: str, **kwargs: Any) -> None:
        payload = _as_json(kwargs)
        try:
            self._runner(task, payload)
        except Exception:
            log.exception("inline task %s failed", task)


class RecordingTaskQueue(TaskQueue):
    """Keeps every enqueued task in ``.tasks`` until a test runs them with ``run_all``."""

    def __init__(self) -> None:
        self.tasks: list[tuple[str, dict[str, Any]]] = []

    def enqueue(self, task: str, **kwargs: Any) -> None:
        self.tasks.append((task, _as_json(kwargs)))

    def names(self) -> list[str]:
        """The names of the tasks waiting, oldest first."""
        return [task for task, _ in self.tasks]

    def run_all(self, runner: TaskRunner) -> int:
        """Run the waiting tasks in order, including those they enqueue; the number run.

        Exceptions propagate, so a test sees a failing task.
        """
        count = 0
        while self.tasks:
            task, kwargs = self.tasks.pop(0)
            runner(task, kwargs)
            count += 1
        return count

    def clear(self) -> None:
        self.tasks.clear()
