"""How fast are the customer's pages at 100k customers, against what the stack costs anyway? (issue 14)

As a newcomer would run it in production, on this machine: PostgreSQL (a private schema of the
``test`` database, dropped at the end), Redis (db 15, a queue of its own), gunicorn with 2 sync workers
on ``areaclienti.entrypoints.wsgi:app`` and the demo core system in its own process over HTTP
(``areaclienti core serve``) with N generated customers, whose accounts are loaded straight into the
app's database. Side by side in one run, rounds interleaved in a new order each round so that the
noise of a shared machine hits every variant alike:

- wrk, 50 connections: (a) a bare Flask endpoint in the same workers, (b) a one-query page (one
  SELECT, one template in the site's layout), (c) the dashboard and (d) a policy detail of signed-in
  customers picked at random among the N (a Lua script rotates the cookies of pre-signed-in sessions);
  requests per second of (c) and (d) as ratios to (a) and (b), and p50 / p90 / p99;
- SQL statements, transactions and pool checkouts per page, counted in process, at 10 and N customers;
- a login through the app minus one argon2 verify with the same parameters, interleaved;
- the first request of fresh workers and their RSS, at 10 and N customers.

The two yardsticks (a) and (b) are routes of ``web/bench_routes.py``, there only with
``AREACLIENTI_BENCH_ROUTES=1``. Not a test: it prints figures (and asserts nothing about time).

    AREACLIENTI_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/pages.py [--customers 100000] [--rounds 5] [--duration 10]

Needs wrk (Debian: ``apt-get install wrk``).
"""
from __future__ import annotations

