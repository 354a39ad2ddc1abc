"""The consultative area: the customer's policies, grouped by company, and one policy's detail."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from areaclienti.domain.accounts import Account
from areaclienti.domain.eligibility import QUALIFYING_ROLES, visible_policies
from areaclienti.domain.errors import NotFound
from areaclienti.domain.identification import AttemptStatus, Gate, IdentityDocument
from areaclienti.domain.policies import Company, Policy, Role, normalise_policy_number

from ..ports.clock import Clock
from ..ports.core_system import PolicyCoreSystem
from ..ports.unit_of_work import UnitOfWork
from ..calendar import italian_day


@dataclass(frozen=True)
class CustomerProfile:
    account_id: str
    party_id: str
    is_company: bool
    display_name: str
    email: str | None
    mobile: str | None
    identification_pending: bool
    marketing_consent: bool
    document: IdentityDocument | None = None  # the identity document in force (R-ID-6)
    gate: Gate | None = None  # may the customer use the dispositive functions today, and if not why (R-ID-5)
    open_identification: AttemptStatus | None = None  # the open attempt's state, where it was looked up


@dataclass(frozen=True)
class PolicyOverview:
    customer: CustomerProfile
    by_company: dict[Company, list[Policy]] = field(default_factory=dict)


@dataclass(frozen=True)
class PolicyDetail:
    customer: CustomerProfile
    policy: Policy
    my_roles: frozenset[Role]


def profile_of(account: Account, gate: Gate | None = None,
               open_identification: AttemptStatus | None = None) -> CustomerProfile:
    return CustomerProfile(
        account_id=account.id,
        party_id=account.party_id.value,
        is_company=account.party_id.is_company,
        display_name=account.display_name or account.party_id.value,
        email=account.email,
        mobile=account.mobile,
        identification_pending=account.identification_pending,
        marketing_consent=account.marketing_consent,
        document=account.registered_document.document if account.registered_document else None,
        gate=gate,
        open_identification=open_identification,
    )


@dataclass
class CustomerPolicies:
    uow_factory: Callable[[], UnitOfWork]
    core: PolicyCoreSystem
    clock: Clock

    def profile(self, account_id: str) -> CustomerProfile:
        """The signed-in customer's profile, with the identity document in force and the identification in
        progress, if any (R-ID-6); NotFound when the account cannot log in any more."""
        return profile_of(*self._account(account_id, always_look_up_attempt=True))

    def overview(self, account_id: str) -> PolicyOverview:
        """Every policy the customer may see, Vita first, one call to the core system whatever their number."""
        account, gate, open_status = self._account(account_id)
        policies = visible_policies(self.core.policies_of(account.party_id), account.party_id,
                                    italian_day(self.clock.now()))
        grouped: dict[Company, list[Policy]] = {Company.VITA: [], Company.DANNI: []}
        for policy in sorted(policies, key=lambda p: (p.start_date, p.number), reverse=True):
            grouped[policy.company].append(policy)
        return PolicyOverview(profile_of(account, gate, open_status), grouped)

    def detail(self, account_id: str, policy_number: str) -> PolicyDetail:
        """One policy, only if the customer holds a qualifying role on it; NotFound otherwise."""
        account, gate, open_status = self._account(account_id)
        policy = self.core.find_policy(normalise_policy_number(policy_number))
        if policy is None or not visible_policies([policy], account.party_id, italian_day(self.clock.now())):
            raise NotFound()
        return PolicyDetail(profile_of(account, gate, open_status), policy,
                            policy.roles_of(account.party_id) & QUALIFYING_ROLES)

    def _account(self, account_id: str, *, always_look_up_attempt: bool = False
                 ) -> tuple[Account, Gate, AttemptStatus | None]:
        """The account, its gate and the state of its open identification. An account allowed today
        pays no further query unless asked; any other looks up its open identification, to tell «in
        progress» and «under review» apart."""
        today = italian_day(self.clock.now())
        with self.uow_factory() as uow:
            account = uow.accounts.get(account_id)
            if account is None or not account.can_log_in:
                raise NotFound()
            gate, open_status = account.gate(today), None
            if always_look_up_attempt or not gate.allowed:
                attempt = uow.identifications.open_for_account(account_id)
                open_status = attempt.status if attempt else None
                gate = account.gate(today, open_status)
        return account, gate, open_status
