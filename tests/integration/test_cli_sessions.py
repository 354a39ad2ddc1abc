"""``areaclienti sessions purge`` on the embedded default (SQLite file in a data folder)."""
from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

from click.testing import CliRunner

from areaclienti.adapters.sqlalchemy.database import make_engine
from areaclienti.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from areaclienti.app.ports.repositories import WebSession
from areaclienti.entrypoints.cli import main

from .test_cli import env  # noqa: F401  (the fixture)


def test_sessions_purge_deletes_the_expired_sessions_only(env):  # noqa: F811
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    now = datetime.now(timezone.utc)
    engine = make_engine(f"sqlite:///{env / 'areaclienti.db'}")
    with SqlAlchemyUnitOfWork(engine) as uow:
        for id_hash, last_seen in (("expired", now - timedelta(hours=1)), ("live", now)):
            uow.sessions.add(WebSession(id_hash, last_seen, last_seen, None, {}))
        uow.commit()
    engine.dispose()
    result = runner.invoke(main, ["sessions", "purge"])
    assert result.exit_code == 0, result.output
    assert "1 sessioni scadute eliminate" in result.output
    assert [row[0] for row in sqlite3.connect(env / "areaclienti.db").execute("SELECT id_hash FROM web_sessions")] == [
        "live"]
