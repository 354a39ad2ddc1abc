"""The request scope (issue 14): a request's units of work share one connection and, while they only read,
one transaction; whatever was written is committed or rolled back exactly as outside a scope."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import event

from areaclienti.adapters.sqlalchemy.database import make_engine, upgrade
from areaclienti.adapters.sqlalchemy.unit_of_work import RequestScope, SqlAlchemyUnitOfWork
from areaclienti.app.ports.repositories import WebSession

NOW = datetime(2026, 5, 9, 10, 30, tzinfo=timezone.utc)


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'scope.db'}")
    upgrade(engine)
    events: list[str] = []
    for name in ("begin", "commit", "rollback"):
        event.listen(engine, name, lambda conn, _name=name: events.append(_name))
    event.listen(engine.pool, "checkout", lambda *args: events.append("checkout"))
    engine.events = events  # type: ignore[attr-defined]
    yield engine
    engine.dispose()


def _session(name: str) -> WebSession:
    return WebSession(name, NOW, NOW)


def test_reads_share_one_transaction_and_a_commit_ends_it(engine):
    with RequestScope(engine)():
        for _ in range(3):
            with SqlAlchemyUnitOfWork(engine) as uow:
                uow.sessions.get("nobody")
        with SqlAlchemyUnitOfWork(engine) as uow:
            uow.sessions.add(_session("a"))
            uow.commit()
        with SqlAlchemyUnitOfWork(engine) as uow:
            assert uow.sessions.get("a") is not None
    assert engine.events == ["checkout", "begin", "commit", "begin", "rollback"]


def test_what_was_written_and_not_committed_is_rolled_back_at_once(engine):
    with RequestScope(engine)():
        with SqlAlchemyUnitOfWork(engine) as uow:
            uow.sessions.add(_session("dropped"))
        with pytest.raises(RuntimeError), SqlAlchemyUnitOfWork(engine) as uow:
            uow.sessions.get("x")
            raise RuntimeError("a read that failed ends its transaction too")
        with SqlAlchemyUnitOfWork(engine) as uow:
            assert uow.sessions.get("dropped") is None
    assert engine.events == ["checkout", "begin", "rollback", "begin", "rollback", "begin", "rollback"]


def test_a_unit_of_work_inside_another_gets_its_own_connection(engine):
    with RequestScope(engine)():
        with SqlAlchemyUnitOfWork(engine) as outer:
            outer.sessions.add(_session("outer"))
            with SqlAlchemyUnitOfWork(engine) as inner:  # its rollback must not undo the outer's write
                inner.sessions.get("nobody")
            outer.commit()
    with SqlAlchemyUnitOfWork(engine) as uow:
        assert uow.sessions.get("outer") is not None
    assert engine.events.count("checkout") == 3
