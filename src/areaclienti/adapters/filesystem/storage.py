"""Uploads on the local disk, in a directory outside the web root (SPEC §8)."""
from __future__ import annotations

import os
import re
import secrets
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO

from areaclienti.app.ports.storage import FileStorage

# Keys are made here, never by the client; anything else (a "../", a slash) is refused outright.
_KEY = re.compile(r"[0-9a-f]{32}(\.[a-z0-9]{1,10})?")
_SUFFIX = re.compile(r"(\.[a-z0-9]{1,10})?")
_CHUNK = 64 * 1024


class FileSystemStorage(FileStorage):
    """Files named by 128-bit random hex keys plus an optional lowercase suffix such as ``.pdf``.

    ``put`` writes to a temporary file in the same directory and renames it into place, so a
    stream that fails midway leaves neither a partial file nor a key.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)

    def put(self, stream: BinaryIO, *, suffix: str = "") -> str:
        suffix = suffix.lower()
        if not _SUFFIX.fullmatch(suffix):
            raise ValueError(f"unsupported file suffix: {suffix!r}")
        fd, temp_name = tempfile.mkstemp(dir=self.root, prefix=".upload-", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as temp:
                shutil.copyfileobj(stream, temp, _CHUNK)
                temp.flush()
                os.fsync(temp.fileno())
            key = secrets.token_hex(16) + suffix
            os.replace(temp_name, self.root / key)
        except BaseException:
            try:
                os.unlink(temp_name)
            except FileNotFoundError:
                pass
            raise
        return key

    def open(self, key: str) -> BinaryIO:
        try:
            return self._path(key).open("rb")
        except FileNotFoundError:
            raise KeyError(key) from None

    def size(self, key: str) -> int:
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError:
            raise KeyError(key) from None

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink()
        except FileNotFoundError:
            pass

    def _path(self, key: str) -> Path:
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            raise KeyError(key)
        return self.root / key
