"""Suspension, reactivation and withdrawal (R-DISP-SUSP) through the real container with in-memory adapters:
the state and the effect the product computes, the requests and their hand-off to the demo core system, the
yearly limit, the reactivation window, and the withdrawal until the start, told to the core system once."""
from __future__ import annotations

import tempfile
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from areaclienti.adapters.demo_core.seed import seed_accounts
from areaclienti.app.ports.core_system import SUSPENSION_WITHDRAWAL
from areaclienti.app.use_cases.suspension import ScheduleChange
from areaclienti.domain.availability import Scope
from areaclienti.domain.errors import (
    DayMissing,
    FunctionNotAvailable,
    NotFound,
    PolicyAlreadySuspended,
    PolicyNotSuspended,
    SuspensionAlreadyScheduled,
    SuspensionAlreadyStarted,
)
from areaclienti.domain.policies import PolicyStatus
from areaclienti.domain.requests import RequestKind, RequestStatus
from areaclienti.domain.suspension import ROME, ReactivationOutOfRange, SuspensionInThePast, TooManySuspensions
from tests.support import build_harness, test_settings

from .test_requests import MARCO, VALERIA, account_id

S = RequestStatus
MOTOR = "DA20040117"  # in force; the product allows 2 suspensions a year, 30 to 365 days
SUSPENDED = "DA20040355"  # suspended two months ago
VITA = "VI10011940"  # suspension of a Vita policy goes live next 1 July
HYPOTHESIS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- helpers -------------------------------------------------------------------------------------
def today(harness) -> date:
    return harness.clock.now().astimezone(ROME).date()


def suspensions(harness):
    return harness.container.suspensions()


def change(harness, policy: str, day: date | None, hour: time | None = None, *, key: str = "k-1",
           account: str | None = None) -> ScheduleChange:
    return ScheduleChange(account or account_id(harness), policy, day, hour, key)


def suspend(harness, day: date | None, hour: time | None = None, *, key: str = "k-1", policy: str = MOTOR):
    return suspensions(harness).suspend(change(harness, policy, day, hour, key=key))


def reactivate(harness, day: date | None, hour: time | None = None, *, key: str = "r-1", policy: str = SUSPENDED):
    return suspensions(harness).reactivate(change(harness, policy, day, hour, key=key))


def state(harness, policy: str = MOTOR):
    return suspensions(harness).state(account_id(harness), policy)


def stored(harness, number: str):
    with harness.container.uow() as uow:
        return uow.requests.get_by_number(number)


def core(harness):
    return harness.container.core_system()


@contextmanager
def fresh_harness(now: datetime):
    """A harness of its own (hypothesis runs many examples in one test), seeded like ``seeded``."""
    with tempfile.TemporaryDirectory(prefix="suspension-") as folder:
        harness = build_harness(test_settings(Path(folder)), now=now)
        c = harness.container
        seed_accounts(c.uow(), data=c.core_system().data, password_hasher=c.password_hasher(),
                      new_id=c.secrets().new_id, now=harness.clock.now())
        yield harness


# --- the state -----------------------------------------------------------------------------------------
def test_a_policy_in_force_may_be_suspended_within_the_products_limits(harness, seeded):
    found = state(harness)
    assert found.scope is Scope.SUSPEND and found.can_suspend and not found.can_reactivate
    assert (found.rules.max_per_year, found.rules.min_days, found.rules.max_days) == (2, 30, 365)
    assert found.used_this_year == 0 and found.suspension is None and found.current is None
    assert found.window is None


def test_the_suspended_policy_shows_since_when_and_its_reactivation_window(harness, seeded):
    found = state(harness, SUSPENDED)
    assert found.scope is Scope.REACTIVATE and found.can_reactivate and not found.can_suspend
    since = found.current.starts_at.astimezone(ROME).date()
    assert 55 <= (today(harness) - since).days <= 65
    assert found.window == (since + timedelta(days=30), since + timedelta(days=365))


