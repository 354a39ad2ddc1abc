"""The rq worker's side: every job runs ``run_task`` with the same container the web app uses."""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from .config import Settings
from .container import Container, build_container


@lru_cache(maxsize=1)
def _container() -> Container:
    return build_container(Settings.from_env())


def run_task(task: str, kwargs: dict[str, Any]) -> Any:
    """Entry point of every rq job (see ``adapters.rq.queue.RqTaskQueue``)."""
    return _container().task_runner().run(task, kwargs)
