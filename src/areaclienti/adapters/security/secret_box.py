"""Encryption at rest for what must wait readable (outbox payloads): Fernet, keyed from the app's key."""
from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from areaclienti.app.ports.security import SecretBox

# Changing the purpose gives another key: the same application key never encrypts and MACs alike.
OUTBOX_PURPOSE = b"areaclienti outbox payloads v1"


class FernetSecretBox(SecretBox):
    """AES-128-CBC with HMAC-SHA256 (Fernet), with a key derived by HKDF-SHA256 from the application key.

    Rotating the application key makes items still waiting unreadable: they fail and are listed dead.
    """

    def __init__(self, application_key: bytes, purpose: bytes = OUTBOX_PURPOSE) -> None:
        if not application_key:
            raise ValueError("the application key must not be empty")
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(application_key)
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def seal(self, plaintext: bytes) -> str:
        return self._fernet.encrypt(plaintext).decode("ascii")

    def open(self, sealed: str) -> bytes:
        try:
            return self._fernet.decrypt(sealed.encode("ascii"))
        except (InvalidToken, UnicodeEncodeError) as error:
            raise ValueError("sealed payload altered, or made with another key") from error
