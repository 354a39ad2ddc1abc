"""Back-office operators (R-ID-4, SPEC §8): enrolment of the TOTP second factor and codes used once."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from areaclienti.domain.errors import InvalidTransition
from areaclienti.domain.operators import Operator, OperatorSessionSettings
from areaclienti.domain.sessions import SessionSettings

from .strategies import at

SECRET, OTHER_SECRET = "JBSWY3DPEHPK3PXP", "KRSXG5CTMVRXEZLU"


def new_operator() -> Operator:
    return Operator(id="op-1", email="operatore@example.it", display_name="Operatrice", password_hash="hash",
                    created_at=at())


def enrolled() -> Operator:
    operator = new_operator()
    operator.begin_enrolment(SECRET)
    operator.complete_enrolment(at(minutes=1))
    return operator


def test_a_new_operator_has_no_second_factor_yet():
    operator = new_operator()
    assert not operator.enrolled
    assert operator.totp_secret is None and operator.last_totp_step == -1
    assert operator.active


def test_beginning_enrolment_keeps_the_secret_but_does_not_enrol():
    operator = new_operator()
    operator.begin_enrolment(SECRET)
    assert operator.totp_secret == SECRET
    assert not operator.enrolled


def test_beginning_enrolment_again_replaces_the_unconfirmed_secret():
    operator = new_operator()
    operator.begin_enrolment(SECRET)
    operator.begin_enrolment(OTHER_SECRET)
    assert operator.totp_secret == OTHER_SECRET and not operator.enrolled


def test_completing_enrolment_records_the_moment():
    operator = enrolled()
    assert operator.enrolled and operator.totp_enrolled_at == at(minutes=1)
    assert operator.totp_secret == SECRET


def test_enrolment_cannot_complete_without_a_secret():
    operator = new_operator()
    with pytest.raises(InvalidTransition) as refused:
        operator.complete_enrolment(at())
    assert refused.value.params == {"current": "no_secret"}
    assert not operator.enrolled


def test_enrolment_cannot_complete_twice():
    operator = enrolled()
    with pytest.raises(InvalidTransition):
        operator.complete_enrolment(at(minutes=9))
    assert operator.totp_enrolled_at == at(minutes=1)


def test_an_enrolled_operator_cannot_swap_the_secret():
    operator = enrolled()
    with pytest.raises(InvalidTransition) as refused:
        operator.begin_enrolment(OTHER_SECRET)
    assert refused.value.params == {"current": "enrolled"}
    assert operator.totp_secret == SECRET


def test_a_reset_forgets_the_second_factor_and_allows_a_new_enrolment():
    operator = enrolled()
    assert operator.accept_totp_step(1000)
    operator.reset_second_factor()
    assert not operator.enrolled and operator.totp_secret is None and operator.last_totp_step == -1
    operator.begin_enrolment(OTHER_SECRET)
    operator.complete_enrolment(at(hours=1))
    assert operator.enrolled and operator.totp_secret == OTHER_SECRET


def test_a_time_step_is_accepted_once():
    operator = enrolled()
    assert operator.accept_totp_step(1000)
    assert not operator.accept_totp_step(1000)
    assert operator.last_totp_step == 1000


def test_a_step_older_than_the_last_accepted_is_a_replay():
    operator = enrolled()
    assert operator.accept_totp_step(1001)
    assert not operator.accept_totp_step(1000)
    assert operator.last_totp_step == 1001


def test_a_newer_step_is_accepted():
    operator = enrolled()
    assert operator.accept_totp_step(1000)
    assert operator.accept_totp_step(1001)
    assert operator.last_totp_step == 1001


@settings(max_examples=200, deadline=None)
@given(steps=st.lists(st.integers(min_value=0, max_value=10**9), max_size=30))
def test_accepted_steps_always_increase_and_none_is_accepted_twice(steps):
    operator = enrolled()
    accepted = [step for step in steps if operator.accept_totp_step(step)]
    assert accepted == sorted(set(accepted))
    assert all(a < b for a, b in zip(accepted, accepted[1:]))
    assert operator.last_totp_step == (max(steps) if steps else -1)


def test_operator_sessions_are_shorter_than_the_customers():
    operator, customer = OperatorSessionSettings(), SessionSettings()
    assert operator.idle_timeout <= customer.idle_timeout
    assert operator.absolute_lifetime <= customer.absolute_lifetime
    assert operator.second_factor_window.total_seconds() > 0
