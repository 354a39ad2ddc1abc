"""Suspension and reactivation (R-DISP-SUSP): scheduling, the effect shown before confirming, withdrawal.

A policy in force may be suspended from a day and optionally an hour (Italian time, never in the past, at
most the product's number of times a calendar year); a suspended one may be reactivated within the
product's window, and the page shows the expiry it will have. A suspension scheduled for later can be
withdrawn until it starts: the request ends «ritirata» and, if the core system already had it, the
withdrawal reaches it exactly once (its own outbox item, keyed by the request).

Both are requests of the shared life cycle (``PolicyRequests.submit``); the core system applies them and
answers the policy's suspensions in ``information``.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time

from areaclienti.domain.audit import AuditEvent, AuditEventKind
from areaclienti.domain.availability import Scope
from areaclienti.domain.errors import (
    DayMissing,
    NotFound,
    PolicyAlreadySuspended,
    PolicyNotSuspended,
    SuspensionAlreadyScheduled,
    SuspensionAlreadyStarted,
)
from areaclienti.domain.policy_information import PolicyInformation, SuspensionPeriod
from areaclienti.domain.products import DispositiveFunction
from areaclienti.domain.requests import WITHDRAWABLE, PolicyRequest, RequestKind, RequestStatus
from areaclienti.domain.suspension import (
    ROME,
    SuspensionRules,
    check_reactivation,
    check_suspension,
    moved_expiry,
    reactivation_window,
    starts_at,
)

from ..notifications import Notifier
from ..ports.clock import Clock
from ..ports.core_system import SUSPENSION_WITHDRAWAL, HandOff, PolicyCoreSystem
from ..ports.repositories import OutboxKind
from ..ports.unit_of_work import UnitOfWork
from .policies import PolicyDetail
from .requests import PolicyRequests

# Requests of the customer's own that the core system may not have yet: they count as scheduled already.
_NOT_YET_WITH_CORE = frozenset({RequestStatus.SUBMITTED, RequestStatus.UNDER_REVIEW, RequestStatus.RELEASED})


@dataclass(frozen=True)
class Scheduled:
    """A suspension or reactivation asked for and not started yet."""

    request: PolicyRequest
    starts_at: datetime


@dataclass(frozen=True)
class SuspensionState:
    """Where the policy stands for suspending or reactivating, and what may be done now."""

    detail: PolicyDetail
    rules: SuspensionRules
    scope: Scope  # SUSPEND (in force) or REACTIVATE (suspended)
    information: PolicyInformation
    now: datetime
    suspension: Scheduled | None = None  # a suspension scheduled for later: it can be withdrawn
    reactivation: Scheduled | None = None  # a reactivation asked for and not started yet
    current: SuspensionPeriod | None = None  # the suspension running now
    used_this_year: int = 0

    @property
    def can_suspend(self) -> bool:
        return (self.scope is Scope.SUSPEND and self.suspension is None
                and self.used_this_year < self.rules.max_per_year)

    @property
    def can_reactivate(self) -> bool:
        return self.scope is Scope.REACTIVATE and self.current is not None and self.reactivation is None

    @property
    def window(self) -> tuple[date, date] | None:
        """The first and last day the cover may start again (Italian days), for a running suspension."""
        return reactivation_window(self.current.starts_at, self.rules) if self.current else None


@dataclass(frozen=True)
class SuspensionEffect:
    """What a suspension from ``starts_at`` does, as the product computes it."""

    starts_at: datetime
    expiry: date | None  # today's expiry; it moves on by the days the cover stays suspended
    reactivate_from: date
    reactivate_until: date  # after this day the contract lapses


@dataclass(frozen=True)
class ReactivationEffect:
    starts_at: datetime
    suspended_from: datetime
    days_suspended: int
    expiry_before: date | None
    expiry_after: date | None


@dataclass(frozen=True)
class ScheduleChange:
    account_id: str
    policy_number: str
    day: date | None
    hour: time | None
    idempotency_key: str


@dataclass
class Suspensions:
    uow_factory: Callable[[], UnitOfWork]
    clock: Clock
    core: PolicyCoreSystem
    requests: PolicyRequests
    notifier: Notifier

    # --- what the page shows -------------------------------------------------------------------------------
    def state(self, account_id: str, policy_number: str) -> SuspensionState:
        """Raises NotFound, FunctionNotAvailable (not offered, role, policy state, not live, identification)."""
        detail, rules, allowed = self.requests.allowed(account_id, policy_number, DispositiveFunction.SUSPENSION)
        now = self.clock.now()
        information = self.core.information(detail.policy.number) or PolicyInformation(detail.policy.number)
        with self.uow_factory() as uow:
            mine = uow.requests.for_account(account_id, policy_number=detail.policy.number, limit=50)
        suspension = reactivation = None
        pending_suspensions = 0
        for request in mine:  # newest first
            begins = _starts_at(request)
            if request.status not in WITHDRAWABLE or begins is None:
                continue
            if request.kind is RequestKind.SUSPENSION:
                if request.status in _NOT_YET_WITH_CORE and begins.year == now.astimezone(ROME).year:
                    pending_suspensions += 1
                if begins > now and suspension is None:
                    suspension = Scheduled(request, begins)
            elif request.kind is RequestKind.REACTIVATION and begins > now and reactivation is None:
                reactivation = Scheduled(request, begins)
        used = information.suspensions_started_in(now.astimezone(ROME).year, ROME) + pending_suspensions
        return SuspensionState(detail, rules.suspension, allowed.scope, information, now, suspension, reactivation,
                               information.current_suspension(now), used)

    def suspension_effect(self, account_id: str, policy_number: str, day: date | None,
                          hour: time | None) -> tuple[SuspensionState, SuspensionEffect]:
        """The effect of suspending from ``day`` at ``hour``, checked as «conferma» will check it.

        Raises:
            NotFound, FunctionNotAvailable, PolicyAlreadySuspended, SuspensionAlreadyScheduled, DayMissing,
            SuspensionInThePast, TooManySuspensions.
        """
        state = self.state(account_id, policy_number)
        if state.scope is not Scope.SUSPEND:
            raise PolicyAlreadySuspended()
        if state.suspension is not None:
            raise SuspensionAlreadyScheduled(starts_at=state.suspension.starts_at)
        begins = _moment(day, hour)
        check_suspension(begins, now=state.now, suspensions_this_year=_used_in(state, begins),
                         rules=state.rules)
        first, last = reactivation_window(begins, state.rules)
        return state, SuspensionEffect(begins, state.detail.policy.expiry_date, first, last)

    def reactivation_effect(self, account_id: str, policy_number: str, day: date | None,
                            hour: time | None) -> tuple[SuspensionState, ReactivationEffect]:
        """The effect of reactivating from ``day`` at ``hour``: the days suspended and the new expiry.

        Raises:
            NotFound, FunctionNotAvailable, PolicyNotSuspended, SuspensionAlreadyScheduled (a reactivation is
            already asked), DayMissing, SuspensionInThePast, ReactivationOutOfRange.
        """
        state = self.state(account_id, policy_number)
        if state.scope is not Scope.REACTIVATE or state.current is None:
            raise PolicyNotSuspended()
        if state.reactivation is not None:
            raise SuspensionAlreadyScheduled(starts_at=state.reactivation.starts_at)
        begins = _moment(day, hour)
        check_reactivation(begins, now=state.now, suspended_from=state.current.starts_at, rules=state.rules)
        expiry = state.detail.policy.expiry_date
        days = (begins.astimezone(ROME).date() - state.current.starts_at.astimezone(ROME).date()).days
        return state, ReactivationEffect(begins, state.current.starts_at, days, expiry,
                                         moved_expiry(expiry, state.current.starts_at, begins) if expiry else None)

    # --- the requests ----------------------------------------------------------------------------------------
    def suspend(self, cmd: ScheduleChange) -> PolicyRequest:
        """Schedule a suspension (the same key again answers the first request). Raises as ``suspension_effect``."""
        earlier = self._earlier(cmd)
        if earlier is not None:
            return earlier
        state, effect = self.suspension_effect(cmd.account_id, cmd.policy_number, cmd.day, cmd.hour)
        payload = {"suspension": {"starts_at": effect.starts_at.isoformat(),
                                  "expiry": effect.expiry.isoformat() if effect.expiry else None,
                                  "reactivate_from": effect.reactivate_from.isoformat(),
                                  "reactivate_until": effect.reactivate_until.isoformat()}}
        return self.requests.submit(cmd.account_id, cmd.idempotency_key, state.detail, RequestKind.SUSPENSION,
                                    payload)

    def reactivate(self, cmd: ScheduleChange) -> PolicyRequest:
        """Ask for the cover to start again. Raises as ``reactivation_effect``."""
        earlier = self._earlier(cmd)
        if earlier is not None:
            return earlier
        state, effect = self.reactivation_effect(cmd.account_id, cmd.policy_number, cmd.day, cmd.hour)
        payload = {"reactivation": {"starts_at": effect.starts_at.isoformat(),
                                    "suspended_from": effect.suspended_from.isoformat(),
                                    "days_suspended": effect.days_suspended,
                                    "expiry_before": effect.expiry_before.isoformat() if effect.expiry_before else None,
                                    "expiry_after": effect.expiry_after.isoformat() if effect.expiry_after else None}}
        return self.requests.submit(cmd.account_id, cmd.idempotency_key, state.detail, RequestKind.REACTIVATION,
                                    payload)

    def withdraw(self, account_id: str, request_number: str) -> PolicyRequest:
        """Withdraw one of the customer's scheduled suspensions before it starts; a second withdrawal of the
        same request answers it unchanged.

        Raises:
            NotFound (not the customer's), SuspensionAlreadyStarted (started, or not a scheduled suspension).
        """
        now = self.clock.now()
        with self.uow_factory() as uow:
            found = uow.requests.get_by_number((request_number or "").strip().upper())
            if found is None or found.account_id != account_id:
                raise NotFound()
            request = uow.requests.get(found.id, lock=True)
            assert request is not None
            if request.status is RequestStatus.WITHDRAWN:
                return request
            begins = _starts_at(request)
            if begins is None or request.kind is not RequestKind.SUSPENSION or request.status not in WITHDRAWABLE \
                    or not now < begins:
                raise SuspensionAlreadyStarted()
            # A hand-over may be on its way: it calls the core system before it locks the request
            # (PolicyRequests.hand_over), so the core system may get the suspension after this commit.
            may_have_it = (request.core_reference is not None or request.status not in _NOT_YET_WITH_CORE
                           or request.ready_for_core_system())
            request.withdraw(now, begins)
            uow.requests.save(request)
            if may_have_it:  # the core system scheduled it: it must hear of the withdrawal, exactly once
                self.notifier.add(uow, OutboxKind.HAND_OVER_WITHDRAWAL, {"request_id": request.id}, now=now)
            uow.audit.add(AuditEvent(AuditEventKind.REQUEST_WITHDRAWN, now, account_id=account_id,
                                     details={"number": request.number}))
            account = uow.accounts.get(account_id)
            if account is not None:
                self.requests.tell(uow, request, account.display_name, account.email, now)
            uow.commit()
        return request

    def hand_over_withdrawal(self, uow: UnitOfWork, *, now: datetime, request_id: str) -> None:
        """Outbox step: tell the core system the suspension is withdrawn; keyed by the request, so a retry
        after a crash is received once."""
        request = uow.requests.get(request_id)
        if request is None or request.status is not RequestStatus.WITHDRAWN:
            return
        self.core.hand_over(HandOff(
            key=f"{request.id}:withdrawal", request_number=request.number, kind=SUSPENSION_WITHDRAWAL,
            policy_number=request.policy_number, party_id=request.party_id, payload={"withdraws": request.id},
            submitted_at=request.events[-1].at))

    def _earlier(self, cmd: ScheduleChange) -> PolicyRequest | None:
        with self.uow_factory() as uow:
            return uow.requests.get_by_key(cmd.account_id, cmd.idempotency_key)


def _moment(day: date | None, hour: time | None) -> datetime:
    if day is None:
        raise DayMissing()
    return starts_at(day, hour)


def _used_in(state: SuspensionState, begins: datetime) -> int:
    """Suspensions already counted in the calendar year of ``begins`` (the yearly limit)."""
    year = begins.astimezone(ROME).year
    if year == state.now.astimezone(ROME).year:
        return state.used_this_year
    return state.information.suspensions_started_in(year, ROME)


def _starts_at(request: PolicyRequest) -> datetime | None:
    section = request.payload.get(request.kind.value) or {}
    raw = section.get("starts_at") if isinstance(section, dict) else None
    return datetime.fromisoformat(raw) if raw else None


__all__ = ["ReactivationEffect", "ScheduleChange", "SuspensionEffect", "SuspensionState", "Suspensions"]
