"""Fault tests: nothing lost when Redis or a worker fails.

Against the real PostgreSQL and a private redis-server started here on a free port with no persistence
(never the shared one), with ``areaclienti worker`` as a real process, emails to a real SMTP server
(aiosmtpd) and SMS to the development outbox file. Every delivery carries its outbox item's id (the
Message-ID, the SMS client reference), so duplicates are counted by id at the receiving end.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from email import message_from_bytes
from pathlib import Path
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from dependency_injector import providers
from sqlalchemy import create_engine, select, text

from areaclienti.adapters.dev_outbox.store import DevOutbox
from areaclienti.adapters.security.argon2 import Argon2PasswordHasher
from areaclienti.adapters.sqlalchemy.database import upgrade
from areaclienti.adapters.sqlalchemy.tables import outbox_items
from areaclienti.app.ports.repositories import OutboxKind, OutboxStatus
from areaclienti.app.tasks import COMPLETE_EVERY, DEFAULT_LANES
from areaclienti.app.use_cases.legacy import StartFirstAccess
from areaclienti.app.use_cases.registration import GiveContacts, StartRegistration
from areaclienti.domain.errors import DomainError
from areaclienti.entrypoints.config import Settings
from areaclienti.entrypoints.container import build_container

from .conftest import skip_or_fail

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

AREACLIENTI = Path(sys.executable).with_name("areaclienti")
# Short timings so that a fault test lasts seconds, not minutes; the production defaults are in Settings.
TIMINGS = {"RELAY_PERIOD_SECONDS": "0.5", "OUTBOX_VISIBILITY_SECONDS": "3", "OUTBOX_LEASE_SECONDS": "3"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    """A redis-server of the test's own, on a free port, keeping nothing on disk: killed and restarted empty."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            skip_or_fail("redis-server is not installed")
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("the private redis-server did not start")

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


@pytest.fixture(scope="module")
def private_redis(tmp_path_factory):
    redis = PrivateRedis(tmp_path_factory.mktemp("redis"))
    redis.start()
    yield redis
    redis.kill()


class Mailbox:
    """An SMTP server's handler that keeps each accepted message's Message-ID and when it was accepted."""

    def __init__(self, delay: float = 0.0) -> None:
        self.received: list[tuple[str, float]] = []
        self.delay = delay

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            time.sleep(self.delay)  # a mail server slow to acknowledge widens the window a crash can hit
        self.received.append((message_from_bytes(envelope.original_content)["Message-ID"], time.time()))
        return "250 Message accepted for delivery"


@pytest.fixture
def mailbox():
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    box.port = controller.port
    yield box
    controller.stop()


@pytest.fixture
def stack(tmp_path, private_redis, mailbox, monkeypatch):
    """Settings for the web side (this process) and the worker (a child process) on the same data."""
    pg_url = os.environ.get("AREACLIENTI_TEST_POSTGRES_URL")
    if not pg_url:
        skip_or_fail("AREACLIENTI_TEST_POSTGRES_URL is needed")
    schema = f"test_faults_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    env = {
        "AREACLIENTI_ENV": "test",
        "AREACLIENTI_DATA_DIR": str(tmp_path),
        "AREACLIENTI_DATABASE_URL": f"{pg_url}?options={quote(f'-csearch_path={schema}')}",
        "AREACLIENTI_REDIS_URL": private_redis.url,
        "AREACLIENTI_SECRET_KEY": "fault-test-key",
        "AREACLIENTI_QUEUE_NAME": f"faults-{uuid.uuid4().hex[:8]}",
        "AREACLIENTI_SMTP_HOST": "127.0.0.1",
        "AREACLIENTI_SMTP_PORT": str(mailbox.port),
        "AREACLIENTI_SMTP_SENDER": "Area Clienti <no-reply@ca-demo.it>",
        **{f"AREACLIENTI_{name}": value for name, value in TIMINGS.items()},
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    container = build_container(Settings.from_env())
    container.password_hasher.override(providers.Singleton(Argon2PasswordHasher.fast_for_tests))
    upgrade(container.engine())
    yield Stack(env, container, tmp_path, mailbox)
    container.engine().dispose()
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


