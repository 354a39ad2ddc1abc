"""Do known and unknown identities answer in the same time? (SPEC §8)

Runs the real app (SQLite file, argon2 defaults, in-process queue writing to the dev outbox) through
the WSGI test client and times login and password-reset requests for a registered customer and for
an address nobody has, with tasks queued to rq on the real Redis (no worker runs: the request path is
what is timed). Not a test: it prints figures.

    .venv/bin/python bench/answer_times.py [rounds]
"""
from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REDIS_URL = os.environ.get("AREACLIENTI_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
sys.path.insert(0, str(ROOT))

from dependency_injector import providers  # noqa: E402

from areaclienti.adapters.rq.queue import RqTaskQueue, redis_from_url  # noqa: E402
from areaclienti.adapters.sqlalchemy.database import upgrade  # noqa: E402
from areaclienti.entrypoints.web.app import create_app  # noqa: E402
from tests.e2e.journeys import CSRF, register_via_api  # noqa: E402
from tests.support import build_harness, test_settings  # noqa: E402


def main(rounds: int) -> None:
    settings = test_settings(Path(tempfile.mkdtemp()))
    harness = build_harness(settings, memory=False)
    harness.container.password_hasher.reset_override()  # the production argon2 parameters
    upgrade(harness.container.engine())
    app = create_app(settings, harness.container)
    client = app.test_client()
    email = register_via_api(client, harness, harness.container.core_system().data.scenario("policyholder_vita"))
    # From here on, tasks go to rq on the real Redis, as in production: the request path is what we time.
    redis = redis_from_url(REDIS_URL)
    harness.container.task_queue.override(providers.Object(RqTaskQueue(redis, queue_name="bench-answer-times")))
    def timed(path: str, data: dict) -> float:
        token = CSRF.search(client.get("/accesso").text).group(1)  # a fresh session: the clock jumps
        start = time.perf_counter()
        response = client.post(path, data={"csrf_token": token, **data})
        elapsed = time.perf_counter() - start
        assert response.status_code in (302, 401, 429), response.status_code
        return elapsed * 1000

    cases = {
        "login, known email, wrong password": ("/accesso", {"email": email, "password": "sbagliata-1234"}),
        "login, unknown email": ("/accesso", {"email": "nessuno@example.it", "password": "sbagliata-1234"}),
        "reset, known email": ("/password/dimenticata", {"email": email}),
        "reset, unknown email": ("/password/dimenticata", {"email": "nessuno@example.it"}),
    }
    results: dict[str, list[float]] = {name: [] for name in cases}
    shuffle = random.Random(2026).shuffle
    for _ in range(rounds):
        order = list(cases.items())
        shuffle(order)  # a new order each round: no case always follows the slow login
        for name, (path, data) in order:
            results[name].append(timed(path, data))
            harness.clock.advance(minutes=20)  # stay clear of throttling and OTP send limits
    redis.delete("rq:queue:bench-answer-times")
    print(f"{rounds} rounds each; milliseconds; tasks to rq on {REDIS_URL}")
    print(f"{'case':38} {'median':>8} {'mean':>8} {'p95':>8}")
    for name, samples in results.items():
        samples.sort()
        p95 = samples[int(0.95 * (len(samples) - 1))]
        print(f"{name:38} {statistics.median(samples):8.1f} {statistics.fmean(samples):8.1f} {p95:8.1f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 40)
