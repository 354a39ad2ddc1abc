"""The privacy and marketing consents (issue 12): the state as it stands, every change an event, the privacy
consent never withdrawn while the account is open."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from areaclienti.domain.accounts import Account
from areaclienti.domain.consents import (
    ConsentChannel,
    ConsentEvent,
    ConsentKind,
    change_consent,
    current_state,
    registration_events,
)
from areaclienti.domain.errors import PrivacyConsentRequired

from .strategies import at, person

NOW = at()
LATER = at(minutes=30)
K, C = ConsentKind, ConsentChannel


def registered(marketing: bool) -> Account:
    return Account.start_registration(account_id="acc-1", party_id=person(), policy_number="P1", flow_hash="f",
                                      marketing_consent=marketing, now=NOW)


def test_a_registration_records_privacy_accepted_and_the_marketing_choice():
    ids = iter(["e1", "e2"])
    events = registration_events(registered(marketing=False), new_id=lambda: next(ids))
    assert events == [ConsentEvent("e1", "acc-1", K.PRIVACY, True, NOW, C.REGISTRATION),
                      ConsentEvent("e2", "acc-1", K.MARKETING, False, NOW, C.REGISTRATION)]


def test_withdrawing_the_marketing_consent_changes_the_account_and_records_when_and_where():
    account = registered(marketing=True)
    event = change_consent(account, K.MARKETING, False, now=LATER, event_id="e9", channel=C.WEB)
    assert event == ConsentEvent("e9", "acc-1", K.MARKETING, False, LATER, C.WEB)
    assert account.marketing_consent is False and account.marketing_consent_at == LATER


def test_the_same_choice_again_records_nothing():
    account = registered(marketing=True)
    assert change_consent(account, K.MARKETING, True, now=LATER, event_id="e9", channel=C.API) is None
    assert account.marketing_consent_at == NOW
    assert change_consent(account, K.PRIVACY, True, now=LATER, event_id="e9", channel=C.WEB) is None


def test_the_privacy_consent_cannot_be_withdrawn_while_the_account_is_open():
    account = registered(marketing=True)
    with pytest.raises(PrivacyConsentRequired):
        change_consent(account, K.PRIVACY, False, now=LATER, event_id="e9", channel=C.WEB)
    assert account.privacy_accepted_at == NOW


def test_without_history_the_state_is_the_accounts_own():
    account = registered(marketing=True)
    state = current_state(account, [], K.MARKETING)
    assert (state.given, state.since) == (True, NOW)
    assert current_state(account, [], K.PRIVACY).since == NOW


@given(st.lists(st.booleans(), max_size=12), st.booleans())
def test_after_any_sequence_of_changes_the_state_is_the_last_choice_since_its_change(choices, first):
    account = registered(marketing=first)
    history = registration_events(account, new_id=lambda: "r")
    changed_at = NOW
    for n, choice in enumerate(choices, start=1):
        moment = at(minutes=n)
        event = change_consent(account, K.MARKETING, choice, now=moment, event_id=f"e{n}", channel=C.WEB)
        if event is not None:
            history.append(event)
            changed_at = moment
    state = current_state(account, history, K.MARKETING)
    expected = choices[-1] if choices else first
    assert (state.given, state.since) == (expected, changed_at)
    # Each recorded event is a real change: no two consecutive ones say the same.
    marketing = [e.given for e in history if e.consent is K.MARKETING]
    assert all(a != b for a, b in zip(marketing, marketing[1:]))
