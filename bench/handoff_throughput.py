"""How many paid requests per second reach the core system, end to end? (SPEC §4)

On the real PostgreSQL (a private schema, dropped at the end) and Redis (db 15, a queue of its own), with
``areaclienti worker`` processes as in production (default timings): the identified demo customer pays
premium receipts by card from a few threads of this process (submit, the provider's page, its signed
notification applied as the webhook would), and the workers hand each paid request to the demo core
system through the outbox and rq. The figure is requests handed over per second, from the first
submission to the last hand-off, and each request's time from submission to hand-off. Not a test: it
prints figures.

    AREACLIENTI_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/handoff_throughput.py [requests] [submitting threads] [workers]
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("AREACLIENTI_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("AREACLIENTI_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
AREACLIENTI = Path(sys.executable).with_name("areaclienti")
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, select, text  # noqa: E402

from areaclienti.adapters.sqlalchemy.database import upgrade  # noqa: E402
from areaclienti.adapters.sqlalchemy.tables import policy_requests, request_events  # noqa: E402
from areaclienti.domain.requests import RequestStatus  # noqa: E402
from areaclienti.entrypoints.config import Settings  # noqa: E402
from areaclienti.entrypoints.container import build_container  # noqa: E402
from tests.integration.test_request_faults import Payer, handed_over  # noqa: E402


def main(count: int, threads: int, workers: int) -> None:
    schema, queue = f"bench_handoff_{uuid.uuid4().hex[:10]}", f"bench-handoff-{uuid.uuid4().hex[:8]}"
    data_dir = Path(tempfile.mkdtemp())
    env = {"AREACLIENTI_ENV": "test", "AREACLIENTI_DATA_DIR": str(data_dir), "AREACLIENTI_SECRET_KEY": "bench-key",
           "AREACLIENTI_DATABASE_URL": f"{PG_URL}?options={quote(f'-csearch_path={schema}')}",
           "AREACLIENTI_REDIS_URL": REDIS_URL, "AREACLIENTI_QUEUE_NAME": queue}
    os.environ.update(env)
    admin = create_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    processes = []
    try:
        container = build_container(Settings.from_env())
        upgrade(container.engine())
        payer = Payer(SimpleNamespace(container=container), count)
        processes = [subprocess.Popen([str(AREACLIENTI), "worker"], env={**os.environ, **env},
                                      stdout=(data_dir / f"worker-{n}.log").open("wb"), stderr=subprocess.STDOUT)
                     for n in range(workers)]
        time.sleep(5)  # the workers are up and idle
        started = time.monotonic()
        numbers = iter(range(count))
        lock = threading.Lock()

        def pay_some() -> None:
            while True:
                with lock:
                    n = next(numbers, None)
                if n is None:
                    return
                payer.pay(n)

        submitters = [threading.Thread(target=pay_some) for _ in range(threads)]
        for thread in submitters:
            thread.start()
        for thread in submitters:
            thread.join()
        submitted = time.monotonic() - started
        while len(handed_over(container)) < count:
            if time.monotonic() - started > 600:
                raise SystemExit("not everything was handed over within 10 minutes")
            time.sleep(0.05)
        with container.engine().connect() as connection:
            rows = connection.execute(
                select(policy_requests.c.created_at, request_events.c.at)
                .join(request_events, request_events.c.request_id == policy_requests.c.id)
                .where(request_events.c.status == RequestStatus.HANDED_OVER.value)).all()
        first = min(created for created, _ in rows)
        last = max(at for _, at in rows)
        elapsed = (last - first).total_seconds()
        latencies = sorted((at - created).total_seconds() * 1000 for created, at in rows)
        calls, keys = container.core_system().counts()
        print(f"{count} card payments from {threads} threads, {workers} worker processes; PostgreSQL, rq on "
              f"{REDIS_URL}; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end")
        print(f"submitted (submit + notification) in {submitted:.1f} s: {count / submitted:.1f} per second")
        print(f"handed over to the core system: {count / elapsed:.1f} per second end to end "
              f"({elapsed:.1f} s from the first submission to the last hand-off; {keys} keys, {calls} calls)")
        print(f"submission to hand-off: median {statistics.median(latencies):.0f} ms, "
              f"p95 {latencies[int(0.95 * (len(latencies) - 1))]:.0f} ms, max {latencies[-1]:.0f} ms")
        container.engine().dispose()
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(f"rq:*{queue}*"):
            client.delete(key)


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(*(args + [300, 4, 2][len(args):]))
