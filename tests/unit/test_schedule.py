"""The periodic jobs' schedule: each job on its period, a failing one logged once per outage."""
from __future__ import annotations

import logging
import threading
import time

from areaclienti.entrypoints.worker import PeriodicJob, Schedule, periodic_jobs
from tests.support import build_harness, test_settings


def test_each_job_runs_on_its_period_until_stopped():
    runs: list[str] = []
    stop = threading.Event()
    schedule = Schedule([PeriodicJob("fast", 0.02, lambda: runs.append("fast")),
                         PeriodicJob("slow", 60, lambda: runs.append("slow"))], stop)
    schedule.start()
    deadline = time.monotonic() + 5
    while runs.count("fast") < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    stop.set()
    schedule.join(timeout=5)
    assert not schedule.is_alive()
    assert runs.count("fast") >= 3 and runs.count("slow") == 1


def test_a_failing_job_is_logged_once_per_outage_and_keeps_its_turn(caplog):
    down = {"now": True}
    calls = []

    def relay():
        calls.append(down["now"])
        if down["now"]:
            raise ConnectionError("redis is down (test double)")

    job = PeriodicJob("outbox relay", 1, relay)
    schedule = Schedule([job], threading.Event())
    with caplog.at_level(logging.WARNING, logger="areaclienti.entrypoints.worker"):
        for _ in range(5):
            schedule.run_once(job)
        down["now"] = False
        schedule.run_once(job)
        schedule.run_once(job)
    messages = [r.getMessage() for r in caplog.records]
    assert len(calls) == 7
    assert [m for m in messages if "unreachable" in m] == ["outbox relay unreachable (redis is down (test double)): retrying"]
    assert [m for m in messages if "reachable again" in m] == ["outbox relay reachable again"]


def test_the_embedded_default_relays_the_outbox_on_its_schedule(tmp_path):
    harness = build_harness(test_settings(tmp_path, relay_period_seconds=0.5))
    relay, follow_up, provider, purge = periodic_jobs(harness.container)
    assert relay.name == "outbox relay" and relay.period_seconds == 0.5
    assert (follow_up.name, provider.name) == ("requests follow-up", "demo payment provider")
    assert purge.name == "expired sessions purge"
    assert follow_up.run() == 0 and provider.run() == 0 and purge.run() == 0
    with harness.container.uow() as uow:
        harness.container.notifier().sms(uow, to="+393471234567", text="ciao", now=harness.clock.now())
        uow.commit()  # the inline queue delivers at once
    assert len(harness.sms.sent) == 1
    assert relay.run() == 0  # nothing left for the relay


def test_a_worker_started_while_the_database_is_down_waits_for_it(caplog):
    from sqlalchemy.exc import OperationalError

    from areaclienti.entrypoints.worker import wait_for_database

    calls = []

    class AdminShutdown(Exception):
        sqlstate = "57P01"  # PostgreSQL's admin_shutdown: the database cannot answer now

    def prepare():
        calls.append(1)
        if len(calls) < 3:
            raise OperationalError("SELECT 1", {}, AdminShutdown("terminating connection"))

    with caplog.at_level(logging.WARNING, logger="areaclienti.entrypoints.worker"):
        wait_for_database(prepare, max_backoff=0.01)
    assert len(calls) == 3
    assert [r.getMessage().split(" (")[0] for r in caplog.records] == ["PostgreSQL unreachable", "PostgreSQL reachable again"]


def test_a_wrong_statement_at_start_up_still_fails():
    from areaclienti.entrypoints.worker import wait_for_database

    def prepare():
        raise ValueError("a migration that is wrong")

    import pytest

    with pytest.raises(ValueError):
        wait_for_database(prepare, max_backoff=0.01)