def test_another_customers_policy_is_not_found_and_a_function_not_live_is_refused(harness, seeded):
    with pytest.raises(NotFound):
        suspensions(harness).state(account_id(harness, VALERIA), MOTOR)
    with pytest.raises(FunctionNotAvailable) as refused:
        state(harness, VITA)
    assert refused.value.params["refusal"] == "not_live_yet" and refused.value.params["live_from"].month == 7


# --- suspending ------------------------------------------------------------------------------------------
def test_the_effect_of_a_suspension_from_tomorrow_at_14(harness, seeded):
    tomorrow = today(harness) + timedelta(days=1)
    found, effect = suspensions(harness).suspension_effect(account_id(harness), MOTOR, tomorrow, time(14, 0))
    assert effect.starts_at == datetime.combine(tomorrow, time(14, 0), tzinfo=ROME)
    assert effect.expiry == found.detail.policy.expiry_date
    assert (effect.reactivate_from, effect.reactivate_until) == (tomorrow + timedelta(days=30),
                                                                 tomorrow + timedelta(days=365))
    assert harness.container.policy_requests().list(account_id(harness)) == []  # nothing stored


def test_a_suspension_is_a_request_handed_to_the_core_system_and_scheduled(harness, seeded):
    tomorrow = today(harness) + timedelta(days=1)
    request = suspend(harness, tomorrow, time(14, 0))
    assert request.kind is RequestKind.SUSPENSION and stored(harness, request.number).status is S.HANDED_OVER
    assert request.payload["suspension"]["starts_at"] == datetime.combine(tomorrow, time(14, 0),
                                                                          tzinfo=ROME).isoformat()
    assert core(harness).counts() == (1, 1)
    assert suspend(harness, tomorrow, time(14, 0)).number == request.number  # the same key: the same request
    assert core(harness).counts() == (1, 1)
    found = state(harness)
    assert found.suspension.request.number == request.number and found.used_this_year == 1
    assert not found.can_suspend
    [period] = core(harness).information(MOTOR).suspensions
    assert period.scheduled(harness.clock.now())
    with pytest.raises(SuspensionAlreadyScheduled) as refused:
        suspend(harness, tomorrow + timedelta(days=3), key="k-2")
    assert refused.value.params["starts_at"] == datetime.combine(tomorrow, time(14, 0), tzinfo=ROME)


def test_once_it_starts_the_policy_is_suspended_and_the_expiry_moves_on_reactivation(harness, seeded):
    tomorrow = today(harness) + timedelta(days=1)
    expiry = state(harness).detail.policy.expiry_date
    suspend(harness, tomorrow, time(14, 0))
    harness.clock.advance(seconds=86400 * 31 + 6 * 3600)  # a month later, past 14:00
    found = state(harness)
    assert found.detail.policy.status is PolicyStatus.SUSPENDED and found.scope is Scope.REACTIVATE
    back = today(harness) + timedelta(days=1)
    _, effect = suspensions(harness).reactivation_effect(account_id(harness), MOTOR, back, None)
    assert effect.days_suspended == (back - tomorrow).days
    assert effect.expiry_after == expiry + timedelta(days=(back - tomorrow).days)
    request = reactivate(harness, back, policy=MOTOR)
    assert request.kind is RequestKind.REACTIVATION
    harness.clock.advance(seconds=86400 * 2)
    policy = state(harness).detail.policy
    assert policy.status is PolicyStatus.IN_FORCE and policy.expiry_date == effect.expiry_after


def test_a_missing_day_is_refused(harness, seeded):
    with pytest.raises(DayMissing):
        suspend(harness, None, time(14, 0))
    with pytest.raises(DayMissing):
        reactivate(harness, None)


