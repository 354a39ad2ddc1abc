"""Documents the customer downloads: the receipt of a policy request (SPEC §4)."""
from __future__ import annotations

import abc
from dataclasses import dataclass


@dataclass(frozen=True)
class ReceiptDocument:
    """What a request's receipt says, already worded in the customer's language: the renderer only lays it out."""

    issuer: str  # the company: CA Vita S.p.A. or CA Assicurazioni S.p.A.
    title: str
    reference: str  # the request number, shown large
    rows: tuple[tuple[str, str], ...]  # (label, value), in order
    footer: str = ""


class ReceiptRenderer(abc.ABC):
    @abc.abstractmethod
    def render(self, document: ReceiptDocument) -> bytes:
        """The receipt as a PDF file (bytes starting with ``%PDF``)."""
