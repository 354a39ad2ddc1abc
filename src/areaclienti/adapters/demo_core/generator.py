"""N realistic customers for the demo core system's own database, and their accounts for a benchmark.

``write_dataset`` writes the demo scenarios' parties and policies, then ``customers`` generated ones:
Italian names, valid codici fiscali (partite IVA for a few companies), 1 to 5 policies each across the
products with their roles, dates relative to the day of writing and premiums. Deterministic for a seed.
``customer_accounts`` and ``load_accounts`` put accounts for them straight into the application's
database (one precomputed password hash for all), so a benchmark signs in as any of them.
"""
from __future__ import annotations

import bisect
import functools
import itertools
import random
import time
import unicodedata
import uuid
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, func, insert, select

from areaclienti.adapters.sqlalchemy.tables import accounts
from areaclienti.domain.accounts import AccountOrigin, AccountStatus
from areaclienti.domain.eligibility import QUALIFYING_ROLES, add_months
from areaclienti.domain.identification import DocumentType
from areaclienti.domain.parties import Party, PartyId, PartyKind
from areaclienti.domain.policies import PartyRole, Policy, PolicyStatus, Premium, PremiumFrequency, Product, Role

from .data import (
    DANNI_AUTO,
    DANNI_CASA,
    DANNI_INFORTUNI,
    VITA_INVESTIMENTO_PLUS,
    VITA_PREVIDENZA_COLLETTIVA,
    VITA_PROTEZIONE_TCM,
    VITA_RISPARMIO,
    build_demo_data,
    tax_code_for,
    vat_number_for,
)
from .store import Dataset, insert_parties, insert_policies, party_row, stored_dataset
from .tables import create_core_schema, democore_dataset, democore_parties, democore_policy_roles, drop_core_data

DEFAULT_SEED = 14
BATCH = 5000  # rows a statement (executemany)

_MALE = ("Marco", "Giuseppe", "Giovanni", "Antonio", "Mario", "Luigi", "Francesco", "Alessandro", "Andrea",
         "Luca", "Stefano", "Roberto", "Paolo", "Davide", "Matteo", "Simone", "Lorenzo", "Riccardo", "Federico",
         "Gabriele", "Fabio", "Massimo", "Claudio", "Salvatore", "Vincenzo", "Pietro", "Carlo", "Enrico",
         "Daniele", "Emanuele", "Nicola", "Tommaso", "Filippo", "Alberto", "Sergio", "Franco", "Giorgio",
         "Michele", "Raffaele", "Domenico", "Niccolò", "Mattia", "Edoardo", "Leonardo", "Cristian")
_FEMALE = ("Giulia", "Francesca", "Chiara", "Sara", "Anna", "Elena", "Valentina", "Alessandra", "Martina",
           "Federica", "Silvia", "Laura", "Paola", "Roberta", "Elisa", "Maria", "Giovanna", "Rosa", "Angela",
           "Lucia", "Teresa", "Carla", "Barbara", "Monica", "Cristina", "Simona", "Daniela", "Ilaria",
           "Serena", "Alice", "Aurora", "Sofia", "Beatrice", "Camilla", "Noemi", "Giorgia", "Irene",
           "Arianna", "Eleonora", "Veronica", "Marta", "Caterina", "Letizia", "Benedetta", "Nicoletta")
_SURNAMES = ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino",
             "Greco", "Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Costa", "Giordano", "Rizzo",
             "Lombardi", "Moretti", "Barbieri", "Fontana", "Santoro", "Mariani", "Rinaldi", "Caruso",
             "Ferrara", "Galli", "Martini", "Leone", "Longo", "Gentile", "Martinelli", "Vitale", "Lombardo",
             "Serra", "Coppola", "De Santis", "D'Angelo", "Marchetti", "Parisi", "Villa", "Conte",
             "Ferraro", "Ferri", "Fabbri", "Bianco", "Marini", "Grasso", "Valentini", "Messina", "Sala",
             "De Angelis", "Gatti", "Pellegrini", "Palumbo", "Sanna", "Farina", "Rizzi", "Monti", "Cattaneo",
             "Morelli", "Amato", "Silvestri", "Mazza", "Testa", "Grassi", "Pellegrino", "Carbone",
             "Giuliani", "Benedetti", "Barone", "Rossetti", "Caputo", "Montanari", "Guerra", "Palmieri",
             "Bernardi", "Martino", "Fiore", "De Rosa", "Ferretti", "Bellini", "Basile", "Riva", "Donati",
             "Piras", "Vitali", "Battaglia", "Sartori", "Neri", "Costantini", "Milani", "Pagano", "Ruggiero",
             "Sorrentino", "D'Amico", "Orlando", "Damico", "Negri", "Zanetti", "Bassi", "Brambilla",
             "Mazzoleni", "Pozzi", "Zanella", "Cocco", "Musumeci", "Lo Bianco", "Nicolosi", "Puglisi")
