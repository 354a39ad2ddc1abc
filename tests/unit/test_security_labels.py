"""Every kind of security event is decided for the customer's security page: it has its Italian words, or
the page deliberately never shows it. A kind added to the audit log without either would read as the
generic «Evento di sicurezza» (the email and mobile changes did, before issue 12 labelled them)."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask
from flask_babel import Babel

from areaclienti.app.use_cases.security import NOT_SHOWN
from areaclienti.domain.audit import AuditEvent, AuditEventKind
from areaclienti.entrypoints.web.security_labels import EVENT_LABELS, event_label

AT = datetime(2026, 11, 30, 21, 48, tzinfo=UTC)


@pytest.fixture(autouse=True)
def italian():
    app = Flask(__name__)
    Babel(app, locale_selector=lambda: "it")
    with app.test_request_context():
        yield


def test_every_kind_is_labelled_or_deliberately_not_shown():
    undecided = set(AuditEventKind) - set(EVENT_LABELS) - NOT_SHOWN
    assert not undecided, f"label these for the security page or add them to NOT_SHOWN: {sorted(k.value for k in undecided)}"
    assert not set(EVENT_LABELS) & NOT_SHOWN  # words for a kind never shown would be dead


@pytest.mark.parametrize("kind", sorted(set(AuditEventKind) - NOT_SHOWN, key=lambda k: k.value))
def test_no_shown_kind_reads_as_a_generic_event(kind):
    assert event_label(AuditEvent(kind, AT, account_id="a")) != "Evento di sicurezza"


@pytest.mark.parametrize("during, words", [
    ("password_change", "Password attuale errata durante la modifica della password"),
    ("email_change", "Password attuale errata durante la modifica dell'email di accesso"),
    ("mobile_change", "Password attuale errata durante la modifica del cellulare"),
    (None, "Tentativo di accesso con password errata"),
])
def test_a_wrong_password_typed_again_before_a_change_says_which_change(during, words):
    details = {"during": during} if during else {}
    assert event_label(AuditEvent(AuditEventKind.LOGIN_FAILED, AT, account_id="a", details=details)) == words


@pytest.mark.parametrize("details, words", [
    ({"count": 2, "by": "customer"}, "Uscita da 2 altri dispositivi"),
    ({"count": 1, "by": "customer"}, "Uscita da 1 altro dispositivo"),
    ({"count": 3}, "Chiusi gli accessi aperti su 3 dispositivi"),  # a reset, «non sono stato io»
    ({"count": 0}, "Chiusi tutti gli accessi aperti"),
])
def test_sessions_ended_say_whether_this_device_was_kept(details, words):
    assert event_label(AuditEvent(AuditEventKind.SESSIONS_REVOKED, AT, account_id="a", details=details)) == words


def test_a_wrong_code_to_the_new_mobile_says_so():
    event = AuditEvent(AuditEventKind.OTP_FAILED, AT, account_id="a", details={"purpose": "mobile_change"})
    assert event_label(event) == "Codice SMS errato durante la modifica del cellulare"
    assert event_label(AuditEvent(AuditEventKind.OTP_FAILED, AT, account_id="a",
                                  details={"purpose": "registration"})) == "Codice SMS errato"
