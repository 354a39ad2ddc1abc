"""``areaclienti serve`` outside development runs gunicorn with the configuration shipped in the package:
it answers /health, logs each request as a JSON line with its id, and stops on SIGTERM."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

from .conftest import skip_or_fail

pytestmark = pytest.mark.redis
BOOT_TIMEOUT_S = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_in_production_runs_gunicorn_with_its_configuration(tmp_path):
    redis_url = os.environ.get("AREACLIENTI_TEST_REDIS_URL")
    if not redis_url:
        skip_or_fail("AREACLIENTI_TEST_REDIS_URL is not set")
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "AREACLIENTI_ENV": "production",
        "AREACLIENTI_DATA_DIR": str(tmp_path),
        "AREACLIENTI_SECRET_KEY": "serve-test-" + "k" * 32,
        "AREACLIENTI_REDIS_URL": redis_url,
        "AREACLIENTI_SMTP_HOST": "127.0.0.1",
        "AREACLIENTI_SMS_BACKEND": "dev_outbox",
        "AREACLIENTI_WEB_WORKERS": "1",
        "AREACLIENTI_WEB_THREADS": "2",
    }
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-c", "from areaclienti.entrypoints.cli import main; main()", "serve", "--port", str(port)],
            env=env, cwd=tmp_path, stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + BOOT_TIMEOUT_S
        response = None
        while response is None:
            assert server.poll() is None, f"serve exited:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"no answer on port {port}:\n{log.read_text()}"
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/health", timeout=5)
            except httpx.TransportError:
                time.sleep(0.2)  # still booting
        assert response.status_code == 200, response.text
        assert response.json()["checks"] == {"database": "ok", "redis": "ok", "core_system": "ok", "storage": "ok"}
        request_id = response.headers["X-Request-Id"]
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    assert any(line["logger"] == "gunicorn.error" and "Booting worker" in line["message"] for line in lines), \
        log.read_text()
    [logged] = [line for line in lines if line["logger"] == "areaclienti.request" and line["path"] == "/health"]
    assert (logged["request_id"], logged["status"]) == (request_id, 200)