# Belfiore codes of the towns customers were born in.
_BIRTHPLACES = ("H501", "F205", "F839", "L219", "G273", "D969", "A944", "D612", "A662", "C351", "L736",
                "L781", "F158", "G224", "L424", "B157", "G337", "L049", "G999", "F257", "H224", "H223",
                "G478", "E625", "H199", "B354", "D643", "H294", "H703", "D548", "I452", "E472", "A794",
                "G482", "L840", "L378", "C933", "E506", "A271", "L483")
_TRADES = ("Costruzioni", "Trasporti", "Impianti Elettrici", "Meccanica", "Servizi", "Logistica",
           "Arredamenti", "Alimentari", "Tecnologie", "Consulting", "Edilizia", "Ceramiche")
_FORMS = ("S.r.l.", "S.r.l.", "S.p.A.", "S.n.c.", "S.a.s.")
_OFFICES = ("015", "058", "063", "001", "037", "027", "048", "072", "010", "098")  # Milano, Roma, Napoli…
_MOBILE_PREFIXES = ("320", "328", "329", "333", "335", "338", "340", "347", "348", "349", "366", "380", "392")
_PERIODS = {PremiumFrequency.ANNUAL: 12, PremiumFrequency.SEMIANNUAL: 6, PremiumFrequency.QUARTERLY: 3,
            PremiumFrequency.MONTHLY: 1}
# How often each product is sold to a person, and to a company.
_PERSON_PRODUCTS = ((DANNI_AUTO, 30), (DANNI_CASA, 20), (DANNI_INFORTUNI, 8), (VITA_PROTEZIONE_TCM, 12),
                    (VITA_RISPARMIO, 18), (VITA_INVESTIMENTO_PLUS, 7), (VITA_PREVIDENZA_COLLETTIVA, 5))
_COMPANY_PRODUCTS = ((DANNI_AUTO, 45), (DANNI_INFORTUNI, 25), (DANNI_CASA, 15), (VITA_PREVIDENZA_COLLETTIVA, 15))
COMPANY_SHARE = 0.04


@functools.lru_cache(maxsize=1024)
def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "".join(c for c in plain if c.isalnum())


@dataclass
class Customer:
    """A generated customer: the party, the contacts the core system holds, their policies."""

    party: Party
    email: str
    mobile: str
    policies: list[Policy] = field(default_factory=list)


