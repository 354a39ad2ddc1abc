"""PostgreSQL connections terminated under the app: a 503 in Italian, never a 500, nothing half-written,
and the next requests work again without a restart.

The app runs on the real server, in a schema of its own, with its engine's connections named
(``application_name``) so that ``pg_terminate_backend`` only ever reaches this test's connections: other
engineers' tests share the server.
"""
from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import pytest
from dependency_injector import providers
from flask import Flask
from sqlalchemy import Engine, event, text

from areaclienti.adapters.sqlalchemy.database import make_engine, upgrade
from areaclienti.entrypoints.web.app import DATABASE_RETRY_AFTER_S, create_app

from ..e2e.journeys import csrf_token
from ..support import Harness, build_harness, test_settings

pytestmark = pytest.mark.postgres

ITALIAN = "Servizio momentaneamente non disponibile: riprova tra qualche istante."
REGISTRABLE = ("policyholder_vita", "policyholder_danni", "member_collective", "risk_certificate_holder", "company")


@dataclass
class Stack:
    app: Flask
    harness: Harness
    engine: Engine
    admin: Engine
    application_name: str
    demo: object = field(default=None)

    def terminate(self, pid: int | None = None) -> int:
        """End this app's connections on the server (or only ``pid``); waits until they are gone."""
        query = ("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000)) FROM pg_stat_activity "
                 "WHERE datname = current_database() AND application_name = :name AND pid <> pg_backend_pid()")
        params: dict = {"name": self.application_name}
        if pid is not None:
            query += " AND pid = :pid"
            params["pid"] = pid
        with self.admin.connect() as connection:
            return connection.execute(text(query), params).scalar_one()

    def rows(self, query: str, **params) -> list:
        with self.engine.connect() as connection:
            return list(connection.execute(text(query), params))


