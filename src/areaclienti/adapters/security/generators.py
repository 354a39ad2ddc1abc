"""Random codes, tokens and ids from the operating system's CSPRNG (``secrets``)."""
from __future__ import annotations

import secrets
from collections.abc import Sequence
import uuid

from areaclienti.app.ports.security import SecretGenerator

TOKEN_BYTES = 32  # 256 bits, twice what SPEC §8 asks of email links


class SystemSecretGenerator(SecretGenerator):
    """Numeric OTP codes, URL-safe tokens and record ids.

    The codes come straight from ``secrets.randbelow``: pyotp's HOTP refuses fewer than 6 digits
    and the SPEC's default is 5, and an HOTP over a random key would add nothing to a uniform draw.
    """

    def otp_code(self, length: int) -> str:
        if length < 1:
            raise ValueError("an OTP needs at least one digit")
        return f"{secrets.randbelow(10**length):0{length}d}"

    def token(self) -> str:
        return secrets.token_urlsafe(TOKEN_BYTES)

    def new_id(self) -> str:
        return uuid.uuid4().hex

    def choice(self, options: Sequence[str]) -> str:
        return secrets.choice(options)
