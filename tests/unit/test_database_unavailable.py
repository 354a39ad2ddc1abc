"""A database that cannot answer now is a 503 with Retry-After and a kind Italian page, never a 500.

Which errors count as "unavailable" is decided in the SQLAlchemy adapter (``is_unavailable``), from real
driver errors; the web answers them the same way whether they come from a view or from the session.
The real thing (connections terminated on PostgreSQL) is in tests/integration/test_database_outage.py.
"""
from __future__ import annotations

import re
import sqlite3

import pytest
from dependency_injector import providers
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from areaclienti.adapters.memory.unit_of_work import InMemoryUnitOfWork
from areaclienti.adapters.sqlalchemy.database import is_unavailable
from areaclienti.entrypoints.web.app import DATABASE_RETRY_AFTER_S, create_app
from tests.support import test_settings

ITALIAN = "Servizio momentaneamente non disponibile: riprova tra qualche istante."
ENGLISH = "The service is temporarily unavailable: please try again in a few moments."
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _sqlite_error(tmp_path, statement: str) -> Exception:
    engine = create_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}", connect_args={"timeout": 0})
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    except Exception as error:  # the real wrapped driver error is what we want
        return error
    finally:
        engine.dispose()
    raise AssertionError(f"{statement} did not fail")


def _disconnect() -> OperationalError:
    return OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"),
                            connection_invalidated=True)


# --- which errors mean "not now" -------------------------------------------------------------------------------


def test_a_cut_connection_and_a_full_pool_are_unavailable():
    assert is_unavailable(_disconnect())
    assert is_unavailable(PoolTimeoutError("QueuePool limit of size 5 overflow 10 reached"))


def test_postgresql_errors_are_told_apart_by_sqlstate():
    psycopg_errors = pytest.importorskip("psycopg.errors")

    def wrapped(orig: Exception) -> Exception:
        return OperationalError("SELECT 1", {}, orig)

    assert is_unavailable(wrapped(psycopg_errors.AdminShutdown("terminating connection due to administrator command")))
    assert is_unavailable(wrapped(psycopg_errors.CannotConnectNow("the database system is starting up")))
    assert is_unavailable(wrapped(psycopg_errors.DeadlockDetected("deadlock detected")))
    assert not is_unavailable(IntegrityError("INSERT", {}, psycopg_errors.UniqueViolation("duplicate key")))
    assert not is_unavailable(wrapped(psycopg_errors.UndefinedTable("relation \"accounts\" does not exist")))


def test_a_server_that_refuses_connections_is_unavailable():
    engine = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none", connect_args={"connect_timeout": 2})
    with pytest.raises(OperationalError) as raised:
        engine.connect()
    assert is_unavailable(raised.value)


def test_a_locked_sqlite_database_is_unavailable_but_a_missing_table_is_a_bug(tmp_path):
    holder = sqlite3.connect(tmp_path / "db.sqlite3", isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        assert is_unavailable(_sqlite_error(tmp_path, "INSERT INTO t VALUES (1)"))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert not is_unavailable(_sqlite_error(tmp_path, "SELECT * FROM missing"))
    assert not is_unavailable(ValueError("not a database error"))
    assert not is_unavailable(None)


# --- what the customer gets ------------------------------------------------------------------------------------


class Outage:
    """Units of work that work until ``start`` is called, then raise its error when opened (after
    ``spared`` more have opened: a request reads its session before the view runs)."""

    def __init__(self, store) -> None:
        self.store = store
        self.error: Exception | None = None
        self.spared = 0

    def start(self, error: Exception, spared: int = 0) -> None:
        self.error, self.spared = error, spared

    def end(self) -> None:
        self.error = None

    def __call__(self) -> InMemoryUnitOfWork:
        if self.error is not None:
            if self.spared == 0:
                raise self.error
            self.spared -= 1
        return InMemoryUnitOfWork(self.store)


@pytest.fixture
def outage(harness):
    outage = Outage(harness.store)
    harness.container.uow.override(providers.Callable(outage))
    return outage


@pytest.fixture
def client(harness, tmp_path, outage):
    app = create_app(test_settings(tmp_path), harness.container)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # what a customer sees, not the test client's traceback
    return app.test_client()


def _login_form(client) -> dict:
    match = CSRF.search(client.get("/accesso").text)
    assert match
    return {"csrf_token": match.group(1), "email": "cliente@example.it", "password": "una password lunga"}


@pytest.mark.parametrize("error", [_disconnect(), PoolTimeoutError("QueuePool limit reached")],
                         ids=["disconnect", "pool_timeout"])
def test_the_page_says_in_italian_to_try_again_shortly(client, outage, error):
    form = _login_form(client)
    outage.start(error, spared=1)  # the session is read, the login fails
    response = client.post("/accesso", data=form)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(DATABASE_RETRY_AFTER_S)
    assert "Servizio momentaneamente non disponibile" in response.text
    assert ITALIAN in response.text
    assert 'lang="it"' in response.text

    outage.end()
    again = client.post("/accesso", data=form)
    assert again.status_code == 401  # the login form again, with its wrong-credentials message
    assert ITALIAN not in again.text


def test_the_page_is_english_once_chosen(client, outage):
    client.get("/lingua/en")
    form = _login_form(client)
    outage.start(_disconnect(), spared=1)
    response = client.post("/accesso", data=form)
    assert response.status_code == 503
    assert ENGLISH in response.text and "Service temporarily unavailable" in response.text


def test_the_api_answers_its_usual_error_body(client, outage):
    outage.start(_disconnect())
    response = client.post("/api/v1/sessions", json={"email": "cliente@example.it", "password": "una password lunga"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(DATABASE_RETRY_AFTER_S)
    assert response.json == {"code": "service_unavailable", "message": ITALIAN}


def test_an_outage_while_reading_the_session_is_a_503_too(client, outage):
    """The session is read before the view runs: Flask wraps that error in a 500, which must not show."""
    client.set_cookie("areaclienti_session", "a-session-id-the-database-cannot-look-up")
    outage.start(_disconnect())
    response = client.get("/accesso")
    assert response.status_code == 503
    assert ITALIAN in response.text
    assert "areaclienti_session" not in response.headers.get("Set-Cookie", "")  # not logged out by a blip

    outage.end()
    assert client.get("/accesso").status_code == 200


def test_an_outage_while_saving_the_session_is_a_503_too(client, outage):
    """The session is saved after the view: Flask wraps that error in a 500, which must not show."""
    outage.start(_disconnect())
    response = client.get("/accesso")  # the page puts a CSRF token in a new session: saving it fails
    assert response.status_code == 503
    assert ITALIAN in response.text
    assert "Set-Cookie" not in response.headers


def test_a_wrong_statement_is_still_a_500(client, outage):
    outage.start(IntegrityError("INSERT", {}, Exception("duplicate key value violates unique constraint")))
    response = client.post("/api/v1/sessions", json={"email": "cliente@example.it", "password": "una password lunga"})
    assert response.status_code == 500
    assert "Retry-After" not in response.headers
    assert response.json["code"] == "internal_server_error"
