"""Uploads kept in memory, for tests."""
from __future__ import annotations

import io
import re
import secrets
from typing import BinaryIO

from areaclienti.app.ports.storage import FileStorage

_SUFFIX = re.compile(r"(\.[a-z0-9]{1,10})?")  # as FileSystemStorage accepts


class InMemoryStorage(FileStorage):
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def put(self, stream: BinaryIO, *, suffix: str = "") -> str:
        suffix = suffix.lower()
        if not _SUFFIX.fullmatch(suffix):
            raise ValueError(f"unsupported file suffix: {suffix!r}")
        data = stream.read()  # read first: a stream that fails stores nothing
        key = secrets.token_hex(16) + suffix
        self.files[key] = data
        return key

    def open(self, key: str) -> BinaryIO:
        try:
            return io.BytesIO(self.files[key])
        except KeyError:
            raise KeyError(key) from None

    def size(self, key: str) -> int:
        try:
            return len(self.files[key])
        except KeyError:
            raise KeyError(key) from None

    def delete(self, key: str) -> None:
        self.files.pop(key, None)
