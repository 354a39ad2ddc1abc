"""bench/pages.py keeps running: its stages on a tiny stack (PostgreSQL, the in-process demo core system,
no gunicorn or wrk), and its reading of wrk's report. No timing is asserted; the benchmark prints figures."""
from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

from .conftest import skip_or_fail

BENCH = Path(__file__).resolve().parents[2] / "bench" / "pages.py"

WRK_REPORT = """Running 10s test @ http://127.0.0.1:40000
  1 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   789.55ms  293.67ms   1.39s    62.16%
    Req/Sec    65.62     32.98   111.00     56.25%
  Latency Distribution
     50%  666.47ms 
     75%  899.14ms
     90%  922.30ms
     99%    1.37s 
  1071 requests in 10.02s, 0.85MB read
  Non-2xx or 3xx responses: 3
Requests/sec:    106.89
Transfer/sec:     86.40KB
"""


@pytest.fixture(scope="module")
def pages():
    spec = importlib.util.spec_from_file_location("bench_pages", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while they are built
    spec.loader.exec_module(module)
    return module


def test_stages_run_on_a_tiny_stack(pages, postgres_url, monkeypatch):
    run = pages.parse_wrk(WRK_REPORT)  # wrk's report, its units and a trailing space read
    assert (run.rps, run.p50, run.p90, run.p99, run.requests) == (106.89, 666.47, 922.30, 1370.0, 1071)
    assert run.errors == "Non-2xx or 3xx responses: 3"
    redis_url = os.environ.get("AREACLIENTI_TEST_REDIS_URL")
    if not redis_url:
        skip_or_fail("AREACLIENTI_TEST_REDIS_URL is not set")
    monkeypatch.setattr(pages, "PG_URL", postgres_url)
    monkeypatch.setattr(pages, "REDIS_URL", redis_url)
    stack = pages.open_stack(10, http_core=False)
    try:
        counts = pages.count_per_page(stack, customers=2)
        # The yardstick is what it claims: one SELECT, whatever the rest of the app does.
        assert dict(counts["b"].kinds) == {"SELECT": 1}
        assert counts["c"].statements >= 1 and counts["d"].statements >= 1
        logins = pages.login_overhead(stack, 1)
        assert len(logins["login"]) == len(logins["argon2 verify"]) == 1
    finally:
        pages.close_stack(stack)
    with pages.admin_engine().connect() as connection:
        assert not connection.exec_driver_sql(
            "SELECT 1 FROM information_schema.schemata WHERE schema_name = %s", (stack.schema,)).first()
    pages.admin_engine().dispose()
