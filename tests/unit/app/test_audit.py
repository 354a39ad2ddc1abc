"""The audit log (SPEC §8): one record per security event, never an OTP, a password or a link token."""
from __future__ import annotations

import re

import pytest

from areaclienti.app.use_cases.legacy import StartFirstAccess
from areaclienti.app.use_cases.passwords import ChangePassword
from areaclienti.domain.errors import DomainError

from tests.support import LINK, STRONG_PASSWORD

from .journeys import (
    EMAIL,
    MOBILE,
    audit_events,
    give_contacts,
    log_in,
    set_password,
    start_scenario,
    verify,
    wrong,
)

NEW_PASSWORD = "nuova frase segreta per il 2027"
WRONG_PASSWORD = "password sbagliata ma lunga"


def _text(event) -> str:
    return " ".join([repr(event.details), event.subject or "", event.account_id or ""])


def test_no_secret_ever_reaches_the_audit_log(harness, seeded):
    flows: list[str] = []
    # Registration, with a wrong code and a resend on the way.
    step = start_scenario(harness, seeded.scenario("policyholder_vita"), marketing=True)
    flows.append(step.flow_token)
    give_contacts(harness, step.flow_token)
    with pytest.raises(DomainError):
        verify(harness, step.flow_token, wrong(harness.code_sent_to(MOBILE)))
    harness.clock.advance(seconds=60)
    harness.container.registration().resend_code(step.flow_token)
    verify(harness, step.flow_token, harness.code_sent_to(MOBILE))
    account_id = set_password(harness, harness.link_token_sent_to(EMAIL))

    # Login, right and wrong.
    with pytest.raises(DomainError):
        log_in(harness, EMAIL, WRONG_PASSWORD)
    log_in(harness, EMAIL)

    # Reset, with a wrong code, then change.
    harness.clock.advance(minutes=16)
    reset = harness.container.password_reset()
    flow = reset.request(EMAIL)
    flows.append(flow)
    with pytest.raises(DomainError):
        reset.verify(flow, wrong(harness.code_sent_to(MOBILE)))
    reset.verify(flow, harness.code_sent_to(MOBILE))
    set_password(harness, harness.link_token_sent_to(EMAIL), NEW_PASSWORD)
    with pytest.raises(DomainError):
        harness.container.change_password()(ChangePassword(account_id, WRONG_PASSWORD, STRONG_PASSWORD,
                                                           STRONG_PASSWORD))
    harness.container.change_password()(ChangePassword(account_id, NEW_PASSWORD, STRONG_PASSWORD,
                                                       STRONG_PASSWORD))
    flows.append(reset.request("nessuno@example.it"))

    # Legacy first access, both outcomes.
    first_access = harness.container.legacy_first_access()
    for scenario, mobile in (("legacy", "+393356672104"), ("legacy_wrong_data", "+393401234501")):
        flow = first_access.start(StartFirstAccess(seeded.scenario(scenario).email, mobile))
        flows.append(flow)
        first_access.verify(flow, harness.code_sent_to(mobile))
    set_password(harness, harness.link_token_sent_to(seeded.scenario("legacy").email), NEW_PASSWORD)

    codes = {m.group(1) for sms in harness.sms.sent for m in [re.search(r"\b(\d{5})\b", sms.text)] if m}
    tokens = {m.group(1) for mail in harness.emails.sent for m in [LINK.search(mail.body)] if m}
    assert len(codes) >= 4 and len(tokens) == 3  # set, reset, legacy
    passwords = {STRONG_PASSWORD, NEW_PASSWORD, WRONG_PASSWORD}

    events = audit_events(harness)
    assert len(events) > 20
    kinds = {e.kind.value for e in events}
    assert {"otp_sent", "otp_failed", "otp_verified", "login_failed", "login_succeeded", "password_set",
            "password_reset", "password_changed", "legacy_data_wrong"} <= kinds
    for event in events:
        text = _text(event)
        for code in codes:
            assert not re.search(rf"(?<![0-9A-Za-z]){code}(?![0-9A-Za-z])", text), (event, "OTP code")
        for secret in tokens | passwords | set(flows):
            assert secret not in text, (event, "secret")
        assert MOBILE not in text  # numbers are masked
        assert event.at.utcoffset().total_seconds() == 0  # UTC
