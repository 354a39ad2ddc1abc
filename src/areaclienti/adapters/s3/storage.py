"""Uploads in an S3-compatible bucket, so every web and worker process on every machine sees the same files.

The bucket stays private: nothing is public, and a customer reaches a file only through a link the app
signs for one object, for a minute or so, after its own authorisation check (``download_url``).
"""
from __future__ import annotations

import io
import re
import secrets
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import quote

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

from areaclienti.app.ports.storage import FileStorage

# As FileSystemStorage: keys are made here, never by the client, and anything else is refused outright.
_KEY = re.compile(r"[0-9a-f]{32}(\.[a-z0-9]{1,10})?")
_SUFFIX = re.compile(r"(\.[a-z0-9]{1,10})?")
_MISSING = {"NoSuchKey", "404", "NotFound"}
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class S3Settings:
    bucket: str
    endpoint_url: str | None = None  # unset: AWS itself; set: MinIO, Ceph, a local test server
    region: str | None = None
    prefix: str = ""  # e.g. "uploads/": the bucket may hold other things
    connect_timeout: float = 2.0
    read_timeout: float = 10.0
    max_attempts: int = 3  # botocore's "standard" retries: throttling, 5xx and dropped connections


def s3_client(settings: S3Settings):
    """A client with bounded timeouts and retries; credentials come the usual AWS way (the
    ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY`` variables, a profile, an instance role)."""
    config = Config(
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
        retries={"max_attempts": settings.max_attempts, "mode": "standard"},
        signature_version="s3v4",
        # Servers other than AWS seldom have a DNS name per bucket; AWS itself picks its own style.
        s3={"addressing_style": "path" if settings.endpoint_url else "auto"},
    )
    return boto3.session.Session().client(
        "s3", endpoint_url=settings.endpoint_url, region_name=settings.region, config=config)


class S3Storage(FileStorage):
    """Files named by 128-bit random hex keys plus an optional lowercase suffix, as on the disk.

    ``put`` sends a small file in one PutObject and a large one as a multipart upload that s3transfer
    aborts when the stream fails: S3 makes an object visible only once it is whole, so a failed upload
    leaves neither an object nor parts that are paid for.
    """

    def __init__(self, client, bucket: str, *, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix
        self.transfer = TransferConfig(multipart_threshold=8 * 1024 * 1024, max_concurrency=4)

    @classmethod
    def from_settings(cls, settings: S3Settings) -> "S3Storage":
        return cls(s3_client(settings), settings.bucket, prefix=settings.prefix)

    def put(self, stream: BinaryIO, *, suffix: str = "") -> str:
        suffix = suffix.lower()
        if not _SUFFIX.fullmatch(suffix):
            raise ValueError(f"unsupported file suffix: {suffix!r}")
        key = secrets.token_hex(16) + suffix
        self.client.upload_fileobj(stream, self.bucket, self._name(key), Config=self.transfer)
        return key

    def open(self, key: str) -> BinaryIO:
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self._name(key))["Body"]
        except ClientError as error:
            raise _missing_or(error, key) from None
        return io.BufferedReader(_Body(body), buffer_size=_CHUNK)

    def size(self, key: str) -> int:
        try:
            return self.client.head_object(Bucket=self.bucket, Key=self._name(key))["ContentLength"]
        except ClientError as error:
            raise _missing_or(error, key) from None

    def delete(self, key: str) -> None:
        # S3 answers 204 for a key that is not there: already gone is no error, as the port says.
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))

    def download_url(self, key: str, *, filename: str, content_type: str | None = None,
                     seconds: int = 60) -> str:
        params = {"Bucket": self.bucket, "Key": self._name(key),
                  "ResponseContentDisposition": _attachment(filename),
                  "ResponseCacheControl": "private, no-store"}
        if content_type:
            params["ResponseContentType"] = content_type
        return self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=int(seconds))

    def _name(self, key: str) -> str:
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            raise KeyError(key)
        return self.prefix + key


def _missing_or(error: ClientError, key: str) -> Exception:
    code = str(error.response.get("Error", {}).get("Code", ""))
    return KeyError(key) if code in _MISSING else error


def _attachment(filename: str) -> str:
    """``attachment`` with a name a browser saves as is: the names are server-made, but nothing
    unexpected (a quote, a newline) may reach a header S3 sends back."""
    plain = _SAFE_NAME.sub("_", filename)[:100] or "file"
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(plain)}"


class _Body(io.RawIOBase):
    """botocore's streaming body as a real binary file (``with``, ``readinto``), read as it arrives."""

    def __init__(self, body) -> None:
        self._body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._body.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._body.close()
        super().close()
