"""The one way a customer's file is kept (SPEC §8: uploads): its type read from its content, its size
counted while reading, then, for images and PDFs, the whole file inspected and cleaned before it is
stored. Identification uses it for the video selfie and the document; any later journey that takes
files (claims, …) uses it with its own rule.

Nothing is stored until every check has passed, so a refusal leaves nothing behind.
"""
from __future__ import annotations

import itertools
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from areaclienti.domain.errors import FileEmpty, FileMissing, FileRejected, FileTooLarge, FileTypeNotAllowed
from areaclienti.domain.identification import FILE_SUFFIXES, StoredFile

from .ports.security import ContentSniffer, FileInspector
from .ports.storage import FileStorage

_CHUNK = 64 * 1024
_SPOOL_IN_MEMORY = 2 * 1024 * 1024  # larger uploads wait for the inspection in a temporary file


@dataclass(frozen=True)
class Upload:
    """A file as the customer sent it: the stream and the name their device gave it (shown in messages,
    never used to decide the type or to name the stored file)."""

    stream: BinaryIO
    filename: str = ""


@dataclass(frozen=True)
class UploadRule:
    """What one kind of upload may be: ``role`` names it in refusals (``video``, ``document``, …)."""

    role: str
    types: frozenset[str]
    min_bytes: int
    max_bytes: int


@dataclass
class UploadPipeline:
    storage: FileStorage
    sniffer: ContentSniffer
    inspector: FileInspector

    def keep(self, upload: Upload | None, rule: UploadRule) -> StoredFile:
        """Check ``upload`` against ``rule`` and store what is safe to keep under a new key.

        Returns:
            The stored file: its key, the type read from the content, and the size of what was stored
            (an image re-encoded is not the size that was sent).

        Raises:
            FileMissing, FileEmpty, FileTooLarge, FileTypeNotAllowed, FileUnreadable, FileActiveContent,
            FileTooManyPixels: each with ``role`` and ``name`` (the name the customer's device gave).
        """
        name = (upload.filename if upload else "") or ""
        if upload is None or upload.stream is None:
            raise FileMissing(role=rule.role, name=name)
        head = _read_up_to(upload.stream, self.sniffer.HEAD_BYTES)
        if not head:
            raise FileEmpty(role=rule.role, name=name)
        content_type = self.sniffer.mime_type(head)
        if content_type not in rule.types:
            raise FileTypeNotAllowed(role=rule.role, name=name)
        counted = _LimitedStream(itertools.chain([head], _chunks(upload.stream)), rule.max_bytes, rule.role, name)
        suffix = FILE_SUFFIXES.get(content_type, "")
        if not self.inspector.inspects(content_type):
            key = self.storage.put(counted, suffix=suffix)
            if counted.size < rule.min_bytes:
                self.storage.delete(key)
                raise FileEmpty(role=rule.role, name=name)
            return StoredFile(key, content_type, counted.size)
        with tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY) as whole:
            for chunk in iter(lambda: counted.read(_CHUNK), b""):
                whole.write(chunk)
            if counted.size < rule.min_bytes:
                raise FileEmpty(role=rule.role, name=name)
            whole.seek(0)
            try:
                cleaned = self.inspector.clean(content_type, whole)  # type: ignore[arg-type]
            except FileRejected as refused:
                raise type(refused)(**{**refused.params, "role": rule.role, "name": name}) from None
            size = cleaned.seek(0, 2)
            cleaned.seek(0)
            key = self.storage.put(cleaned, suffix=suffix)
        return StoredFile(key, content_type, size)


def _read_up_to(stream: BinaryIO, n: int) -> bytes:
    parts, left = [], n
    while left > 0:
        part = stream.read(left)
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def _chunks(stream: BinaryIO) -> Iterator[bytes]:
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            return
        yield chunk


class _LimitedStream:
    """A read-only stream over chunks that raises FileTooLarge past ``max_bytes`` (so the storage's
    atomic put leaves nothing behind)."""

    def __init__(self, chunks: Iterator[bytes], max_bytes: int, role: str, name: str) -> None:
        self._chunks = chunks
        self._buffer = b""
        self._max = max_bytes
        self._role = role
        self._name = name
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        while n < 0 or len(self._buffer) < n:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self.size += len(chunk)
            if self.size > self._max:
                raise FileTooLarge(role=self._role, name=self._name, max_mb=self._max // (1024 * 1024))
            self._buffer += chunk
        if n < 0:
            data, self._buffer = self._buffer, b""
        else:
            data, self._buffer = self._buffer[:n], self._buffer[n:]
        return data
