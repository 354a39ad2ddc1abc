"""The demo core's parties and policies in memory and in its own database (SQLite, PostgreSQL): one
contract for both stores, the demo core answering the same over either, and the generated customers'
accounts loaded straight into the application's database (issue 14)."""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta, timezone

import pytest
from sqlalchemy import Engine, event, text

from areaclienti.adapters.demo_core.core_system import DemoCoreSystem
from areaclienti.adapters.demo_core.data import build_demo_data
from areaclienti.adapters.demo_core.generator import customer_accounts, load_accounts, write_dataset
from areaclienti.adapters.demo_core.ledger import InMemoryLedger
from areaclienti.adapters.demo_core.store import InMemoryPolicyStore, SqlPolicyStore, stored_dataset
from areaclienti.adapters.sqlalchemy.database import make_engine
from areaclienti.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from areaclienti.domain.accounts import AccountStatus
from areaclienti.domain.parties import PartyId, PartyKind
from areaclienti.domain.suspension import ROME

TODAY = date(2026, 3, 15)
NOW = datetime.combine(TODAY, time(10, 0), tzinfo=ROME).astimezone(timezone.utc)
CUSTOMERS = 50
DEMO = build_demo_data(TODAY)
ALL_PARTIES = sorted({pr.party_id for p in DEMO.policies for pr in p.roles} | {p.id for p in DEMO.parties.values()},
                     key=lambda p: p.value)


@pytest.fixture
def core_sqlite(tmp_path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'democore.db'}")
    yield engine
    engine.dispose()


