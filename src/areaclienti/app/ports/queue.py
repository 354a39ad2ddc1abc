from __future__ import annotations

import abc
from typing import Any


class TaskQueue(abc.ABC):
    """Runs named tasks (see ``areaclienti.app.tasks``) outside the request that asked for them."""

    @abc.abstractmethod
    def enqueue(self, task: str, **kwargs: Any) -> None:
        """Schedule ``task`` with JSON-serialisable keyword arguments; raise if it cannot be scheduled."""
