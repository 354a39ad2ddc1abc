"""Absolute links to the customer site, for emails (the paths match the customer and profile blueprints).

Outside `web` because the composition root builds it, and `web` builds on the composition root.
"""
from __future__ import annotations

from areaclienti.app.ports.links import LinkBuilder


class WebLinks(LinkBuilder):
    def __init__(self, base_url: str) -> None:
        self._base = base_url.rstrip("/")

    def set_password(self, token: str) -> str:
        return f"{self._base}/password/imposta/{token}"

    def reset_password(self, token: str) -> str:
        return f"{self._base}/password/imposta/{token}"

    def confirm_email_change(self, token: str) -> str:
        return f"{self._base}/email/conferma/{token}"

    def assistance_thread(self, token: str) -> str:
        return f"{self._base}/assistenza/richiesta/{token}"

    def cancel_email_change(self, token: str) -> str:
        return f"{self._base}/email/annulla/{token}"

    def register(self) -> str:
        return f"{self._base}/registrazione"

    def login(self) -> str:
        return f"{self._base}/accesso"

    def identification(self) -> str:
        return f"{self._base}/area-clienti/identificazione"

    def request(self, number: str) -> str:
        return f"{self._base}/area-clienti/richieste/{number}"

    def payment_return(self, number: str) -> str:
        return f"{self._base}/area-clienti/richieste/{number}/esito-pagamento"

    def payment_notifications(self) -> str:
        return f"{self._base}/pagamenti/notifiche"
