from __future__ import annotations

import abc
from collections.abc import Sequence
from datetime import datetime
from typing import BinaryIO


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

    @abc.abstractmethod
    def choice(self, options: Sequence[str]) -> str:
        """One of ``options``, picked by a CSPRNG (the keyword of a video selfie)."""


class PasswordBlocklist(abc.ABC):
    @abc.abstractmethod
    def is_common(self, password: str) -> bool:
        """True when the password is among the commonly used ones."""


class TotpAuthenticator(abc.ABC):
    """Time-based one-time passwords (RFC 6238) for the operators' second factor."""

    @abc.abstractmethod
    def new_secret(self) -> str:
        """A new random base32 secret."""

    @abc.abstractmethod
    def provisioning_uri(self, secret: str, *, account_name: str, issuer: str) -> str:
        """The otpauth:// URI an authenticator app reads from the enrolment QR code."""

    @abc.abstractmethod
    def matching_step(self, secret: str, code: str, at: datetime) -> int | None:
        """The time step whose code this is (the current one or one either side, for clock drift), or
        None when it matches none."""


class ContentSniffer(abc.ABC):
    """Tells a file's type from its first bytes (its magic number), never from its name."""

    HEAD_BYTES = 8192

    @abc.abstractmethod
    def mime_type(self, head: bytes) -> str | None:
        """The MIME type the bytes show, or None when unknown."""


class SecretBox(abc.ABC):
    """Authenticated encryption of what must wait at rest in readable form (an SMS code, a link)."""

    @abc.abstractmethod
    def seal(self, plaintext: bytes) -> str:
        """The encrypted, authenticated text of ``plaintext`` (ASCII, storable in a text column)."""

    @abc.abstractmethod
    def open(self, sealed: str) -> bytes:
        """The plaintext back; raises ValueError when ``sealed`` was altered or made with another key."""


class FileInspector(abc.ABC):
    """Looks inside a whole upload whose type was read from its first bytes, and gives back what is safe
    to keep: images decoded and encoded again (no metadata, nothing hidden after the picture), PDFs only
    when nothing in them can run.

    Refusals are raised as the domain's ``FileRejected`` kinds without ``role`` or ``name``: the caller,
    which knows them, raises them again with both.
    """

    @abc.abstractmethod
    def inspects(self, content_type: str) -> bool:
        """True when files of this type are read whole and cleaned before they are kept (images and PDFs;
        not videos, which are only ever served typed to operators)."""

    @abc.abstractmethod
    def clean(self, content_type: str, data: BinaryIO) -> BinaryIO:
        """The bytes to keep for ``data`` (a seekable stream at its start), as a seekable stream at its start.

        Raises:
            FileUnreadable: the content cannot be decoded as ``content_type``.
            FileActiveContent: a PDF with scripts, actions, XFA forms or embedded files, or encrypted.
            FileTooManyPixels: an image with more pixels than the inspector decodes.
        """
