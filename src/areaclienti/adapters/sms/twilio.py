"""SMS through Twilio's Programmable Messaging REST API (the production SmsSender), and its signed
delivery-status callbacks.

Sending is one ``POST {base}/2010-04-01/Accounts/{sid}/Messages.json`` (form-encoded, HTTP basic auth with
the account SID and auth token) carrying ``To``, ``From`` (a number or an alphanumeric sender ID; a
Messaging Service SID, ``MG…``, goes as ``MessagingServiceSid``), ``Body`` and ``StatusCallback``. Twilio
answers 201 with the message's JSON (``sid``, ``status``).

Our reference rides in the StatusCallback's query (``?ref=<outbox item id>``): every status report of the
message comes back to that URL, under Twilio's signature, so the report names the outbox item. Twilio's
Messages resource has no idempotency key: a re-send after a crash between "Twilio took it" and "marked
done" is a second message (the customer may receive the text twice); what the reference gives is that
both messages' reports carry the same ``ref`` with two different ``MessageSid``, so the duplicate is
recognised afterwards in the audit log, not prevented.

Failures: a 4xx answer is about this message (a number Twilio will not send to: 21211, 21614…) or about our
account, and trying the same request again cannot help, so it raises :class:`SmsRejected`, a
``PermanentFailure`` the outbox marks dead at once; 429 (too many requests) and 408 are the exceptions and
are retried. 5xx answers, timeouts and connection errors raise :class:`SmsProviderUnavailable`, which the
outbox retries with its backoff.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import threading
from collections.abc import Mapping, Sequence
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from areaclienti.app.ports.notifications import OutgoingSms, SmsSender
from areaclienti.app.ports.sms_reports import InvalidSmsReport, SmsDeliveryReport, SmsDeliveryReports
from areaclienti.app.tasks import PermanentFailure

log = logging.getLogger(__name__)
API_BASE = "https://api.twilio.com"
API_VERSION = "2010-04-01"
CALLBACK_PATH = "/sms/notifiche"  # where our status callbacks are served (entrypoints/web/sms_callbacks.py)
SIGNATURE_HEADER = "X-Twilio-Signature"
RETRYABLE_4XX = frozenset({408, 429})


class SmsRejected(PermanentFailure):
    """Twilio refused this message for good (4xx): sending it again would be refused again."""

    def __init__(self, status: int, code: object, message: str) -> None:
        super().__init__(f"Twilio answered {status} (error {code}): {message}")
        self.status, self.code = status, code


class SmsProviderUnavailable(Exception):
    """Twilio did not answer, timed out or answered 5xx/429: the outbox tries again later."""


def status_callback_url(base_url: str, reference: str) -> str:
    """The address Twilio posts this message's status reports to, naming our reference."""
    return f"{base_url.rstrip('/')}{CALLBACK_PATH}?{urlencode({'ref': reference})}"


