"""Twilio's delivery-status callbacks over HTTP (``POST /sms/notifiche?ref=…``): a report signed with our
auth token for the address we gave Twilio is recorded in the audit log; a forged, altered, unsigned or
re-addressed one is refused with 403 and records nothing."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from areaclienti.adapters.sms.twilio import TwilioSmsSender, compute_signature
from areaclienti.app.ports.notifications import OutgoingSms
from areaclienti.entrypoints.web.app import create_app

from ..support import build_harness, test_settings

TOKEN = "twilio-auth-token"
BASE = "https://areaclienti.example.it"
SID = "SM" + "a" * 32


@pytest.fixture
def twilio_site(tmp_path):
    settings = test_settings(tmp_path, base_url=BASE, sms_backend="twilio", twilio_account_sid="AC" + "0" * 32,
                             twilio_auth_token=TOKEN, twilio_from="CAAssicura")
    harness = build_harness(settings)
    return harness, create_app(settings, harness.container).test_client()


def _callback_url(reference: str) -> str:
    """The StatusCallback the sender gives Twilio for this outbox item."""
    sender = TwilioSmsSender("AC" + "0" * 32, TOKEN, "CAAssicura", BASE)
    return sender.form(OutgoingSms(to="+393471234567", text="x", reference=reference))["StatusCallback"]


def _report(status: str = "delivered", **extra) -> dict[str, str]:
    fields = {"MessageSid": SID, "SmsSid": SID, "MessageStatus": status, "SmsStatus": status,
              "AccountSid": "AC" + "0" * 32, "From": "CAAssicura", "To": "+393471234567",
              "ApiVersion": "2010-04-01"}
    fields.update(extra)
    return fields


def _post(client, url: str, fields: dict[str, str], signature: str | None):
    parts = urlsplit(url)
    headers = {"X-Twilio-Signature": signature} if signature is not None else {}
    return client.post(parts.path, query_string=parts.query, data=fields, headers=headers,
                       base_url=f"http://{parts.netloc}")  # TLS ends at the proxy: the app sees http


def _reports(harness) -> list[dict]:
    with harness.container.uow() as uow:
        return [e.details | {"subject": e.subject} for e in uow.audit.list(limit=100)
                if e.kind.value == "sms_delivery_reported"]


def test_the_signature_is_twilios_documented_one():
    # Twilio's published example: auth token 12345, this URL and these fields.
    params = [("CallSid", "CA1234567890ABCDE"), ("Digits", "1234"), ("From", "+14158675309"),
              ("To", "+18005551212"), ("Caller", "+14158675309")]
    assert compute_signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", params) == \
        "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def test_a_signed_report_is_recorded_against_the_outbox_item(twilio_site):
    harness, client = twilio_site
    url = _callback_url("item-42")
    fields = _report("undelivered", ErrorCode="30003")
    response = _post(client, url, fields, compute_signature(TOKEN, url, list(fields.items())))
    assert response.status_code == 204
    (report,) = _reports(harness)
    assert report["subject"] == "item-42" and report["item"] == "item-42"
    assert report["sid"] == SID and report["status"] == "undelivered" and report["error_code"] == "30003"
    assert "+393471234567" not in str(report)  # the number stays with Twilio and the outbox


@pytest.mark.parametrize("case", ["missing", "wrong key", "altered status", "another item", "another site"])
def test_a_report_not_signed_by_twilio_for_this_address_is_refused_and_records_nothing(twilio_site, case):
    harness, client = twilio_site
    url, fields = _callback_url("item-42"), _report()
    signature = compute_signature(TOKEN, url, list(fields.items()))
    if case == "missing":
        signature = None
    elif case == "wrong key":
        signature = compute_signature("not-our-token", url, list(fields.items()))
    elif case == "altered status":
        fields["MessageStatus"] = "failed"
    elif case == "another item":
        url = _callback_url("item-43")
    else:  # signed for another address: replayed here from elsewhere
        signature = compute_signature(TOKEN, url.replace(BASE, "https://elsewhere.example"), list(fields.items()))
    response = _post(client, url, fields, signature)
    assert response.status_code == 403
    assert _reports(harness) == []


def test_without_an_sms_provider_the_address_does_not_exist(client):
    assert client.post("/sms/notifiche?ref=x", data=_report()).status_code == 404