import argparse
import contextlib
import logging
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("AREACLIENTI_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("AREACLIENTI_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
BIN = Path(sys.executable).parent
CONNECTIONS = 50
WORKERS = 2
COOKIE = "__Host-areaclienti"  # production's cookie name (AREACLIENTI_ENV=production)
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, event, select, text  # noqa: E402

from areaclienti.adapters.sqlalchemy.database import upgrade  # noqa: E402
from areaclienti.adapters.sqlalchemy.tables import accounts  # noqa: E402
from areaclienti.entrypoints.config import Settings  # noqa: E402
from areaclienti.entrypoints.container import build_container  # noqa: E402
from areaclienti.entrypoints.web.app import create_app  # noqa: E402

VARIANTS = {  # name: what the README calls it
    "a": "bare Flask endpoint",
    "b": "one-query page",
    "c": "dashboard",
    "d": "policy detail",
}


# --- the stack ---------------------------------------------------------------------------------------
@dataclass
class Customer:
    account_id: str
    email: str
    policy_number: str


@dataclass
class Stack:
    """The app's database (a private schema), the core system and what the app processes are given."""

    customers: int
    schema: str
    data_dir: Path
    env: dict[str, str]
    password: str = ""
    core_over_http: bool = False
    processes: list[subprocess.Popen] = field(default_factory=list)
    core_process: subprocess.Popen | None = None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def core_commands() -> set[str]:
    """The subcommands of ``areaclienti core`` (``serve``: the core system as its own process)."""
    found = subprocess.run([str(BIN / "areaclienti"), "core", "--help"], capture_output=True, text=True)
    return {name for name in ("serve", "generate") if found.returncode == 0 and f"  {name}" in found.stdout}


def open_stack(customers: int, *, http_core: bool | None = None) -> Stack:
    """A private schema with the migrations, the core system's data for ``customers`` and their accounts."""
    schema = f"bench_pages_{uuid.uuid4().hex[:10]}"
    data_dir = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    env = {
        "AREACLIENTI_ENV": "production",
        "AREACLIENTI_DATA_DIR": str(data_dir),
        "AREACLIENTI_SECRET_KEY": "bench-pages-key",
        "AREACLIENTI_DATABASE_URL": f"{PG_URL}?options={quote(f'-csearch_path={schema}')}",
        "AREACLIENTI_REDIS_URL": REDIS_URL,
        "AREACLIENTI_QUEUE_NAME": f"bench-pages-{schema}",
        "AREACLIENTI_SMTP_HOST": "127.0.0.1",  # required in production; nothing here sends an email
        "AREACLIENTI_SMS_BACKEND": "dev_outbox",
        "AREACLIENTI_BENCH_ROUTES": "1",
    }
    stack = Stack(customers, schema, data_dir, env)
    with admin_engine().begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    container = build_container(settings(stack))
    upgrade(container.engine())
    container.engine().dispose()
    stack.core_over_http = "serve" in core_commands() if http_core is None else http_core
    if stack.core_over_http:
        generate_core(stack)
        serve_core(stack)
    load_accounts(stack)
    return stack


def admin_engine():
    global _ADMIN
    if _ADMIN is None:
        _ADMIN = create_engine(PG_URL)
    return _ADMIN


_ADMIN = None


def settings(stack: Stack) -> Settings:
    return Settings.from_env(stack.env)


def generate_core(stack: Stack) -> None:
    """The core system's own database, with ``customers`` generated customers and their policies."""
    stack.env["AREACLIENTI_CORE_DATABASE_URL"] = f"sqlite:///{stack.data_dir / 'democore.db'}"  # the default
    started = time.monotonic()
    subprocess.run([str(BIN / "areaclienti"), "core", "generate", "--customers", str(stack.customers)],
                   env={**os.environ, **stack.env}, check=True, stdout=subprocess.DEVNULL)
    print(f"  core system: {stack.customers} customers generated in {time.monotonic() - started:.0f} s")


def serve_core(stack: Stack) -> None:
    port = free_port()
    log = (stack.data_dir / "core.log").open("wb")
    stack.core_process = subprocess.Popen(
        [str(BIN / "areaclienti"), "core", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env={**os.environ, **stack.env}, stdout=log, stderr=subprocess.STDOUT)
    stack.processes.append(stack.core_process)
    stack.env["AREACLIENTI_CORE_URL"] = f"http://127.0.0.1:{port}"
    wait_for_port(port, stack.core_process)


def load_accounts(stack: Stack) -> None:
    """The customers' accounts, straight into the app's database (not registered one by one)."""
    from areaclienti.adapters.demo_core.data import DEMO_PASSWORD

    stack.password = DEMO_PASSWORD
    if stack.core_over_http:  # every generated customer, one precomputed hash for all (argon2 is slow on purpose)
        started = time.monotonic()
        subprocess.run([str(BIN / "areaclienti"), "core", "accounts", "--customers", str(stack.customers)],
                       env={**os.environ, **stack.env}, check=True, stdout=subprocess.DEVNULL)
        print(f"  app database: {stack.customers} accounts loaded in {time.monotonic() - started:.0f} s")
        return
    from areaclienti.adapters.demo_core.seed import seed_accounts  # in process: the demo's registered customers

    container = build_container(settings(stack))
    seed_accounts(container.uow(), data=container.core_system().data, password_hasher=container.password_hasher(),
                  new_id=container.secrets().new_id, now=container.clock().now())
    container.engine().dispose()


def close_stack(stack: Stack) -> None:
    for process in stack.processes:
        stop(process)
    with admin_engine().begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{stack.schema}" CASCADE'))
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"rq:*{stack.env['AREACLIENTI_QUEUE_NAME']}*"):
        client.delete(key)
    shutil.rmtree(stack.data_dir, ignore_errors=True)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{process.args[0]} stopped with {process.returncode} before it listened")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.05)
    raise SystemExit(f"nothing listens on {port} after {timeout:.0f} s")


def sample_customers(stack: Stack, container, count: int, seed: int = 14) -> list[Customer]:
    """``count`` customers drawn at random among all the accounts, each with a policy they may see."""
    with container.engine().connect() as connection:
        rows = connection.execute(select(accounts.c.id, accounts.c.email, accounts.c.party_id, accounts.c.party_kind)
                                  .where(accounts.c.password_hash.is_not(None))).all()
    rows = random.Random(seed).sample(rows, min(count, len(rows)))
    from areaclienti.domain.parties import parse_tax_code, parse_vat_number

    from areaclienti.app.calendar import italian_day
    from areaclienti.domain.eligibility import visible_policies

    chosen = []
    core, today = container.core_system(), italian_day(datetime.now(timezone.utc))
    for row in rows:
        party = parse_vat_number(row.party_id) if row.party_kind == "company" else parse_tax_code(row.party_id)
        policies = visible_policies(core.policies_of(party), party, today)
        if policies:
            chosen.append(Customer(row.id, row.email, policies[0].number))
    return chosen


def sign_in(container, customers: list[Customer]) -> list[str]:
    """A customer session for each, as the login leaves it (the cookie's value)."""
    manager = container.sessions()
    return [manager.create({"kind": "customer"}, account_id=c.account_id, user_agent="wrk") for c in customers]


# --- statements and transactions per page --------------------------------------------------------------
@dataclass
class Counts:
    statements: int = 0
    transactions: int = 0
    commits: int = 0
    checkouts: int = 0
    kinds: Counter = field(default_factory=Counter)


def count_per_page(stack: Stack, customers: int = 5) -> dict[str, Counts]:
    """In process, on the same database and core: what one page costs in SQL, for a few customers."""
    container = build_container(settings(stack))
    app = create_app(settings(stack), container)
    engine = container.engine()
    counting: list[Counts] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _statement(conn, cursor, statement, parameters, context, executemany):
        if counting:
            counting[-1].statements += 1
            counting[-1].kinds[statement.split(None, 1)[0].upper()] += 1

    @event.listens_for(engine, "begin")
    def _begin(conn):
        if counting:
            counting[-1].transactions += 1

    @event.listens_for(engine, "commit")
    def _commit(conn):
        if counting:
            counting[-1].commits += 1

    @event.listens_for(engine.pool, "checkout")
    def _checkout(*_args):
        if counting:
            counting[-1].checkouts += 1

    chosen = sample_customers(stack, container, customers)
    sids = sign_in(container, chosen)
    anonymous, client = app.test_client(), app.test_client()
    pages: dict[str, list[Counts]] = {"b": [], "c": [], "d": []}
    for customer, sid in zip(chosen, sids):
        client.set_cookie(COOKIE, sid, domain="localhost", secure=True)
        for variant, path in (("b", f"/_bench/una-query/{customer.account_id}"), ("c", "/area-clienti"),
                              ("d", f"/area-clienti/polizze/{customer.policy_number}")):
            browser = anonymous if variant == "b" else client  # as wrk asks for it: (b) without a cookie
            browser.get(path, base_url="https://localhost")  # warm: the first view of a page fills caches
            counting.append(Counts())
            response = browser.get(path, base_url="https://localhost")
            assert response.status_code == 200, (path, response.status_code)
            pages[variant].append(counting.pop())
    engine.dispose()
    return {variant: max(seen, key=lambda c: (c.statements, c.transactions)) for variant, seen in pages.items()}


# --- login minus one argon2 verify ---------------------------------------------------------------------
def login_overhead(stack: Stack, rounds: int) -> dict[str, list[float]]:
    """Interleaved: a login through the app (in process, POST /accesso) and one argon2 verify of the same
    stored hash with the app's hasher, in a new order each round. Milliseconds."""
    container = build_container(settings(stack))
    app = create_app(settings(stack), container)
    hasher = container.password_hasher()
    chosen = sample_customers(stack, container, rounds, seed=1414)
    with container.engine().connect() as connection:
        hashes = dict(connection.execute(select(accounts.c.id, accounts.c.password_hash)
                                         .where(accounts.c.id.in_([c.account_id for c in chosen]))).all())
    assert not hasher.needs_rehash(next(iter(hashes.values()))), "stored hashes use other argon2 parameters"
    csrf = re.compile(r'name="csrf_token" value="([^"]+)"')
    samples: dict[str, list[float]] = {"login": [], "argon2 verify": []}

    def login(customer: Customer) -> float:
        client = app.test_client()
        token = csrf.search(client.get("/accesso", base_url="https://localhost").text).group(1)
        started = time.perf_counter()
        response = client.post("/accesso", base_url="https://localhost",
                               headers={"Referer": "https://localhost/accesso"},  # CSRF checks it over https
                               data={"csrf_token": token, "email": customer.email, "password": stack.password})
        elapsed = time.perf_counter() - started
        assert response.status_code == 302, response.status_code
        return elapsed * 1000

    def verify(customer: Customer) -> float:
        started = time.perf_counter()
        assert hasher.verify(hashes[customer.account_id], stack.password)
        return (time.perf_counter() - started) * 1000

    login(chosen[0])  # warm
    shuffle = random.Random(2026).shuffle
    for customer in chosen:
        order = [("login", login), ("argon2 verify", verify)]
        shuffle(order)
        for name, measure in order:
            samples[name].append(measure(customer))
    container.engine().dispose()
    return samples


# --- gunicorn ------------------------------------------------------------------------------------------
GUNICORN_HOOKS = """# written by bench/pages.py: each worker says when it has built the app
from pathlib import Path


def post_worker_init(worker):
    (Path(%r) / f"ready-{worker.pid}").touch()
"""


def start_gunicorn(stack: Stack) -> tuple[subprocess.Popen, int, Path]:
    """gunicorn as in production (the defaults, 2 sync workers); the folder where its workers say they are up."""
    port = free_port()
    ready = stack.data_dir / f"ready-{port}"
    ready.mkdir()
    hooks = stack.data_dir / f"gunicorn-{port}.conf.py"
    hooks.write_text(GUNICORN_HOOKS % str(ready))
    log = (stack.data_dir / f"gunicorn-{port}.log").open("wb")
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "--config", str(hooks), "--workers", str(WORKERS), "--worker-class", "sync",
         "--bind", f"127.0.0.1:{port}", "areaclienti.entrypoints.wsgi:app"],
        env={**os.environ, **stack.env}, stdout=log, stderr=subprocess.STDOUT)
    stack.processes.append(process)
    return process, port, ready


