"""What the reserved area must show of each policy (R-INFO, IVASS Regolamento 41/2018 art. 42 c.3), as the
core system answers it: the covers in force, the contract's documents, the value of a Vita policy as of a
day, and the policy's suspensions. Pure data and the few rules read off it; time comes in as an argument.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal


@dataclass(frozen=True)
class Cover:
    """One guarantee of the contract: what it covers, up to how much, with what the customer bears."""

    name: str
    description: str
    limit: Decimal | None = None  # massimale / capitale assicurato; None: as the conditions say
    deductible: Decimal | None = None  # franchigia / scoperto, in euro


class DocumentKind(str, enum.Enum):
    CONDITIONS = "conditions"  # condizioni di assicurazione (set informativo)
    POLICY = "policy"  # il contratto / certificato di polizza
    RISK_CERTIFICATE = "risk_certificate"  # attestato di rischio (motor)
    STATEMENT = "statement"  # estratto conto annuale (Vita)


@dataclass(frozen=True)
class PolicyDocument:
    id: str  # unique within the policy; safe in a URL
    policy_number: str
    kind: DocumentKind
    title: str
    issued_on: date


class ValueKind(str, enum.Enum):
    SURRENDER = "surrender"  # valore di riscatto (traditional Vita, separate accounts)
    POSITION = "position"  # controvalore delle quote (unit-linked / index-linked)


@dataclass(frozen=True)
class PolicyValue:
    """The value of a Vita policy on ``as_of``, with the premiums paid into it (the base of the gain)."""

    kind: ValueKind
    amount: Decimal
    as_of: date
    premiums_paid: Decimal
    surrender_amount: Decimal | None = None  # for a unit-linked, what a surrender would be worth that day

    @property
    def surrender_value(self) -> Decimal:
        return self.amount if self.surrender_amount is None else self.surrender_amount


@dataclass(frozen=True)
class SuspensionPeriod:
    """A suspension the core system knows: from ``starts_at`` until ``ends_at`` (None: not reactivated yet)."""

    starts_at: datetime
    ends_at: datetime | None = None
    reference: str | None = None  # the core system's reference of the suspension, if it came as a request

    # Compared as instants in UTC: two Europe/Rome moments in the hour October repeats compare by wall
    # clock otherwise, which puts 02:30 summer time after 02:10 winter time.
    def active(self, now: datetime) -> bool:
        now = now.astimezone(timezone.utc)
        return self.starts_at.astimezone(timezone.utc) <= now and (
            self.ends_at is None or now < self.ends_at.astimezone(timezone.utc))

    def scheduled(self, now: datetime) -> bool:
        return now.astimezone(timezone.utc) < self.starts_at.astimezone(timezone.utc)


@dataclass(frozen=True)
class PolicyInformation:
    policy_number: str
    covers: tuple[Cover, ...] = ()
    value: PolicyValue | None = None  # Vita only
    suspensions: tuple[SuspensionPeriod, ...] = ()  # oldest first

    def current_suspension(self, now: datetime) -> SuspensionPeriod | None:
        return next((s for s in reversed(self.suspensions) if s.active(now)), None)

    def suspensions_started_in(self, year: int, zone) -> int:
        """How many suspensions start in the calendar ``year`` (Italian days): the yearly limit counts these."""
        return sum(1 for s in self.suspensions if s.starts_at.astimezone(zone).year == year)
