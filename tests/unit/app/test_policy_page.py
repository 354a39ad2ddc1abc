"""The policy page a customer is owed (R-INFO) and the «Documenti» page, through the real container with
in-memory adapters: covers, the Vita value (surrender value or the unit-linked position), documents with
the motor risk certificate, suspensions, the requests made on the policy, and nothing of anybody else's."""
from __future__ import annotations

from datetime import time, timedelta

import pytest

from areaclienti.adapters.demo_core.data import MARCO_SUSPENDED
from areaclienti.app.use_cases.suspension import ScheduleChange
from areaclienti.domain.availability import Scope
from areaclienti.domain.errors import NotFound
from areaclienti.domain.policies import Company
from areaclienti.domain.policy_information import DocumentKind, ValueKind
from areaclienti.domain.products import DispositiveFunction
from areaclienti.domain.requests import RequestKind

from .test_requests import HOME, MOTOR, VALERIA, account_id

SAVINGS = "VI10011940"
UNIT_LINKED = "VI10012205"
MARCOS = {"VI10011940", "VI10013021", "VI10012205", "DA20040117", "DA20040355", "DA20040288"}


def page(harness, number: str, email: str | None = None):
    return harness.container.policy_pages().page(account_id(harness, *([email] if email else [])), number)


def kinds(documents) -> list[DocumentKind]:
    return [d.kind for d in documents]


def test_a_motor_policy_shows_its_covers_and_the_risk_certificate_and_no_value(harness, seeded):
    shown = page(harness, MOTOR)
    assert shown.policy.number == MOTOR
    covers = {c.name: c for c in shown.information.covers}
    assert covers["Responsabilità civile auto"].limit is not None
    assert covers["Furto e incendio"].deductible is not None
    assert shown.information.value is None  # Danni: no surrender value
    assert DocumentKind.RISK_CERTIFICATE in kinds(shown.documents)
    assert DocumentKind.CONDITIONS in kinds(shown.documents)
    suspension = shown.functions.function(DispositiveFunction.SUSPENSION)
    assert suspension.allowed and suspension.scope is Scope.SUSPEND
    assert shown.requests == []


def test_a_home_policy_has_no_risk_certificate(harness, seeded):
    shown = page(harness, HOME)
    assert shown.information.covers
    assert DocumentKind.RISK_CERTIFICATE not in kinds(shown.documents)
    assert DocumentKind.CONDITIONS in kinds(shown.documents)


def test_a_savings_plan_shows_its_surrender_value_as_of_today(harness, seeded):
    value = page(harness, SAVINGS).information.value
    assert value.kind is ValueKind.SURRENDER
    assert value.as_of == harness.clock.now().date()
    assert value.amount > value.premiums_paid > 0


def test_a_unit_linked_shows_the_position_at_the_last_valuation_day(harness, seeded):
    shown = page(harness, UNIT_LINKED)
    value = shown.information.value
    assert value.kind is ValueKind.POSITION
    assert value.as_of < harness.clock.now().date()  # priced at the last valuation day, not today
    assert DocumentKind.STATEMENT in kinds(shown.documents)


def test_the_suspended_motorbike_shows_its_running_suspension_and_reactivation(harness, seeded):
    shown = page(harness, MARCO_SUSPENDED)
    running = shown.information.current_suspension(shown.now)
    assert running is not None and running.ends_at is None
    assert shown.functions.function(DispositiveFunction.SUSPENSION).scope is Scope.REACTIVATE


def test_a_suspension_asked_for_tomorrow_is_on_the_page_scheduled_with_its_request(harness, seeded):
    me = account_id(harness)
    tomorrow = harness.clock.now().date() + timedelta(days=1)
    request = harness.container.suspensions().suspend(ScheduleChange(me, MOTOR, tomorrow, time(14, 0), "susp-1"))
    shown = page(harness, MOTOR)
    assert [(r.number, r.kind) for r in shown.requests] == [(request.number, RequestKind.SUSPENSION)]
    [scheduled] = shown.information.suspensions
    assert scheduled.scheduled(shown.now) and not scheduled.active(shown.now)


def test_another_customers_policy_is_not_found(harness, seeded):
    with pytest.raises(NotFound):
        page(harness, MOTOR, VALERIA)
    with pytest.raises(NotFound):
        page(harness, "DA99999999")


def test_the_documents_page_lists_every_policy_vita_first_each_with_its_documents(harness, seeded):
    overview = harness.container.policy_pages().documents(account_id(harness))
    numbers = [p.number for p, _ in overview.policies]
    assert set(numbers) == MARCOS
    companies = [p.company for p, _ in overview.policies]
    assert companies == sorted(companies, key=lambda c: c is not Company.VITA)  # Vita first
    assert all(documents for _, documents in overview.policies)
    assert all(d.policy_number == p.number for p, documents in overview.policies for d in documents)


def test_a_document_comes_as_a_pdf_only_for_its_own_policy_and_customer(harness, seeded):
    pages = harness.container.policy_pages()
    me, valeria = account_id(harness), account_id(harness, VALERIA)
    certificate = next(d for d in page(harness, MOTOR).documents if d.kind is DocumentKind.RISK_CERTIFICATE)
    found, content = pages.document(me, MOTOR, certificate.id)
    assert found == certificate and content.startswith(b"%PDF")
    with pytest.raises(NotFound):
        pages.document(valeria, MOTOR, certificate.id)  # not hers
    with pytest.raises(NotFound):
        pages.document(me, HOME, certificate.id)  # the home policy has no risk certificate
    with pytest.raises(NotFound):
        pages.document(me, MOTOR, "conditions-19000101")
