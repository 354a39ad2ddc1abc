"""Pages cost the same number of queries whatever the number of policies (issue: queries per page), in one
transaction (issue 14), and a login costs two short transactions with the password verified in neither."""
from __future__ import annotations

from dataclasses import replace

import pytest
from dependency_injector import providers
from sqlalchemy import event

from areaclienti.adapters.demo_core.core_system import DemoCoreSystem
from areaclienti.adapters.sqlalchemy.database import upgrade
from areaclienti.entrypoints.web.app import create_app

from ..e2e.journeys import csrf_token, register_via_api
from ..support import STRONG_PASSWORD, TODAY, build_harness, test_settings


class ManyPoliciesCore(DemoCoreSystem):
    """The demo core system, with ``extra`` more policies for one party, counting calls."""

    def __init__(self, base: DemoCoreSystem, party: str, extra: int) -> None:
        super().__init__(base.data)
        template = next(p for p in base.data.policies if p.roles_of(p.roles[0].party_id) and
                        any(r.party_id.value == party and r.role.value == "policyholder" for r in p.roles))
        self._extra = [replace(template, number=f"VX{i:08d}") for i in range(extra)]
        self._party = party
        self.calls = 0

    def find_policy(self, number):
        return next((p for p in self._extra if p.number == number), None) or super().find_policy(number)

    def policies_of(self, party_id):
        self.calls += 1
        found = super().policies_of(party_id)
        return found + self._extra if party_id.value == self._party else found


def _signed_in_client(tmp_path, extra_policies: int):
    settings = test_settings(tmp_path)
    harness = build_harness(settings, memory=False)
    upgrade(harness.container.engine())
    demo = harness.container.core_system().data
    scenario = demo.scenario("policyholder_vita")
    core = ManyPoliciesCore(DemoCoreSystem.for_today(TODAY.date()), scenario.tax_code, extra_policies)
    harness.container.core_system.override(providers.Object(core))
    client = create_app(settings, harness.container).test_client()
    email = register_via_api(client, harness, scenario)
    client.post("/accesso", data={"csrf_token": csrf_token(client, "/accesso"), "email": email,
                                  "password": STRONG_PASSWORD})
    return client, harness.container.engine(), core


class Recorder:
    """What an engine is asked while it listens: statements, and transactions begun, committed, rolled back."""

    EVENTS = ("begin", "commit", "rollback")

    def __init__(self, engine) -> None:
        self.engine = engine
        self.statements: list[str] = []
        self.events: list[str] = []

    @property
    def open_transactions(self) -> int:
        return self.events.count("begin") - self.events.count("commit") - self.events.count("rollback")

    def _statement(self, conn, cursor, statement, *args) -> None:
        words = statement.split()  # "SELECT accounts", "INSERT INTO audit_events", "DELETE FROM web_sessions"
        if words[0].upper() == "SELECT" and "FROM" in words:
            words = ["SELECT", words[words.index("FROM") + 1]]
        self.statements.append(" ".join(words[:3]))

    def _event(self, name):
        return lambda conn: self.events.append(name)

    def __enter__(self) -> "Recorder":
        self._listeners = [("before_cursor_execute", self._statement)]
        self._listeners += [(name, self._event(name)) for name in self.EVENTS]
        for name, listener in self._listeners:
            event.listen(self.engine, name, listener)
        return self

    def __exit__(self, *exc_info) -> None:
        for name, listener in self._listeners:
            event.remove(self.engine, name, listener)


def _queries(client, engine, path: str) -> Recorder:
    client.get(path)  # the first view after the login writes the session (its flashed message is read)
    with Recorder(engine) as recorded:
        response = client.get(path)
    assert response.status_code == 200
    return recorded


