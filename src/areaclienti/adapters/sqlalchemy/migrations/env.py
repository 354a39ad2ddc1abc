"""Alembic environment: the schema is ``tables.metadata``.

``database.upgrade`` passes its open connection in ``config.attributes["connection"]``; run from the
command line, alembic connects to ``sqlalchemy.url`` or, failing that, to ``AREACLIENTI_DATABASE_URL``.
"""
from __future__ import annotations

import os

from alembic import context
from sqlalchemy import Connection

from areaclienti.adapters.sqlalchemy.database import make_engine
from areaclienti.adapters.sqlalchemy.tables import metadata

config = context.config
target_metadata = metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
    )
    with context.begin_transaction():
        context.run_migrations()


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("AREACLIENTI_DATABASE_URL")
    if not url:
        raise RuntimeError("no database: set sqlalchemy.url or AREACLIENTI_DATABASE_URL")
    return url


if context.is_offline_mode():
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
elif (connection := config.attributes.get("connection")) is not None:
    _run(connection)
else:
    engine = make_engine(_url())
    try:
        with engine.begin() as connection:
            _run(connection)
    finally:
        engine.dispose()
