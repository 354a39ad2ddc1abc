"""Where the demo core system reads its parties and policies: memory (the demo set) or its own database.

The demo core reads every policy and party through a :class:`PolicyStore`; product rules and covers are
a handful of rows and stay in memory. In memory the store indexes :class:`DemoData` once; over SQL each
look-up is one query, so a process answers its first request without loading 100k customers.
"""
from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import JSON, Connection, Date, Engine, Table, insert, inspect, select

from areaclienti.domain.parties import Party, PartyId, PartyKind
from areaclienti.domain.policies import (
    Contacts,
    PartyRole,
    Policy,
    PolicyStatus,
    Premium,
    PremiumFrequency,
    Product,
    Role,
    normalise_policy_number,
)

from .data import PRODUCTS, DemoData
from .tables import democore_dataset, democore_parties, democore_policies, democore_policy_roles

_PRODUCTS: dict[str, Product] = {p.code: p for p in PRODUCTS}


class PolicyStore(Protocol):
    """The demo core's parties and policies. Numbers are looked up normalised (``normalise_policy_number``)."""

    def policy(self, number: str) -> Policy | None:
        """The policy with this number, or None."""

    def policies(self, numbers: Sequence[str]) -> list[Policy]:
        """The policies among these numbers that exist (one query), in the store's order."""

    def policies_of(self, party_id: PartyId) -> list[Policy]:
        """Every policy on which the party holds a role, whatever the role (one query), in the store's order."""

    def party(self, party_id: PartyId) -> Party | None:
        """The party, or None when the core system does not know it."""


class InMemoryPolicyStore:
    """The demo dataset indexed once, so every look-up is a dict look-up."""

    def __init__(self, data: DemoData) -> None:
        self._parties = data.parties
        self._by_number: dict[str, Policy] = {}
        self._order = {policy.number: i for i, policy in enumerate(data.policies)}
        by_party: dict[PartyId, list[Policy]] = defaultdict(list)
        for policy in data.policies:
            self._by_number[normalise_policy_number(policy.number)] = policy
            for party_id in dict.fromkeys(pr.party_id for pr in policy.roles):
                by_party[party_id].append(policy)
        self._by_party = dict(by_party)

    def policy(self, number: str) -> Policy | None:
        return self._by_number.get(number)

    def policies(self, numbers: Sequence[str]) -> list[Policy]:
        found = [p for p in (self._by_number.get(n) for n in dict.fromkeys(numbers)) if p is not None]
        return sorted(found, key=lambda p: self._order[p.number])

    def policies_of(self, party_id: PartyId) -> list[Policy]:
        return list(self._by_party.get(party_id, ()))

    def party(self, party_id: PartyId) -> Party | None:
        party = self._parties.get(party_id.value)
        return party if party is not None and party.id == party_id else None


@dataclass(frozen=True)
class Dataset:
    """What the core's database holds: written on ``generated_on``, with ``customers`` generated ones."""

    generated_on: date
    customers: int
    seed: int


def stored_dataset(engine: Engine) -> Dataset | None:
    """The dataset the core's database holds, or None when it holds none (no tables, or never written)."""
    if not inspect(engine).has_table(democore_dataset.name):
        return None
    with engine.connect() as connection:
        row = connection.execute(select(democore_dataset)).mappings().first()
    return None if row is None else Dataset(row["generated_on"], row["customers"], row["seed"])


class SqlPolicyStore:
    """The core's own database. Dates were written relative to the day the data were generated: they are
    read moved by the days since, so «expired 10 months ago» stays true on any later day."""

    def __init__(self, engine: Engine, today: date | None = None) -> None:
        self._engine = engine
        dataset = stored_dataset(engine)
        self._shift = timedelta(0) if today is None or dataset is None else today - dataset.generated_on

    def policy(self, number: str) -> Policy | None:
        found = self._select(democore_policies.c.number == number)
        return found[0] if found else None

    def policies(self, numbers: Sequence[str]) -> list[Policy]:
        wanted = list(dict.fromkeys(numbers))
        return self._select(democore_policies.c.number.in_(wanted)) if wanted else []

    def policies_of(self, party_id: PartyId) -> list[Policy]:
        r = democore_policy_roles.c
        holding = select(r.policy_number).where(r.party_id == party_id.value, r.party_kind == party_id.kind.value)
        return self._select(democore_policies.c.number.in_(holding))

    def party(self, party_id: PartyId) -> Party | None:
        c = democore_parties.c
        with self._engine.connect() as connection:
            row = connection.execute(select(democore_parties).where(
                c.id == party_id.value, c.kind == party_id.kind.value)).mappings().first()
        if row is None:
            return None
        return Party(party_id, row["name"], row["birth_date"], row["first_name"], row["last_name"])

    def _select(self, where: Any) -> list[Policy]:
        """The policies matching ``where`` with their roles, in one query (a row per role)."""
        p, r = democore_policies.c, democore_policy_roles.c
        query = (select(democore_policies, r.party_kind, r.party_id, r.role)
                 .join(democore_policy_roles, r.policy_number == p.number)
                 .where(where).order_by(p.seq, r.position))
        with self._engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
        grouped: dict[str, list] = {}
        for row in rows:
            grouped.setdefault(row["number"], []).append(row)
        return [self._policy(group) for group in grouped.values()]

    def _policy(self, rows: list) -> Policy:
        row = rows[0]
        premium = None
        if row["premium_cents"] is not None:
            premium = Premium(Decimal(row["premium_cents"]).scaleb(-2), PremiumFrequency(row["premium_frequency"]),
                              self._day(row["next_due_date"]))
        contacts = {party: Contacts(c["email"], c["mobile"]) for party, c in (row["issuance_contacts"] or {}).items()}
        return Policy(row["number"], _PRODUCTS[row["product_code"]], PolicyStatus(row["status"]),
                      self._day(row["start_date"]), self._day(row["expiry_date"]),
                      tuple(PartyRole(PartyId(PartyKind(r["party_kind"]), r["party_id"]), Role(r["role"]))
                            for r in rows),
                      premium, contacts, self._day(row["suspended_on"]))

    def _day(self, day: date | None) -> date | None:
        return None if day is None else day + self._shift


