"""SmsSender and EmailSender that write to the development outbox instead of delivering."""
from __future__ import annotations

from areaclienti.app.ports.clock import Clock
from areaclienti.app.ports.notifications import EmailSender, OutgoingEmail, OutgoingSms, SmsSender

from .store import DevOutbox


class DevOutboxSmsSender(SmsSender):
    def __init__(self, outbox: DevOutbox, clock: Clock) -> None:
        self._outbox = outbox
        self._clock = clock

    def send(self, sms: OutgoingSms) -> None:
        self._outbox.append("sms", sms.to, "", sms.text, self._clock.now(), reference=sms.reference)


class DevOutboxEmailSender(EmailSender):
    def __init__(self, outbox: DevOutbox, clock: Clock) -> None:
        self._outbox = outbox
        self._clock = clock

    def send(self, email: OutgoingEmail) -> None:
        self._outbox.append("email", email.to, email.subject, email.body, self._clock.now(),
                            reference=email.reference)
