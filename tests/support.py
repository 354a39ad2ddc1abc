"""Shared test wiring: the real composition root with in-memory adapters put in at the edges."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from dependency_injector import providers

from areaclienti.adapters.demo_core.core_system import DemoCoreSystem
from areaclienti.adapters.demo_payments import DemoPaymentProvider
from areaclienti.adapters.memory.clock import FixedClock
from areaclienti.adapters.memory.notifications import RecordingEmailSender, RecordingSmsSender
from areaclienti.adapters.memory.queue import InlineTaskQueue
from areaclienti.adapters.memory.repositories import InMemoryStore
from areaclienti.adapters.memory.storage import InMemoryStorage
from areaclienti.adapters.memory.unit_of_work import InMemoryUnitOfWork
from areaclienti.adapters.security.argon2 import Argon2PasswordHasher
from areaclienti.entrypoints.config import Settings
from areaclienti.entrypoints.container import Container, build_container

TODAY = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)
STRONG_PASSWORD = "cavallo batteria graffetta 2026"
LINK = re.compile(r"https?://\S+/password/imposta/(\S+)")


def test_settings(tmp_path: Path, **overrides) -> Settings:
    values = dict(env="test", data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'test.db'}",
                  secret_key="test-secret-key", base_url="http://localhost")
    values.update(overrides)
    return Settings(**values)


test_settings.__test__ = False  # not a test, despite the name


@dataclass
class Harness:
    container: Container
    clock: FixedClock
    sms: RecordingSmsSender
    emails: RecordingEmailSender
    store: InMemoryStore | None

    def code_sent_to(self, mobile: str) -> str:
        """The newest SMS code sent to this number."""
        sms = [s for s in self.sms.sent if s.to == mobile]
        assert sms, f"no SMS to {mobile}"
        match = re.search(r"\b(\d{5,8})\b", sms[-1].text)
        assert match, sms[-1].text
        return match.group(1)

    def link_token_sent_to(self, email: str) -> str:
        """The token of the newest password link emailed to this address."""
        mails = [m for m in self.emails.sent if m.to == email]
        assert mails, f"no email to {email}"
        match = LINK.search(mails[-1].body)
        assert match, mails[-1].body
        return match.group(1)

    def emails_to(self, email: str) -> list:
        return [m for m in self.emails.sent if m.to == email]

    def audit_kinds(self, account_id: str | None = None) -> list[str]:
        with self.container.uow() as uow:
            return [e.kind.value for e in uow.audit.list(account_id=account_id, limit=1000)]


def _demo_payments(settings: Settings, clock: FixedClock) -> DemoPaymentProvider:
    """The demo payment provider on a table of its own in the test's folder; its notifications are kept
    in ``.posted`` (a test posts them to the app), not sent over HTTP."""
    from sqlalchemy import create_engine

    from areaclienti.adapters.sqlalchemy.tables import demopay_sessions

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite:///{settings.data_dir / 'demopay.db'}")
    demopay_sessions.create(engine, checkfirst=True)
    provider = DemoPaymentProvider(engine, b"demo provider test key", settings.base_url, now=clock.now)
    provider.posted = []

    def keep(url: str, body: bytes, headers: dict) -> int:
        provider.posted.append((url, body, headers))
        return 200

    provider.post = keep
    return provider


def build_harness(settings: Settings, *, memory: bool = True, now: datetime = TODAY) -> Harness:
    """The production container, with a fixed clock, recording senders, in-process tasks, cheap argon2
    and (unless ``memory`` is False) in-memory repositories."""
    container = build_container(settings)
    clock = FixedClock(now)
    sms, emails = RecordingSmsSender(), RecordingEmailSender()
    container.clock.override(providers.Object(clock))
    container.core_system.override(providers.Object(DemoCoreSystem.for_today(now.date(), now=clock.now)))
    container.password_hasher.override(providers.Singleton(Argon2PasswordHasher.fast_for_tests))
    container.sms_sender.override(providers.Object(sms))
    container.email_sender.override(providers.Object(emails))
    container.task_queue.override(
        providers.Singleton(InlineTaskQueue, lambda task, kwargs: container.task_runner().run(task, kwargs))
    )
    store = None
    payments = _demo_payments(settings, clock)
    container.payment_provider.override(providers.Object(payments))
    if memory:
        store = InMemoryStore()
        container.uow.override(providers.Factory(InMemoryUnitOfWork, store))
        container.storage.override(providers.Singleton(InMemoryStorage))
    return Harness(container, clock, sms, emails, store)
