"""Real-browser tests: the embedded default stack served on a live port, driven by headless Chromium.

The stack is the one ``./dev serve`` runs: SQLite through SQLAlchemy and the Alembic migrations, the
inline task queue, SMS and emails written to the development outbox, the demo customers loaded. Codes
and links are read the way a tester reads them, from ``GET /_dev/outbox``.
"""
from __future__ import annotations

import os

import json
import re
import shutil
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    # A fake camera and microphone, but no fake permission prompt: pages are denied them (as a user who
    # clicks «blocca»); the identification tests use ``camera_browser``, which grants them.
    "--use-fake-device-for-media-stream",
]
CAMERA_ARGS = [*CHROMIUM_ARGS, "--use-fake-ui-for-media-stream"]
ARTIFACTS = Path(__file__).parent / "artifacts"
NEW_PASSWORD = "cavallo batteria graffetta 2026"


class _LateApp:
    """The server needs the port before the app exists (the emailed links carry the base URL)."""

    app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


class LiveServer:
    def __init__(self, url: str, container) -> None:
        self.url = url
        self.container = container

    def get_json(self, path: str) -> dict:
        request = urllib.request.Request(self.url + path, headers={"Accept": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read().decode("utf-8"))

    def scenario(self, name: str) -> dict:
        customers = self.get_json("/_dev/demo-customers")["customers"]
        return next(c for c in customers if c["scenario"] == name)

    def outbox(self) -> list[dict]:
        """Every message sent so far, newest first."""
        return self.get_json("/_dev/outbox")["messages"]

    def newest(self, channel: str, recipient: str | None = None, *, after: int = 0, timeout: float = 5.0) -> dict:
        """The newest message on a channel (to a recipient), waiting until more than ``after`` exist."""
        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in self.outbox()
                     if m["channel"] == channel and (recipient is None or m["recipient"] == recipient)]
            if len(found) > after:
                return found[0]
            if time.monotonic() > deadline:
                raise AssertionError(f"no new {channel} to {recipient!r} in the outbox: {self.outbox()[:5]}")
            time.sleep(0.1)

    def count(self, channel: str, recipient: str | None = None) -> int:
        return len([m for m in self.outbox()
                    if m["channel"] == channel and (recipient is None or m["recipient"] == recipient)])

    def sms_code(self, recipient: str | None = None, *, after: int = 0) -> str:
        body = self.newest("sms", recipient, after=after)["body"]
        match = re.search(r"\b(\d{5})\b", body)
        assert match, body
        return match.group(1)

    def email_link(self, recipient: str | None = None, *, after: int = 0) -> str:
        body = self.newest("email", recipient, after=after)["body"]
        match = re.search(r"https?://\S+/password/imposta/\S+", body)
        assert match, body
        return match.group(0).rstrip(".,;)>")


@pytest.fixture(scope="session")
def live_server():
    from werkzeug.serving import make_server

    from areaclienti.entrypoints.cli import load_demo, prepare_database
    from areaclienti.entrypoints.config import Settings
    from areaclienti.entrypoints.container import build_container
    from areaclienti.entrypoints.web.app import create_app

    data_dir = Path(tempfile.mkdtemp(prefix="areaclienti-e2e-"))
    holder = _LateApp()
    server = make_server("127.0.0.1", 0, holder, threaded=True)
    base_url = f"http://127.0.0.1:{server.port}"
    settings = Settings(env="development", data_dir=data_dir, database_url=f"sqlite:///{data_dir / 'e2e.db'}",
                        secret_key="e2e", base_url=base_url)
    container = build_container(settings)
    prepare_database(container)
    load_demo(container)
    holder.app = create_app(settings, container)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(base_url, container)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        container.engine().dispose()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def playwright():
    if os.environ.get("AREACLIENTI_REQUIRE_SERVICES") == "1" and not Path(CHROMIUM).exists():
        pytest.fail(f"AREACLIENTI_REQUIRE_SERVICES=1 but there is no Chromium at {CHROMIUM}", pytrace=False)
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    with sync_api.sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright):
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture(scope="session")
def camera_browser(playwright):
    """Chromium as the identification tests need it: camera and microphone granted without a prompt."""
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CAMERA_ARGS)
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="it-IT", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()