def wait_for_workers(process: subprocess.Popen, ready: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while len(list(ready.iterdir())) < WORKERS:
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"gunicorn's workers did not start (see {ready.parent}/gunicorn-*.log)")
        time.sleep(0.02)


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == pid:
                    found.append(int(entry.name))
    return sorted(found)


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def get(port: int, path: str, sid: str | None = None, timeout: float = 120) -> tuple[int, float]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    if sid:
        request.add_header("Cookie", f"{COOKIE}={sid}")
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return status, time.perf_counter() - started


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


urllib.request.install_opener(urllib.request.build_opener(NoRedirect))


@dataclass
class FirstRequests:
    boot: float  # from starting gunicorn to both workers having built the app
    first: list[float]  # the first dashboard request of each worker, once both are up
    worker_rss: list[float]
    core_rss: float | None


def first_requests(stack: Stack, sids: list[str]) -> FirstRequests:
    """Fresh gunicorn: the first dashboard of each worker once it is up (two at once, one a worker), and the
    workers' RSS after a few pages more."""
    started = time.monotonic()
    process, port, ready = start_gunicorn(stack)
    wait_for_workers(process, ready)
    boot = time.monotonic() - started
    times: list[float] = []

    def first(sid: str) -> None:
        status, elapsed = get(port, "/area-clienti", sid)
        assert status == 200, status
        times.append(elapsed)

    pair = [threading.Thread(target=first, args=(sid,)) for sid in sids[1:3]]
    for thread in pair:
        thread.start()
    for thread in pair:
        thread.join()
    for sid in sids[3:40]:  # a few pages more on each worker, then their memory
        get(port, "/area-clienti", sid)
    rss = [rss_mib(pid) for pid in children(process.pid)]
    stop(process)
    stack.processes.remove(process)
    core_rss = rss_mib(stack.core_process.pid) if stack.core_process else None
    return FirstRequests(boot, sorted(times), rss, core_rss)


