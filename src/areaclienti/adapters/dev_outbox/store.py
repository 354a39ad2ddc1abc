"""The development outbox: every SMS and email, readable in the browser instead of delivered.

One JSON object per line in a file that the web process and the worker both append to.
"""
from __future__ import annotations

import fcntl
import json
import os
from collections import deque
from datetime import datetime, timezone
from pathlib import Path
from typing import Any


class DevOutbox:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def append(self, channel: str, recipient: str, subject: str, body: str, sent_at: datetime,
               reference: str = "") -> None:
        """Add one message (``channel`` is "sms" or "email"; an SMS has an empty subject). ``reference``
        is the outbox item's id, the same on a re-send after a crash."""
        if sent_at.tzinfo is None:
            raise ValueError("sent_at must be timezone-aware")
        record = {
            "channel": channel,
            "recipient": recipient,
            "subject": subject,
            "body": body,
            "sent_at": sent_at.astimezone(timezone.utc).isoformat(),
            "reference": reference,
        }
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # O_APPEND plus an exclusive lock and one write: lines from two processes never interleave.
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            view = memoryview(line)
            while view:
                written = os.write(fd, view)
                view = view[written:]
        finally:
            os.close(fd)  # closing releases the lock

    def list(self, limit: int = 200) -> list[dict[str, Any]]:
        """The newest ``limit`` messages, newest first."""
        try:
            with self.path.open("rb") as file:
                fcntl.flock(file, fcntl.LOCK_SH)
                lines = deque(file, maxlen=limit) if limit > 0 else deque()
        except FileNotFoundError:
            return []
        messages = []
        for raw in reversed(lines):
            try:
                messages.append(json.loads(raw))
            except ValueError:
                continue  # a line cut short by a crash; the rest is still worth showing
        return messages

    def clear(self) -> None:
        """Forget every message."""
        try:
            with self.path.open("r+b") as file:
                fcntl.flock(file, fcntl.LOCK_EX)
                file.truncate(0)
        except FileNotFoundError:
            pass
