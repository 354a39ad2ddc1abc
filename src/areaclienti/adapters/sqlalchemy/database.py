"""Making the engine and bringing the schema up to date (SQLite for development, PostgreSQL in production)."""
from __future__ import annotations

import select
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

MIGRATIONS = Path(__file__).with_name("migrations")
SQLITE_BUSY_TIMEOUT_MS = 30_000
# What an error handler must catch to answer "try again shortly": ``is_unavailable`` tells which of them are.
UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (DBAPIError, PoolTimeoutError)
# PostgreSQL's SQLSTATEs that say "not now" rather than "wrong": connection exception, insufficient
# resources, operator intervention (admin shutdown, cannot connect now, query cancelled), and the
# conflicts a retry resolves (serialization failure, deadlock, lock not available).
_TRANSIENT_SQLSTATE_CLASSES = ("08", "53", "57")
_TRANSIENT_SQLSTATES = ("40001", "40P01", "55P03")
_TRANSIENT_SQLITE_ERRORS = ("SQLITE_BUSY", "SQLITE_LOCKED")


def is_unavailable(error: BaseException | None) -> bool:
    """Whether ``error`` says the database cannot answer now, rather than that a statement is wrong.

    A connection cut under a request (server restart, failover, ``pg_terminate_backend``), a server that
    refuses connections, a lock or statement timeout, or no pooled connection freed in time. The
    transaction of that connection is gone with it (nothing half-written); the next checkout replaces
    the dead connection (``make_engine``). A wrong statement or a missing table is not "unavailable".
    """
    if isinstance(error, PoolTimeoutError):
        return True
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    sqlite_error = getattr(error.orig, "sqlite_errorname", None)
    if sqlite_error is not None:
        return sqlite_error in _TRANSIENT_SQLITE_ERRORS
    sqlstate = getattr(error.orig, "sqlstate", None)
    if sqlstate:
        return sqlstate[:2] in _TRANSIENT_SQLSTATE_CLASSES or sqlstate in _TRANSIENT_SQLSTATES
    return isinstance(error, OperationalError)  # no SQLSTATE: the driver could not reach the server at all


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; extra keyword arguments go to ``create_engine``.

    SQLite gets its file's folder created, write-ahead logging (readers never wait for the writer),
    foreign keys enforced and a busy timeout (writers queue instead of failing at once).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        # No pre-ping (a round trip per checkout, that is per request): a connection the server dropped
        # while it sat in the pool is told at checkout by its socket, at no round trip, and replaced; one
        # cut while in use fails its request (503) and makes the pool drop every older connection.
        engine = create_engine(parsed, **kwargs)
        if not kwargs.get("pool_pre_ping"):
            event.listen(engine, "checkout", _refuse_dropped_connection)
        return engine
    database = parsed.database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed, **kwargs)

    @event.listens_for(engine, "connect")
    def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys = ON")
            if database and database != ":memory:":
                cursor.execute("PRAGMA journal_mode = WAL")
        finally:
            cursor.close()

    return engine


def _refuse_dropped_connection(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """A pooled connection whose socket has something to read was dropped by the server: a server that
    ends a connection (restart, failover, ``pg_terminate_backend``) says so and closes it, while a live idle
    connection receives nothing. The pool then discards it and checks out another (``DisconnectionError``)."""
    fileno = getattr(dbapi_connection, "fileno", None)
    if fileno is None or not hasattr(select, "poll"):  # no poll (Windows): a dropped connection fails once
        return
    try:
        poller = select.poll()
        poller.register(fileno(), select.POLLIN | select.POLLPRI)
        readable = bool(poller.poll(0))
    except (OSError, ValueError) as error:  # a closed descriptor: certainly gone
        raise DisconnectionError(str(error)) from error
    if readable:
        raise DisconnectionError("the server closed this pooled connection")


def alembic_config() -> Config:
    """The alembic configuration of the migrations shipped inside the package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine_or_url: Engine | str, revision: str = "head") -> None:
    """Run the migrations up to ``revision`` (the newest by default) in one transaction."""
    engine = make_engine(engine_or_url) if isinstance(engine_or_url, str) else engine_or_url
    try:
        config = alembic_config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        if engine is not engine_or_url:
            engine.dispose()
