from __future__ import annotations

import abc
from typing import BinaryIO


class FileStorage(abc.ABC):
    """Private files (uploads), never served without an authorisation check."""

    @abc.abstractmethod
    def put(self, stream: BinaryIO, *, suffix: str = "") -> str:
        """Store the whole stream under a new random key and return the key; nothing is left on failure."""

    @abc.abstractmethod
    def open(self, key: str) -> BinaryIO:
        """Open a stored file for reading; raise KeyError when there is none."""

    @abc.abstractmethod
    def size(self, key: str) -> int:
        """The size in bytes of a stored file; raise KeyError when there is none."""

    @abc.abstractmethod
    def delete(self, key: str) -> None:
        """Remove a stored file; no error when it is already gone."""

    def download_url(self, key: str, *, filename: str, content_type: str | None = None,
                     seconds: int = 60) -> str | None:
        """A link a browser can fetch this one file from, straight from the storage, for ``seconds``,
        always as a download (``Content-Disposition: attachment``) named ``filename``; None when the
        storage gives no such links (the disk, memory), and the app streams the file itself.

        The caller checks that the file is the customer's before asking: the link is the permission.
        """
        return None
