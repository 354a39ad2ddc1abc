"""SMS and email senders that keep what they send, for tests."""
from __future__ import annotations

from areaclienti.app.ports.notifications import EmailSender, OutgoingEmail, OutgoingSms, SmsSender


class RecordingSmsSender(SmsSender):
    def __init__(self) -> None:
        self.sent: list[OutgoingSms] = []

    def send(self, sms: OutgoingSms) -> None:
        self.sent.append(sms)

    def to(self, recipient: str) -> list[OutgoingSms]:
        """Every SMS sent to this number, oldest first."""
        return [sms for sms in self.sent if sms.to == recipient]

    def last_to(self, recipient: str) -> OutgoingSms:
        """The newest SMS sent to this number; AssertionError when there is none."""
        found = self.to(recipient)
        assert found, f"no SMS was sent to {recipient}"
        return found[-1]

    def clear(self) -> None:
        self.sent.clear()


class RecordingEmailSender(EmailSender):
    def __init__(self) -> None:
        self.sent: list[OutgoingEmail] = []

    def send(self, email: OutgoingEmail) -> None:
        self.sent.append(email)

    def to(self, recipient: str) -> list[OutgoingEmail]:
        """Every email sent to this address, oldest first."""
        return [email for email in self.sent if email.to == recipient]

    def last_to(self, recipient: str) -> OutgoingEmail:
        """The newest email sent to this address; AssertionError when there is none."""
        found = self.to(recipient)
        assert found, f"no email was sent to {recipient}"
        return found[-1]

    def clear(self) -> None:
        self.sent.clear()


class FailingEmailSender(EmailSender):
    """Refuses the first ``failures`` emails (all of them by default), then records the rest."""

    def __init__(self, failures: int | None = None) -> None:
        self.failures_left = failures
        self.attempts = 0
        self.sent: list[OutgoingEmail] = []

    def send(self, email: OutgoingEmail) -> None:
        self.attempts += 1
        if self.failures_left is None or self.failures_left > 0:
            if self.failures_left is not None:
                self.failures_left -= 1
            raise ConnectionError("mail server unavailable (test double)")
        self.sent.append(email)


class FailingSmsSender(SmsSender):
    """Refuses the first ``failures`` SMS (all of them by default), then records the rest."""

    def __init__(self, failures: int | None = None) -> None:
        self.failures_left = failures
        self.attempts = 0
        self.sent: list[OutgoingSms] = []

    def send(self, sms: OutgoingSms) -> None:
        self.attempts += 1
        if self.failures_left is None or self.failures_left > 0:
            if self.failures_left is not None:
                self.failures_left -= 1
            raise ConnectionError("SMS provider unavailable (test double)")
        self.sent.append(sms)
