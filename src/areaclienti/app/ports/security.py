from __future__ import annotations

import abc


class PasswordHasher(abc.ABC):
    @abc.abstractmethod
    def hash(self, password: str) -> str:
        """A salted, slow hash (argon2id) of the password."""

    @abc.abstractmethod
    def verify(self, password_hash: str, password: str) -> bool:
        """True when the password matches; False otherwise (never raises for a mismatch)."""

    @abc.abstractmethod
    def needs_rehash(self, password_hash: str) -> bool:
        """True when the hash was made with weaker parameters than the current ones."""

    @abc.abstractmethod
    def dummy_verify(self) -> None:
        """Spend the time of one verification, so unknown accounts answer as slowly as known ones."""


class SecretHasher(abc.ABC):
    @abc.abstractmethod
    def hash(self, secret: str) -> str:
        """A keyed hash (HMAC with the server's key) of a short secret: OTP, link token, session id."""


class SecretGenerator(abc.ABC):
    @abc.abstractmethod
    def otp_code(self, length: int) -> str:
        """A random numeric code of ``length`` digits from a CSPRNG."""

    @abc.abstractmethod
    def token(self) -> str:
        """A URL-safe random token of at least 128 bits."""

    @abc.abstractmethod
    def new_id(self) -> str:
        """A new random identifier for a stored record."""


class PasswordBlocklist(abc.ABC):
    @abc.abstractmethod
    def is_common(self, password: str) -> bool:
        """True when the password is among the commonly used ones."""
