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

    def load(self, session_id: str, accept: Callable[[WebSession], bool] | None = None, *,
             touch: bool = True) -> WebSession | None:
        """The live session with this id (its last-seen time refreshed), or None; expired ones are deleted.

        ``accept`` tells the sessions this manager may judge (its realm) from the others that share the
        table: those are answered None and left untouched, so that another realm's lifetimes neither
        extend them (an operator's id sent as a customer cookie or an API token) nor end them.
        ``touch=False`` leaves the last-seen time to the caller (``touch_due``, then ``save``): the web
        writes it with the page's own changes, at the end of the request, in the request's transaction.
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
            if touch and self.touch_due(session):
                session.last_seen_at = now
                uow.sessions.touch(session.id_hash, last_seen_at=now)
                uow.commit()
            return session

    def touch_due(self, session: WebSession) -> bool:
        """Whether the session's last-seen time is old enough to be written again (at most once a minute)."""
        return self.clock.now() - session.last_seen_at >= TOUCH_EVERY

    def create(self, data: dict, account_id: str | None = None, user_agent: str | None = None) -> str:
        """A new session with a fresh random id; returns the id for the cookie.

        ``user_agent`` is the browser's, kept (cut to ``USER_AGENT_MAX``) to name the device on the security page.
        """
        with self.uow_factory() as uow:
            session_id = self.start(uow, data, account_id, user_agent)
            uow.commit()
        return session_id

    def start(self, uow: UnitOfWork, data: dict, account_id: str | None = None, user_agent: str | None = None,
              replaces: str | None = None) -> str:
        """Inside ``uow`` (the caller commits): end the session ``replaces``, if any, and store a new one
        with a fresh random id; returns the id for the cookie. The login starts its session this way, in
        the transaction that records it."""
        if replaces:
            uow.sessions.delete(self.id_hash(replaces))
        session_id = self.secrets.token()
        now = self.clock.now()
        uow.sessions.add(WebSession(self.id_hash(session_id), now, now, account_id, dict(data),
                                    user_agent[:USER_AGENT_MAX] if user_agent else None))
        return session_id

    def save(self, session_id: str, data: dict | None) -> None:
        """Store the session's data (None: only its last-seen time) in one write; the signed-in account
        never changes here (see ``rotate``), and a session ended meanwhile stays ended."""
        with self.uow_factory() as uow:
            uow.sessions.touch(self.id_hash(session_id), last_seen_at=self.clock.now(),
                               data=None if data is None else dict(data))
            uow.commit()

    def rotate(self, old_session_id: str | None, account_id: str | None, data: dict,
               user_agent: str | None = None) -> str:
        """At logout (and wherever the identity changes): end the old session and open a new one with a new
        id, in one transaction."""
        with self.uow_factory() as uow:
            session_id = self.start(uow, data, account_id, user_agent, replaces=old_session_id)
            uow.commit()
        return session_id

    def end(self, session_id: str) -> None:
        with self.uow_factory() as uow:
            uow.sessions.delete(self.id_hash(session_id))
            uow.commit()