class Stack:
    def __init__(self, env, container, data_dir: Path, mailbox: Mailbox) -> None:
        self.env = env
        self.container = container
        self.data_dir = data_dir
        self.mailbox = mailbox
        self.logs: list[Path] = []

    def start_worker(self) -> subprocess.Popen:
        log = self.data_dir / f"worker-{len(self.logs)}.log"
        self.logs.append(log)
        return subprocess.Popen([str(AREACLIENTI), "worker"], env={**os.environ, **self.env},
                                stdout=log.open("wb"), stderr=subprocess.STDOUT)

    def items(self) -> list:
        with self.container.engine().connect() as connection:
            return list(connection.execute(select(outbox_items.c.id, outbox_items.c.kind, outbox_items.c.status,
                                                  outbox_items.c.done_at)).mappings())

    def wait_until_all_done(self, timeout: float) -> list:
        deadline = time.monotonic() + timeout
        while True:
            items = self.items()
            if items and all(i["status"] == OutboxStatus.DONE.value for i in items):
                return items
            if time.monotonic() > deadline:
                counts = Counter(i["status"] for i in items)
                raise AssertionError(f"not everything was delivered within {timeout} s: {dict(counts)}")
            time.sleep(0.2)

    def sms_references(self) -> Counter:
        return Counter(m["reference"] for m in DevOutbox(self.data_dir / "dev-outbox.jsonl").list(limit=100_000))

    def email_references(self) -> Counter:
        found = Counter()
        for message_id, _ in self.mailbox.received:
            found[re.fullmatch(r"<(.+)\.areaclienti@ca-demo\.it>", message_id).group(1)] += 1
        return found

    def log_text(self) -> str:
        return "\n".join(log.read_text(errors="replace") for log in self.logs)


def seed_customers(container, count: int) -> list[str]:
    """Registered customers with a mobile each, so that resets send codes; their emails."""
    from areaclienti.domain.accounts import Account, AccountOrigin, AccountStatus
    from areaclienti.domain.parties import PartyId, PartyKind

    now = container.clock().now()
    emails = [f"cliente{n}@example.it" for n in range(count)]
    with container.uow() as uow:
        for n, email in enumerate(emails):
            uow.accounts.add(Account(
                id=f"acc-{n}", party_id=PartyId(PartyKind.PERSON, f"FLTCLN80A01H5{n:03d}"),
                status=AccountStatus.CONSULTATIVE, origin=AccountOrigin.REGISTRATION, created_at=now,
                policy_number=f"DA9{n:07d}", email=email, mobile=f"+39333{n:07d}", password_hash="x",
                privacy_accepted_at=now, password_changed_at=now, display_name=f"Cliente {n}"))
        uow.commit()
    return emails


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_redis_killed_for_15_s_during_a_burst_loses_nothing_and_duplicates_nothing(stack, private_redis):
    from areaclienti.entrypoints.cli import load_demo

    c = stack.container
    load_demo(c)
    demo = c.core_system().data
    legacy = demo.scenario("legacy")
    customers = seed_customers(c, 40)
    registrable = [demo.scenario(n) for n in ("policyholder_vita", "policyholder_danni", "member_collective",
                                              "risk_certificate_holder", "company", "contacts_at_issuance")]
    worker = stack.start_worker()
    asked = Counter()
    refused = Counter()

    def one_request(n: int) -> None:
        kind = ("registration", "reset", "first_access")[n % 3]
        try:
            if kind == "registration":
                scenario = registrable[n % len(registrable)]
                step = c.registration().start(StartRegistration(
                    str(scenario.party_id.value), scenario.policy_number, True))
                c.registration().give_contacts(GiveContacts(step.flow_token, f"burst{n}@example.it",
                                                            f"+39347{n:07d}"))
            elif kind == "reset":
                c.password_reset().request(customers[n % len(customers)] if n % 2 else f"nobody{n}@example.it")
            else:
                c.legacy_first_access().start(StartFirstAccess(
                    legacy.email if n % 2 else f"nobody{n}@example.it", legacy.mobile))
            asked[kind] += 1
        except DomainError as error:  # an answer on screen (e.g. too many codes for one number): not a loss
            refused[f"{kind}:{error.code}"] += 1

    burst_size, outage = 240, 15.0
    kill_after = burst_size // 4
    started = time.monotonic()
    for n in range(burst_size):
        if n == kill_after:
            private_redis.kill()
            killed_at = time.monotonic()
            threading.Timer(outage, private_redis.start).start()
        one_request(n)
        time.sleep(0.1)  # the burst spans the whole outage: before, during and after
    restarted_by = killed_at + outage
    assert time.monotonic() > restarted_by, "the burst ended before Redis came back"

    items = stack.wait_until_all_done(timeout=60)
    drained = time.monotonic() - started
    assert worker.poll() is None, "the worker died:\n" + stack.log_text()
    stop(worker)

    kinds = Counter(i["kind"] for i in items)
    # 0 lost: every reset and first access asked wrote its look-up, and every item was delivered.
    assert kinds[OutboxKind.BEGIN_PASSWORD_RESET.value] == asked["reset"] == burst_size // 3
    assert kinds[OutboxKind.BEGIN_FIRST_ACCESS.value] == asked["first_access"] == burst_size // 3
    sms_items = {i["id"] for i in items if i["kind"] == OutboxKind.SMS.value}
    email_items = {i["id"] for i in items if i["kind"] == OutboxKind.EMAIL.value}
    sms, emails = stack.sms_references(), stack.email_references()
    assert set(sms) == sms_items and set(emails) == email_items
    # 0 duplicates: nothing crashed, so each id arrived exactly once.
    assert [ref for ref, n in (sms + emails).items() if n > 1] == []
    assert len(sms_items) >= 20, (asked, refused)  # the burst really sent codes, across the outage
    log = stack.log_text()
    assert log.count("Redis unreachable") == 1 and log.count("Redis reachable again") == 1, "\n".join(l for l in log.splitlines() if "INFO rq.worker" not in l)[-6000:]
    print(f"\nburst: {dict(asked)} asked, refused on screen {dict(refused)}; {len(items)} outbox items "
          f"({dict(kinds)}); {len(sms_items)} SMS and {len(email_items)} emails delivered once each; "
          f"Redis down {outage:.0f} s; all delivered {drained:.1f} s after the burst began")


