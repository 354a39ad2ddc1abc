"""The S3 adapter against a local S3-compatible server (moto's server mode, tests/s3_server.py): the links a
customer downloads through, and the settings that choose the storage. The port's contract itself runs on
every adapter in tests/unit/test_storage.py."""
from __future__ import annotations

import io
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from areaclienti.adapters.filesystem.storage import FileSystemStorage
from areaclienti.adapters.s3.storage import S3Settings, S3Storage
from areaclienti.entrypoints.config import Settings
from areaclienti.entrypoints.container import build_container

PDF = b"%PDF-1.7 denuncia di sinistro " * 1000


@pytest.fixture
def storage(s3_bucket):
    # The client the app makes (timeouts, retries, path-style addressing), credentials from AWS_* variables.
    return S3Storage.from_settings(S3Settings(bucket=s3_bucket.name, endpoint_url=s3_bucket.endpoint,
                                              region="eu-south-1", prefix="uploads/"))


def test_a_signed_link_downloads_the_file_as_an_attachment_and_expires_in_the_seconds_asked(storage):
    key = storage.put(io.BytesIO(PDF), suffix=".pdf")
    link = storage.download_url(key, filename="denuncia-1a2b3c4d.pdf", content_type="application/pdf", seconds=2)

    answer = httpx.get(link, timeout=5)
    assert answer.status_code == 200 and answer.content == PDF
    assert answer.headers["Content-Disposition"].startswith('attachment; filename="denuncia-1a2b3c4d.pdf"')
    assert answer.headers["Content-Type"] == "application/pdf"
    assert answer.headers["Cache-Control"] == "private, no-store"
    # moto 5.2 does not enforce a signed link's expiry (nothing in moto/s3 reads X-Amz-Expires), so the test
    # reads what S3 enforces: a SigV4 link valid for the 2 seconds asked, counted from X-Amz-Date.
    query = parse_qs(urlsplit(link).query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"] and query["X-Amz-Expires"] == ["2"]
    assert query["X-Amz-Date"] and query["X-Amz-Signature"]
    assert query["response-content-disposition"][0].startswith("attachment;")


def test_nothing_unexpected_in_the_name_reaches_the_header(storage):
    key = storage.put(io.BytesIO(b"x"), suffix=".pdf")
    link = storage.download_url(key, filename='a"b\r\nSet-Cookie: x=1.pdf', seconds=60)
    disposition = httpx.get(link, timeout=5).headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="a_b__Set-Cookie__x_1.pdf"')
    assert "\n" not in disposition


def test_a_link_to_a_file_no_longer_there_finds_nothing(storage):
    key = storage.put(io.BytesIO(b"x"))
    storage.delete(key)
    # S3 says 403 rather than 404 to whoever may not list the bucket, as a signed link may not
    assert httpx.get(storage.download_url(key, filename="x", seconds=60), timeout=5).status_code in (403, 404)


def test_the_settings_choose_the_storage(tmp_path, s3_bucket):
    environ = {"AREACLIENTI_ENV": "test", "AREACLIENTI_DATA_DIR": str(tmp_path), "AREACLIENTI_SECRET_KEY": "k"}
    assert isinstance(build_container(Settings.from_env(environ)).storage(), FileSystemStorage)  # the default

    s3 = Settings.from_env({**environ, "AREACLIENTI_STORAGE": "s3", "AREACLIENTI_S3_BUCKET": s3_bucket.name,
                            "AREACLIENTI_S3_ENDPOINT_URL": s3_bucket.endpoint, "AREACLIENTI_S3_REGION": "eu-south-1",
                            "AREACLIENTI_S3_PREFIX": "uploads/"})
    storage = build_container(s3).storage()
    assert isinstance(storage, S3Storage) and storage.bucket == s3_bucket.name
    key = storage.put(io.BytesIO(b"x"))
    assert [o["Key"] for o in s3_bucket.leftovers()[0]] == [f"uploads/{key}"]

    with pytest.raises(SystemExit, match="AREACLIENTI_S3_BUCKET"):
        Settings.from_env({**environ, "AREACLIENTI_STORAGE": "s3"})
    with pytest.raises(SystemExit, match="AREACLIENTI_STORAGE must be one of"):
        Settings.from_env({**environ, "AREACLIENTI_STORAGE": "nfs"})
