"""File types read from content with the ``filetype`` library (magic numbers), never from names."""
from __future__ import annotations

import filetype

from areaclienti.app.ports.security import ContentSniffer

# filetype tells Matroska and WebM apart by the EBML DocType; both come out of MediaRecorder
# (Chromium writes "webm", some builds "matroska" for the same codecs).
_ALIASES = {"video/x-matroska": "video/webm", "video/x-m4v": "video/mp4"}


class FiletypeSniffer(ContentSniffer):
    def mime_type(self, head: bytes) -> str | None:
        kind = filetype.guess(head)
        if kind is None:
            return None
        return _ALIASES.get(kind.mime, kind.mime)
