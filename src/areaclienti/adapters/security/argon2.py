"""Password hashing with argon2id through argon2-cffi (SPEC §8)."""
from __future__ import annotations

import secrets

import argon2
from argon2.exceptions import InvalidHashError, VerificationError

from areaclienti.app.ports.security import PasswordHasher


class Argon2PasswordHasher(PasswordHasher):
    """argon2id with argon2-cffi's defaults (RFC 9106 low-memory profile), or stronger overrides."""

    def __init__(
        self,
        *,
        time_cost: int | None = None,
        memory_cost: int | None = None,
        parallelism: int | None = None,
    ) -> None:
        self._hasher = argon2.PasswordHasher(
            time_cost=argon2.DEFAULT_TIME_COST if time_cost is None else time_cost,
            memory_cost=argon2.DEFAULT_MEMORY_COST if memory_cost is None else memory_cost,
            parallelism=argon2.DEFAULT_PARALLELISM if parallelism is None else parallelism,
            type=argon2.Type.ID,
        )
        # Made with the same parameters as real hashes, so a dummy check costs what a real one does.
        self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))

    @classmethod
    def fast_for_tests(cls) -> "Argon2PasswordHasher":
        """The cheapest parameters argon2 accepts: for tests only, never for real passwords."""
        return cls(time_cost=1, memory_cost=8, parallelism=1)

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except (InvalidHashError, ValueError):
            return True  # unreadable: the next successful login should store a proper hash

    def dummy_verify(self) -> None:
        self.verify(self._dummy_hash, secrets.token_urlsafe(16))
