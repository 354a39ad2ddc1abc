"""The life cycle of a policy request (``domain.requests``): random sequences of transitions at random times."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from areaclienti.domain.errors import InvalidTransition
from areaclienti.domain.products import PaymentMethod
from areaclienti.domain.requests import (
    FINAL,
    TRANSITIONS,
    PolicyRequest,
    RequestKind,
    RequestStatus,
    euro,
    request_number,
)

from .strategies import T0

S = RequestStatus


def a_request(kind: RequestKind, **changes) -> PolicyRequest:
    values = dict(id="req-1", number="RP-2026-000001", account_id="acc-1", party_id="RCCMNL83S18D969H",
                  policy_number="DA20040288", kind=kind, payload={}, idempotency_key="key-1")
    if kind.is_payment:
        values.update(amount=Decimal("86.40"), payment_method=PaymentMethod.CARD)
    values.update(changes)
    return PolicyRequest.submit(at=T0, **values)


steps = st.lists(st.tuples(st.sampled_from(list(S)), st.integers(-3600, 86_400), st.none() | st.text(max_size=20)),
                 max_size=25)


@given(st.sampled_from(list(RequestKind)), steps)
def test_only_the_life_cycle_s_transitions_succeed_and_the_timeline_only_grows_forward(kind, moves):
    request = a_request(kind)
    now = T0
    for status, seconds, reason in moves:
        now += timedelta(seconds=seconds)  # a clock may go back a little: the timeline must not
        before = list(request.events)
        was, final = request.status, request.is_final
        allowed = status in TRANSITIONS[was]
        assert request.can_become(status) == allowed
        if allowed:
            request.advance(status, now, reason)
            assert request.events[:-1] == before and len(request.events) == len(before) + 1
            assert request.status is status and request.events[-1].reason == reason
            assert request.events[-1].at == max(now, before[-1].at)
        else:
            with pytest.raises(InvalidTransition):
                request.advance(status, now, reason)
            assert request.events == before and request.status is was
        if final:  # a final state stays final
            assert request.status is was
        assert request.is_final == (request.status in FINAL)
        times = [e.at for e in request.events]
        assert times == sorted(times)
        assert request.status is request.events[-1].status


@given(st.sampled_from(list(RequestKind)))
def test_a_payment_waits_for_its_money_any_other_request_is_submitted(kind):
    request = a_request(kind)
    if kind.is_payment:
        assert [e.status for e in request.events] == [S.SUBMITTED, S.AWAITING_PAYMENT]
    else:
        assert [e.status for e in request.events] == [S.SUBMITTED]
    assert request.created_at == request.events[0].at == T0


@given(st.sampled_from(list(RequestKind)), steps)
def test_ready_for_the_core_system_only_when_paid_or_once_submitted(kind, moves):
    request = a_request(kind)
    now = T0
    for status, seconds, _ in moves:
        now += timedelta(seconds=abs(seconds))
        if request.can_become(status):
            request.advance(status, now)
        # Released by an operator after a review, or (not flagged) submitted / paid.
        assert request.ready_for_core_system() == (
            request.status is S.RELEASED or request.status is (S.PAID if kind.is_payment else S.SUBMITTED))


@pytest.mark.parametrize("changes", [{"amount": None}, {"amount": Decimal("0")}, {"amount": Decimal("-1")},
                                     {"payment_method": None}])
def test_a_payment_needs_a_positive_amount_and_a_method(changes):
    with pytest.raises(ValueError):
        a_request(RequestKind.PREMIUM_PAYMENT, **changes)


def test_every_non_final_state_leads_somewhere_and_every_state_is_reachable_from_submitted():
    reachable, frontier = {S.SUBMITTED}, [S.SUBMITTED]
    while frontier:
        for nxt in TRANSITIONS[frontier.pop()]:
            if nxt not in reachable:
                reachable.add(nxt)
                frontier.append(nxt)
    # «Ritirata» is reached only by withdrawing a scheduled suspension (PolicyRequest.withdraw), not by advancing.
    assert reachable == set(S) - {S.WITHDRAWN}
    assert FINAL == {S.PAYMENT_REFUSED, S.PAYMENT_ABANDONED, S.COMPLETED, S.REJECTED, S.WITHDRAWN}


@given(st.integers(1900, 9999), st.integers(1, 999_999))
def test_request_numbers_read_back_year_and_sequence(year, sequence):
    number = request_number(year, sequence)
    prefix, y, n = number.split("-")
    assert (prefix, int(y), int(n)) == ("RP", year, sequence) and len(n) == 6


def test_sequences_start_at_one():
    with pytest.raises(ValueError):
        request_number(2026, 0)


@given(st.decimals(allow_nan=True, allow_infinity=True, places=None))
def test_euro_keeps_cents_and_refuses_fractions_of_a_cent_and_non_finite_values(value):
    try:
        in_cents = value.is_finite() and value == value.quantize(Decimal("0.01"))
    except ArithmeticError:  # too many digits to count in cents
        in_cents = False
    if in_cents:
        assert euro(value) == value and euro(value).as_tuple().exponent == -2
    else:
        with pytest.raises(ValueError):
            euro(value)
