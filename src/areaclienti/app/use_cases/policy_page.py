"""The policy page a customer is owed (R-INFO, IVASS Regolamento 41/2018 art. 42 c.3) and the «Documenti» page.

For one policy: what the customer may do today and its receipts (``PolicyRequests.functions``), the covers,
the value as of today (Vita), the suspensions, the documents to download, and the requests already made on
it. For all of them: every document of every policy the customer sees, in one call to the core system.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from areaclienti.domain.eligibility import add_months
from areaclienti.domain.errors import NotFound
from areaclienti.domain.policies import Company, Policy
from areaclienti.domain.policy_information import PolicyDocument, PolicyInformation
from areaclienti.domain.products import DispositiveFunction
from areaclienti.domain.requests import PolicyRequest

from ..calendar import italian_day
from ..ports.clock import Clock
from ..ports.core_system import PolicyCoreSystem
from ..ports.unit_of_work import UnitOfWork
from .policies import CustomerPolicies, CustomerProfile
from .requests import PolicyFunctions, PolicyRequests

REQUESTS_SHOWN = 20  # the latest requests on the policy; «Le mie richieste» has them all


@dataclass(frozen=True)
class PolicyPage:
    functions: PolicyFunctions
    information: PolicyInformation
    documents: list[PolicyDocument]
    requests: list[PolicyRequest]  # made on this policy, newest first
    now: datetime
    surrender_from: date | None = None  # surrender allowed by the rules, but not before this day


    @property
    def policy(self) -> Policy:
        return self.functions.detail.policy


@dataclass(frozen=True)
class DocumentsOverview:
    customer: CustomerProfile
    policies: list[tuple[Policy, list[PolicyDocument]]]  # Vita first, newest policies first


@dataclass
class PolicyPages:
    uow_factory: Callable[[], UnitOfWork]
    clock: Clock
    core: PolicyCoreSystem
    policies: CustomerPolicies
    requests: PolicyRequests

    def page(self, account_id: str, policy_number: str) -> PolicyPage:
        """Raises NotFound: not the customer's policy (or not visible any more)."""
        functions = self.requests.functions(account_id, policy_number)
        number = functions.detail.policy.number
        information = self.core.information(number) or PolicyInformation(number)
        documents = self.core.documents([number]).get(number, [])
        with self.uow_factory() as uow:
            made = uow.requests.for_account(account_id, policy_number=number, limit=REQUESTS_SHOWN)
        now = self.clock.now()
        return PolicyPage(functions, information, documents, made, now, self._surrender_from(functions, now))

    @staticmethod
    def _surrender_from(functions: PolicyFunctions, now: datetime) -> date | None:
        """The first day a surrender the rules allow may be asked, when it is still to come (the page says
        «possibile dal …» instead of offering a button that can only refuse)."""
        surrender = functions.function(DispositiveFunction.SURRENDER)
        if surrender is None or not surrender.allowed or functions.rules is None:
            return None
        first = add_months(functions.detail.policy.start_date, 12 * functions.rules.surrender.minimum_years)
        return first if first > italian_day(now) else None

    def documents(self, account_id: str) -> DocumentsOverview:
        """Every document of every policy the customer sees. Raises NotFound (the account cannot log in)."""
        overview = self.policies.overview(account_id)
        ordered = [p for company in (Company.VITA, Company.DANNI) for p in overview.by_company.get(company, [])]
        found = self.core.documents([p.number for p in ordered]) if ordered else {}
        return DocumentsOverview(overview.customer, [(p, found.get(p.number, [])) for p in ordered])

    def document(self, account_id: str, policy_number: str, document_id: str) -> tuple[PolicyDocument, bytes]:
        """One document of one of the customer's policies, as a PDF. Raises NotFound for anything else."""
        detail = self.policies.detail(account_id, policy_number)
        number = detail.policy.number
        found = next((d for d in self.core.documents([number]).get(number, []) if d.id == document_id), None)
        content = self.core.document_content(number, document_id) if found is not None else None
        if found is None or content is None:
            raise NotFound()
        return found, content


__all__ = ["DocumentsOverview", "PolicyPage", "PolicyPages"]