@pytest.fixture
def stack(postgres_url, tmp_path):
    schema = f"test_outage_{uuid.uuid4().hex[:12]}"
    application_name = f"areaclienti-test-outage-{uuid.uuid4().hex[:8]}"
    admin = make_engine(postgres_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    # make_engine as production makes it (no pre-ping: dropped connections told at checkout by their socket);
    # its connections only carry a name and a schema.
    engine = make_engine(postgres_url, connect_args={"options": f"-csearch_path={schema}",
                                                     "application_name": application_name})
    try:
        upgrade(engine)
        settings = test_settings(tmp_path)
        harness = build_harness(settings, memory=False)
        harness.container.engine.override(providers.Object(engine))
        from areaclienti.adapters.demo_core.seed import seed_accounts

        c = harness.container
        demo = c.core_system().data
        seed_accounts(c.uow(), data=demo, password_hasher=c.password_hasher(), new_id=c.secrets().new_id,
                      now=harness.clock.now())
        app = create_app(settings, harness.container)
        app.config["PROPAGATE_EXCEPTIONS"] = False  # what a customer gets, not the test client's traceback
        yield Stack(app, harness, engine, admin, application_name, demo)
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


class KillOnStatement:
    """Terminates the app's own connection on the server just before a statement that starts with
    ``prefix`` is sent, once: the request is then in the middle of its transaction."""

    def __init__(self, stack: Stack, prefix: str) -> None:
        self.stack, self.prefix, self.fired = stack, prefix, 0

    def __enter__(self) -> "KillOnStatement":
        event.listen(self.stack.engine, "before_cursor_execute", self._before)
        return self

    def __exit__(self, *exc_info) -> None:
        event.remove(self.stack.engine, "before_cursor_execute", self._before)

    def _before(self, _conn, cursor, statement, _params, _context, _executemany) -> None:
        if not self.fired and statement.lstrip().upper().startswith(self.prefix):
            self.fired += 1
            assert self.stack.terminate(cursor.connection.info.backend_pid) == 1


def _scenario(stack: Stack, name: str):
    return stack.demo.scenario(name)


def _start_body(stack: Stack, name: str) -> dict:
    scenario = _scenario(stack, name)
    return {"party_id": scenario.tax_code or scenario.vat_number, "policy_number": scenario.policy_number,
            "privacy_accepted": True}


def _registration_rows(stack: Stack, party_id: str) -> tuple[int, int]:
    accounts = stack.rows("SELECT id FROM accounts WHERE party_id = :party", party=party_id)
    audits = stack.rows("SELECT e.id FROM audit_events e JOIN accounts a ON a.id = e.account_id "
                        "WHERE a.party_id = :party AND e.kind = 'registration_started'", party=party_id)
    return len(accounts), len(audits)


def test_a_registration_cut_mid_transaction_is_a_503_and_leaves_nothing_then_succeeds(stack):
    client = stack.app.test_client()
    body = _start_body(stack, "policyholder_vita")
    party = _scenario(stack, "policyholder_vita").party_id.value
    with KillOnStatement(stack, "INSERT INTO AUDIT_EVENTS") as kill:  # the account row is already inserted
        response = client.post("/api/v1/registrations", json=body)
    assert kill.fired == 1
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == str(DATABASE_RETRY_AFTER_S)
    assert response.json == {"code": "service_unavailable", "message": ITALIAN}
    assert _registration_rows(stack, party) == (0, 0)  # all or nothing: nothing

    again = client.post("/api/v1/registrations", json=body)  # no restart: the pool found a live connection
    assert again.status_code == 201, again.text
    assert _registration_rows(stack, party) == (1, 1)
    contacts = client.post("/api/v1/registrations/contacts", json={
        "flow_token": again.json["flow_token"], "email": "vita@example.it", "mobile": "+393471112233"})
    assert contacts.status_code == 200, contacts.text


def test_a_page_whose_session_read_is_cut_is_a_503_in_italian_and_the_customer_stays_signed_in(stack):
    scenario = _scenario(stack, "already_registered")
    client = stack.app.test_client()
    login = client.post("/accesso", data={"csrf_token": csrf_token(client, "/accesso"), "email": scenario.email,
                                          "password": scenario.password})
    assert login.status_code in (302, 303), login.text
    dashboard = login.headers["Location"]
    assert client.get(dashboard).status_code == 200

    with KillOnStatement(stack, "SELECT") as kill:  # the first statement of the request reads the session
        response = client.get(dashboard)
    assert kill.fired == 1
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(DATABASE_RETRY_AFTER_S)
    assert ITALIAN in response.text and "Servizio momentaneamente non disponibile</h1>" in response.text
    assert 'lang="it"' in response.text

    again = client.get(dashboard)
    assert again.status_code == 200  # still signed in: the cookie was left alone
    assert scenario.policy_number in again.text


def test_connections_terminated_while_idle_in_the_pool_never_reach_a_request(stack):
    """A server restart between requests: each dead connection is told by its socket at checkout and replaced."""
    scenario = _scenario(stack, "already_registered")
    client = stack.app.test_client()
    token = csrf_token(client, "/accesso")
    assert client.post("/accesso", data={"csrf_token": token, "email": scenario.email,
                                         "password": scenario.password}).status_code in (302, 303)
    assert stack.terminate() >= 1  # every connection the pool holds is now dead
    answers = [client.get("/area-clienti").status_code for _ in range(5)]
    assert answers == [200] * 5


# --- terminations at random moments, under load ----------------------------------------------------------------


@dataclass
class Outcome:
    started: float
    ended: float
    kind: str
    status: int
    italian: bool


def _customer_loop(stack: Stack, stop: threading.Event, outcomes: list, seed: int) -> None:
    """Page views and HTML logins of the registered customer."""
    scenario = _scenario(stack, "already_registered")
    client = stack.app.test_client()
    rng = random.Random(seed)
    while not stop.is_set():
        for kind, call in (
            ("GET /accesso", lambda: client.get("/accesso")),
            ("POST /accesso", lambda: _html_login(client, scenario)),
            ("GET /area", lambda: client.get("/area-clienti")),
            ("API login", lambda: client.post("/api/v1/sessions", json={"email": scenario.email,
                                                                          "password": scenario.password})),
        ):
            _record(outcomes, kind, call)
            time.sleep(rng.uniform(0, 0.01))


def _html_login(client, scenario):
    match = csrf_token(client, "/accesso")
    return client.post("/accesso", data={"csrf_token": match, "email": scenario.email, "password": scenario.password})


def _registration_loop(stack: Stack, stop: threading.Event, outcomes: list, seed: int) -> None:
    """Registrations of the demo policyholders: step 1 writes an account and its audit event, step 2 the
    contacts, an SMS code and its outbox message."""
    client = stack.app.test_client()
    rng = random.Random(seed)
    n = 0
    while not stop.is_set():
        n += 1
        # Each thread has parties of its own: two concurrent first steps for one party are another story.
        parties = REGISTRABLE[seed % 2::2]
        name = parties[n % len(parties)]
        start = _record(outcomes, "API registration", lambda: client.post(
            "/api/v1/registrations", json=_start_body(stack, name)))
        if start is not None and start.status_code == 201 and start.json.get("next_step") == "contacts":
            _record(outcomes, "API contacts", lambda: client.post("/api/v1/registrations/contacts", json={
                "flow_token": start.json["flow_token"], "email": f"{name}.{seed}.{n}@example.it",
                "mobile": f"+39347{rng.randrange(1_000_000, 9_999_999)}"}))


def _record(outcomes: list, kind: str, call):
    started = time.monotonic()
    try:
        response = call()
    except AssertionError:  # no CSRF token: the page before was itself a 503
        return None
    except Exception:  # raised out of the app: a real server answers 500 (and the thread must not die silently)
        outcomes.append(Outcome(started, time.monotonic(), kind, 500, False))
        return None
    text_ = response.get_data(as_text=True)
    outcomes.append(Outcome(started, time.monotonic(), kind, response.status_code, ITALIAN in text_))
    return response


def test_terminations_at_random_moments_give_503s_never_500s_and_the_service_resumes_by_itself(stack):
    outcomes: list[Outcome] = []
    kills: list[float] = []
    stop, calm = threading.Event(), threading.Event()

    def killer() -> None:
        rng = random.Random(7)
        while not calm.is_set():
            time.sleep(rng.uniform(0.02, 0.12))
            if stack.terminate():
                kills.append(time.monotonic())

    threads = [threading.Thread(target=_customer_loop, args=(stack, stop, outcomes, s)) for s in (1, 2)]
    threads += [threading.Thread(target=_registration_loop, args=(stack, stop, outcomes, s)) for s in (3, 4)]
    killing = threading.Thread(target=killer)
    for thread in [*threads, killing]:
        thread.start()
    time.sleep(4.0)
    calm.set()
    killing.join()
    calmed = time.monotonic()
    time.sleep(2.0)
    stop.set()
    for thread in threads:
        thread.join()

    statuses = Counter(o.status for o in outcomes)
    unavailable = [o for o in outcomes if o.status == 503]
    last_kill = max(kills)
    after = [o for o in outcomes if o.started > last_kill]
    first_success = min((o.ended for o in after if o.status < 500), default=None)
    print(f"\n{len(outcomes)} requests, {len(kills)} terminations over 4 s: {len(unavailable)} answered 503 "
          f"({dict(Counter(o.kind for o in unavailable))}; all: {dict(sorted(statuses.items()))}); first success {1000 * (first_success - last_kill):.0f} ms after "
          f"the last termination; {len([o for o in after if o.status >= 500])} errors after it")

    assert kills, "no connection was ever terminated"
    assert not [o for o in outcomes if o.status >= 500 and o.status != 503], \
        Counter((o.kind, o.status) for o in outcomes if o.status >= 500)
    assert unavailable, "no request was cut: the test did not test anything"
    assert all(o.italian for o in unavailable)
    # Recovery without a restart: whatever started after the last termination was answered.
    assert [o for o in outcomes if o.started > calmed] and all(o.status < 500 for o in after), \
        Counter((o.kind, o.status) for o in after)

    # Nothing half-written: each step's rows are all there or not at all.
    orphans = stack.rows(
        "SELECT a.id, a.status FROM accounts a WHERE a.origin = 'registration' AND a.status <> 'consultative' "
        "AND NOT EXISTS (SELECT 1 FROM audit_events e WHERE e.account_id = a.id AND e.kind = 'registration_started')")
    assert not orphans, orphans
    without_code = stack.rows(
        "SELECT a.id FROM accounts a WHERE a.status = 'contacts_given' AND NOT EXISTS "
        "(SELECT 1 FROM otp_challenges o WHERE o.flow_hash = a.flow_hash AND o.purpose = 'registration')")
    assert not without_code, without_code
    assert stack.rows("SELECT count(*) FROM accounts WHERE status IN ('registration_started', 'contacts_given')")[0][0]
