"""Keyed hashes of short secrets (OTP codes, link tokens, session ids) as stored in the database."""
from __future__ import annotations

import hashlib
import hmac

from areaclienti.app.ports.security import SecretHasher


class HmacSecretHasher(SecretHasher):
    """HMAC-SHA256 with the server's key, hex encoded.

    A plain hash would let whoever reads the database brute-force a 5-digit code in microseconds;
    without the key they cannot.
    """

    def __init__(self, key: bytes) -> None:
        if not key:
            raise ValueError("the HMAC key must not be empty")
        self._key = bytes(key)

    def hash(self, secret: str) -> str:
        return hmac.new(self._key, secret.encode("utf-8"), hashlib.sha256).hexdigest()
