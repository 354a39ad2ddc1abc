"""How many messages a second does one worker deliver, next to rq's own empty-job rate? (issue 15)

Side by side in one run, in interleaved rounds, on the real PostgreSQL (a private schema, dropped at the
end) and Redis (db 15, queues and keys of their own, removed at the end):

(a) rq's ``SimpleWorker`` running ``jobs`` empty jobs (``operator.truth``) in burst mode: the ceiling of
    anything built as one rq job per message;
(b) our worker (``entrypoints.worker.work``, what ``areaclienti worker --burst`` runs: the schedule's jobs
    once, then the queue until empty) delivering N emails to a local SMTP sink (aiosmtpd, in this
    process, as the tests use) and N SMS to the development SMS sink (the JSON-lines dev outbox), all
    written by the Notifier as a request writes them and handed over at commit.

Each side runs in a fresh process of its own; the clock runs from ``work()`` until the worker, the queue
empty, begins to tear down (imports, the container, its database connection and the demo core system come
before; rq's wait of up to a second for its pub/sub thread after), and the log goes to a file at INFO as in
production.
The figure is messages (or empty jobs) a second, and (b) over (a). Not a test: it prints figures;
``--profile`` writes a pyinstrument profile of our worker's last round.

    AREACLIENTI_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/worker_throughput.py [N emails (= N SMS) a round] [rounds]
"""
from __future__ import annotations

