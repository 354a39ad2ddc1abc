"""Server-side sessions (SPEC §8): random ids, stored as keyed hashes, idle and absolute timeouts."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from areaclienti.domain.sessions import SessionSettings, session_is_alive

from ..ports.clock import Clock
from ..ports.repositories import WebSession
from ..ports.security import SecretGenerator, SecretHasher
from ..ports.unit_of_work import UnitOfWork

# Writing last-seen on every request would turn each page view into a write; a minute is precise enough.
TOUCH_EVERY = timedelta(seconds=60)
USER_AGENT_MAX = 300  # the column's width (web_sessions.user_agent)


@dataclass
class SessionManager:
    uow_factory: Callable[[], UnitOfWork]
    clock: Clock
    secrets: SecretGenerator
    hasher: SecretHasher
    settings: SessionSettings

    def id_hash(self, session_id: str) -> str:
        return self.hasher.hash("session:" + session_id)

    def load(self, session_id: str, accept: Callable[[WebSession], bool] | None = None) -> WebSession | None:
        """The live session with this id (its last-seen time refreshed), or None; expired ones are deleted.

        ``accept`` tells the sessions this manager may judge (its realm) from the others that share the
        table: those are answered None and left untouched, so that another realm's lifetimes neither
        extend them (an operator's id sent as a customer cookie or an API token) nor end them.
        """
        if not session_id:
            return None
        now = self.clock.now()
        with self.uow_factory() as uow:
            session = uow.sessions.get(self.id_hash(session_id))
            if session is None or (accept is not None and not accept(session)):
                return None
            if not session_is_alive(created_at=session.created_at, last_seen_at=session.last_seen_at,
                                    now=now, settings=self.settings):
                uow.sessions.delete(session.id_hash)
                uow.commit()
                return None
            if now - session.last_seen_at >= TOUCH_EVERY:
                session.last_seen_at = now
                uow.sessions.save(session)
                uow.commit()
            return session

    def create(self, data: dict, account_id: str | None = None, user_agent: str | None = None) -> str:
        """A new session with a fresh random id; returns the id for the cookie.

        ``user_agent`` is the browser's, kept (cut to ``USER_AGENT_MAX``) to name the device on the security page.
        """
        session_id = self.secrets.token()
        now = self.clock.now()
        with self.uow_factory() as uow:
            uow.sessions.add(WebSession(self.id_hash(session_id), now, now, account_id, dict(data),
                                        user_agent[:USER_AGENT_MAX] if user_agent else None))
            uow.commit()
        return session_id

    def save(self, session_id: str, data: dict) -> None:
        """Store the session's data (the signed-in account never changes here: see ``rotate``)."""
        with self.uow_factory() as uow:
            session = uow.sessions.get(self.id_hash(session_id))
            if session is None:
                return
            session.data = dict(data)
            session.last_seen_at = self.clock.now()
            uow.sessions.save(session)
            uow.commit()

    def rotate(self, old_session_id: str | None, account_id: str | None, data: dict,
               user_agent: str | None = None) -> str:
        """At login and logout: end the old session and open a new one with a new id."""
        if old_session_id:
            self.end(old_session_id)
        return self.create(data, account_id, user_agent)

    def end(self, session_id: str) -> None:
        with self.uow_factory() as uow:
            uow.sessions.delete(self.id_hash(session_id))
            uow.commit()
