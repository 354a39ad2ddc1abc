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
from contextlib import contextmanager
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
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
MARCO = "marco.rinaldi@example.it"


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


@contextmanager
def start_live_server(name: str = "e2e", *, schedule: bool = False, **settings):
    """The embedded default stack (``./dev serve``) on a live port of its own, with a data folder of its own.

    ``name`` tells its temporary folder, secret key and thread apart; ``schedule`` runs the periodic jobs
    in-process (the core system's follow-up, the demo provider's jobs); ``settings`` override the defaults
    (e.g. ``demo_core_delay_seconds=1``).
    """
    from werkzeug.serving import make_server

    from areaclienti.entrypoints.cli import load_demo, prepare_database
    from areaclienti.entrypoints.config import Settings
    from areaclienti.entrypoints.container import build_container
    from areaclienti.entrypoints.web.app import create_app

    data_dir = Path(tempfile.mkdtemp(prefix=f"areaclienti-{name}-"))
    holder = _LateApp()
    server = make_server("127.0.0.1", 0, holder, threaded=True)  # threaded: the provider posts to it as it serves
    base_url = f"http://127.0.0.1:{server.port}"
    config = Settings(env="development", data_dir=data_dir, database_url=f"sqlite:///{data_dir / 'e2e.db'}",
                      secret_key=name, base_url=base_url, **settings)
    container = build_container(config)
    prepare_database(container)
    load_demo(container)
    holder.app = create_app(config, container)
    thread = threading.Thread(target=server.serve_forever, name=f"{name}-live-server", daemon=True)
    thread.start()
    stop = threading.Event()
    jobs = None
    if schedule:
        from areaclienti.entrypoints.worker import Schedule, periodic_jobs

        jobs = Schedule(periodic_jobs(container), stop)
        jobs.start()
    try:
        yield LiveServer(base_url, container)
    finally:
        stop.set()
        if jobs is not None:
            jobs.join(timeout=5)
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        container.engine().dispose()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def live_server():
    with start_live_server("e2e") as server:
        yield server


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
    with open_page(browser, live_server, WIDTHS["desktop"], timeout_ms=10_000) as page:
        yield page


@pytest.fixture(params=list(WIDTHS))
def width(request) -> str:
    """Each journey that asks for it runs at desktop width and at 390 px (a phone)."""
    return request.param


# --- steps shared by the real-browser journeys ----------------------------------------------------
@contextmanager
def open_page(browser, server, viewport: dict, *, timeout_ms: int):
    """A page in a browser context of its own: its own cookies, as another person's browser."""
    context = browser.new_context(base_url=server.url, locale="it-IT", viewport=viewport)
    context.set_default_timeout(timeout_ms)
    try:
        yield context.new_page()
    finally:
        context.close()


def fits(page) -> None:
    """Nothing wider than the window: no sideways scrolling (390 px is a phone)."""
    wide = page.evaluate("document.documentElement.scrollWidth")
    inner = page.evaluate("window.innerWidth")
    if wide > inner:  # name the elements that stick out, so a failure says where to look
        culprits = page.evaluate("""(inner) => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > inner + 1)
            .slice(0, 5).map(e => `${e.tagName.toLowerCase()}.${e.className}#${e.id} right=${
                Math.round(e.getBoundingClientRect().right)} «${(e.textContent || '').trim().slice(0, 40)}»`)""", inner)
        raise AssertionError(f"{page.url} scrolls sideways: {wide} > {inner}: {culprits}")


def screenshot(page, name: str) -> None:
    """A full-page screenshot kept in tests/e2e/artifacts as ``name``.png."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def log_in(page, email: str, password: str) -> None:
    """Signs a customer in from «Accedi» and waits for the dashboard."""
    from playwright.sync_api import expect

    page.goto("/accesso")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Accedi").click()
    expect(page).to_have_url(re.compile(r"/area-clienti$"))


def log_in_demo(page, email: str = MARCO) -> None:
    """A demo customer (Marco by default) signed in, on a dashboard that fits the window."""
    from areaclienti.adapters.demo_core.data import DEMO_PASSWORD

    log_in(page, email, DEMO_PASSWORD)
    fits(page)


def operator_signs_in(page, server, email: str, password: str, display_name: str) -> None:
    """A new operator's first login: password, then the authenticator enrolled from the key beside the QR code."""
    import pyotp

    server.container.operator_access().create(email=email, display_name=display_name, password=password)
    page.goto("/backoffice/accesso")
    page.get_by_label("Email aziendale").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Prosegui").click()
    secret = page.get_by_test_id("totp-secret").inner_text().replace(" ", "")
    page.get_by_label("Codice a 6 cifre").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Verifica e accedi").click()


def earlier_additional_payment(server, *, key: str) -> None:
    """An earlier additional payment of Marco's on his Vita plan (by bank transfer, still awaiting it), whose
    answers pre-fill the next questionnaires."""
    from areaclienti.app.use_cases.requests import PayAdditional
    from areaclienti.domain.products import PaymentMethod

    answers = {
        "anti_money_laundering": {"version": 1, "answers": {
            "purpose": "savings", "funds_source": "salary", "funds_country": "IT", "profession": "employee",
            "sector": "services", "pep_self": "no", "pep_family": "no", "pep_associate": "no"}},
        "tax_residency": {"version": 1, "answers": {
            "us_citizen": "no", "us_tax_resident": "no", "us_birthplace": "no", "residence_1_country": "IT",
            "residence_1_has_tin": "yes", "residence_1_tin": "RNLMRC79E21H501A", "residence_1_more": "no"}},
        "sanctions": {"version": 1, "answers": {"sanctioned_countries": "no", "sanctioned_persons": "no",
                                                "residence_country": "IT"}},
    }
    with server.container.uow() as uow:
        account_id = uow.accounts.get_by_email(MARCO).id
    server.container.policy_requests().pay_additional(PayAdditional(
        account_id, "VI10011940", "600.00", PaymentMethod.BANK_TRANSFER, answers, key))