import json
import logging
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("AREACLIENTI_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("AREACLIENTI_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
sys.path.insert(0, str(ROOT))


def _until_teardown() -> list[float]:
    """When a burst worker begins to tear down: rq then waits up to a second for its pub/sub thread,
    which is no part of the rate (left out on both sides)."""
    from rq.worker.base import BaseWorker

    ended: list[float] = []
    unsubscribe = BaseWorker.unsubscribe

    def noted(self):
        ended.append(time.perf_counter())
        return unsubscribe(self)

    BaseWorker.unsubscribe = noted
    return ended


def _timed_rq(queue: str, log_path: str) -> dict:
    """(a), in its own process: rq's SimpleWorker on the jobs waiting in ``queue``."""
    from rq import Queue, SimpleWorker

    from areaclienti.adapters.rq.queue import redis_from_url

    logging.basicConfig(filename=log_path, level=logging.INFO)
    connection = redis_from_url(REDIS_URL)
    jobs = Queue(queue, connection=connection).count
    worker = SimpleWorker([queue], connection=connection)
    ended = _until_teardown()
    started = time.perf_counter()
    worker.work(burst=True, logging_level="INFO")
    return {"count": jobs, "seconds": ended[0] - started}


def _timed_ours(log_path: str, profile: str | None) -> dict:
    """(b), in its own process: our worker on what the Notifier handed over (settings from the environment)."""
    from areaclienti.entrypoints.config import Settings
    from areaclienti.entrypoints.container import build_container
    from areaclienti.entrypoints.worker import work

    logging.basicConfig(filename=log_path, level=logging.INFO)
    container = build_container(Settings.from_env())
    before = _done(container)  # the database connected
    container.core_system()  # what a running worker built in its first minute (the schedule's jobs use it)
    profiler = None
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        profiler.start()
    ended = _until_teardown()
    started = time.perf_counter()
    work(container, burst=True)
    seconds = ended[0] - started
    if profiler is not None:
        profiler.stop()
        Path(profile).write_text(profiler.output_text(unicode=False, color=False, show_all=False))
    container.engine().dispose()
    return {"count": _done(container) - before, "seconds": seconds}


def _done(container) -> int:
    from areaclienti.app.ports.repositories import OutboxStatus

    with container.uow() as uow:
        return uow.outbox.counts()[OutboxStatus.DONE]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Sink:
    """The local SMTP server: counts what it accepts (keeping nothing else)."""

    def __init__(self) -> None:
        self.accepted = 0

    async def handle_DATA(self, server, session, envelope):
        self.accepted += 1
        return "250 Message accepted for delivery"


def _drive(args: list[str], env: dict[str, str]) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{args[0]} failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(n: int, rounds: int, profile: bool) -> None:
    from aiosmtpd.controller import Controller
    from rq import Queue
    from sqlalchemy import create_engine, text

    from areaclienti.adapters.dev_outbox.store import DevOutbox
    from areaclienti.adapters.rq.queue import redis_from_url
    from areaclienti.adapters.sqlalchemy.database import upgrade
    from areaclienti.entrypoints.config import Settings
    from areaclienti.entrypoints.container import build_container

    tag = uuid.uuid4().hex[:8]
    schema, ours, empty = f"bench_worker_{tag}", f"bench-worker-{tag}", f"bench-empty-{tag}"
    data_dir = Path(tempfile.mkdtemp())
    sink = Sink()
    smtp = Controller(sink, hostname="127.0.0.1", port=_free_port())
    smtp.start()
    env = {**os.environ, "AREACLIENTI_ENV": "test", "AREACLIENTI_DATA_DIR": str(data_dir),
           "AREACLIENTI_SECRET_KEY": "bench-key",
           "AREACLIENTI_DATABASE_URL": f"{PG_URL}?options={quote(f'-csearch_path={schema}')}",
           "AREACLIENTI_REDIS_URL": REDIS_URL, "AREACLIENTI_QUEUE_NAME": ours,
           "AREACLIENTI_SMTP_HOST": smtp.hostname, "AREACLIENTI_SMTP_PORT": str(smtp.port),
           "AREACLIENTI_SMS_BACKEND": "dev_outbox"}
    os.environ.update(env)
    admin = create_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    redis = redis_from_url(REDIS_URL)
    try:
        container = build_container(Settings.from_env())
        upgrade(container.engine())
        notifier, outbox = container.notifier(), DevOutbox(container.settings().dev_outbox_path)
        empty_jobs = Queue(empty, connection=redis)
        loads = [os.getloadavg()[0]]
        rq_rates, our_rates = [], []
        print(f"{n} emails + {n} SMS a round for our worker, {2 * n} empty jobs a round for rq's SimpleWorker; "
              f"{rounds} interleaved rounds; PostgreSQL and Redis on this machine, {os.cpu_count()} CPUs")
        for round_ in range(rounds):
            for _ in range(2 * n):
                empty_jobs.enqueue_call("operator.truth", args=(None,), result_ttl=60)
            a = _drive(["--rq", empty, str(data_dir / "rq.log")], env)

            sent_before, sms_before = sink.accepted, len(outbox.list(limit=10 ** 7))
            now = container.clock().now()
            for start in range(0, n, 50):  # as requests write them: a few per transaction, handed over at commit
                with container.uow() as uow:
                    for k in range(start, min(n, start + 50)):
                        notifier.email(uow, to=f"cliente{k}@example.it", subject="La tua richiesta è arrivata",
                                       body=f"Gentile cliente,\nabbiamo ricevuto la richiesta n. {k}.\n", now=now)
                        notifier.sms(uow, to=f"+39348{k:07d}", text=f"Il tuo codice è {k % 100000:05d}", now=now)
                    uow.commit()
            name = data_dir / f"profile-{round_}.txt" if profile and round_ == rounds - 1 else None
            b = _drive(["--ours", str(data_dir / "worker.log")] + ([str(name)] if name else []), env)
            emails = sink.accepted - sent_before
            sms = len(outbox.list(limit=10 ** 7)) - sms_before
            if b["count"] != 2 * n or emails != n or sms != n:
                raise SystemExit(f"round {round_ + 1}: {b['count']} items done, {emails} emails and {sms} SMS "
                                 f"received of {n} each")
            loads.append(os.getloadavg()[0])
            rq_rates.append(a["count"] / a["seconds"])
            our_rates.append(b["count"] / b["seconds"])
            print(f"round {round_ + 1}: rq SimpleWorker {rq_rates[-1]:.0f} empty jobs/s; our worker "
                  f"{our_rates[-1]:.0f} messages/s ({b['seconds']:.2f} s for {b['count']}), "
                  f"{our_rates[-1] / rq_rates[-1]:.1f}x; load average {loads[-1]:.1f}")
            if name:
                print(f"profile of our worker's last round: {name}")
        ratios = [o / r for o, r in zip(our_rates, rq_rates)]
        print(f"median: rq SimpleWorker {statistics.median(rq_rates):.0f} empty jobs/s, our worker "
              f"{statistics.median(our_rates):.0f} messages/s (min {min(our_rates):.0f}, max {max(our_rates):.0f}), "
              f"{statistics.median(ratios):.1f}x; load average {min(loads):.1f}-{max(loads):.1f}")
        container.engine().dispose()
    finally:
        smtp.stop()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
        for pattern in (f"rq:*{ours}*", f"rq:*{empty}*", f"areaclienti:batched:{ours}:*"):
            for key in redis.scan_iter(pattern):
                redis.delete(key)
        for key in redis.scan_iter("rq:job:*"):  # the finished jobs of both queues
            if (redis.hget(key, "origin") or b"").decode() in (ours, empty):
                redis.delete(key)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--rq"]:
        print(json.dumps(_timed_rq(sys.argv[2], sys.argv[3])))
    elif sys.argv[1:2] == ["--ours"]:
        print(json.dumps(_timed_ours(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)))
    else:
        flags = [a for a in sys.argv[1:] if a.startswith("--")]
        numbers = [int(a) for a in sys.argv[1:] if not a.startswith("--")]
        main(*(numbers + [1000, 5][len(numbers):]), profile="--profile" in flags)
