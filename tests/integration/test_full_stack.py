"""The production shape: PostgreSQL, the rq queue on the real Redis, the worker sending through the
same container. Registration to login, with every SMS and email crossing the queue."""
from __future__ import annotations

import os
import re
import uuid
from urllib.parse import quote

import pytest
from dependency_injector import providers
from rq import SimpleWorker
from sqlalchemy import create_engine, text

from areaclienti.adapters.dev_outbox.store import DevOutbox
from areaclienti.adapters.rq.queue import RqTaskQueue, redis_from_url
from areaclienti.adapters.security.argon2 import Argon2PasswordHasher
from areaclienti.adapters.sqlalchemy.database import upgrade
from areaclienti.app.ports.repositories import OutboxStatus
from areaclienti.app.use_cases.login import LogIn
from areaclienti.app.use_cases.passwords import CompleteLink
from areaclienti.app.use_cases.registration import GiveContacts, StartRegistration, VerifyMobile
from areaclienti.entrypoints import worker
from areaclienti.entrypoints.config import Settings
from areaclienti.entrypoints.container import build_container

from ..support import STRONG_PASSWORD
from .conftest import skip_or_fail

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture
def stack(tmp_path, monkeypatch):
    pg_url = os.environ.get("AREACLIENTI_TEST_POSTGRES_URL")
    redis_url = os.environ.get("AREACLIENTI_TEST_REDIS_URL")
    if not pg_url or not redis_url:
        skip_or_fail("AREACLIENTI_TEST_POSTGRES_URL and AREACLIENTI_TEST_REDIS_URL are needed")
    schema = f"test_stack_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    queue_name = f"areaclienti-test-{uuid.uuid4().hex[:8]}"
    env = {
        "AREACLIENTI_ENV": "test",
        "AREACLIENTI_DATA_DIR": str(tmp_path),
        "AREACLIENTI_DATABASE_URL": f"{pg_url}?options={quote(f'-csearch_path={schema}')}",
        "AREACLIENTI_REDIS_URL": redis_url,
        "AREACLIENTI_SECRET_KEY": "full-stack-test",
        "AREACLIENTI_QUEUE_NAME": queue_name,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    worker._container = None
    settings = Settings.from_env()
    container = build_container(settings)
    container.password_hasher.override(providers.Singleton(Argon2PasswordHasher.fast_for_tests))
    upgrade(container.engine())
    redis = redis_from_url(redis_url)
    yield settings, container, redis
    worker._container = None
    container.engine().dispose()
    redis.delete(f"rq:queue:{queue_name}")
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


def _run_worker(settings, redis) -> None:
    SimpleWorker([settings.queue_name], connection=redis).work(burst=True)


def _latest(settings, channel: str, recipient: str) -> dict:
    messages = [m for m in DevOutbox(settings.dev_outbox_path).list() if m["channel"] == channel
                and m["recipient"] == recipient]
    assert messages, f"nothing sent by {channel} to {recipient}"
    return messages[0]


def test_registration_to_login_through_the_queue_and_the_worker(stack):
    settings, container, redis = stack
    scenario = container.core_system().data.scenario("policyholder_danni")
    registration = container.registration()
    step = registration.start(StartRegistration(scenario.tax_code, scenario.policy_number, True))
    registration.give_contacts(GiveContacts(step.flow_token, "luca@example.it", "+393480001122"))
    assert DevOutbox(settings.dev_outbox_path).list() == []  # nothing is sent inline
    _run_worker(settings, redis)
    code = re.search(r"\b(\d{5})\b", _latest(settings, "sms", "+393480001122")["body"]).group(1)

    registration.verify_mobile(VerifyMobile(step.flow_token, code))
    _run_worker(settings, redis)
    body = _latest(settings, "email", "luca@example.it")["body"]
    token = re.search(r"/password/imposta/(\S+)", body).group(1)

    container.complete_password_link()(CompleteLink(token, STRONG_PASSWORD, STRONG_PASSWORD))
    account_id = container.login()(LogIn("luca@example.it", STRONG_PASSWORD))
    with container.uow() as uow:
        assert uow.accounts.get(account_id).status.value == "consultative"
        assert uow.outbox.counts()[OutboxStatus.PENDING] == 0


def test_messages_survive_redis_being_down_and_the_relay_hands_them_over(stack):
    settings, container, redis = stack
    container.task_queue.override(providers.Object(RqTaskQueue(redis_from_url("redis://127.0.0.1:1/0"))))
    scenario = container.core_system().data.scenario("member_collective")
    registration = container.registration()
    step = registration.start(StartRegistration(scenario.tax_code, scenario.policy_number, True))
    registration.give_contacts(GiveContacts(step.flow_token, "fra@example.it", "+393480003344"))  # no error
    with container.uow() as uow:
        assert uow.outbox.counts()[OutboxStatus.PENDING] == 1

    container.task_queue.reset_override()
    assert container.task_runner().relay() == 1  # released at once when the queue refused it
    _run_worker(settings, redis)
    sms = _latest(settings, "sms", "+393480003344")
    assert re.search(r"\b\d{5}\b", sms["body"]) and sms["reference"]
    with container.uow() as uow:
        assert uow.outbox.counts()[OutboxStatus.PENDING] == 0
        assert uow.outbox.get(sms["reference"]).status is OutboxStatus.DONE