def test_a_worker_killed_four_times_during_a_backlog_delivers_everything_duplicates_only_in_the_window(
        stack, private_redis):
    c = stack.container
    stack.mailbox.delay = 0.01
    notifier = c.notifier()
    backlog = 400
    with c.uow() as uow:
        for n in range(backlog):
            if n % 2:
                notifier.sms(uow, to=f"+39347{n:07d}", text=f"Il tuo codice è {n:05d}", now=c.clock().now())
            else:
                notifier.email(uow, to=f"cliente{n}@example.it", subject="Area Clienti", body=f"Messaggio {n}",
                               now=c.clock().now())
        uow.commit()

    kills = 0
    while kills < 4:
        worker = stack.start_worker()
        time.sleep(1.5)  # it starts, takes jobs, and dies in the middle of them
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        kills += 1
    worker = stack.start_worker()
    try:
        items = stack.wait_until_all_done(timeout=90)
        assert worker.poll() is None
    finally:
        stop(worker)

    sms, emails = stack.sms_references(), stack.email_references()
    received = sms + emails
    assert set(received) == {i["id"] for i in items}  # every message delivered
    duplicates = {ref: n for ref, n in received.items() if n > 1}
    # Only a delivery in flight when a worker died may arrive twice (it carries the same id): what its lanes
    # had sent and not yet marked done, at most DEFAULT_LANES × COMPLETE_EVERY a kill.
    assert sum(n - 1 for n in duplicates.values()) <= kills * DEFAULT_LANES * COMPLETE_EVERY, duplicates

    # The window: from the mail server accepting a message to the outbox marking it done.
    done_at = {i["id"]: i["done_at"].timestamp() for i in items}
    first_accepted = {}
    for message_id, at in stack.mailbox.received:
        ref = re.fullmatch(r"<(.+)\.areaclienti@ca-demo\.it>", message_id).group(1)
        first_accepted.setdefault(ref, at)
    windows = sorted(done_at[ref] - at for ref, at in first_accepted.items() if ref not in duplicates)
    print(f"\nbacklog of {backlog}: {kills} SIGKILLs, {len(items)} delivered, {len(duplicates)} duplicated "
          f"({sorted(duplicates.values())}); duplicate window (SMTP accepted → marked done) median "
          f"{windows[len(windows) // 2] * 1000:.1f} ms, max {windows[-1] * 1000:.1f} ms over {len(windows)} emails")


def test_the_worker_rides_out_its_postgresql_connections_being_terminated(stack):
    """pg_terminate_backend on every connection of the worker, several times during a backlog: the jobs that
    failed leave their items in the outbox, the relay hands them over again, all are delivered."""
    c = stack.container
    app_name = f"ac-worker-{uuid.uuid4().hex[:8]}"
    stack.env["AREACLIENTI_DATABASE_URL"] += f"&application_name={app_name}"
    stack.mailbox.delay = 0.01
    backlog = 300
    with c.uow() as uow:
        for n in range(backlog):
            c.notifier().email(uow, to=f"pg{n}@example.it", subject="Area Clienti", body=f"Messaggio {n}",
                               now=c.clock().now())
        uow.commit()
    worker = stack.start_worker()
    terminated = 0
    try:
        admin = create_engine(os.environ["AREACLIENTI_TEST_POSTGRES_URL"])
        kill = text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :name")

        def cut_the_worker() -> int:  # one transaction each: pg_stat_activity is a snapshot per transaction
            with admin.begin() as connection:
                return sum(1 for (killed,) in connection.execute(kill, {"name": app_name}) if killed)

        deadline = time.monotonic() + 30
        while not cut_the_worker() and time.monotonic() < deadline:  # even its start-up is cut once
            time.sleep(0.02)
        rounds, deadline = 0, time.monotonic() + 30
        while rounds < 5 and time.monotonic() < deadline:
            cut = cut_the_worker()
            terminated += cut
            rounds += bool(cut)  # count only the rounds that found the worker connected
            time.sleep(0.5 if cut else 0.05)
        admin.dispose()
        items = stack.wait_until_all_done(timeout=90)
        assert worker.poll() is None, stack.log_text()[-3000:]
    finally:
        stop(worker)
    assert terminated >= 3, "the test did not cut the worker's connections"
    assert len(items) == backlog and set(stack.email_references()) == {i["id"] for i in items}
    print(f"\n{terminated} worker connections terminated during a backlog of {backlog}: all delivered")
