from __future__ import annotations

import abc
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class OutgoingEmail:
    to: str
    subject: str
    body: str
    # Stable across re-sends of the same outbox item (the Message-ID's left part): a receiver that sees it
    # twice after a worker crash can tell it is the same message.
    reference: str = ""


@dataclass(frozen=True)
class OutgoingSms:
    to: str  # E.164
    text: str
    # The client reference passed to the provider, stable across re-sends of the same outbox item.
    reference: str = ""


class SmsSender(abc.ABC):
    @abc.abstractmethod
    def send(self, sms: OutgoingSms) -> None:
        """Hand one SMS to the provider; raise if it was not accepted (the task queue retries)."""

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Around the ``send`` calls of one batch of outbox items: a sender may hold a connection open
        for it (closed at the end). By default nothing is held."""
        yield


class EmailSender(abc.ABC):
    @abc.abstractmethod
    def send(self, email: OutgoingEmail) -> None:
        """Hand one email to the mail server; raise if it was not accepted (the task queue retries)."""

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Around the ``send`` calls of one batch of outbox items: the SMTP sender keeps one connection
        open for it (closed at the end). By default nothing is held."""
        yield