class _Generator:
    def __init__(self, today: date, seed: int, taken: set[str]) -> None:
        self.today = today
        self.rng = random.Random(seed)
        self.taken = set(taken)  # party ids already used (the demo scenarios' included)
        self.persons: list[PartyId] = []  # recent persons: family members, staff of a company
        self.companies: list[PartyId] = []
        self.vita = 0
        self.danni = 0
        self._sold = {kind: (tuple(p for p, _ in table), list(itertools.accumulate(w for _, w in table)))
                      for kind, table in ((PartyKind.PERSON, _PERSON_PRODUCTS), (PartyKind.COMPANY, _COMPANY_PRODUCTS))}

    # random.choice and randint are slow for 300k policies; these draw from the same generator.
    def _pick(self, options: Sequence):
        return options[int(self.rng.random() * len(options))]

    def _between(self, low: int, high: int) -> int:
        return low + int(self.rng.random() * (high - low + 1))

    # --- parties ---------------------------------------------------------------------------------------
    def customer(self, n: int) -> Customer:
        rng = self.rng
        mobile = f"+39{self._pick(_MOBILE_PREFIXES)}{self._between(0, 10 ** 7 - 1):07d}"
        if rng.random() < COMPANY_SHARE:
            surname = self._pick(_SURNAMES)
            name = f"{surname} {self._pick(_TRADES)} {self._pick(_FORMS)}"
            vat = vat_number_for(f"{2000000 + n:07d}", self._pick(_OFFICES))
            party = Party(PartyId(PartyKind.COMPANY, vat), name)
            email = f"amministrazione.{_slug(surname)}{n}@example.it"
        else:
            party = self._person()
            email = f"{_slug(party.first_name or '')}.{_slug(party.last_name or '')}{n}@example.it"
        self.taken.add(party.id.value)
        customer = Customer(party, email, mobile)
        customer.policies = [self._policy(party.id) for _ in range(self._between(1, 5))]
        (self.companies if party.id.kind is PartyKind.COMPANY else self.persons).append(party.id)
        if len(self.persons) > 2000:
            del self.persons[:1000]
        return customer

    def _person(self) -> Party:
        rng = self.rng
        female = rng.random() < 0.5
        first, last = self._pick(_FEMALE if female else _MALE), self._pick(_SURNAMES)
        birthplace = self._pick(_BIRTHPLACES)
        while True:  # two people with the same code (omocodia) are left to a real core system: draw again
            born = self.today - timedelta(days=self._between(18 * 366, 88 * 365))
            code = tax_code_for(first_name=first, last_name=last, birth_date=born, female=female,
                                birthplace=birthplace)
            if code not in self.taken:
                return Party(PartyId(PartyKind.PERSON, code), f"{first} {last}", born, first, last)

    def _someone_else(self, party_id: PartyId) -> PartyId | None:
        if not self.persons:
            return None
        other = self._pick(self.persons)
        return None if other == party_id else other

    # --- policies --------------------------------------------------------------------------------------
    def _policy(self, holder: PartyId) -> Policy:
        rng = self.rng
        company = holder.kind is PartyKind.COMPANY
        products, weights = self._sold[holder.kind]
        product = products[bisect.bisect(weights, rng.random() * weights[-1])]
        roles = self._roles(product, holder)
        if product.company.value == "vita":
            self.vita += 1
            number = f"VI5{self.vita:07d}"
        else:
            self.danni += 1
            number = f"DA6{self.danni:07d}"
        return self._terms(number, product, roles, company)

    def _roles(self, product: Product, holder: PartyId) -> tuple[PartyRole, ...]:
        R, rng = Role, self.rng
        if holder.kind is PartyKind.COMPANY:
            roles = [PartyRole(holder, R.POLICYHOLDER)]
            staff = self._someone_else(holder)
            if staff is not None and product is VITA_PREVIDENZA_COLLETTIVA:
                roles += [PartyRole(staff, R.MEMBER), PartyRole(staff, R.INSURED)]
            elif staff is not None and product is DANNI_INFORTUNI:
                roles.append(PartyRole(staff, R.INSURED))
            return tuple(roles)
        if product is VITA_PREVIDENZA_COLLETTIVA:  # the employer's plan: the person is a member
            employer = self._pick(self.companies) if self.companies else None
            if employer is not None:
                return (PartyRole(employer, R.POLICYHOLDER), PartyRole(holder, R.MEMBER),
                        PartyRole(holder, R.INSURED))
        other = self._someone_else(holder)
        if product is DANNI_AUTO and other is not None and rng.random() < 0.1:  # a parent insures a child's car
            return PartyRole(holder, R.POLICYHOLDER), PartyRole(other, R.RISK_CERTIFICATE_HOLDER)
        roles = [PartyRole(holder, R.POLICYHOLDER), PartyRole(holder, R.INSURED)]
        if product is VITA_PROTEZIONE_TCM and other is not None and rng.random() < 0.5:
            roles.append(PartyRole(other, R.BENEFICIARY))
        return tuple(roles)

    def _terms(self, number: str, product: Product, roles: tuple[PartyRole, ...], company: bool) -> Policy:
        rng, today = self.rng, self.today
        F, S = PremiumFrequency, PolicyStatus
        suspended_on = None
        if product.company.value == "danni":  # yearly contracts renewed tacitly, or lapsed
            if rng.random() < 0.1:
                expiry = today - timedelta(days=self._between(15, 1400))
                start, status = add_months(expiry, -12 * self._between(1, 6)), S.EXPIRED
            else:
                start, status = today - timedelta(days=self._between(20, 3650)), S.IN_FORCE
                expiry = self._next_anniversary(start)
                if product is DANNI_AUTO and rng.random() < 0.04:
                    suspended_on = max(start, today - timedelta(days=self._between(5, 150)))
                    status = S.SUSPENDED
            if product is DANNI_AUTO:
                frequency, annual = self._pick((F.ANNUAL, F.ANNUAL, F.SEMIANNUAL)), (280, 1600)
            elif product is DANNI_CASA:
                frequency, annual = self._pick((F.ANNUAL, F.ANNUAL, F.QUARTERLY, F.MONTHLY)), (90, 650)
            else:
                frequency, annual = self._pick((F.ANNUAL, F.MONTHLY)), (1000, 6000) if company else (120, 700)
        elif product in (VITA_RISPARMIO, VITA_PROTEZIONE_TCM):
            start = today - timedelta(days=self._between(30, 6000))
            expiry = add_months(start, 12 * (self._between(10, 25) if product is VITA_RISPARMIO else self._between(10, 30)))
            status = S.IN_FORCE if expiry > today else S.EXPIRED
            frequency = self._pick((F.MONTHLY, F.MONTHLY, F.ANNUAL))
            annual = (600, 5000) if product is VITA_RISPARMIO else (180, 800)
        elif product is VITA_INVESTIMENTO_PLUS:
            start, expiry, status = today - timedelta(days=self._between(30, 3650)), None, S.IN_FORCE
            amount = Decimal(self._between(5, 150) * 1000)
            return Policy(number, product, status, start, expiry, roles, Premium(amount, F.SINGLE))
        else:  # collective pension plan: the employer pays monthly, open-ended
            start, expiry, status = today - timedelta(days=self._between(60, 7000)), None, S.IN_FORCE
            frequency, annual = F.MONTHLY, (1200, 7200)
        months = _PERIODS[frequency]
        amount = Decimal(self._between(annual[0] * 100, annual[1] * 100) * months // 12).scaleb(-2)
        due = self._next_due(start, months) if status is not S.EXPIRED else None
        return Policy(number, product, status, start, expiry, roles, Premium(amount, frequency, due),
                      suspended_on=suspended_on)

    def _next_anniversary(self, start: date) -> date:
        years = self.today.year - start.year - ((self.today.month, self.today.day) < (start.month, start.day))
        expiry = add_months(start, 12 * (years + 1))
        return expiry if expiry > self.today else add_months(start, 12 * (years + 2))

    def _next_due(self, start: date, months: int) -> date:
        elapsed = (self.today.year - start.year) * 12 + self.today.month - start.month
        k = max(1, -(-elapsed // months))
        due = add_months(start, k * months)
        return due if due > self.today else add_months(start, (k + 1) * months)


def generate_customers(today: date, customers: int, *, seed: int = DEFAULT_SEED,
                       taken: Sequence[str] = ()) -> Iterator[Customer]:
    """``customers`` generated customers with their policies, the same for the same seed and day; party ids
    in ``taken`` (the demo scenarios') are never drawn."""
    generator = _Generator(today, seed, set(taken))
    for n in range(1, customers + 1):
        yield generator.customer(n)


@dataclass(frozen=True)
class Written:
    dataset: Dataset
    parties: int
    policies: int
    seconds: float
    written: bool  # False: the database already held a dataset and was left alone


def write_dataset(engine: Engine, *, customers: int, today: date, seed: int = DEFAULT_SEED,
                  replace: bool = False, batch: int = BATCH) -> Written:
    """Write the demo scenarios and ``customers`` generated customers into the core's own database, in one
    transaction, ``batch`` rows a statement. A database that already holds a dataset is left alone unless
    ``replace`` (the ledger of hand-offs is always kept)."""
    started = time.perf_counter()
    create_core_schema(engine)
    existing = stored_dataset(engine)
    if existing is not None and not replace:
        parties, policies = _counts(engine)
        return Written(existing, parties, policies, time.perf_counter() - started, False)
    drop_core_data(engine)
    create_core_schema(engine)
    demo = build_demo_data(today)
    dataset = Dataset(today, customers, seed)
    with engine.begin() as connection:
        if connection.dialect.name == "sqlite":  # the indexes grow in random order: keep them in memory
            connection.exec_driver_sql("PRAGMA cache_size = -262144")
        seq = 0
        rows = []
        for party in demo.parties.values():
            rows.append(party_row(party, seq, generated=False))
            seq += 1
        insert_parties(connection, rows)
        insert_policies(connection, demo.policies, first_seq=0)
        written_policies = len(demo.policies)
        party_rows: list[dict[str, Any]] = []
        policies: list[Policy] = []
        for customer in generate_customers(today, customers, seed=seed, taken=list(demo.parties)):
            party_rows.append(party_row(customer.party, seq, generated=True, email=customer.email,
                                        mobile=customer.mobile))
            seq += 1
            policies.extend(customer.policies)
            if len(policies) >= batch:
                insert_parties(connection, party_rows)
                insert_policies(connection, policies, first_seq=written_policies)
                written_policies += len(policies)
                party_rows, policies = [], []
        insert_parties(connection, party_rows)
        insert_policies(connection, policies, first_seq=written_policies)
        written_policies += len(policies)
        connection.execute(insert(democore_dataset).values(id=1, generated_on=dataset.generated_on,
                                                           customers=customers, seed=seed))
    return Written(dataset, seq, written_policies, time.perf_counter() - started, True)


def _counts(engine: Engine) -> tuple[int, int]:
    from .tables import democore_policies

    with engine.connect() as connection:
        return (connection.execute(select(func.count()).select_from(democore_parties)).scalar_one(),
                connection.execute(select(func.count()).select_from(democore_policies)).scalar_one())


# --- accounts for a benchmark ------------------------------------------------------------------------------
@dataclass(frozen=True)
class CustomerAccount:
    """What an account of a generated customer needs: who, with which policy, and how they sign in."""

    party_id: PartyId
    policy_number: str
    email: str
    mobile: str
    display_name: str


def customer_accounts(core_engine: Engine, limit: int | None = None) -> list[CustomerAccount]:
    """The generated customers of the core's database in the order they were written (the first ``limit``),
    each with one policy on which they hold a qualifying role (one query)."""
    p, r = democore_parties.c, democore_policy_roles.c
    query = (select(p.kind, p.id, p.name, p.first_name, p.last_name, p.email, p.mobile,
                    func.min(r.policy_number).label("policy_number"))
             .join(democore_policy_roles, (r.party_id == p.id) & (r.party_kind == p.kind))
             .where(p.generated.is_(True), r.role.in_([role.value for role in QUALIFYING_ROLES]))
             .group_by(p.kind, p.id, p.name, p.first_name, p.last_name, p.email, p.mobile, p.seq)
             .order_by(p.seq))
    if limit is not None:
        query = query.limit(limit)
    with core_engine.connect() as connection:
        rows = connection.execute(query).mappings().all()
    return [CustomerAccount(PartyId(PartyKind(row["kind"]), row["id"]), row["policy_number"], row["email"],
                            row["mobile"], f"{row['first_name']} {row['last_name']}" if row["first_name"]
                            else row["name"]) for row in rows]


def load_accounts(engine: Engine, customers: Sequence[CustomerAccount], password_hash: str, *,
                  now: datetime | None = None, identified: bool = True, batch: int = BATCH) -> int:
    """Insert an account for each customer that has none into the application's database, by ``batch``
    rows a statement, all with the same ``password_hash`` (hash the password once: argon2 is slow on
    purpose). ``identified`` accounts hold a valid identity document (they may act on their policies).

    Returns:
        How many accounts were added.
    """
    now = now or datetime.now(timezone.utc)
    with engine.connect() as connection:
        existing = {(kind, value) for kind, value in connection.execute(select(accounts.c.party_kind,
                                                                               accounts.c.party_id))}
    rows = [_account_row(c, password_hash, now, identified) for c in customers
            if (c.party_id.kind.value, c.party_id.value) not in existing]
    with engine.begin() as connection:
        for start in range(0, len(rows), batch):
            connection.execute(insert(accounts), rows[start:start + batch])
    return len(rows)


def _account_row(customer: CustomerAccount, password_hash: str, now: datetime, identified: bool) -> dict[str, Any]:
    # The columns of a consultative account that finished registration, as the account repository writes them.
    return {"id": uuid.uuid4().hex, "party_kind": customer.party_id.kind.value, "party_id": customer.party_id.value,
            "status": AccountStatus.CONSULTATIVE.value, "origin": AccountOrigin.REGISTRATION.value, "created_at": now,
            "policy_number": customer.policy_number, "email": customer.email, "mobile": customer.mobile,
            "password_hash": password_hash, "privacy_accepted_at": now, "marketing_consent": False,
            "marketing_consent_at": None, "flow_hash": None, "flow_started_at": None,
            "contacts_from_issuance": False, "password_changed_at": now, "display_name": customer.display_name,
            "extra": {}, "identified_at": now if identified else None,
            "document_type": DocumentType.CARTA_IDENTITA.value if identified else None,
            "document_number": f"CA{zlib.crc32(customer.party_id.value.encode()) % 10 ** 5:05d}BN" if identified else None,
            "document_expires_on": (now + timedelta(days=5 * 365)).date() if identified else None}
