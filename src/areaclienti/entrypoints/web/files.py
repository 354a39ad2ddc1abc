"""How uploaded files go back to a browser, for customers and operators alike.

Uploaded files are never HTML (the type is read from the content and nosniff is on), but a browser must
still run nothing from them: a PDF is a download (no browser opens it with its own viewer, scripts and
all), and every file comes under a sandbox that loads nothing else. An image opened in its own tab still
shows (img-src); the video plays in the operators' review page, under that page's CSP.
"""
from __future__ import annotations

from areaclienti.domain.identification import StoredFile

DOCUMENT_CSP = {"default-src": "'none'", "img-src": "'self'", "frame-ancestors": "'none'", "sandbox": ""}
VIDEO_CSP = {"default-src": "'none'", "frame-ancestors": "'none'", "sandbox": ""}
# A customer's own file from an object store: the app checks whose it is, then sends the browser to a link
# signed for this one object that forces a download; it is followed at once, so a minute is plenty.
DOWNLOAD_LINK_SECONDS = 60


def disposition(stored: StoredFile) -> str:
    """Images and the video show in the page; anything else (a PDF) is saved, never opened in the browser."""
    return "inline" if stored.content_type.startswith(("image/", "video/")) else "attachment"
