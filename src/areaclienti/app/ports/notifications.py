from __future__ import annotations

import abc
from dataclasses import dataclass


@dataclass(frozen=True)
class OutgoingEmail:
    to: str
    subject: str
    body: str


@dataclass(frozen=True)
class OutgoingSms:
    to: str  # E.164
    text: str


class SmsSender(abc.ABC):
    @abc.abstractmethod
    def send(self, sms: OutgoingSms) -> None:
        """Hand one SMS to the provider; raise if it was not accepted (the task queue retries)."""


class EmailSender(abc.ABC):
    @abc.abstractmethod
    def send(self, email: OutgoingEmail) -> None:
        """Hand one email to the mail server; raise if it was not accepted (the task queue retries)."""
