"""Demo promotions: two offers with a running period, so the dashboard box has something to show."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from areaclienti.app.ports.promotions import Promotion, PromotionSource


@dataclass(frozen=True)
class _Offer:
    promotion: Promotion
    months: frozenset[int] = frozenset(range(1, 13))  # the months of the year it runs in


_OFFERS = (
    _Offer(Promotion(
        "Protezione Infortuni: il primo mese in omaggio",
        "Un capitale e il rimborso delle spese mediche dopo un infortunio, nel lavoro e nel tempo libero. "
        "Offerta riservata ai clienti di CA Assicurazioni.",
        "Scopri l'offerta", "https://www.example.it/offerte/protezione-infortuni")),
    _Offer(Promotion(
        "Viaggi sereni con l'assistenza in Europa",
        "Per le vacanze, la copertura spese mediche e bagagli a partire da 19 € a viaggio.",
        "Scopri Viaggio Sicuro", "https://www.example.it/offerte/viaggio-sicuro"),
        months=frozenset({5, 6, 7, 8, 11, 12})),
)


class DemoPromotions(PromotionSource):
    def current(self, today: date) -> list[Promotion]:
        return [offer.promotion for offer in _OFFERS if today.month in offer.months]