# --- wrk -----------------------------------------------------------------------------------------------
LUA = """-- written by bench/pages.py: each request a target drawn at random (a cookie and a path)
local targets = {%s}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
end
function init(args)
  math.randomseed(os.time() * 100 + id)
end
function request()
  local target = targets[math.random(#targets)]
  if target[2] == "" then
    return wrk.format("GET", target[1])
  end
  return wrk.format("GET", target[1], {["Cookie"] = target[2]})
end
"""


def lua_script(path: Path, targets: list[tuple[str, str]]) -> Path:
    entries = ",\n".join(f'{{"{p}", "{c}"}}' for p, c in targets)
    path.write_text(LUA % ("\n" + entries + "\n"))
    return path


def wrk_targets(customers: list[Customer], sids: list[str]) -> dict[str, list[tuple[str, str]]]:
    return {
        "a": [("/_bench/bare/", "")],
        "b": [(f"/_bench/una-query/{c.account_id}", "") for c in customers],
        "c": [("/area-clienti", f"{COOKIE}={sid}") for sid in sids],
        "d": [(f"/area-clienti/polizze/{c.policy_number}", f"{COOKIE}={sid}") for c, sid in zip(customers, sids)],
    }


@dataclass
class WrkRun:
    rps: float
    p50: float
    p90: float
    p99: float
    requests: int = 0
    errors: str = ""
    cpu_ms: dict[str, float] = field(default_factory=dict)  # CPU time a request: the workers, the core system


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * UNITS[unit]


