"""Pages cost the same number of queries whatever the number of policies (issue: queries per page)."""
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


def _queries(client, engine, path: str) -> int:
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(statements)


@pytest.mark.parametrize("path", ["/area-clienti", "/area-clienti/polizze/VX00000001", "/api/v1/openapi.json"])
def test_queries_do_not_grow_with_the_number_of_policies(tmp_path, path):
    few_client, few_engine, few_core = _signed_in_client(tmp_path / "few", extra_policies=2)
    many_client, many_engine, many_core = _signed_in_client(tmp_path / "many", extra_policies=200)
    few = _queries(few_client, few_engine, path)
    many = _queries(many_client, many_engine, path)
    assert few == many
    # Load the session, the account and, while it is not identified, its open identification attempt
    # (the R-ID-5 notice); the policy page also reads the requests made on that policy (R-INFO); nothing
    # per policy.
    assert few <= (6 if "/polizze/" in path else 5)


def test_the_dashboard_asks_the_core_system_once(tmp_path):
    client, engine, core = _signed_in_client(tmp_path, extra_policies=50)
    core.calls = 0
    response = client.get("/area-clienti")
    assert response.text.count('data-testid="policy-VX') == 50
    assert core.calls == 1
