"""The privacy and marketing consents from the reserved area (issue 12): their state, history and changes."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from areaclienti.domain.accounts import Account
from areaclienti.domain.consents import (
    ConsentChannel,
    ConsentEvent,
    ConsentKind,
    ConsentState,
    change_consent,
    current_state,
)
from areaclienti.domain.errors import NotFound

from ..ports.clock import Clock
from ..ports.security import SecretGenerator
from ..ports.unit_of_work import UnitOfWork

HISTORY_LIMIT = 100


@dataclass(frozen=True)
class ChangeConsent:
    account_id: str
    consent: ConsentKind
    given: bool
    channel: ConsentChannel = ConsentChannel.WEB


@dataclass(frozen=True)
class ConsentsOverview:
    privacy: ConsentState
    marketing: ConsentState
    history: list[ConsentEvent]  # newest first


@dataclass
class Consents:
    uow_factory: Callable[[], UnitOfWork]
    clock: Clock
    secrets: SecretGenerator

    def overview(self, account_id: str) -> ConsentsOverview:
        """The account's consents as they stand and every change recorded, newest first.

        Raises:
            NotFound: the account cannot log in (any more).
        """
        with self.uow_factory() as uow:
            account = self._account(uow, account_id)
            history = uow.consents.for_account(account_id, limit=HISTORY_LIMIT)
        return _overview(account, history)

    def change(self, cmd: ChangeConsent) -> bool:
        """Give or withdraw a consent; the account (what the dashboard reads) and the history change
        together, so a withdrawn marketing consent hides the promotional box at the next page.

        Returns:
            True when the consent changed, False when it already was so (nothing recorded).
        Raises:
            NotFound: the account cannot log in (any more).
            PrivacyConsentRequired: withdrawing the privacy consent while the account is open.
        """
        now = self.clock.now()
        with self.uow_factory() as uow:
            account = self._account(uow, cmd.account_id)
            event = change_consent(account, cmd.consent, cmd.given, now=now, event_id=self.secrets.new_id(),
                                   channel=cmd.channel)
            if event is None:
                return False
            uow.accounts.save(account)
            uow.consents.add(event)
            uow.commit()
        return True

    @staticmethod
    def _account(uow: UnitOfWork, account_id: str) -> Account:
        account = uow.accounts.get(account_id)
        if account is None or not account.can_log_in:
            raise NotFound()
        return account


def _overview(account: Account, history: list[ConsentEvent]) -> ConsentsOverview:
    return ConsentsOverview(
        privacy=current_state(account, history, ConsentKind.PRIVACY),
        marketing=current_state(account, history, ConsentKind.MARKETING),
        history=history,
    )
