"""The operators' second factor with pyotp (RFC 6238: 6 digits, 30 s steps, SHA-1 as authenticator apps
expect)."""
from __future__ import annotations

import hmac
from datetime import datetime

import pyotp

from areaclienti.app.ports.security import TotpAuthenticator

DRIFT_STEPS = 1  # accept the code of the step before and after: phones' clocks drift


class PyotpAuthenticator(TotpAuthenticator):
    def new_secret(self) -> str:
        return pyotp.random_base32()  # 160 bits, as RFC 4226 recommends

    def provisioning_uri(self, secret: str, *, account_name: str, issuer: str) -> str:
        return pyotp.TOTP(secret).provisioning_uri(name=account_name, issuer_name=issuer)

    def matching_step(self, secret: str, code: str, at: datetime) -> int | None:
        code = (code or "").strip().replace(" ", "")
        # isdigit() alone lets through "١٢٣" or "²": compare_digest would then raise TypeError.
        if not (code.isascii() and code.isdigit()):
            return None
        totp = pyotp.TOTP(secret)
        step = totp.timecode(at)
        for candidate in range(step - DRIFT_STEPS, step + DRIFT_STEPS + 1):
            if hmac.compare_digest(totp.generate_otp(candidate), code):
                return candidate
        return None
