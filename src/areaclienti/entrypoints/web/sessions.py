"""Flask sessions kept on the server (SPEC §8); the cookie carries only a random id.

Customers and back-office operators are separate worlds (SPEC §8, "Access"): each has its own cookie,
its own lifetimes (a ``SessionManager`` each) and its own realm, written in the stored data. A request
under ``/backoffice`` opens only an operator session, any other request only a customer one: an id of
the other realm, even one copied from cookie to cookie, opens an anonymous session.

Login and logout change the id whenever the signed-in identity does: logout calls ``rotate``; the login
use case starts the new session itself, in its own transaction, and the web ``adopt``s it.

A page writes its session at most once, at its end: the data when it changed, else the last-seen time
when it is due (at most once a minute), so reading a page is one transaction with no write.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, Request, Response, request
from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict

from areaclienti.app.ports.repositories import WebSession
from areaclienti.app.use_cases.login import NewSession
from areaclienti.app.use_cases.sessions import USER_AGENT_MAX, SessionManager

_KEEP = object()
# The key of the stored data that names the realm. API tokens use it too ("api"): sessions of the JSON
# API are never site cookies either.
REALM_KEY = "kind"
CUSTOMER = "customer"
OPERATOR = "operator"


@dataclass(frozen=True)
class Realm:
    """One world of sessions: who it is for, its cookie and its lifetimes."""

    name: str
    manager: SessionManager
    cookie_name: str
    samesite: str = "Lax"
    path_prefix: str | None = None  # requests under this path belong here; None: every other request
    signs_in_accounts: bool = True  # only customers' sessions carry an account id

    def owns(self, path: str) -> bool:
        prefix = self.path_prefix
        return prefix is not None and (path == prefix or path.startswith(prefix + "/"))

    def accepts(self, stored: WebSession) -> bool:
        kind = stored.data.get(REALM_KEY)
        if kind == self.name:
            return self.signs_in_accounts or stored.account_id is None
        # Customer sessions written before realms existed carry no kind.
        return kind is None and self.name == CUSTOMER


def _user_agent() -> str | None:
    """The browser's User-Agent, at most as long as the store keeps it (the device on the security page)."""
    return (request.user_agent.string or "")[:USER_AGENT_MAX] or None


class ServerSession(CallbackDict, SessionMixin):
    def __init__(self, manager: SessionManager, initial=None, sid: str | None = None,
                 account_id: str | None = None, stale: bool = False, realm: str = CUSTOMER,
                 unreadable: Exception | None = None, touch_due: bool = False) -> None:
        def on_update(_self) -> None:
            _self.modified = True

        super().__init__(initial or {}, on_update)
        self._manager = manager
        self.sid = sid
        self.account_id = account_id
        self.realm = realm
        self.stale = stale  # the browser sent an id that is no longer valid (or of the other realm)
        # The store could not be read (the database is unavailable): the app raises this again before the
        # view, where the error handlers answer it, and nothing is saved (the cookie stays for the next try).
        self.unreadable = unreadable
        self.modified = False
        self.touch_due = touch_due  # its last-seen time is to be written at the end of the request
        self.adopted = False  # a session another step started (the login): only its cookie is left to set
        self._rotate_to: object = _KEEP

    def rotate(self, account_id: str | None) -> None:
        """Start a new session id for ``account_id`` (None: signed out), dropping the old one.

        Operator sessions never carry a customer account: the back-office keeps its operator in the data.
        """
        if account_id is not None and self.realm != CUSTOMER:
            raise ValueError("only customer sessions sign in an account")
        self._rotate_to = account_id
        self.account_id = account_id
        self.modified = True

    def successor(self, keep: dict) -> NewSession:
        """The session that replaces this one when someone signs in, holding only ``keep``: the login use
        case stores it (and ends this one) in the transaction that records the login; then ``adopt``."""
        return NewSession({**keep, REALM_KEY: self.realm}, replaces=self.sid, user_agent=_user_agent())

    def adopt(self, sid: str, account_id: str | None, keep: dict) -> None:
        """Carry on as the session ``sid`` just stored from ``successor(keep)``: the response sets its cookie."""
        self.clear()
        self.update(keep)
        self.sid, self.account_id, self.adopted = sid, account_id, True
        self._rotate_to = _KEEP
        self.modified = self.touch_due = False

    @property
    def rotation_requested(self) -> bool:
        return self._rotate_to is not _KEEP

    @property
    def id_hash(self) -> str | None:
        return None if self.sid is None else self._manager.id_hash(self.sid)


class ServerSessionInterface(SessionInterface):
    def __init__(self, realms: Realm | list[Realm], secure: bool) -> None:
        self.realms = [realms] if isinstance(realms, Realm) else list(realms)
        defaults = [r for r in self.realms if r.path_prefix is None]
        if len(defaults) != 1:
            raise ValueError("exactly one realm serves the requests outside every prefix")
        self.default = defaults[0]
        self.secure = secure

    def realm_for(self, path: str) -> Realm:
        return next((r for r in self.realms if r.owns(path)), self.default)

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        realm = self.realm_for(request.path)
        sid = request.cookies.get(realm.cookie_name)
        try:
            stored = realm.manager.load(sid, realm.accepts, touch=False) if sid else None
        except Exception as error:  # raised here, Flask could not even render an error page (no session)
            return ServerSession(realm.manager, realm=realm.name, unreadable=error)
        if stored is None:
            return ServerSession(realm.manager, stale=bool(sid), realm=realm.name)
        data = {k: v for k, v in stored.data.items() if k != REALM_KEY}
        account_id = stored.account_id if realm.signs_in_accounts else None
        return ServerSession(realm.manager, data, sid, account_id, realm=realm.name,
                             touch_due=realm.manager.touch_due(stored))

    def save_session(self, app: Flask, session: ServerSession, response: Response) -> None:  # type: ignore[override]
        if session.unreadable is not None:
            return
        realm = next(r for r in self.realms if r.name == session.realm)
        data = {**dict(session), REALM_KEY: realm.name}
        if session.rotation_requested:
            session.sid = realm.manager.rotate(session.sid, session.account_id, data, _user_agent())
            self._set_cookie(realm, response, session.sid)
        elif session.sid is None:
            if session.modified and len(session):
                session.sid = realm.manager.create(data, user_agent=_user_agent())
                self._set_cookie(realm, response, session.sid)
            elif session.stale:
                response.delete_cookie(realm.cookie_name, path="/", secure=self.secure, httponly=True,
                                       samesite=realm.samesite)
        else:
            if session.modified or session.touch_due:
                realm.manager.save(session.sid, data if session.modified else None)
            if session.adopted:
                self._set_cookie(realm, response, session.sid)
        response.vary.add("Cookie")

    def _set_cookie(self, realm: Realm, response: Response, sid: str) -> None:
        # Path=/ for both: a __Host- cookie must have it, so the back-office cookie reaches every page and
        # is told apart by its name and by the realm written in the stored data.
        response.set_cookie(realm.cookie_name, sid, path="/", secure=self.secure, httponly=True,
                            samesite=realm.samesite)
