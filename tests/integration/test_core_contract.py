"""The core-system port, one contract for both adapters: the demo core system in process, and the HTTP
client against the demo core system's server (the app of ``areaclienti core serve``, in a thread here;
one test starts the real command). Then what HTTP adds: a core system too slow to answer, the circuit
breaker that stops calling it and its probe, a party's policies kept a few seconds, and a core system
that is down under the site (the 503 page and JSON; the hand-off waits in the outbox and goes when the
core system is back).
"""
from __future__ import annotations

import html
import os
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from dependency_injector import providers
from werkzeug.serving import make_server

from areaclienti.adapters.core_http import CircuitBreaker, CoreTimeouts, HttpCoreSystem
from areaclienti.adapters.demo_core.core_system import DemoCoreSystem
from areaclienti.adapters.demo_core.data import DEMO_PASSWORD, build_demo_data
from areaclienti.adapters.demo_core.seed import seed_accounts
from areaclienti.adapters.memory.clock import FixedClock
from areaclienti.adapters.memory.queue import RecordingTaskQueue
from areaclienti.app.ports.core_system import CoreState, CoreSystemUnavailable, HandOff
from areaclienti.app.ports.repositories import OutboxKind, OutboxStatus
from areaclienti.domain.parties import PartyId, PartyKind
from areaclienti.domain.policies import PolicyStatus
from areaclienti.domain.policy_information import ValueKind
from areaclienti.domain.products import DispositiveFunction
from areaclienti.domain.requests import RequestStatus
from areaclienti.entrypoints.core_server import create_core_app
from areaclienti.entrypoints.web.app import create_app

from ..e2e.journeys import csrf_token
from ..support import TODAY, build_harness, test_settings

MARCO_EMAIL = "marco.rinaldi@example.it"
MARCO_POLICIES = {"DA20040117", "DA20040288", "VI10011940", "VI10012205", "DA20040355", "VI10013021"}
MOTOR, SUSPENDED, VITA, UNIT_LINKED = "DA20040117", "DA20040355", "VI10011940", "VI10012205"
NOBODY = PartyId(PartyKind.PERSON, "ZZZZZZ00A00Z000Z")
UNAVAILABLE = "Servizio momentaneamente non disponibile: riprova tra qualche minuto."


