"""Seeds the demo accounts: the old consultative area (R-LEG) and one finished registration."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from areaclienti.app.ports.security import PasswordHasher
from areaclienti.app.ports.unit_of_work import UnitOfWork
from areaclienti.domain.accounts import Account, AccountOrigin, AccountStatus

from .data import DemoData


def seed_accounts(
    uow: UnitOfWork,
    *,
    data: DemoData,
    password_hasher: PasswordHasher,
    new_id: Callable[[], str],
    now: datetime,
) -> int:
    """Add the demo accounts that are missing, in one transaction.

    Idempotent: a party that already has an account (seeded before, or registered by a tester) is left
    alone.

    Returns:
        How many accounts were added.
    """
    added = 0
    with uow:
        for legacy in data.legacy_accounts:
            if uow.accounts.get_by_party(legacy.party_id) is not None:
                continue
            uow.accounts.add(
                Account.import_legacy(
                    account_id=new_id(),
                    party_id=legacy.party_id,
                    email=legacy.email,
                    mobile=legacy.mobile,
                    display_name=legacy.display_name,
                    now=now,
                )
            )
            added += 1
        for seed in data.registered_accounts:
            if uow.accounts.get_by_party(seed.party_id) is not None:
                continue
            account = Account(
                id=new_id(),
                party_id=seed.party_id,
                status=AccountStatus.CONSULTATIVE,
                origin=AccountOrigin.REGISTRATION,
                created_at=now,
                policy_number=seed.policy_number,
                email=seed.email,
                mobile=seed.mobile,
                password_hash=password_hasher.hash(seed.password),
                privacy_accepted_at=now,
                password_changed_at=now,
                display_name=seed.display_name,
                marketing_consent=seed.marketing_consent,
                marketing_consent_at=now if seed.marketing_consent else None,
            )
            if seed.document is not None:  # identified by video selfie before the demo starts
                account.register_document(seed.document, now)
            uow.accounts.add(account)
            added += 1
        uow.commit()
    return added