class TwilioSmsSender(SmsSender):
    """One pooled HTTP client per process (a forked worker makes its own: sockets are not shared)."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        sender: str,
        callback_base_url: str,
        *,
        api_base: str = API_BASE,
        connect_timeout: float = 3.0,
        read_timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not (account_sid and auth_token and sender):
            raise ValueError("Twilio needs an account SID, an auth token and a sender")
        self.account_sid = account_sid
        self._auth = (account_sid, auth_token)
        self.sender = sender
        self.callback_base_url = callback_base_url
        self.url = f"{api_base.rstrip('/')}/{API_VERSION}/Accounts/{account_sid}/Messages.json"
        self._timeout = httpx.Timeout(connect=connect_timeout, read=read_timeout, write=read_timeout,
                                      pool=connect_timeout)
        self._transport = transport
        self._client: httpx.Client | None = None
        self._pid = 0
        self._lock = threading.Lock()

    def _http(self) -> httpx.Client:
        with self._lock:
            if self._client is None or self._pid != os.getpid():
                self._client = httpx.Client(auth=self._auth, timeout=self._timeout, transport=self._transport,
                                            headers={"Accept": "application/json"})
                self._pid = os.getpid()
            return self._client

    def form(self, sms: OutgoingSms) -> dict[str, str]:
        """The Messages resource's fields for this SMS."""
        fields = {"To": sms.to, "Body": sms.text}
        if self.sender.startswith("MG"):
            fields["MessagingServiceSid"] = self.sender
        else:
            fields["From"] = self.sender
        if sms.reference:
            fields["StatusCallback"] = status_callback_url(self.callback_base_url, sms.reference)
        return fields

    def send(self, sms: OutgoingSms) -> None:
        try:
            response = self._http().post(self.url, data=self.form(sms))
        except httpx.HTTPError as error:  # timeouts, refused connections, broken answers
            raise SmsProviderUnavailable(f"{type(error).__name__}: {error}") from error
        if response.status_code in (200, 201):
            body = _json(response)
            log.info("SMS %s accepted by Twilio as %s (%s)", sms.reference or "-", body.get("sid"),
                     body.get("status"))
            return
        body = _json(response)
        code, message = body.get("code"), str(body.get("message") or response.reason_phrase)[:200]
        if 400 <= response.status_code < 500 and response.status_code not in RETRYABLE_4XX:
            raise SmsRejected(response.status_code, code, message)
        raise SmsProviderUnavailable(f"Twilio answered {response.status_code} (error {code}): {message}")

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


def _json(response: httpx.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def compute_signature(auth_token: str, url: str, params: Sequence[tuple[str, str]]) -> str:
    """Twilio's documented signature: base64(HMAC-SHA1(auth token, URL + each key+value sorted by key))."""
    signed = url + "".join(key + value for key, value in sorted(params))
    digest = hmac.new(auth_token.encode(), signed.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _url_variants(url: str) -> list[str]:
    """The URL as given, and with its default port added or removed: Twilio signs the one it called, which
    may have either form (as Twilio's own validators accept)."""
    parts = urlsplit(url)
    default = {"https": 443, "http": 80}.get(parts.scheme)
    host = parts.hostname or ""
    variants = [url]
    if parts.port is not None:
        variants.append(urlunsplit(parts._replace(netloc=_netloc(parts, host))))
    elif default is not None:
        variants.append(urlunsplit(parts._replace(netloc=_netloc(parts, f"{host}:{default}"))))
    return variants


def _netloc(parts, host_and_port: str) -> str:
    userinfo = parts.netloc.rpartition("@")[0]
    return f"{userinfo}@{host_and_port}" if userinfo else host_and_port


class TwilioStatusCallbacks(SmsDeliveryReports):
    """Reads Twilio's message status callbacks (form posts), once their X-Twilio-Signature is verified."""

    def __init__(self, auth_token: str) -> None:
        if not auth_token:
            raise ValueError("verifying Twilio's callbacks needs the auth token")
        self._auth_token = auth_token

    def parse(self, url: str, params: Sequence[tuple[str, str]], headers: Mapping[str, str]) -> SmsDeliveryReport:
        signature = _header(headers, SIGNATURE_HEADER)
        if not signature:
            raise InvalidSmsReport("no X-Twilio-Signature")
        params = list(params)
        if not any(hmac.compare_digest(compute_signature(self._auth_token, candidate, params), signature)
                   for candidate in _url_variants(url)):
            raise InvalidSmsReport("the X-Twilio-Signature does not match")
        fields = dict(params)
        reference = dict(_query(url)).get("ref", "")
        sid = fields.get("MessageSid") or fields.get("SmsSid") or ""
        status = fields.get("MessageStatus") or fields.get("SmsStatus") or ""
        if not (reference and sid and status):
            raise InvalidSmsReport("a status report needs our ref, a MessageSid and a MessageStatus")
        return SmsDeliveryReport(
            reference=reference[:64], provider_id=sid[:64], status=status[:32],
            error_code=(fields.get("ErrorCode") or None), delivery_id=_header(headers, "I-Twilio-Idempotency-Token"))


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def _query(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query, keep_blank_values=True)