@HYPOTHESIS
@given(days_ago=st.integers(min_value=0, max_value=800), hour=st.times())
def test_any_moment_in_the_past_is_refused(days_ago, hour):
    with fresh_harness(datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)) as harness:  # 10:00 in Rome
        day = today(harness) - timedelta(days=days_ago)
        if days_ago == 0:
            hour = time(hour.hour % 10, hour.minute)  # before 10:00 today
        with pytest.raises(SuspensionInThePast):
            suspend(harness, day, hour)
        with pytest.raises(SuspensionInThePast):
            reactivate(harness, day, hour)
        assert harness.container.policy_requests().list(account_id(harness)) == []


def test_suspending_a_suspended_policy_and_reactivating_one_in_force_are_refused(harness, seeded):
    tomorrow = today(harness) + timedelta(days=1)
    with pytest.raises(PolicyAlreadySuspended):
        suspend(harness, tomorrow, policy=SUSPENDED)
    with pytest.raises(PolicyNotSuspended):
        reactivate(harness, tomorrow, policy=MOTOR)


# --- the yearly limit -------------------------------------------------------------------------------------
@HYPOTHESIS
@given(plan=st.lists(st.booleans(), min_size=1, max_size=4))
def test_the_yearly_limit_counts_scheduled_and_started_suspensions_but_not_withdrawn_ones(plan):
    """Each step schedules a suspension; True withdraws it, False lets it start and reactivates it after the
    minimum length. The count is always the suspensions kept, and the third kept one is refused."""
    with fresh_harness(datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)) as harness:
        kept = 0
        for n, withdraw in enumerate(plan):
            start = today(harness) + timedelta(days=1)
            if kept == 2:
                with pytest.raises(TooManySuspensions) as refused:
                    suspend(harness, start, key=f"s-{n}")
                assert refused.value.params == {"max": 2}
                return
            request = suspend(harness, start, key=f"s-{n}")
            assert state(harness).used_this_year == kept + 1  # a scheduled one counts at once
            if withdraw:
                suspensions(harness).withdraw(account_id(harness), request.number)
            else:
                kept += 1
                harness.clock.advance(seconds=86400 * 31)
                reactivate(harness, today(harness) + timedelta(days=1), key=f"r-{n}", policy=MOTOR)
                harness.clock.advance(seconds=86400 * 2)
            assert state(harness).used_this_year == kept


# --- reactivating ---------------------------------------------------------------------------------------
def test_the_suspended_policy_is_reactivated_with_its_new_expiry(harness, seeded):
    tomorrow = today(harness) + timedelta(days=1)
    found, effect = suspensions(harness).reactivation_effect(account_id(harness), SUSPENDED, tomorrow, time(8, 0))
    since = found.current.starts_at.astimezone(ROME).date()
    assert effect.days_suspended == (tomorrow - since).days
    assert effect.expiry_after == effect.expiry_before + timedelta(days=effect.days_suspended)
    request = reactivate(harness, tomorrow, time(8, 0))
    assert request.payload["reactivation"]["expiry_after"] == effect.expiry_after.isoformat()
    assert state(harness, SUSPENDED).reactivation.request.number == request.number
    with pytest.raises(SuspensionAlreadyScheduled):
        reactivate(harness, tomorrow + timedelta(days=1), key="r-2")
    harness.clock.advance(seconds=2 * 86400)
    after = state(harness, SUSPENDED).detail.policy
    assert after.status is PolicyStatus.IN_FORCE and after.expiry_date == effect.expiry_after


def test_a_reactivation_after_the_window_is_refused_with_it(harness, seeded):
    first, last = state(harness, SUSPENDED).window
    with pytest.raises(ReactivationOutOfRange) as refused:
        reactivate(harness, last + timedelta(days=1))
    assert refused.value.params == {"earliest": first, "latest": last}
    assert reactivate(harness, last).kind is RequestKind.REACTIVATION  # the last day is still in


