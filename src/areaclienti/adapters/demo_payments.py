"""The demo payment provider: a hosted payment page, as real providers have, for the embedded default.

The customer is sent to its page (served under ``/_dev/pagamenti/<session>``, development only) and
chooses success, refusal or abandonment (SEPA: accepts the mandate). The provider then posts a signed
notification to the app: JSON body, header ``Demo-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of
"t.body">``, as Stripe does. A SEPA debit is confirmed by a second notification after a configurable
delay. Notifications the app did not take (it was down) are posted again by ``deliver_due``.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import Engine, insert, select, update

from areaclienti.adapters.sqlalchemy.tables import demopay_sessions
from areaclienti.app.ports.payments import (
    InvalidNotification,
    PaymentNotification,
    PaymentOrder,
    PaymentOutcome,
    PaymentProvider,
    PaymentSession,
)
from areaclienti.domain.products import PaymentMethod

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "Demo-Signature"
TOLERANCE = timedelta(minutes=5)
SESSION_TTL = timedelta(minutes=30)  # a hosted page left open longer cannot be paid any more
PAGE_PATH = "/_dev/pagamenti/"

Post = Callable[[str, bytes, dict[str, str]], int]  # (url, body, headers) -> HTTP status


def http_post(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, headers={**headers, "Content-Type": "application/json"},
                                     method="POST")
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - our own configured URL
        return response.status


def sign(key: bytes, body: bytes, timestamp: int) -> str:
    digest = hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


@dataclass(frozen=True)
class DemoSession:
    id: str
    reference: str
    amount: Decimal
    method: PaymentMethod
    description: str
    return_url: str
    outcome: str | None
    confirm_at: datetime | None


class DemoPaymentProvider(PaymentProvider):
    def __init__(self, engine: Engine, key: bytes, base_url: str, *, post: Post = http_post,
                 now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
                 sepa_delay: timedelta = timedelta(seconds=20)) -> None:
        if not key:
            raise ValueError("the signing key must not be empty")
        self._engine = engine
        self._key = key
        self._base_url = base_url.rstrip("/")
        self.post = post
        self._now = now
        self.sepa_delay = sepa_delay

    # --- the port --------------------------------------------------------------------------------------
    def start(self, order: PaymentOrder) -> PaymentSession:
        session_id = "ps_" + secrets.token_urlsafe(18)
        with self._engine.begin() as connection:
            connection.execute(insert(demopay_sessions).values(
                id=session_id, reference=order.reference, amount_cents=int(order.amount * 100),
                method=order.method.value, description=order.description, return_url=order.return_url,
                notify_url=order.notify_url, created_at=self._now()))
        return PaymentSession(session_id, f"{self._base_url}{PAGE_PATH}{session_id}")

    def parse_notification(self, body: bytes, headers: Mapping[str, str], now: datetime) -> PaymentNotification:
        header = next((v for k, v in headers.items() if k.lower() == SIGNATURE_HEADER.lower()), "")
        parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
        try:
            timestamp = int(parts.get("t", ""))
        except ValueError:
            raise InvalidNotification("no signature") from None
        expected = sign(self._key, body, timestamp).split("v1=", 1)[1]
        if not hmac.compare_digest(expected, parts.get("v1", "")):
            raise InvalidNotification("bad signature")
        if abs(now.timestamp() - timestamp) > TOLERANCE.total_seconds():
            raise InvalidNotification("timestamp outside the tolerance")
        try:
            data = json.loads(body)
            return PaymentNotification(
                event_id=str(data["id"]), session_id=str(data["session"]), reference=str(data["reference"]),
                outcome=PaymentOutcome(data["outcome"]), at=datetime.fromisoformat(data["at"]),
                reason=data.get("reason"))
        except (ValueError, KeyError, TypeError) as error:
            raise InvalidNotification(f"malformed body: {error}") from None

    # --- the hosted page ---------------------------------------------------------------------------------
    def session(self, session_id: str) -> DemoSession | None:
        with self._engine.connect() as connection:
            row = connection.execute(select(demopay_sessions).where(demopay_sessions.c.id == session_id)
                                     ).mappings().first()
        if row is None:
            return None
        return DemoSession(row["id"], row["reference"], Decimal(row["amount_cents"]) / 100,
                           PaymentMethod(row["method"]), row["description"], row["return_url"], row["outcome"],
                           row["confirm_at"])

    def choose(self, session_id: str, outcome: PaymentOutcome) -> DemoSession | None:
        """What the customer chose on the page; the first choice counts. Posts the notification."""
        c = demopay_sessions.c
        now = self._now()
        values: dict = {"outcome": outcome.value}
        if outcome is PaymentOutcome.PENDING:
            values["confirm_at"] = now + self.sepa_delay
        with self._engine.begin() as connection:
            changed = connection.execute(update(demopay_sessions).where(
                c.id == session_id, c.outcome.is_(None), c.created_at > now - SESSION_TTL).values(**values)).rowcount
            row = connection.execute(select(demopay_sessions).where(c.id == session_id)).mappings().first()
        if row is None:
            return None
        if changed:
            reason = "Carta rifiutata dall'emittente (fondi insufficienti)" if outcome is PaymentOutcome.REFUSED else None
            self._notify(row, outcome, reason)
        return self.session(session_id)

    def deliver_due(self) -> int:
        """Periodic job: confirm the SEPA debits now due, and post again what the app did not take."""
        c = demopay_sessions.c
        now = self._now()
        sent = 0
        with self._engine.begin() as connection:
            due = list(connection.execute(select(demopay_sessions).where(c.confirm_at.is_not(None), c.confirm_at <= now)
                                          ).mappings())
            for row in due:
                connection.execute(update(demopay_sessions).where(c.id == row["id"]).values(confirm_at=None))
            waiting = list(connection.execute(select(demopay_sessions).where(c.undelivered.is_not(None))).mappings())
        for row in due:
            self._notify(row, PaymentOutcome.SUCCEEDED, None)
            sent += 1
        for row in waiting:
            for body in list(row["undelivered"] or []):
                sent += self._post(row["id"], row["notify_url"], body.encode())
        return sent

    def _notify(self, row, outcome: PaymentOutcome, reason: str | None) -> None:
        body = json.dumps({"id": "evt_" + secrets.token_urlsafe(12), "session": row["id"],
                           "reference": row["reference"], "outcome": outcome.value,
                           "at": self._now().isoformat(), "reason": reason}).encode()
        self._post(row["id"], row["notify_url"], body)

    def _post(self, session_id: str, url: str, body: bytes) -> int:
        """Post one notification, signed now; on failure keep it for ``deliver_due``. 1 when taken."""
        headers = {SIGNATURE_HEADER: sign(self._key, body, int(self._now().timestamp()))}
        c = demopay_sessions.c
        try:
            status = self.post(url, body, headers)
            taken = status < 500  # a 4xx is the app refusing it for good: posting again would not help
        except Exception as error:  # the app is down: a real provider retries its webhooks
            log.warning("demo payment notification to %s not delivered: %s", url, error)
            taken = False
        with self._engine.begin() as connection:
            row = connection.execute(select(c.undelivered).where(c.id == session_id)).first()
            pending = [b for b in ((row[0] if row else None) or []) if b != body.decode()]
            if not taken:
                pending.append(body.decode())
            connection.execute(update(demopay_sessions).where(c.id == session_id)
                               .values(undelivered=pending or None))
        return int(taken)
