"""Personal data changes (R-DISP-DATA): residence, domicile, contact details, correspondence email and the
delivery mode of communications, the data the insurer's core system holds.

Each form sends one request on the shared life cycle (``PolicyRequests.submit``: number, timeline, receipt,
exactly-once hand-off), one per party: the core system applies it to every policy of the party. A request
needs a policy to hang on: the one the customer came from (the policy page's «Richiesta di modifica dati»), or
else the account's registration policy, or else any policy of the customer that allows the change. Only
customers past the identification gate (R-ID-5) may send one, as for every dispositive function.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from areaclienti.domain.data_changes import (
    PartyDetails,
    Section,
    checked_changes,
    pending_values,
)
from areaclienti.domain.errors import FunctionNotAvailable, NotFound
from areaclienti.domain.parties import parse_party_id
from areaclienti.domain.products import DispositiveFunction
from areaclienti.domain.requests import FINAL, PolicyRequest, RequestKind

from ..ports.core_system import PolicyCoreSystem
from ..ports.places import Places
from ..ports.unit_of_work import UnitOfWork
from .policies import CustomerPolicies, CustomerProfile, PolicyDetail
from .requests import PolicyRequests

F = DispositiveFunction.DATA_CHANGE


@dataclass(frozen=True)
class PersonalData:
    """What the personal data page shows: the current values, what is pending and whether (and from which
    policy) the customer may ask a change today."""

    customer: CustomerProfile
    details: PartyDetails
    pending: dict[str, Any]  # field -> the value asked by a request not yet final («in lavorazione»)
    pending_numbers: dict[str, str]  # field -> that request's number
    policy_number: str | None  # the policy a change hangs on (None: no policy allows it)
    refusal: FunctionNotAvailable | None = None  # why the customer may not ask a change today

    @property
    def allowed(self) -> bool:
        return self.refusal is None and self.policy_number is not None


@dataclass(frozen=True)
class ChangePersonalData:
    account_id: str
    section: Section
    typed: Mapping[str, Any]  # the form's fields, as typed
    idempotency_key: str
    policy_number: str | None = None  # the policy the customer came from, if any


@dataclass
class DataChanges:
    uow_factory: Callable[[], UnitOfWork]
    core: PolicyCoreSystem
    places: Places
    policies: CustomerPolicies
    requests: PolicyRequests
    countries_locale: str = "it"

    def page(self, account_id: str, policy_number: str | None = None) -> PersonalData:
        """The customer's personal data as the core system holds them, with what their requests not yet final
        ask beside each field; the refusal (e.g. the identification gate) when no change may be sent today.

        Raises:
            NotFound: the account cannot log in any more, or ``policy_number`` is not the customer's.
        """
        profile = self.policies.profile(account_id)
        try:
            detail = self._policy(account_id, policy_number)
            refusal = None
        except FunctionNotAvailable as refused:
            detail, refusal = None, refused
        details = self.core.party_details(parse_party_id(profile.party_id)) or PartyDetails()
        pending, numbers = self._pending(account_id)
        return PersonalData(profile, details, pending, numbers, detail.policy.number if detail else None, refusal)

    def submit(self, cmd: ChangePersonalData) -> PolicyRequest:
        """Send the change one form asks for (the same key again answers the first request).

        Raises:
            NotFound, FunctionNotAvailable (with the refusal and the gate's reason), PersonalDataInvalid (every
            field at fault, or nothing changed).
        """
        with self.uow_factory() as uow:
            earlier = uow.requests.get_by_key(cmd.account_id, cmd.idempotency_key)
        if earlier is not None:
            return earlier
        detail = self._policy(cmd.account_id, cmd.policy_number)
        current = self.core.party_details(parse_party_id(detail.customer.party_id)) or PartyDetails()
        changes = checked_changes(cmd.section, cmd.typed, current, comuni_named=self.places.comuni_named,
                                  countries=self.places.countries(self.countries_locale))
        payload = {"party_id": detail.customer.party_id, "section": cmd.section.value, "changes": changes}
        return self.requests.submit(cmd.account_id, cmd.idempotency_key, detail, RequestKind.DATA_CHANGE, payload)

    # --- which policy the request hangs on ---------------------------------------------------------------
    def _policy(self, account_id: str, policy_number: str | None) -> PolicyDetail:
        """The policy a change hangs on: the one named (its refusal if it may not), else the registration
        policy, else the first of the customer's policies that allows it (else the first refusal)."""
        if policy_number:
            return self.requests.allowed(account_id, policy_number, F)[0]
        overview = self.policies.overview(account_id)
        with self.uow_factory() as uow:
            account = uow.accounts.get(account_id)
        candidates = [account.policy_number] if account is not None and account.policy_number else []
        candidates += [p.number for group in overview.by_company.values() for p in group]
        first: FunctionNotAvailable | None = None
        for number in dict.fromkeys(candidates):
            try:
                return self.requests.allowed(account_id, number, F)[0]
            except NotFound:
                continue
            except FunctionNotAvailable as refused:
                first = first or refused
        raise first or FunctionNotAvailable(refusal="not_offered")

    def _pending(self, account_id: str) -> tuple[dict[str, Any], dict[str, str]]:
        with self.uow_factory() as uow:
            open_ = [r for r in uow.requests.for_account(account_id, limit=200)  # newest first
                     if r.kind is RequestKind.DATA_CHANGE and r.status not in FINAL]
        numbers: dict[str, str] = {}
        for request in open_:
            for name in request.payload.get("changes") or {}:
                numbers.setdefault(name, request.number)
        return pending_values([r.payload for r in open_]), numbers


__all__ = ["ChangePersonalData", "DataChanges", "PersonalData"]