def test_a_reactivation_before_the_minimum_length_is_refused(harness, seeded):
    tomorrow = today(harness) + timedelta(days=1)
    suspend(harness, tomorrow)
    harness.clock.advance(seconds=86400 * 2)
    with pytest.raises(ReactivationOutOfRange) as refused:
        reactivate(harness, today(harness) + timedelta(days=5), policy=MOTOR)
    assert refused.value.params["earliest"] == tomorrow + timedelta(days=30)


# --- withdrawing ----------------------------------------------------------------------------------------
def test_the_withdrawal_reaches_the_core_system_once_and_the_suspension_disappears(harness, seeded):
    request = suspend(harness, today(harness) + timedelta(days=1), time(14, 0))
    assert len(core(harness).information(MOTOR).suspensions) == 1
    withdrawn = suspensions(harness).withdraw(account_id(harness), request.number)
    assert withdrawn.status is S.WITHDRAWN and stored(harness, request.number).status is S.WITHDRAWN
    received = core(harness).ledger.get(f"{request.id}:withdrawal")
    assert received is not None and received.kind == SUSPENSION_WITHDRAWAL and received.calls == 1
    assert received.payload == {"withdraws": request.id}
    assert core(harness).counts() == (2, 2)  # the suspension, then its withdrawal
    assert core(harness).information(MOTOR).suspensions == ()
    # Again: the same answer, nothing more to the core system; a retried outbox step is received once.
    assert suspensions(harness).withdraw(account_id(harness), request.number).status is S.WITHDRAWN
    with harness.container.uow() as uow:
        suspensions(harness).hand_over_withdrawal(uow, now=harness.clock.now(), request_id=request.id)
    assert core(harness).counts()[1] == 2
    assert "request_withdrawn" in harness.audit_kinds(account_id(harness))
    assert harness.emails_to(MARCO)[-1].subject == f"Area Clienti: richiesta {request.number} ritirata"
    found = state(harness)
    assert found.suspension is None and found.used_this_year == 0 and found.can_suspend


@HYPOTHESIS
@given(ahead=st.integers(min_value=1, max_value=3 * 24 * 60), waited=st.integers(min_value=0, max_value=4 * 24 * 60))
def test_a_suspension_can_be_withdrawn_only_before_it_starts(ahead, waited):
    """Scheduled ``ahead`` minutes from now (rounded to the minute), withdrawn ``waited`` minutes later."""
    with fresh_harness(datetime(2026, 5, 12, 7, 0, tzinfo=timezone.utc)) as harness:  # 09:00 in Rome
        starts = (harness.clock.now() + timedelta(minutes=ahead)).astimezone(ROME)
        request = suspend(harness, starts.date(), starts.time().replace(second=0, microsecond=0))
        harness.clock.advance(seconds=waited * 60)
        if waited < ahead:
            assert suspensions(harness).withdraw(account_id(harness), request.number).status is S.WITHDRAWN
            assert core(harness).ledger.get(f"{request.id}:withdrawal") is not None
        else:
            with pytest.raises(SuspensionAlreadyStarted):
                suspensions(harness).withdraw(account_id(harness), request.number)
            assert stored(harness, request.number).status is not S.WITHDRAWN
            assert core(harness).ledger.get(f"{request.id}:withdrawal") is None


def test_only_the_customers_own_scheduled_suspension_can_be_withdrawn(harness, seeded):
    request = suspend(harness, today(harness) + timedelta(days=1))
    with pytest.raises(NotFound):
        suspensions(harness).withdraw(account_id(harness, VALERIA), request.number)
    with pytest.raises(NotFound):
        suspensions(harness).withdraw(account_id(harness), "RP-2026-999999")
    reactivation = reactivate(harness, today(harness) + timedelta(days=1))
    with pytest.raises(SuspensionAlreadyStarted):  # a reactivation is not a suspension to withdraw
        suspensions(harness).withdraw(account_id(harness), reactivation.number)
    assert stored(harness, request.number).status is S.HANDED_OVER
