"""Flask sessions kept on the server (SPEC §8); the cookie carries only a random id.

Login and logout call ``rotate`` so the id changes whenever the signed-in identity does.
"""
from __future__ import annotations

from flask import Flask, Request, Response
from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict

from areaclienti.app.use_cases.sessions import SessionManager

_KEEP = object()


class ServerSession(CallbackDict, SessionMixin):
    def __init__(self, manager: SessionManager, initial=None, sid: str | None = None,
                 account_id: str | None = None, stale: bool = False) -> None:
        def on_update(_self) -> None:
            _self.modified = True

        super().__init__(initial or {}, on_update)
        self._manager = manager
        self.sid = sid
        self.account_id = account_id
        self.stale = stale  # the browser sent an id that is no longer valid
        self.modified = False
        self._rotate_to: object = _KEEP

    def rotate(self, account_id: str | None) -> None:
        """Start a new session id for ``account_id`` (None: signed out), dropping the old one."""
        self._rotate_to = account_id
        self.account_id = account_id
        self.modified = True

    @property
    def rotation_requested(self) -> bool:
        return self._rotate_to is not _KEEP

    @property
    def id_hash(self) -> str | None:
        return None if self.sid is None else self._manager.id_hash(self.sid)


class ServerSessionInterface(SessionInterface):
    def __init__(self, manager: SessionManager, cookie_name: str, secure: bool) -> None:
        self.manager = manager
        self.cookie_name = cookie_name
        self.secure = secure

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        sid = request.cookies.get(self.cookie_name)
        stored = self.manager.load(sid) if sid else None
        if stored is None or stored.data.get("kind") == "api":  # an API token is not a site cookie
            return ServerSession(self.manager, stale=bool(sid))
        return ServerSession(self.manager, stored.data, sid, stored.account_id)

    def save_session(self, app: Flask, session: ServerSession, response: Response) -> None:  # type: ignore[override]
        if session.rotation_requested:
            session.sid = self.manager.rotate(session.sid, session.account_id, dict(session))
            self._set_cookie(response, session.sid)
        elif session.sid is None:
            if session.modified and len(session):
                session.sid = self.manager.create(dict(session))
                self._set_cookie(response, session.sid)
            elif session.stale:
                response.delete_cookie(self.cookie_name, path="/", secure=self.secure, httponly=True, samesite="Lax")
        elif session.modified:
            self.manager.save(session.sid, dict(session))
        response.vary.add("Cookie")

    def _set_cookie(self, response: Response, sid: str) -> None:
        response.set_cookie(self.cookie_name, sid, path="/", secure=self.secure, httponly=True, samesite="Lax")