# --- writing -----------------------------------------------------------------------------------------
def party_row(party: Party, seq: int, *, generated: bool, email: str | None = None,
              mobile: str | None = None) -> dict[str, Any]:
    return {"kind": party.id.kind.value, "id": party.id.value, "seq": seq, "name": party.name,
            "first_name": party.first_name, "last_name": party.last_name, "birth_date": party.birth_date,
            "email": email, "mobile": mobile, "generated": generated}


def policy_rows(policy: Policy, seq: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The policy's row and its roles' rows."""
    premium = policy.premium
    row = {"number": policy.number, "seq": seq, "product_code": policy.product.code, "status": policy.status.value,
           "start_date": policy.start_date, "expiry_date": policy.expiry_date,
           "premium_cents": None if premium is None else int(premium.amount * 100),
           "premium_frequency": None if premium is None else premium.frequency.value,
           "next_due_date": None if premium is None else premium.next_due_date,
           "suspended_on": policy.suspended_on,
           "issuance_contacts": {k: {"email": c.email, "mobile": c.mobile}
                                 for k, c in policy.issuance_contacts.items()} or None}
    roles = [{"policy_number": policy.number, "position": i, "party_kind": pr.party_id.kind.value,
              "party_id": pr.party_id.value, "role": pr.role.value} for i, pr in enumerate(policy.roles)]
    return row, roles


def insert_parties(connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Insert party rows (``party_row``) in one statement (executemany)."""
    bulk_insert(connection, democore_parties, rows)


def insert_policies(connection: Connection, policies: Sequence[Policy], *, first_seq: int) -> None:
    """Insert the policies, numbered in order from ``first_seq``, and their roles: two statements."""
    rows, roles = [], []
    for seq, policy in enumerate(policies, start=first_seq):
        row, its_roles = policy_rows(policy, seq)
        rows.append(row)
        roles.extend(its_roles)
    bulk_insert(connection, democore_policies, rows)
    bulk_insert(connection, democore_policy_roles, roles)


_PLACEHOLDERS = {"qmark": "?", "format": "%s", "pyformat": "%({})s", "named": ":{}"}


def bulk_insert(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """One INSERT executed for every row by the driver's executemany.

    The rows go to the driver as they are, dates and JSON converted here: SQLAlchemy's per-row parameter
    processing cost more than the database's work for a million rows. Only plain columns (no defaults).
    """
    if not rows:
        return
    names = list(rows[0])
    style = connection.dialect.paramstyle
    if style not in _PLACEHOLDERS:
        connection.execute(insert(table), list(rows))
        return
    preparer = connection.dialect.identifier_preparer
    marks = [_PLACEHOLDERS[style].format(name) for name in names]
    sql = (f"INSERT INTO {preparer.format_table(table)} ({', '.join(preparer.quote(n) for n in names)}) "
           f"VALUES ({', '.join(marks)})")
    sqlite = connection.dialect.name == "sqlite"
    converters = [_converter(table.c[name].type, sqlite) for name in names]
    if style in ("pyformat", "named"):
        params: list = [{n: convert(row[n]) for n, convert in zip(names, converters)} for row in rows]
    else:
        params = [tuple(convert(row[n]) for n, convert in zip(names, converters)) for row in rows]
    connection.exec_driver_sql(sql, params)


def _same(value: Any) -> Any:
    return value


def _json(value: Any) -> Any:
    return None if value is None else json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _iso_day(value: date | None) -> str | None:  # as SQLAlchemy's SQLite Date stores it
    return None if value is None else value.isoformat()


def _converter(column_type: Any, sqlite: bool):
    if isinstance(column_type, JSON):
        return _json
    if sqlite and isinstance(column_type, Date):
        return _iso_day
    return _same
