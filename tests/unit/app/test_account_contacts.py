"""The login email and the mobile changed from the profile (issue 12), and the fixes to the password change,
through the container's use cases with in-memory adapters: Marco and Valeria are the seeded demo accounts."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from areaclienti.adapters.demo_core.data import DEMO_PASSWORD
from areaclienti.app.use_cases.account_contacts import ChangeLoginEmail, ChangeMobile, ConfirmMobile
from areaclienti.app.use_cases.passwords import ChangePassword
from areaclienti.app.use_cases.registration import VerifyMobile
from areaclienti.domain.errors import (
    ContactUnchanged,
    EmailInUse,
    FlowExpired,
    InvalidCredentials,
    InvalidMobile,
    LinkInvalid,
    OtpAttemptsExhausted,
    OtpInvalid,
    OtpSendRefused,
    PasswordsDoNotMatch,
    PasswordTooShort,
    TemporarilyLocked,
    WrongCurrentPassword,
)
from areaclienti.domain.links import LinkPurpose

from .journeys import log_in, wrong

MARCO, MARCO_MOBILE = "marco.rinaldi@example.it", "+393291180442"
VALERIA = "valeria.costa@example.it"
NEW_EMAIL = "marco.nuovo@example.it"
NEW_MOBILE = "+393401112233"
LANDLINE = "06 6982 1234"  # a Rome landline: a valid number, but no SMS reaches it
CONFIRM = re.compile(r"https?://\S+/email/conferma/(\S+)")
CANCEL = re.compile(r"https?://\S+/email/annulla/(\S+)")


@pytest.fixture
def marco(harness, seeded):
    with harness.container.uow() as uow:
        return uow.accounts.get_by_email(MARCO).id


@pytest.fixture
def contacts(harness):
    return harness.container.account_contacts()


def _token(harness, address: str, pattern: re.Pattern) -> str:
    mails = [m for m in harness.emails_to(address) if pattern.search(m.body)]
    assert mails, [m.subject for m in harness.emails_to(address)]
    return pattern.search(mails[-1].body).group(1)


def _email_change(contacts, account_id, email=NEW_EMAIL, password=DEMO_PASSWORD):
    return contacts.change_login_email(ChangeLoginEmail(account_id, password, email))


def _account(harness, account_id):
    with harness.container.uow() as uow:
        return uow.accounts.get(account_id)


# --- login email -----------------------------------------------------------------------------------
def test_a_new_login_email_is_confirmed_by_the_link_sent_to_it(harness, marco, contacts):
    assert _email_change(contacts, marco, " Marco.Nuovo@EXAMPLE.it ") == "marco.nuovo@example.it"

    confirm = harness.emails.last_to(NEW_EMAIL)
    assert "conferma" in confirm.subject.lower() and "24 ore" in confirm.body
    # Until the link is used the old address is the login email, and the profile says what is pending.
    assert _account(harness, marco).email == MARCO
    assert log_in(harness, MARCO, DEMO_PASSWORD) == marco
    pending = contacts.pending(marco)
    assert pending.email == NEW_EMAIL and pending.email_until == harness.clock.now() + timedelta(hours=24)

    token = _token(harness, NEW_EMAIL, CONFIRM)
    assert contacts.email_link(token).email == NEW_EMAIL
    harness.clock.advance(hours=23)
    assert contacts.confirm_login_email(token) == NEW_EMAIL

    assert log_in(harness, NEW_EMAIL, DEMO_PASSWORD) == marco
    with pytest.raises(InvalidCredentials):
        log_in(harness, MARCO, DEMO_PASSWORD)
    assert contacts.pending(marco).email is None
    assert "confermata" in harness.emails.last_to(NEW_EMAIL).subject
    kinds = harness.audit_kinds(marco)
    assert "email_change_requested" in kinds and "email_changed" in kinds


def test_the_old_address_is_told_with_a_link_that_undoes_a_pending_change(harness, marco, contacts):
    _email_change(contacts, marco)
    notice = harness.emails.last_to(MARCO)
    assert "m***@example.it" in notice.body and "ora italiana" in notice.body
    assert "10:00" in notice.body  # 09:00 UTC on 25 November is 10:00 in Rome
    assert "NON sei stato tu" in notice.body and "password dimenticata" in notice.body
    sessions = harness.container.sessions()
    other = sessions.create({}, marco)

    cancel = _token(harness, MARCO, CANCEL)
    assert contacts.email_link(cancel).purpose is LinkPurpose.CANCEL_EMAIL_CHANGE
    assert contacts.cancel_login_email_change(cancel) is False  # nothing to give back: it was pending

    with pytest.raises(LinkInvalid):
        contacts.confirm_login_email(_token(harness, NEW_EMAIL, CONFIRM))
    assert sessions.load(other) is None  # whoever asked for it is signed out
    assert log_in(harness, MARCO, DEMO_PASSWORD) == marco
    assert contacts.pending(marco).email is None
    assert "email_change_cancelled" in harness.audit_kinds(marco)


def test_the_undo_link_gives_the_old_address_back_after_a_confirmed_change(harness, marco, contacts):
    _email_change(contacts, marco)
    contacts.confirm_login_email(_token(harness, NEW_EMAIL, CONFIRM))
    harness.clock.advance(days=3)  # read late: the undo link lasts longer than the change's own

    assert contacts.cancel_login_email_change(_token(harness, MARCO, CANCEL)) is True

    assert log_in(harness, MARCO, DEMO_PASSWORD) == marco
    with pytest.raises(InvalidCredentials):
        log_in(harness, NEW_EMAIL, DEMO_PASSWORD)


def test_each_link_works_once(harness, marco, contacts):
    _email_change(contacts, marco)
    token = _token(harness, NEW_EMAIL, CONFIRM)
    contacts.confirm_login_email(token)
    with pytest.raises(LinkInvalid):
        contacts.confirm_login_email(token)
    with pytest.raises(LinkInvalid):
        contacts.email_link(token)
    cancel = _token(harness, MARCO, CANCEL)
    contacts.cancel_login_email_change(cancel)
    with pytest.raises(LinkInvalid):
        contacts.cancel_login_email_change(cancel)


def test_the_confirmation_link_expires_after_24_hours(harness, marco, contacts):
    _email_change(contacts, marco)
    harness.clock.advance(hours=24)
    with pytest.raises(LinkInvalid):
        contacts.confirm_login_email(_token(harness, NEW_EMAIL, CONFIRM))
    assert contacts.pending(marco).email is None


def test_a_newer_request_replaces_the_older_one(harness, marco, contacts):
    _email_change(contacts, marco)
    first = _token(harness, NEW_EMAIL, CONFIRM)
    _email_change(contacts, marco, "marco.altro@example.it")
    with pytest.raises(LinkInvalid):
        contacts.confirm_login_email(first)
    assert contacts.pending(marco).email == "marco.altro@example.it"


def test_a_link_of_one_kind_does_not_do_the_other(harness, marco, contacts):
    _email_change(contacts, marco)
    with pytest.raises(LinkInvalid):
        contacts.confirm_login_email(_token(harness, MARCO, CANCEL))
    with pytest.raises(LinkInvalid):
        contacts.cancel_login_email_change(_token(harness, NEW_EMAIL, CONFIRM))
    with pytest.raises(LinkInvalid):
        harness.container.complete_password_link().check(_token(harness, NEW_EMAIL, CONFIRM))


def test_an_address_of_another_account_answers_alike_sends_no_link_and_tells_its_holder(harness, marco, contacts):
    assert _email_change(contacts, marco, VALERIA) == VALERIA  # what a free address answers

    to_valeria = harness.emails_to(VALERIA)
    assert [m.subject for m in to_valeria] == ["Area Clienti: questo indirizzo ha già un profilo"]
    assert not CONFIRM.search(to_valeria[0].body) and "un altro profilo" in to_valeria[0].body
    assert CANCEL.search(harness.emails.last_to(MARCO).body)  # the old address is told all the same
    assert contacts.pending(marco).email == VALERIA  # the profile shows it pending, as for any address
    assert log_in(harness, VALERIA, DEMO_PASSWORD) != marco


def test_an_address_taken_after_the_link_was_sent_is_not_given_to_a_second_account(harness, marco, contacts):
    with harness.container.uow() as uow:
        valeria = uow.accounts.get_by_email(VALERIA).id
    _email_change(contacts, marco)
    _email_change(contacts, valeria, NEW_EMAIL)  # Valeria asks for the same address, and confirms first
    valeria_token = _token(harness, NEW_EMAIL, CONFIRM)
    marco_token = CONFIRM.search(harness.emails_to(NEW_EMAIL)[0].body).group(1)
    contacts.confirm_login_email(valeria_token)
    with pytest.raises(EmailInUse):
        contacts.confirm_login_email(marco_token)
    assert _account(harness, marco).email == MARCO


def test_the_login_email_needs_the_current_password_and_wrong_ones_are_throttled(harness, marco, contacts):
    for _ in range(3):
        with pytest.raises(WrongCurrentPassword) as wrong_password:
            _email_change(contacts, marco, password="non è questa")
        assert wrong_password.value.field == "current_password"
    with pytest.raises(TemporarilyLocked):
        _email_change(contacts, marco)
    assert harness.emails_to(NEW_EMAIL) == []
    assert harness.audit_kinds(marco).count("login_failed") == 3


def test_the_same_login_email_is_no_change(harness, marco, contacts):
    with pytest.raises(ContactUnchanged) as same:
        _email_change(contacts, marco, MARCO.upper())
    assert same.value.field == "email"


# --- mobile ------------------------------------------------------------------------------------------
def _mobile_change(contacts, account_id, mobile=NEW_MOBILE, password=DEMO_PASSWORD):
    return contacts.change_mobile(ChangeMobile(account_id, password, mobile))


def test_a_new_mobile_is_confirmed_by_the_code_sent_to_it_and_the_old_number_and_email_are_told(
        harness, marco, contacts):
    step = _mobile_change(contacts, marco, "340 111 2233")
    assert step.masked_mobile == "+39 *** *** 2233"
    assert [s.to for s in harness.sms.sent] == [NEW_MOBILE]
    assert contacts.pending(marco).mobile == "+39 *** *** 2233"
    assert _account(harness, marco).mobile == MARCO_MOBILE  # not yet

    assert contacts.confirm_mobile(ConfirmMobile(marco, step.flow_token, harness.code_sent_to(NEW_MOBILE))) \
        == "+39 *** *** 2233"

    assert _account(harness, marco).mobile == NEW_MOBILE
    assert contacts.pending(marco).mobile is None
    notice = harness.sms.last_to(MARCO_MOBILE)
    assert "+39 *** *** 2233" in notice.text
    mail = harness.emails.last_to(MARCO)
    assert "cellulare" in mail.subject and "+39 *** *** 0442" in mail.body and "10:00 (ora italiana)" in mail.body
    assert "mobile_changed" in harness.audit_kinds(marco)
    # The reset code now goes to the new number.
    harness.clock.advance(minutes=20)
    harness.container.password_reset().request(MARCO)
    assert harness.sms.sent[-1].to == NEW_MOBILE


def test_a_landline_is_refused_as_a_mobile(harness, marco, contacts):
    with pytest.raises(InvalidMobile) as landline:
        _mobile_change(contacts, marco, LANDLINE)
    assert landline.value.field == "mobile" and landline.value.params["reason"] == "not_mobile"
    assert harness.sms.sent == []


def test_the_mobile_needs_the_current_password(harness, marco, contacts):
    with pytest.raises(WrongCurrentPassword):
        _mobile_change(contacts, marco, password="sbagliata")
    assert harness.sms.sent == []


def test_the_same_mobile_is_no_change(harness, marco, contacts):
    with pytest.raises(ContactUnchanged) as same:
        _mobile_change(contacts, marco, "329 118 0442")
    assert same.value.field == "mobile"


def test_wrong_codes_are_limited_as_at_registration(harness, marco, contacts):
    step = _mobile_change(contacts, marco)
    code = harness.code_sent_to(NEW_MOBILE)
    for _ in range(4):
        with pytest.raises(OtpInvalid):
            contacts.confirm_mobile(ConfirmMobile(marco, step.flow_token, wrong(code)))
    with pytest.raises(OtpAttemptsExhausted):
        contacts.confirm_mobile(ConfirmMobile(marco, step.flow_token, wrong(code)))
    with pytest.raises(OtpAttemptsExhausted):  # the right code, too late: a new one must be asked for
        contacts.confirm_mobile(ConfirmMobile(marco, step.flow_token, code))
    assert _account(harness, marco).mobile == MARCO_MOBILE


def test_sends_are_limited_and_a_new_code_voids_the_old(harness, marco, contacts):
    step = _mobile_change(contacts, marco)
    first = harness.code_sent_to(NEW_MOBILE)
    with pytest.raises(OtpSendRefused):
        contacts.resend_mobile_code(marco, step.flow_token)  # within the cool-down
    harness.clock.advance(seconds=61)
    contacts.resend_mobile_code(marco, step.flow_token)
    harness.clock.advance(seconds=61)
    contacts.resend_mobile_code(marco, step.flow_token)
    harness.clock.advance(seconds=61)
    with pytest.raises(OtpSendRefused):
        contacts.resend_mobile_code(marco, step.flow_token)  # three codes in the window
    with pytest.raises(OtpInvalid):
        contacts.confirm_mobile(ConfirmMobile(marco, step.flow_token, first))
    contacts.confirm_mobile(ConfirmMobile(marco, step.flow_token, harness.code_sent_to(NEW_MOBILE)))
    assert _account(harness, marco).mobile == NEW_MOBILE


def test_a_code_of_another_flow_is_refused(harness, marco, contacts):
    with harness.container.uow() as uow:
        valeria = uow.accounts.get_by_email(VALERIA).id
    reset = harness.container.password_reset()
    reset_flow = reset.request(MARCO)
    reset_code = harness.code_sent_to(MARCO_MOBILE)
    harness.clock.advance(minutes=1)
    step = _mobile_change(contacts, marco)

    with pytest.raises(OtpInvalid):  # the reset's flow does not confirm a mobile...
        contacts.confirm_mobile(ConfirmMobile(marco, reset_flow, reset_code))
    with pytest.raises(OtpInvalid):  # ...nor does the mobile change's flow reset a password...
        reset.verify(step.flow_token, harness.code_sent_to(NEW_MOBILE))
    with pytest.raises(FlowExpired):  # ...or finish a registration
        harness.container.registration().verify_mobile(VerifyMobile(step.flow_token, harness.code_sent_to(NEW_MOBILE)))
    with pytest.raises(OtpInvalid):  # and another account cannot use Marco's flow
        contacts.confirm_mobile(ConfirmMobile(valeria, step.flow_token, harness.code_sent_to(NEW_MOBILE)))
    with pytest.raises(FlowExpired):
        contacts.resend_mobile_code(valeria, step.flow_token)

    contacts.confirm_mobile(ConfirmMobile(marco, step.flow_token, harness.code_sent_to(NEW_MOBILE)))
    assert _account(harness, marco).mobile == NEW_MOBILE
    assert _account(harness, valeria).mobile != NEW_MOBILE


# --- password: the fixes ---------------------------------------------------------------------------------
def _change_password(harness, account_id, new, confirm, keep=None):
    harness.container.change_password()(ChangePassword(account_id, DEMO_PASSWORD, new, confirm, keep))


def test_a_rejected_new_password_names_the_fields_of_the_change_form(harness, marco):
    with pytest.raises(PasswordTooShort) as short:
        _change_password(harness, marco, "breve", "breve")
    assert short.value.field == "new_password"
    with pytest.raises(PasswordsDoNotMatch) as mismatch:
        _change_password(harness, marco, "cavallo batteria graffetta 2027", "cavallo batteria graffetta 2028")
    assert mismatch.value.field == "new_password_confirm"
    assert log_in(harness, MARCO, DEMO_PASSWORD) == marco


def test_the_password_change_email_states_italian_time_and_other_sessions_end(harness, marco):
    sessions = harness.container.sessions()
    mine, other = sessions.create({}, marco), sessions.create({}, marco)
    new = "cavallo batteria graffetta 2027"
    _change_password(harness, marco, new, new, keep=sessions.id_hash(mine))
    mail = harness.emails.last_to(MARCO)
    assert "25/11/2026 alle 10:00 (ora italiana)" in mail.body and "UTC" not in mail.body
    assert "chiuso tutte le altre sessioni" in mail.body
    assert sessions.load(mine).account_id == marco and sessions.load(other) is None
