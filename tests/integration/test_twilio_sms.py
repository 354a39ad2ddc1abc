"""TwilioSmsSender against a local server that answers like Twilio's Messages API, through the outbox's
one retry mechanism: a refused number is dead at once, a server error or a timeout is tried again."""
from __future__ import annotations

import base64
import json
import threading
from urllib.parse import parse_qs

import pytest
from dependency_injector import providers
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from areaclienti.adapters.sms.twilio import SmsProviderUnavailable, SmsRejected, TwilioSmsSender
from areaclienti.app.ports.notifications import OutgoingSms
from areaclienti.app.ports.repositories import OutboxStatus
from areaclienti.app.tasks import PermanentFailure

ACCOUNT = "AC" + "0" * 32
TOKEN = "auth-token-of-the-test"
SENDER = "CAAssicura"  # an alphanumeric sender ID, as Italian insurers use
GOOD, INVALID, BROKEN, SLOW = "+393471234567", "+390000000", "+393475000000", "+393479999999"


class FakeTwilio:
    """The Messages resource as Twilio documents it: basic auth, form fields in, JSON out."""

    def __init__(self) -> None:
        self.received: list[dict[str, list[str]]] = []
        self.release = threading.Event()

    def __call__(self, environ, start_response):
        request = Request(environ)
        response = self.answer(request)
        return response(environ, start_response)

    def answer(self, request: Request) -> Response:
        if request.method != "POST" or request.path != f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json":
            return _json({"code": 20404, "message": "The requested resource was not found", "status": 404}, 404)
        expected = "Basic " + base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()
        if request.headers.get("Authorization") != expected:
            return _json({"code": 20003, "message": "Authenticate", "status": 401}, 401)
        form = parse_qs(request.get_data(as_text=True))
        self.received.append(form)
        to = form["To"][0]
        if to == INVALID:
            return _json({"code": 21211, "message": f"The 'To' number {to} is not a valid phone number.",
                          "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}, 400)
        if to == BROKEN:
            return _json({"code": 20500, "message": "Internal Server Error", "status": 500}, 500)
        if to == SLOW:
            self.release.wait(5)  # longer than the sender's read timeout; released at teardown
        return _json({"sid": f"SM{len(self.received):032d}", "status": "queued", "to": to,
                      "from": form.get("From", [None])[0], "body": form["Body"][0]}, 201)


def _json(body: dict, status: int) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


@pytest.fixture
def twilio():
    fake = FakeTwilio()
    server = make_server("127.0.0.1", 0, fake, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield fake, f"http://127.0.0.1:{server.server_port}"
    finally:
        fake.release.set()
        server.shutdown()
        thread.join()


def _sender(api_base: str, **kwargs) -> TwilioSmsSender:
    return TwilioSmsSender(ACCOUNT, TOKEN, SENDER, "https://areaclienti.example.it", api_base=api_base, **kwargs)


def test_an_sms_reaches_twilio_with_to_from_body_and_our_reference_in_the_status_callback(twilio):
    fake, base = twilio
    _sender(base).send(OutgoingSms(to=GOOD, text="Il tuo codice è 12345", reference="item-42"))
    (form,) = fake.received
    assert form["To"] == [GOOD] and form["From"] == [SENDER] and form["Body"] == ["Il tuo codice è 12345"]
    assert form["StatusCallback"] == ["https://areaclienti.example.it/sms/notifiche?ref=item-42"]


def test_a_messaging_service_goes_as_messaging_service_sid():
    sender = TwilioSmsSender(ACCOUNT, TOKEN, "MG" + "1" * 32, "https://areaclienti.example.it")
    form = sender.form(OutgoingSms(to=GOOD, text="x", reference="r"))
    assert form["MessagingServiceSid"] == "MG" + "1" * 32 and "From" not in form


def test_a_refused_number_is_permanent_a_server_error_and_a_timeout_are_not(twilio):
    fake, base = twilio
    sender = _sender(base, read_timeout=0.2)
    with pytest.raises(SmsRejected) as refused:
        sender.send(OutgoingSms(to=INVALID, text="x", reference="a"))
    assert isinstance(refused.value, PermanentFailure) and refused.value.code == 21211
    with pytest.raises(SmsProviderUnavailable) as broken:
        sender.send(OutgoingSms(to=BROKEN, text="x", reference="b"))
    assert not isinstance(broken.value, PermanentFailure) and "500" in str(broken.value)
    with pytest.raises(SmsProviderUnavailable) as slow:
        sender.send(OutgoingSms(to=SLOW, text="x", reference="c"))
    assert "Timeout" in str(slow.value)
    with pytest.raises(SmsRejected):  # wrong credentials: every message would be refused alike
        TwilioSmsSender(ACCOUNT, "wrong", SENDER, "https://x", api_base=base).send(OutgoingSms(to=GOOD, text="x"))


def test_nobody_listening_is_retried():
    sender = _sender("http://127.0.0.1:9", connect_timeout=0.5)  # the discard port: nothing listens
    with pytest.raises(SmsProviderUnavailable):
        sender.send(OutgoingSms(to=GOOD, text="x"))


def _queue_sms(harness, to: str) -> str:
    with harness.container.uow() as uow:
        item_id = harness.container.notifier().sms(uow, to=to, text="Il tuo codice è 12345",
                                                   now=harness.clock.now())
        uow.commit()  # the inline queue delivers it at once
    return item_id


def _item(harness, item_id: str):
    with harness.container.uow() as uow:
        return uow.outbox.get(item_id)


def test_through_the_outbox_a_refused_number_is_dead_at_once_and_a_server_error_is_retried(harness, twilio):
    fake, base = twilio
    harness.container.sms_sender.override(providers.Object(_sender(base)))

    delivered = _queue_sms(harness, GOOD)
    assert _item(harness, delivered).status is OutboxStatus.DONE
    assert fake.received[-1]["StatusCallback"] == [f"https://areaclienti.example.it/sms/notifiche?ref={delivered}"]

    refused = _item(harness, _queue_sms(harness, INVALID))
    assert refused.status is OutboxStatus.DEAD and refused.attempts == 1
    assert "SmsRejected" in refused.last_error and "21211" in refused.last_error

    broken = _item(harness, _queue_sms(harness, BROKEN))
    assert broken.status is OutboxStatus.PENDING and broken.attempts == 1
    assert broken.available_at > harness.clock.now() and "SmsProviderUnavailable" in broken.last_error


PRODUCTION = {"AREACLIENTI_ENV": "production", "AREACLIENTI_SECRET_KEY": "k" * 32,
              "AREACLIENTI_REDIS_URL": "redis://127.0.0.1:6379/15", "AREACLIENTI_SMTP_HOST": "127.0.0.1"}


def test_production_with_twilio_configured_passes_the_check(tmp_path):
    from areaclienti.entrypoints.config import Settings
    from areaclienti.entrypoints.container import build_container

    settings = Settings.from_env({**PRODUCTION, "AREACLIENTI_DATA_DIR": str(tmp_path),
                                  "AREACLIENTI_SMS_BACKEND": "twilio", "AREACLIENTI_TWILIO_ACCOUNT_SID": ACCOUNT,
                                  "AREACLIENTI_TWILIO_AUTH_TOKEN": TOKEN, "AREACLIENTI_TWILIO_FROM": SENDER,
                                  "AREACLIENTI_TWILIO_BASE_URL": "http://127.0.0.1:1/"})
    sender = build_container(settings).sms_sender()
    assert isinstance(sender, TwilioSmsSender)
    assert sender.url == f"http://127.0.0.1:1/2010-04-01/Accounts/{ACCOUNT}/Messages.json"


@pytest.mark.parametrize("environ, named", [
    ({}, "AREACLIENTI_SMS_BACKEND"),
    ({"AREACLIENTI_SMS_BACKEND": "twilio", "AREACLIENTI_TWILIO_ACCOUNT_SID": ACCOUNT}, "AREACLIENTI_TWILIO_AUTH_TOKEN"),
    ({"AREACLIENTI_SMS_BACKEND": "skebby"}, "AREACLIENTI_SMS_BACKEND"),
])
def test_production_without_a_usable_sms_provider_does_not_start(tmp_path, environ, named):
    from areaclienti.entrypoints.config import Settings

    with pytest.raises(SystemExit) as refused:
        Settings.from_env({**PRODUCTION, "AREACLIENTI_DATA_DIR": str(tmp_path), **environ})
    assert named in str(refused.value)