class Ticks:
    """A monotonic clock the test moves (the breaker's and the cache's)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class CoreServer:
    """The core system's HTTP app served from a thread; it records every request it gets, and can be
    made slow (each request waits until released) or to answer 503 to the next few."""

    core: DemoCoreSystem
    port: int = 0
    calls: list[str] = field(default_factory=list)
    slow: bool = False
    failing: int = 0
    release: threading.Event = field(default_factory=threading.Event)

    def start(self) -> "CoreServer":
        app = create_core_app(self.core)

        def recording(environ, start_response):
            self.calls.append(f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}")
            if self.slow:
                self.release.wait(5)  # past any client timeout of these tests
            if self.failing:
                self.failing -= 1
                start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
                return [b"busy"]
            return app(environ, start_response)

        self._server = make_server("127.0.0.1", self.port, recording, threaded=True)
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
        self.release = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _demo(clock: FixedClock) -> DemoCoreSystem:
    return DemoCoreSystem.for_today(TODAY.date(), now=clock.now)


def _client(server: CoreServer, ticks: Ticks, **options) -> HttpCoreSystem:
    values = dict(timeouts=CoreTimeouts(connect=0.5, read=2.0), retries=0, cache_seconds=0, clock=ticks,
                  retry_pause=0.01, breaker=CircuitBreaker(failures=3, open_seconds=30, clock=ticks))
    values.update(options)
    return HttpCoreSystem(server.url, **values)


@pytest.fixture
def served() -> Iterator[CoreServer]:
    server = CoreServer(_demo(FixedClock(TODAY))).start()
    yield server
    server.stop()


@dataclass
class Adapter:
    core: object  # the port under test
    demo: DemoCoreSystem  # the demo core system behind it (the same object in process)


@pytest.fixture(params=["in_process", "http"])
def adapter(request) -> Iterator[Adapter]:
    demo = _demo(FixedClock(TODAY))
    if request.param == "in_process":
        yield Adapter(demo, demo)
        return
    server = CoreServer(demo).start()
    client = _client(server, Ticks(), retries=1)
    yield Adapter(client, demo)
    client.close()
    server.stop()


def _marco(demo: DemoCoreSystem) -> PartyId:
    return next(s.party_id for s in demo.data.registered_accounts if s.email == MARCO_EMAIL)


# --- the contract: the same answers from both adapters ---------------------------------------------------
def test_marcos_policies_party_and_personal_data(adapter):
    core, marco = adapter.core, _marco(adapter.demo)
    policies = {p.number: p for p in core.policies_of(marco)}
    assert set(policies) == MARCO_POLICIES
    assert policies[MOTOR].status is PolicyStatus.IN_FORCE and policies[SUSPENDED].status is PolicyStatus.SUSPENDED
    assert policies[SUSPENDED].suspended_on is not None
    assert core.find_policy(" da2004 0117 ") == policies[MOTOR]  # the number normalised
    assert core.find_policy("DA99999999") is None
    assert core.policies_of(NOBODY) == []

    party = core.find_party(marco)
    assert party.display_name == "Marco Rinaldi" and party.id == marco
    assert core.find_party(NOBODY) is None
    details = core.party_details(marco)
    assert details is not None and details.residence is not None
    assert core.party_details(NOBODY) is None


def test_product_rules_receipts_and_information(adapter):
    core = adapter.core
    vita = core.find_policy(VITA)
    rules = core.product_rules(vita.product.code)
    assert rules.allows(DispositiveFunction.SURRENDER) and rules.go_live  # go_live travels though not compared
    assert rules.surrender.partial_allowed and rules.additional_payment is not None
    assert core.product_rules("NO-SUCH-PRODUCT") is None

    receipts = core.receipts(MOTOR)
    assert receipts and any(r.is_open for r in receipts) and all(r.policy_number == MOTOR for r in receipts)
    assert core.receipts("DA99999999") == []

    information = core.information(VITA)
    assert information.value.kind is ValueKind.SURRENDER and information.value.amount > 0
    assert information.covers
    assert core.information(SUSPENDED).suspensions  # the suspension of two months ago
    assert core.information("DA99999999") is None


def test_documents_and_their_pdf(adapter):
    core = adapter.core
    found = core.documents([VITA, MOTOR, "DA99999999"])
    assert set(found) == {VITA, MOTOR}
    first = found[MOTOR][0]
    content = core.document_content(MOTOR, first.id)
    assert isinstance(content, bytes) and content.startswith(b"%PDF")
    assert core.document_content(MOTOR, "no-such-document") is None
    assert core.document_content("DA99999999", first.id) is None
    assert core.documents([]) == {}


def test_a_handoff_twice_is_answered_the_same_and_counted_once(adapter):
    core = adapter.core
    handoff = HandOff(key="req-contract-1", request_number="RP-2026-000001", kind="claim",
                      policy_number=MOTOR, party_id=_marco(adapter.demo).value,
                      payload={"note": "àè €", "amount": "12.50", "nested": {"list": [1, 2]}},
                      submitted_at=TODAY)
    first = core.hand_over(handoff)
    assert first.state is CoreState.RECEIVED and first.reference.startswith("PR")
    assert core.hand_over(handoff) == first
    assert adapter.demo.counts() == (2, 1)  # two calls, one request
    assert core.request_status("req-contract-1") == first
    assert core.request_status("never-handed-over") is None
    assert adapter.demo.ledger.get("req-contract-1").payload == handoff.payload


def test_a_bank_transfer_arrives_after_the_demo_delay(adapter):
    since = TODAY - timedelta(minutes=5)
    assert adapter.core.transfer_received("RP-2026-000001", since) == since + adapter.demo.delay
    assert adapter.core.transfer_received("RP-2026-000001", TODAY) is None


def test_over_http_every_answer_equals_the_demo_core_systems_own(served):
    """Field by field, with the fields equality leaves out (issuance contacts, go-live days): the codec
    carries everything the port exchanges."""
    demo, client = served.core, _client(served, Ticks())
    for party in demo.data.parties.values():
        here, there = demo.policies_of(party.id), client.policies_of(party.id)
        assert there == here and [p.issuance_contacts for p in there] == [p.issuance_contacts for p in here]
        assert client.find_party(party.id) == demo.find_party(party.id)
        assert client.party_details(party.id) == demo.party_details(party.id)
    numbers = [p.number for p in demo.data.policies]
    for number in numbers:
        assert client.information(number) == demo.information(number)
        assert client.receipts(number) == demo.receipts(number)
    assert client.documents(numbers) == demo.documents(numbers)
    for code, rules in demo.data.product_rules.items():
        assert client.product_rules(code) == rules and client.product_rules(code).go_live == rules.go_live


# --- what HTTP adds --------------------------------------------------------------------------------------
def test_a_core_system_too_slow_is_unavailable_and_the_breaker_stops_calling_it_until_a_probe_succeeds(served):
    ticks = Ticks()
    client = _client(served, ticks, timeouts=CoreTimeouts(connect=0.5, read=0.2))
    marco = _marco(served.core)
    served.slow = True
    for _ in range(3):  # the breaker's threshold
        with pytest.raises(CoreSystemUnavailable):
            client.policies_of(marco)
    assert len(served.calls) == 3 and client.breaker.state == "open"

    with pytest.raises(CoreSystemUnavailable) as refused:
        client.find_policy(MOTOR)
    assert len(served.calls) == 3  # open: refused without calling
    assert 0 < refused.value.retry_after <= 30

    ticks.now += 31  # half-open: one probe goes, and fails while the core system is still slow
    with pytest.raises(CoreSystemUnavailable):
        client.find_policy(MOTOR)
    assert len(served.calls) == 4 and client.breaker.state == "open"

    served.slow = False
    served.release.set()
    ticks.now += 31
    assert client.find_policy(MOTOR).number == MOTOR  # the probe succeeds: closed again
    assert client.breaker.state == "closed"
    assert {p.number for p in client.policies_of(marco)} == MARCO_POLICIES
    assert len(served.calls) == 6


def test_idempotent_calls_are_tried_again_after_a_503_and_the_handoff_is_counted_once(served):
    client = _client(served, Ticks(), retries=1)
    served.failing = 1
    assert client.find_policy(MOTOR).number == MOTOR
    assert served.calls == [f"GET /policies/{MOTOR}"] * 2 and client.breaker.state == "closed"

    served.failing = 1
    handoff = HandOff("req-retry-1", "RP-2026-000002", "claim", MOTOR, "X", {}, TODAY)
    assert client.hand_over(handoff).state is CoreState.RECEIVED
    assert served.core.counts() == (1, 1)

    served.failing = 2  # both attempts refused: unavailable, one failure for the breaker
    with pytest.raises(CoreSystemUnavailable):
        client.request_status("req-retry-1")


def test_a_partys_policies_are_kept_for_a_few_seconds(served):
    ticks = Ticks()
    client = _client(served, ticks, cache_seconds=15)
    marco = _marco(served.core)
    first = client.policies_of(marco)
    assert client.policies_of(marco) == first and client.find_policy(MOTOR) and client.find_policy(MOTOR)
    assert len(served.calls) == 2  # one per key
    ticks.now += 16
    client.policies_of(marco)
    assert len(served.calls) == 3
    client.hand_over(HandOff("req-cache-1", "RP-2026-000003", "claim", MOTOR, marco.value, {}, TODAY))
    client.policies_of(marco)  # a hand-off on one of them forgets what was kept
    assert served.calls[-1] == f"GET /parties/person/{marco.value}/policies" and len(served.calls) == 5


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True)).replace("\xa0", " ")


def test_a_core_system_down_is_the_503_page_and_the_handoff_waits_in_the_outbox_until_it_is_back(tmp_path):
    # One attempt before an item is given up: an outage of the core system is waited out all the same.
    settings = test_settings(tmp_path, outbox_max_attempts=1)
    harness = build_harness(settings)
    c = harness.container
    server = CoreServer(_demo(harness.clock)).start()
    ticks = Ticks()
    client = _client(server, ticks, retries=1, breaker=CircuitBreaker(failures=2, open_seconds=30, clock=ticks))
    c.core_system.override(providers.Object(client))
    queue = RecordingTaskQueue()
    c.task_queue.override(providers.Object(queue))
    run = lambda: queue.run_all(lambda task, kwargs: c.task_runner().run(task, kwargs))  # noqa: E731
    seed_accounts(c.uow(), data=build_demo_data(TODAY.date()), password_hasher=c.password_hasher(),
                  new_id=c.secrets().new_id, now=harness.clock.now())
    app = create_app(settings, c)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    web = app.test_client()
    try:
        assert web.post("/accesso", data={"csrf_token": csrf_token(web, "/accesso"), "email": MARCO_EMAIL,
                                          "password": DEMO_PASSWORD}).status_code == 302
        token = web.post("/api/v1/sessions", json={"email": MARCO_EMAIL, "password": DEMO_PASSWORD}).json["token"]
        # A suspension from tomorrow, submitted while the core system answers; its hand-off waits in the queue.
        page = f"/area-clienti/polizze/{MOTOR}/sospensione"
        tomorrow = (TODAY + timedelta(days=1)).date().isoformat()
        effect = web.post(page + "/verifica", data={"csrf_token": csrf_token(web, page), "day": tomorrow,
                                                    "hour": "14:00"})
        assert effect.status_code == 200, _text(effect)
        hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', _text(effect)))
        confirmed = web.post(page + "/conferma", data={**hidden, "csrf_token": csrf_token(web, page)})
        assert confirmed.status_code == 303, _text(confirmed)
        number = confirmed.headers["Location"].rsplit("/", 1)[1]

        server.stop()  # the core system goes down: its port is closed
        run()
        (handoff,) = [i for i in harness.store.outbox.values() if i.kind is OutboxKind.HAND_OVER_REQUEST]
        assert handoff.status is OutboxStatus.PENDING and handoff.attempts == 1
        assert "CoreSystemUnavailable" in handoff.last_error and handoff.available_at > harness.clock.now()
        with c.uow() as uow:
            assert uow.requests.get_by_number(number).status is RequestStatus.SUBMITTED

        dashboard = web.get("/area-clienti")
        assert dashboard.status_code == 503 and UNAVAILABLE in _text(dashboard)
        assert int(dashboard.headers["Retry-After"]) > 0
        assert client.breaker.state == "open"  # the hand-off and the page: two failures in a row
        calls = len(server.calls)
        api = web.get("/api/v1/policies", headers={"Authorization": f"Bearer {token}"})
        assert api.status_code == 503 and api.json["code"] == "service_unavailable"
        assert api.json["message"] == UNAVAILABLE and len(server.calls) == calls  # refused by the open circuit

        server.start()  # back, on the same port
        ticks.now += 31
        harness.clock.advance(minutes=10)
        assert c.task_runner().relay() >= 1
        run()
        with c.uow() as uow:
            request = uow.requests.get_by_number(number)
        assert request.status is RequestStatus.HANDED_OVER and request.core_reference.startswith("PR")
        assert harness.store.outbox[handoff.id].status is OutboxStatus.DONE
        assert server.core.counts() == (1, 1)
        assert web.get("/area-clienti").status_code == 200
    finally:
        server.stop()
        client.close()


def test_areaclienti_core_serve_answers_over_http(tmp_path):
    """The real command, in a process of its own, with its hand-offs in its own SQLite file."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "AREACLIENTI_ENV": "test", "AREACLIENTI_DATA_DIR": str(tmp_path),
           "AREACLIENTI_SECRET_KEY": "test-secret-key"}
    env.pop("AREACLIENTI_CORE_DATABASE_URL", None)
    process = subprocess.Popen([sys.executable, "-c", "from areaclienti.entrypoints.cli import main; main()", "core", "serve",
                                "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        client = HttpCoreSystem(f"http://127.0.0.1:{port}", cache_seconds=0)
        for _ in range(100):  # until it listens (a few seconds at most)
            try:
                httpx.get(f"http://127.0.0.1:{port}/health", timeout=0.5)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stdout.read().decode()
                threading.Event().wait(0.1)
        marco = _marco(DemoCoreSystem.for_today(datetime.now(timezone.utc).date()))
        assert {p.number for p in client.policies_of(marco)} == MARCO_POLICIES
        handoff = HandOff("req-cli-1", "RP-2026-000009", "claim", MOTOR, marco.value, {}, TODAY)
        assert client.hand_over(handoff) == client.hand_over(handoff)
        assert (tmp_path / "democore.db").exists()
        client.close()
    finally:
        process.terminate()
        process.wait(10)
