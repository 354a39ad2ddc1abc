"""Who may enter Area Clienti, and with which policies (R-ELIG-1, R-ELIG-2)."""
from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date

from .errors import PolicyDataMismatch, PolicyTooOld, RoleDoesNotQualify
from .parties import PartyId
from .policies import Policy, PolicyStatus, Role

QUALIFYING_ROLES = frozenset({Role.POLICYHOLDER, Role.MEMBER, Role.RISK_CERTIFICATE_HOLDER})
ACCESS_WINDOW_MONTHS = 24


def add_months(day: date, months: int) -> date:
    """Calendar months later; a day past the end of the target month falls on its last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def is_in_force(policy: Policy, today: date) -> bool:
    if policy.status not in (PolicyStatus.IN_FORCE, PolicyStatus.SUSPENDED):
        return False
    return policy.expiry_date is None or policy.expiry_date >= today


def access_window_closes_on(policy: Policy) -> date | None:
    """The first day on which an expired policy no longer opens Area Clienti (None: never closes)."""
    if policy.expiry_date is None:
        return None
    return add_months(policy.expiry_date, ACCESS_WINDOW_MONTHS)


def is_within_access_window(policy: Policy, today: date) -> bool:
    """A policy opens Area Clienti while in force, or while expiry + 24 months is after today."""
    if is_in_force(policy, today):
        return True
    closes_on = access_window_closes_on(policy)
    return closes_on is not None and closes_on > today


def has_qualifying_role(policy: Policy, party_id: PartyId) -> bool:
    """Policyholders, members and risk-certificate holders qualify; insured or beneficiaries alone do not."""
    return bool(policy.roles_of(party_id) & QUALIFYING_ROLES)


def check_can_register_with(policy: Policy | None, party_id: PartyId, today: date) -> None:
    """A party may register with a policy when they hold a qualifying role on it and it is recent enough.

    Raises:
        PolicyDataMismatch: the policy is unknown or the party holds no role on it (one answer, so the
            page reveals nothing beyond what was typed).
        RoleDoesNotQualify: the party is on the policy only as insured or beneficiary.
        PolicyTooOld: the policy expired 24 months ago or more.
    """
    if policy is None or not policy.roles_of(party_id):
        raise PolicyDataMismatch()
    if not has_qualifying_role(policy, party_id):
        raise RoleDoesNotQualify()
    if not is_within_access_window(policy, today):
        raise PolicyTooOld()


def visible_policies(policies: Iterable[Policy], party_id: PartyId, today: date) -> list[Policy]:
    """The policies a customer sees: a qualifying role, inside the access window."""
    return [
        p for p in policies if has_qualifying_role(p, party_id) and is_within_access_window(p, today)
    ]
