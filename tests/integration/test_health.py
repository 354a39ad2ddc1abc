"""GET /health: 200 when the database, Redis, the core system and the storage answer; 503 naming the part
that does not (each made to fail for real: a closed port, a storage folder that cannot be written)."""
from __future__ import annotations

import socket
import threading

import fakeredis
import httpx
import pytest
from dependency_injector import providers

from areaclienti.adapters.core_http import HttpCoreSystem
from areaclienti.adapters.demo_core.core_system import DemoCoreSystem
from areaclienti.adapters.filesystem.storage import FileSystemStorage
from areaclienti.adapters.sqlalchemy.database import make_engine
from areaclienti.entrypoints.core_server import create_core_app
from areaclienti.entrypoints.web.app import create_app
from areaclienti.entrypoints.web.health import TIMEOUT, run_checks

from ..support import TODAY, build_harness, test_settings


def closed_port() -> int:
    """A port nothing listens on (bound, then released: connecting is refused at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def stack(tmp_path):
    """Everything up: SQLite, Redis (fakeredis), the core system over HTTP (the demo core served in-process
    through httpx's WSGI transport) and the storage on disk."""
    settings = test_settings(tmp_path, redis_url="redis://127.0.0.1:6379/0")
    harness = build_harness(settings)
    c = harness.container
    c.redis.override(providers.Object(fakeredis.FakeRedis()))
    core_app = create_core_app(DemoCoreSystem.for_today(TODAY.date()))
    c.core_system.override(providers.Object(
        HttpCoreSystem("http://core.test", transport=httpx.WSGITransport(app=core_app))))
    c.storage.override(providers.Object(FileSystemStorage(tmp_path / "files")))
    return settings, harness


def health(stack) -> tuple[int, dict]:
    settings, harness = stack
    response = create_app(settings, harness.container).test_client().get("/health")
    return response.status_code, response.json


def test_everything_up_answers_200(stack):
    status, body = health(stack)

    assert status == 200
    assert body == {"status": "ok", "failing": [], "checks": {
        "database": "ok", "redis": "ok", "core_system": "ok", "storage": "ok"}}


def test_the_database_down_is_named(stack):
    stack[1].container.engine.override(providers.Object(
        make_engine(f"postgresql+psycopg://areaclienti:secret@127.0.0.1:{closed_port()}/areaclienti")))

    status, body = health(stack)

    assert (status, body["failing"], body["checks"]["database"]) == (503, ["database"], "down")
    assert "secret" not in str(body) and "127.0.0.1" not in str(body)  # nothing of the configuration shows


def test_redis_down_is_named(stack):
    stack[1].container.redis.reset_override()  # the real client, of a Redis on a closed port
    stack[1].container.settings.override(providers.Object(
        test_settings(stack[0].data_dir, redis_url=f"redis://127.0.0.1:{closed_port()}/0")))

    status, body = health(stack)

    assert (status, body["failing"]) == (503, ["redis"])


def test_the_core_system_down_is_named(tmp_path):
    settings = test_settings(tmp_path, core_url=f"http://127.0.0.1:{closed_port()}", redis_url=None)
    harness = build_harness(settings)
    harness.container.core_system.reset_override()  # the adapter AREACLIENTI_CORE_URL selects

    status, body = health((settings, harness))

    assert (status, body["failing"]) == (503, ["core_system"])
    assert body["checks"]["redis"] == "not configured"


def test_a_storage_that_cannot_be_written_is_named(stack, tmp_path):
    files = tmp_path / "files"
    for child in files.iterdir():
        child.unlink()
    files.rmdir()
    files.write_text("not a folder")  # even root cannot create a file in it

    status, body = health(stack)

    assert (status, body["failing"]) == (503, ["storage"])


def test_a_check_that_hangs_is_cut_short_as_a_timeout():
    hanging = threading.Event()
    try:
        parts = run_checks({"database": lambda: None, "core_system": lambda: hanging.wait(30)}, timeout=0.2)
    finally:
        hanging.set()

    assert parts == {"database": "ok", "core_system": TIMEOUT}
