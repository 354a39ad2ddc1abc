"""Helpers that drive the use cases the way the web pages do, for the use-case tests."""
from __future__ import annotations

from areaclienti.app.use_cases.login import LogIn
from areaclienti.app.use_cases.passwords import CompleteLink
from areaclienti.app.use_cases.registration import GiveContacts, RegistrationStep, StartRegistration, VerifyMobile
from areaclienti.domain.accounts import Account
from areaclienti.domain.parties import parse_party_id

from tests.support import STRONG_PASSWORD, Harness

MOBILE = "+393471234567"
EMAIL = "cliente@example.it"


def wrong(code: str) -> str:
    """A code of the same length that is surely not ``code``."""
    return f"{(int(code) + 1) % 10 ** len(code):0{len(code)}d}"


def start(harness: Harness, party_id: str, policy_number: str, *, privacy: bool = True,
          marketing: bool = False) -> RegistrationStep:
    return harness.container.registration().start(
        StartRegistration(party_id=party_id, policy_number=policy_number, privacy_accepted=privacy,
                          marketing_consent=marketing))


def start_scenario(harness: Harness, scenario, **kwargs) -> RegistrationStep:
    return start(harness, scenario.vat_number or scenario.tax_code, scenario.policy_number, **kwargs)


def give_contacts(harness: Harness, flow_token: str, email: str = EMAIL, mobile: str = MOBILE) -> RegistrationStep:
    return harness.container.registration().give_contacts(GiveContacts(flow_token, email, mobile))


def verify(harness: Harness, flow_token: str, code: str) -> str:
    return harness.container.registration().verify_mobile(VerifyMobile(flow_token, code))


def set_password(harness: Harness, token: str, password: str = STRONG_PASSWORD) -> str:
    return harness.container.complete_password_link()(CompleteLink(token, password, password))


def register(harness: Harness, scenario, *, email: str = EMAIL, mobile: str = MOBILE,
             password: str = STRONG_PASSWORD, marketing: bool = False) -> str:
    """The whole 4-step journey; returns the account id."""
    step = start_scenario(harness, scenario, marketing=marketing)
    if step.next_step == "contacts":
        step = give_contacts(harness, step.flow_token, email, mobile)
    else:
        email, mobile = scenario.email, scenario.mobile
    assert step.next_step == "otp"
    verify(harness, step.flow_token, harness.code_sent_to(mobile))
    return set_password(harness, harness.link_token_sent_to(email), password)


def log_in(harness: Harness, email: str, password: str = STRONG_PASSWORD) -> str:
    return harness.container.login()(LogIn(email, password))


def account(harness: Harness, account_id: str) -> Account:
    with harness.container.uow() as uow:
        found = uow.accounts.get(account_id)
    assert found is not None
    return found


def account_of(harness: Harness, party_id: str) -> Account | None:
    with harness.container.uow() as uow:
        return uow.accounts.get_by_party(parse_party_id(party_id))


def audit_events(harness: Harness) -> list:
    with harness.container.uow() as uow:
        return list(uow.audit.list(limit=10_000))