def run_wrk(port: int, script: Path, duration: float, threads: int = 1) -> WrkRun:
    output = subprocess.run(
        ["wrk", "--latency", "-t", str(threads), "-c", str(CONNECTIONS), "-d", f"{duration:g}s", "--timeout", "30s",
         "-s", str(script), f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True).stdout
    return parse_wrk(output)


def parse_wrk(output: str) -> WrkRun:
    """Requests per second, the 50th, 90th and 99th percentiles (ms) and errors of ``wrk --latency``."""
    percentiles = dict(re.findall(r"^\s+(50|90|99)%\s+(\S+)\s*$", output, re.MULTILINE))
    if len(percentiles) < 3:
        raise SystemExit(f"wrk's output has no latency distribution:\n{output}")
    errors = "; ".join(re.findall(r"^\s*(Non-2xx or 3xx responses: \d+|Socket errors: .*)$", output, re.MULTILINE))
    return WrkRun(float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
                  _ms(percentiles["50"]), _ms(percentiles["90"]), _ms(percentiles["99"]),
                  int(re.search(r"(\d+) requests in", output).group(1)), errors)


def measured_run(port: int, script: Path, duration: float, processes: dict[str, list[int]]) -> WrkRun:
    """A wrk run, with the CPU time the named processes spent on each request meanwhile."""
    before = {name: sum(cpu_seconds(pid) for pid in pids) for name, pids in processes.items()}
    run = run_wrk(port, script, duration)
    run.cpu_ms = {name: (sum(cpu_seconds(pid) for pid in pids) - before[name]) * 1000 / max(run.requests, 1)
                  for name, pids in processes.items()}
    return run


def wrk_rounds(stack: Stack, customers: list[Customer], sids: list[str], rounds: int,
               duration: float) -> list[dict[str, WrkRun]]:
    process, port, ready = start_gunicorn(stack)
    wait_for_workers(process, ready)
    scripts = {variant: lua_script(stack.data_dir / f"wrk-{variant}.lua", targets)
               for variant, targets in wrk_targets(customers, sids).items()}
    for variant, targets in wrk_targets(customers, sids).items():  # each target answers 200 before the load
        for target_path, cookie in targets[:20]:
            status, _ = get(port, target_path, cookie.split("=", 1)[1] if cookie else None)
            assert status == 200, (variant, target_path, status)
    for variant in VARIANTS:  # warm-up, not counted
        run_wrk(port, scripts[variant], min(3.0, duration))
    results = []
    shuffle = random.Random(14).shuffle
    processes = {"workers": children(process.pid)}
    if stack.core_process is not None:
        processes["core system"] = [stack.core_process.pid]
    for number in range(rounds):
        order = list(VARIANTS)
        shuffle(order)
        runs = {}
        for variant in order:
            runs[variant] = measured_run(port, scripts[variant], duration, processes)
            if runs[variant].errors:
                print(f"  round {number + 1}, ({variant}): {runs[variant].errors}")
        results.append(runs)
        print(f"  round {number + 1}/{rounds} ({' '.join(order)}), load average {os.getloadavg()[0]:.1f}: "
              + ", ".join(f"({v}) {runs[v].rps:.0f}/s" for v in VARIANTS))
    stop(process)
    stack.processes.remove(process)
    return results


# --- the report ----------------------------------------------------------------------------------------
def print_counts(label: str, counts: dict[str, Counts]) -> None:
    for variant, seen in counts.items():
        kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(seen.kinds.items()))
        print(f"  {label:>14} customers, ({variant}) {VARIANTS[variant]:18} {seen.statements:3} statements "
              f"({kinds}), {seen.transactions} transactions ({seen.commits} committed), {seen.checkouts} pool checkouts")