@pytest.mark.parametrize("path", ["/area-clienti", "/area-clienti/polizze/VX00000001", "/api/v1/openapi.json"])
def test_queries_do_not_grow_with_the_number_of_policies(tmp_path, path):
    few_client, few_engine, few_core = _signed_in_client(tmp_path / "few", extra_policies=10)
    many_client, many_engine, many_core = _signed_in_client(tmp_path / "many", extra_policies=300)
    few = _queries(few_client, few_engine, path)
    many = _queries(many_client, many_engine, path)
    assert few.statements == many.statements
    # Load the session, the account and, while it is not identified, its open identification attempt
    # (the R-ID-5 notice); the policy page also reads the requests made on that policy (R-INFO); nothing
    # per policy.
    assert len(few.statements) <= (4 if "/polizze/" in path else 3), few.statements
    # All of it in one transaction, which wrote nothing: one BEGIN, one ROLLBACK.
    assert few.events == many.events == ["begin", "rollback"]


def test_the_session_is_written_once_a_minute_in_the_page_transaction(tmp_path):
    client, engine, core = _signed_in_client(tmp_path, extra_policies=1)
    client.get("/area-clienti")
    clock = client.application.extensions["areaclienti.container"].clock()
    clock.advance(seconds=61)
    with Recorder(engine) as due:
        assert client.get("/area-clienti").status_code == 200
    with Recorder(engine) as not_due:
        assert client.get("/area-clienti").status_code == 200
    assert due.statements[-1].startswith("UPDATE web_sessions") and due.events == ["begin", "commit"]
    assert not any(s.startswith(("UPDATE", "INSERT", "DELETE")) for s in not_due.statements)
    assert not_due.events == ["begin", "rollback"]


class WatchedHasher:
    """The test's argon2, noting whether the engine had a transaction open whenever it verified."""

    def __init__(self, inner, recorder: Recorder) -> None:
        self.inner, self.recorder = inner, recorder
        self.open_while_verifying: list[int] = []

    def verify(self, password_hash: str, password: str) -> bool:
        self.open_while_verifying.append(self.recorder.open_transactions)
        return self.inner.verify(password_hash, password)

    def dummy_verify(self) -> None:
        self.open_while_verifying.append(self.recorder.open_transactions)
        self.inner.dummy_verify()

    def __getattr__(self, name):
        return getattr(self.inner, name)


@pytest.mark.parametrize("password", [STRONG_PASSWORD, "una password sbagliata"], ids=["right", "wrong"])
def test_a_login_is_two_transactions_and_verifies_the_password_with_none_open(tmp_path, password):
    settings = test_settings(tmp_path)
    harness = build_harness(settings, memory=False)
    upgrade(harness.container.engine())
    client = create_app(settings, harness.container).test_client()
    email = register_via_api(client, harness, harness.container.core_system().data.scenario("policyholder_vita"))
    engine = harness.container.engine()
    recorder = Recorder(engine)
    hasher = WatchedHasher(harness.container.password_hasher(), recorder)
    harness.container.password_hasher.override(providers.Object(hasher))
    form = {"csrf_token": csrf_token(client, "/accesso"), "email": email, "password": password}
    with recorder:
        response = client.post("/accesso", data=form)

    assert response.status_code == (302 if password == STRONG_PASSWORD else 401)
    assert hasher.open_while_verifying == [0]  # one verification, with no transaction open (no row locked)
    read_session, charge_try, read_account = "SELECT web_sessions", "INSERT INTO login_throttles", "SELECT accounts"
    if password == STRONG_PASSWORD:
        # The throttle cleared, the audit, the old session ended and the new one stored: one transaction.
        assert recorder.statements == [read_session, charge_try, read_account, "INSERT INTO login_throttles",
                                       "INSERT INTO audit_events", "DELETE FROM web_sessions",
                                       "INSERT INTO web_sessions"]
    else:
        assert recorder.statements == [read_session, charge_try, read_account, "INSERT INTO audit_events"]
    assert recorder.events == ["begin", "commit", "begin", "commit"]


def test_the_dashboard_asks_the_core_system_once(tmp_path):
    client, engine, core = _signed_in_client(tmp_path, extra_policies=50)
    core.calls = 0
    response = client.get("/area-clienti")
    assert response.text.count('data-testid="policy-VX') == 50
    assert core.calls == 1