@pytest.fixture
def core_postgres(postgres_url: str) -> Iterator[Engine]:
    """A schema of its own: the core's tables must not show up in the application's migrated schema."""
    schema = f"test_core_{uuid.uuid4().hex[:12]}"
    admin = make_engine(postgres_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(postgres_url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def core_engine(request) -> Engine:
    engine = request.getfixturevalue(f"core_{request.param}")
    write_dataset(engine, customers=CUSTOMERS, today=TODAY)
    return engine


@pytest.fixture(params=["memory", "sql"])
def store(request):
    if request.param == "memory":
        return InMemoryPolicyStore(DEMO)
    return SqlPolicyStore(request.getfixturevalue("core_sqlite_written"), TODAY)


@pytest.fixture
def core_sqlite_written(core_sqlite) -> Engine:
    write_dataset(core_sqlite, customers=CUSTOMERS, today=TODAY)
    return core_sqlite


def statements(engine: Engine):
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    return seen


def with_contacts(policies):
    return [(p, p.premium, p.issuance_contacts) for p in policies]


# --- the store contract ----------------------------------------------------------------------------------
def test_the_store_answers_each_demo_policy_party_and_a_partys_policies_in_order(store):
    for policy in DEMO.policies:
        assert with_contacts([store.policy(policy.number)]) == with_contacts([policy])
    for party_id in ALL_PARTIES:
        expected = [p for p in DEMO.policies if any(r.party_id == party_id for r in p.roles)]
        assert with_contacts(store.policies_of(party_id)) == with_contacts(expected)
        assert store.party(party_id) == DEMO.parties.get(party_id.value)
    numbers = [DEMO.policies[5].number, "VI99999999", DEMO.policies[1].number, DEMO.policies[5].number]
    assert store.policies(numbers) == [DEMO.policies[1], DEMO.policies[5]]
    assert store.policies([]) == []


def test_the_store_knows_nothing_it_does_not_hold(store):
    giulia = DEMO.scenario("policyholder_vita").party_id
    assert store.policy("VI99999999") is None
    assert store.policies_of(PartyId(PartyKind.PERSON, "RSSMRA80A01H501U")) == []
    assert store.party(PartyId(PartyKind.COMPANY, giulia.value)) is None  # the right code, the wrong kind
    assert store.policies_of(PartyId(PartyKind.COMPANY, giulia.value)) == []


def test_over_sql_each_look_up_is_one_query_whatever_the_number_of_policies(core_engine):
    store = SqlPolicyStore(core_engine, TODAY)
    marco = DEMO.scenario("identified").party_id
    seen = statements(core_engine)
    assert len(store.policies_of(marco)) == 6
    assert store.policy("DA20040117") is not None
    assert len(store.policies([p.number for p in DEMO.policies])) == len(DEMO.policies)
    assert store.party(marco) is not None
    assert len(seen) == 4


def test_dates_are_read_moved_by_the_days_since_the_data_were_written(core_sqlite_written):
    later = TODAY + timedelta(days=40)
    moved, base = SqlPolicyStore(core_sqlite_written, later).policy("DA20040355"), DEMO.policies[-3]
    assert base.number == "DA20040355"
    assert moved.start_date == base.start_date + timedelta(days=40)
    assert moved.premium.next_due_date == base.premium.next_due_date + timedelta(days=40)
    assert moved.suspended_on == base.suspended_on + timedelta(days=40)
    assert SqlPolicyStore(core_sqlite_written, later).party(DEMO.scenario("identified").party_id).birth_date \
        == DEMO.parties[DEMO.scenario("identified").tax_code].birth_date


# --- the demo core over its database ---------------------------------------------------------------------
def test_the_demo_core_answers_over_its_database_as_over_memory(core_engine):
    over_sql = DemoCoreSystem.from_database(core_engine, TODAY, ledger=InMemoryLedger(), now=lambda: NOW)
    in_memory = DemoCoreSystem.for_today(TODAY, now=lambda: NOW)
    for scenario in DEMO.scenarios:
        party = scenario.party_id
        assert with_contacts(over_sql.policies_of(party)) == with_contacts(in_memory.policies_of(party))
        assert over_sql.find_party(party) == in_memory.find_party(party)
        assert over_sql.party_details(party) == in_memory.party_details(party)
    numbers = [p.number for p in DEMO.policies]
    assert over_sql.documents(numbers) == in_memory.documents(numbers)
    for number in numbers:
        assert over_sql.find_policy(number.lower()) == in_memory.find_policy(number)
        assert over_sql.information(number) == in_memory.information(number)
        assert over_sql.receipts(number) == in_memory.receipts(number)
    document = in_memory.documents(["DA20040117"])["DA20040117"][0]
    assert over_sql.document_content("DA20040117", document.id)[:5] == b"%PDF-"
    assert over_sql.find_policy("VI99999999") is None


def test_generated_customers_are_there_and_a_second_write_leaves_them_alone(core_engine):
    assert stored_dataset(core_engine).customers == CUSTOMERS
    again = write_dataset(core_engine, customers=CUSTOMERS, today=TODAY)
    assert not again.written and again.parties == len(DEMO.parties) + CUSTOMERS
    accounts = customer_accounts(core_engine)
    assert len(accounts) == CUSTOMERS and len(customer_accounts(core_engine, 7)) == 7
    core = DemoCoreSystem.from_database(core_engine, TODAY)
    for account in accounts[:10]:
        assert account.policy_number in {p.number for p in core.policies_of(account.party_id)}
    replaced = write_dataset(core_engine, customers=10, today=TODAY, seed=2, replace=True)
    assert replaced.written and len(customer_accounts(core_engine)) == 10


def test_accounts_of_generated_customers_go_straight_into_the_application_database(core_sqlite_written,
                                                                                   sqlite_engine):
    customers = customer_accounts(core_sqlite_written)
    seen = statements(sqlite_engine)
    assert load_accounts(sqlite_engine, customers, "$argon2id$precomputed", now=NOW) == CUSTOMERS
    assert sum(s.startswith("INSERT") for s in seen) == 1
    assert load_accounts(sqlite_engine, customers, "$argon2id$precomputed", now=NOW) == 0
    with SqlAlchemyUnitOfWork(sqlite_engine) as uow:
        account = uow.accounts.get_by_party(customers[3].party_id)
    assert account.status is AccountStatus.CONSULTATIVE and account.email == customers[3].email
    assert account.password_hash == "$argon2id$precomputed"
    assert account.registered_document.document.expires_on > TODAY  # identified: may act on policies


def test_the_core_server_reads_its_database_when_it_holds_generated_customers(tmp_path):
    from dataclasses import replace

    from areaclienti.entrypoints.core_server import build_core

    from ..support import test_settings

    settings = replace(test_settings(tmp_path), core_database_url=f"sqlite:///{tmp_path / 'core.db'}")
    assert isinstance(build_core(settings).store, InMemoryPolicyStore)  # nothing generated: the demo set
    engine = make_engine(settings.core_database_url)
    write_dataset(engine, customers=5, today=TODAY)
    core = build_core(settings)
    assert isinstance(core.store, SqlPolicyStore)
    first = customer_accounts(engine, 1)[0]
    assert core.find_policy(first.policy_number) is not None
    engine.dispose()


def test_core_generate_then_core_accounts_on_the_embedded_default(tmp_path, monkeypatch):
    import sqlite3

    from click.testing import CliRunner

    from areaclienti.entrypoints.cli import main

    monkeypatch.setenv("AREACLIENTI_ENV", "development")
    monkeypatch.setenv("AREACLIENTI_DATA_DIR", str(tmp_path))
    for name in ("AREACLIENTI_DATABASE_URL", "AREACLIENTI_CORE_DATABASE_URL", "AREACLIENTI_REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()
    first = runner.invoke(main, ["core", "generate", "--customers", "20"])
    again = runner.invoke(main, ["core", "generate", "--customers", "20"])
    assert first.exit_code == again.exit_code == 0, first.output + again.output
    assert f"{len(DEMO.parties) + 20} parties" in first.output and "left alone" in again.output
    loaded = runner.invoke(main, ["core", "accounts", "--customers", "8"])
    assert loaded.exit_code == 0, loaded.output
    assert "8 accounts added" in loaded.output
    assert sqlite3.connect(tmp_path / "areaclienti.db").execute("SELECT count(*) FROM accounts").fetchone() == (8,)