def print_wrk(results: list[dict[str, WrkRun]]) -> None:
    median = statistics.median
    names = list(results[0]["a"].cpu_ms)
    print(f"  {'':22} {'req/s':>8} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'p99/p50':>8}"
          + "".join(f" {'CPU ms ' + n:>18}" for n in names) + "  (medians of the rounds; CPU a request)")
    for variant, name in VARIANTS.items():
        runs = [r[variant] for r in results]
        p50, p99 = median(r.p50 for r in runs), median(r.p99 for r in runs)
        print(f"  ({variant}) {name:18} {median(r.rps for r in runs):8.0f} {p50:8.1f} "
              f"{median(r.p90 for r in runs):8.1f} {p99:8.1f} {median(r.p99 / r.p50 for r in runs):8.1f}"
              + "".join(f" {median(r.cpu_ms[n] for r in runs):18.2f}" for n in names))
    for page in "cd":
        for base in "ab":
            ratios = sorted(r[page].rps / r[base].rps for r in results)
            print(f"  ({page}) {VARIANTS[page]} / ({base}) {VARIANTS[base]}: {median(ratios):.0%} "
                  f"(rounds: {', '.join(f'{x:.0%}' for x in ratios)})")


def print_first(label: str, first: FirstRequests) -> None:
    core = f"; core system process {first.core_rss:.0f} MiB" if first.core_rss is not None else ""
    print(f"  {label:>8} customers: both workers up {first.boot:.1f} s after gunicorn started; then the first "
          f"dashboard of each {', '.join(f'{t * 1000:.0f} ms' for t in first.first)}; worker RSS "
          f"{', '.join(f'{r:.0f}' for r in first.worker_rss)} MiB{core}")


def check_wrk() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: on Debian or Ubuntu, `apt-get install wrk` (as root) and run again")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5, help="interleaved wrk rounds")
    parser.add_argument("--duration", type=float, default=10, help="seconds of each wrk run")
    parser.add_argument("--logins", type=int, default=60, help="logins (and as many argon2 verifies)")
    parser.add_argument("--signed-in", type=int, default=2000,
                        help="pre-signed-in customers drawn at random among the N, whose cookies wrk rotates")
    parser.add_argument("--in-process-core", action="store_true", help="the demo core inside each worker")
    args = parser.parse_args()
    check_wrk()
    logging.getLogger("alembic").setLevel(logging.WARNING)
    http_core = False if args.in_process_core else None
    print(f"{os.cpu_count()} CPUs, load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} at the start; "
          f"PostgreSQL {PG_URL.rsplit('@', 1)[-1]}, Redis {REDIS_URL}")

    print("setting up 10 customers…")
    small = open_stack(10, http_core=http_core)
    try:
        counts_small = count_per_page(small)
        container = build_container(settings(small))
        few = sample_customers(small, container, 40)
        sids_small = sign_in(container, [few[n % len(few)] for n in range(40)])
        container.engine().dispose()
        first_small = first_requests(small, sids_small)
    finally:
        close_stack(small)

    print(f"setting up {args.customers} customers…")
    big = open_stack(args.customers, http_core=http_core)
    try:
        print(f"  core system: {'over HTTP, its own process' if big.core_over_http else 'IN PROCESS (demo)'}")
        counts_big = count_per_page(big)
        logins = login_overhead(big, args.logins)
        container = build_container(settings(big))
        customers = sample_customers(big, container, args.signed_in)
        sids = sign_in(container, customers)
        container.engine().dispose()
        first_big = first_requests(big, sids)
        print(f"wrk: {CONNECTIONS} connections, 1 thread, {args.rounds} rounds of {args.duration:g} s per variant, "
              f"{len(customers)} signed-in customers drawn at random; gunicorn {WORKERS} sync workers")
        results = wrk_rounds(big, customers, sids, args.rounds, args.duration)
    finally:
        close_stack(big)

    print("\nrequests per second and latency under load (the N customers):")
    print_wrk(results)
    print("\nSQL per page (in process, the most any of 5 customers cost):")
    print_counts("10", counts_small)
    print_counts(str(args.customers), counts_big)
    login, verify = statistics.median(logins["login"]), statistics.median(logins["argon2 verify"])
    print(f"\nlogin (in process, POST /accesso) median {login:.1f} ms, argon2 verify median {verify:.1f} ms, "
          f"login minus verify {login - verify:.1f} ms ({args.logins} of each, interleaved)")
    print("\nfirst requests and memory of fresh workers:")
    print_first("10", first_small)
    print_first(str(args.customers), first_big)
    print(f"\nload average at the end {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
