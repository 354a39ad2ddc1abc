"""The demo core system's own database: another system's schema, not the application's.

Its tables live in a MetaData of their own and are created with ``create_all`` on the core's database
(SQLite by default), never by the application's Alembic migrations. The hand-off ledger is the same
table the application's schema carries for the embedded demo (``adapters/sqlalchemy/tables.py``),
copied here so the core's database holds it too.
"""
from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    Engine,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
)

from areaclienti.adapters.sqlalchemy.tables import NAMING_CONVENTION, democore_handoffs

core_metadata = MetaData(naming_convention=NAMING_CONVENTION)

# One row: when the data were written (policy dates are read relative to it) and what was asked for.
democore_dataset = Table(
    "democore_dataset",
    core_metadata,
    Column("id", Integer(), primary_key=True),
    Column("generated_on", Date(), nullable=False),
    Column("customers", Integer(), nullable=False),  # generated customers, the demo scenarios' not counted
    Column("seed", Integer(), nullable=False),
)

democore_parties = Table(
    "democore_parties",
    core_metadata,
    Column("kind", String(16), nullable=False),
    Column("id", String(16), nullable=False),  # codice fiscale or partita IVA
    Column("seq", Integer(), nullable=False),  # the order they were written in
    Column("name", String(255), nullable=False),
    Column("first_name", String(100)),
    Column("last_name", String(100)),
    Column("birth_date", Date()),
    Column("email", String(320)),  # the contacts the core system holds (generated customers only)
    Column("mobile", String(32)),
    Column("generated", Boolean(), nullable=False),  # False: a demo scenario's party
    PrimaryKeyConstraint("kind", "id", name="pk_democore_parties"),
    Index("uq_democore_parties_seq", "seq", unique=True),
)

democore_policies = Table(
    "democore_policies",
    core_metadata,
    Column("number", String(32), primary_key=True),
    Column("seq", Integer(), nullable=False),  # a party's policies come back in this order
    Column("product_code", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("start_date", Date(), nullable=False),
    Column("expiry_date", Date()),
    Column("premium_cents", BigInteger()),
    Column("premium_frequency", String(16)),
    Column("next_due_date", Date()),
    Column("suspended_on", Date()),
    Column("issuance_contacts", JSON()),  # {party id: {"email", "mobile"}} given at issuance, if any
    Index("uq_democore_policies_seq", "seq", unique=True),
)

democore_policy_roles = Table(
    "democore_policy_roles",
    core_metadata,
    Column("policy_number", String(32), ForeignKey("democore_policies.number"), nullable=False),
    Column("position", SmallInteger(), nullable=False),
    Column("party_kind", String(16), nullable=False),
    Column("party_id", String(16), nullable=False),
    Column("role", String(32), nullable=False),
    PrimaryKeyConstraint("policy_number", "position", name="pk_democore_policy_roles"),
    Index("ix_democore_policy_roles_party", "party_id", "party_kind"),
)

core_handoffs = democore_handoffs.to_metadata(core_metadata)

DATA_TABLES = (democore_policy_roles, democore_policies, democore_parties, democore_dataset)  # children first


def create_core_schema(engine: Engine) -> None:
    """Create the core's tables that are missing (the ledger included); existing ones are left alone."""
    core_metadata.create_all(engine)


def drop_core_data(engine: Engine) -> None:
    """Drop the tables of parties and policies (the ledger of hand-offs stays)."""
    core_metadata.drop_all(engine, tables=list(DATA_TABLES))
