"""Private file storage: the disk adapter, the in-memory one and the S3 one (against a local S3-compatible
server, tests/s3_server.py) answer the same way."""
from __future__ import annotations

import io

import pytest

from areaclienti.adapters.filesystem.storage import FileSystemStorage
from areaclienti.adapters.memory.storage import InMemoryStorage


def _s3(bucket, prefix: str = ""):
    from areaclienti.adapters.s3.storage import S3Storage

    return S3Storage(bucket.client, bucket.name, prefix=prefix)


@pytest.fixture(params=["filesystem", "memory", "s3"])
def storage(request, tmp_path):
    if request.param == "filesystem":
        return FileSystemStorage(tmp_path / "uploads")
    if request.param == "s3":  # the server starts only when an S3 test runs
        return _s3(request.getfixturevalue("s3_bucket"), prefix="uploads/")
    return InMemoryStorage()


class Broken(io.RawIOBase):
    """A stream that gives some data, then fails like a dropped upload."""

    def __init__(self) -> None:
        self.calls = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        self.calls += 1
        if self.calls > 3:
            raise OSError("connection reset by peer")
        buffer[: len(buffer)] = b"x" * len(buffer)
        return len(buffer)


def test_put_open_size_delete(storage):
    data = b"%PDF-1.7 documento" * 10_000
    key = storage.put(io.BytesIO(data), suffix=".pdf")

    assert key.endswith(".pdf")
    assert storage.size(key) == len(data)
    with storage.open(key) as stored:
        assert stored.read() == data

    storage.delete(key)
    with pytest.raises(KeyError):
        storage.open(key)
    with pytest.raises(KeyError):
        storage.size(key)
    storage.delete(key)  # already gone: no error


def test_keys_are_random_and_never_taken_from_the_client(storage):
    keys = {storage.put(io.BytesIO(b"x"), suffix=".jpg") for _ in range(20)}
    assert len(keys) == 20
    assert all(len(key) == 32 + len(".jpg") for key in keys)


def test_an_empty_file_is_stored(storage):
    key = storage.put(io.BytesIO(b""))
    assert storage.size(key) == 0


@pytest.mark.parametrize("suffix", ["/x", ".p/df", "../x", ".pdf\x00", ". pdf", ".verylongsuffix"])
def test_odd_suffixes_are_refused(storage, suffix):
    with pytest.raises(ValueError):
        storage.put(io.BytesIO(b"x"), suffix=suffix)


def test_the_suffix_is_lowercased(storage):
    assert storage.put(io.BytesIO(b"x"), suffix=".PDF").endswith(".pdf")


@pytest.mark.parametrize(
    "key",
    ["../secret", "../../etc/passwd", "/etc/passwd", "abc/../def", "", ".", "..",
     "0123456789abcdef0123456789abcdef/../x", "0123456789ABCDEF0123456789ABCDEF"],
)
def test_traversal_and_foreign_keys_are_refused(tmp_path, key):
    root = tmp_path / "uploads"
    storage = FileSystemStorage(root)
    (tmp_path / "secret").write_bytes(b"not yours")
    with pytest.raises(KeyError):
        storage.open(key)
    with pytest.raises(KeyError):
        storage.size(key)
    with pytest.raises(KeyError):
        storage.delete(key)
    assert (tmp_path / "secret").exists()


def test_a_stream_that_fails_midway_leaves_no_file(tmp_path):
    root = tmp_path / "uploads"
    storage = FileSystemStorage(root)
    with pytest.raises(OSError):
        storage.put(io.BufferedReader(Broken(), buffer_size=1024), suffix=".jpg")
    assert list(root.iterdir()) == []


def test_the_memory_storage_keeps_nothing_from_a_failed_stream():
    storage = InMemoryStorage()
    with pytest.raises(OSError):
        storage.put(io.BufferedReader(Broken(), buffer_size=1024))
    assert storage.files == {}


def test_files_are_private_to_the_owner(tmp_path):
    storage = FileSystemStorage(tmp_path / "uploads")
    key = storage.put(io.BytesIO(b"x"))
    assert (storage.root / key).stat().st_mode & 0o077 == 0


def test_the_storage_gives_download_links_only_from_an_object_store(storage):
    key = storage.put(io.BytesIO(b"x"), suffix=".pdf")
    link = storage.download_url(key, filename="denuncia.pdf", content_type="application/pdf", seconds=60)
    if isinstance(storage, (FileSystemStorage, InMemoryStorage)):
        assert link is None  # the app streams the file itself
    else:
        assert link.startswith("http") and key in link


@pytest.mark.parametrize("key", ["../secret", "/etc/passwd", "", "0123456789ABCDEF0123456789ABCDEF",
                                 "0123456789abcdef0123456789abcdef/../x"])
def test_the_s3_storage_refuses_foreign_keys(s3_bucket, key):
    storage = _s3(s3_bucket)
    with pytest.raises(KeyError):
        storage.open(key)
    with pytest.raises(KeyError):
        storage.size(key)


def test_the_s3_storage_keeps_nothing_from_a_failed_stream_not_even_the_parts_of_a_large_one(s3_bucket):
    class Large(Broken):  # 12 MiB, then the connection drops: past the multipart threshold (8 MiB)
        def readinto(self, buffer) -> int:
            self.calls += 1
            if self.calls > 12 * 16:
                raise OSError("connection reset by peer")
            size = min(len(buffer), 64 * 1024)
            buffer[:size] = b"x" * size
            return size

    storage = _s3(s3_bucket)
    calls: list[str] = []
    events = s3_bucket.client.meta.events
    events.register("before-call.s3.*", lambda model, **_: calls.append(model.name), unique_id="calls")
    try:
        for stream in (io.BufferedReader(Broken(), buffer_size=1024), io.BufferedReader(Large(), 64 * 1024)):
            with pytest.raises(OSError):
                storage.put(stream, suffix=".mp4")
    finally:
        events.unregister("before-call.s3.*", unique_id="calls")
    assert "CreateMultipartUpload" in calls  # the large one had begun on the server
    assert s3_bucket.leftovers() == ([], [])


def test_the_s3_storage_keeps_its_files_under_its_prefix(s3_bucket):
    storage = _s3(s3_bucket, prefix="uploads/")
    key = storage.put(io.BytesIO(b"x"))
    objects, _ = s3_bucket.leftovers()
    assert [o["Key"] for o in objects] == [f"uploads/{key}"]
