"""Promotional content for the dashboard (IVASS Regolamento 41/2018 art. 43).

Shown only to customers who gave the marketing consent, apart from the area's own content: the caller
checks the consent, the source only says what is on offer.
"""
from __future__ import annotations

import abc
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Promotion:
    title: str
    text: str
    link_label: str
    link_url: str


class PromotionSource(abc.ABC):
    @abc.abstractmethod
    def current(self, today: date) -> list[Promotion]:
        """The promotions running on ``today`` (an Italian day), in the order to show them; empty if none."""
