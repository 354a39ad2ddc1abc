"""Databases for the integration tests: a migrated SQLite file per test, a private PostgreSQL schema per run.

PostgreSQL is reached through ``AREACLIENTI_TEST_POSTGRES_URL``. Without it the tests that need it are
skipped, unless ``AREACLIENTI_REQUIRE_SERVICES=1`` (as in CI), which makes them fail instead. Each
test session migrates into its own random schema (``test_ac_<hex>``) and drops it at the end, so
parallel runs on the same database never see each other's rows.
"""
from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine, text

from areaclienti.adapters.memory.repositories import InMemoryStore
from areaclienti.adapters.memory.unit_of_work import InMemoryUnitOfWork
from areaclienti.adapters.sqlalchemy.database import make_engine, upgrade
from areaclienti.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from areaclienti.adapters.sqlalchemy.tables import metadata

POSTGRES_URL_VARIABLE = "AREACLIENTI_TEST_POSTGRES_URL"


def skip_or_fail(reason: str) -> None:
    """Skip a test whose service is missing, or fail it when CI said the services must be there."""
    if os.environ.get("AREACLIENTI_REQUIRE_SERVICES") == "1":
        pytest.fail(f"AREACLIENTI_REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def clear_tables(engine: Engine) -> None:
    """Delete every row of the application's tables (children first), keeping the schema."""
    with engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The URL of the test PostgreSQL database (the test is skipped, or failed in CI, without one)."""
    url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not url:
        skip_or_fail(f"{POSTGRES_URL_VARIABLE} is not set")
    return url


@pytest.fixture(scope="session")
def pg_engine(postgres_url: str) -> Iterator[Engine]:
    """An engine on a fresh, migrated schema of its own, dropped (with everything in it) at the end.

    Shared by the whole session: tests that need empty tables call ``clear_tables(pg_engine)``.
    """
    schema = f"test_ac_{uuid.uuid4().hex[:16]}"
    admin = make_engine(postgres_url)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # a URL that is set must work: say why it does not
        admin.dispose()
        pytest.fail(f"cannot create a schema on {postgres_url}: {exc}", pytrace=False)
    engine = make_engine(postgres_url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def sqlite_engine(tmp_path) -> Iterator[Engine]:
    """An engine on a new SQLite file, migrated to the newest revision."""
    engine = make_engine(f"sqlite:///{tmp_path / 'db' / 'areaclienti.sqlite3'}")
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def uow_factory(request) -> Callable[[], object]:
    """A new unit of work per call, all on the same (empty) data: the repository contract tests run
    once per backend."""
    if request.param == "memory":
        store = InMemoryStore()
        return lambda: InMemoryUnitOfWork(store)
    if request.param == "sqlite":
        engine = request.getfixturevalue("sqlite_engine")
    else:
        engine = request.getfixturevalue("pg_engine")
        clear_tables(engine)
    return lambda: SqlAlchemyUnitOfWork(engine)
